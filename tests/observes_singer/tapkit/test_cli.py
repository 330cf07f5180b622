"""The tap kit's command line: one error line, and the traceback only when asked for."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from observes_singer.tapkit.cli import failure_line
from tests.support.paths import console_script

FAST = {"OBSERVES_HTTP_BACKOFF": "0.01", "OBSERVES_HTTP_TRIES": "1"}


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize(("flag", "debug_env"), [([], ""), (["--debug"], ""), ([], "1")])
def test_the_traceback_shows_only_when_asked_for(tmp_path: Path, flag: list[str],
                                                 debug_env: str) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_url": refused_url(), "api_key": "k-1234567",
                                  "account_id": "a1"}))
    env = {**os.environ, **FAST, "OBSERVES_DEBUG": debug_env}
    result = subprocess.run([console_script("tap-checkly"), "--config", str(config), *flag],
                            capture_output=True, text=True, timeout=60, check=False, env=env)
    assert result.returncode == 1
    assert ("Traceback" in result.stderr) == bool(flag or debug_env)
    assert result.stderr.splitlines()[-1].startswith(
        "tap-checkly: error: no answer from Checkly for alert_channels (/v1/alert-channels)")


def test_a_failure_line_is_one_line_with_secrets_masked() -> None:
    error = ValueError("bad token sekrit-123\n  at line 2")
    assert failure_line(error, {"sekrit-123"}) == "ValueError: bad token *** at line 2"
