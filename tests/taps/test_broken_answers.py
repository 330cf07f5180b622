"""Every installed tap against a source that answers wrong: a refused connection, 401,
404, 500 until the tries run out, HTML in a 200, truncated JSON, and a broken state.

Each ends the same way: a non-zero exit, one ``tap-x: error:`` line naming the source
(and the stream, when one was being read), no traceback, and no secret on stdout or
stderr. The taps are the ``tap-*`` console scripts of pyproject.toml, so a new tap is
tried as soon as it is installed: it only needs its minimal settings in
:data:`SETTINGS`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from observes_singer.tapkit.fake_api.server import FakeAPI, Reply, Request
from tests.support.paths import REPO, console_script

TOKEN = "sekrit-0f3e9a71c2"
OTHER_TOKEN = "sekrit-b81d77e4aa"
FAST_RETRIES = {"OBSERVES_HTTP_BACKOFF": "0.01", "OBSERVES_HTTP_TRIES": "2",
                "AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard",
                "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY", "AWS_SECRET_ACCESS_KEY": OTHER_TOKEN,
                "AWS_DEFAULT_REGION": "us-east-1"}


def tap_scripts() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    return sorted(name for name in project["project"]["scripts"] if name.startswith("tap-"))


@dataclass(frozen=True)
class Tap:
    """How to point a tap at the broken source: its settings for the source's URL and
    a folder, and the word that names its source in a message."""

    settings: Callable[[str, Path], dict[str, Any]]
    source: str
    state: dict[str, Any] | None = None
    """A state that cannot be right for this tap; None: the tap takes no state."""
    answers: tuple[str, ...] = ()
    """The broken answers it can meet; by default all."""


def _git(url: str, folder: Path) -> dict[str, Any]:
    return {"repositories": [{"url": f"{url}/group/app.git", "group": "group"}],
            "token": TOKEN, "clone_dir": str(folder / "clones")}


SETTINGS: dict[str, Tap] = {
    "tap-gitlab": Tap(lambda url, _: {"api_url": url, "private_token": TOKEN,
                                      "projects": ["group/app"]}, "GitLab",
                      {"bookmarks": {"issues": {"partitions": "group/app"}}}),
    "tap-checkly": Tap(lambda url, _: {"api_url": url, "api_key": TOKEN, "account_id": "a1"},
                       "Checkly", {"bookmarks": {"check_alerts": {
                           "replication_key": "created_at",
                           "replication_key_value": "yesterday"}}}),
    "tap-timedoctor": Tap(lambda url, _: {"api_url": url, "token": TOKEN,
                                          "company_id": "c1"}, "Time Doctor",
                          {"bookmarks": []}),
    "tap-zoho-crm": Tap(lambda url, folder: {
        "client_id": "1000.CLIENT", "client_secret": TOKEN, "refresh_token": OTHER_TOKEN,
        "accounts_url": url, "api_url": url, "modules": ["Leads"],
        "ledger_url": str(folder / "ledger.json")}, "Zoho", {"bookmarks": []}),
    "tap-dynamo": Tap(lambda url, _: {"tables": ["orders"], "endpoint_url": url,
                                      "region": "us-east-1", "max_attempts": 2,
                                      "aws_access_key_id": "AKIAEXAMPLEKEY",
                                      "aws_secret_access_key": TOKEN}, "DynamoDB",
                      {"bookmarks": {"orders": "yesterday"}}),
    # git falls back to its dumb protocol on an answer that is not git's, and reads an
    # HTML page as an empty repository: tap-git meets no HTML nor JSON.
    "tap-git": Tap(_git, "group/app", {"bookmarks": {"commits": []}},
                   ("refused", "401", "404", "500")),
    "tap-singer-replay": Tap(lambda url, _: {"url": "s3://backups/gitlab/",
                                             "endpoint_url": url}, "S3"),
}


class BrokenSource(FakeAPI):
    """A source that answers every request the same way."""

    def __init__(self, reply: Reply) -> None:
        super().__init__()
        self.reply = reply

    def answer(self, request: Request) -> Reply:
        return self.reply


HTML = Reply(200, b"<!DOCTYPE html><html><body>Down for maintenance</body></html>",
             content_type="text/html")
TRUNCATED = Reply(200, b'{"data": [{"id": 1, "name": "Ad', content_type="application/json")
ANSWERS: dict[str, Reply | None] = {
    "refused": None,
    "401": Reply(401, {"message": "401 Unauthorized"}),
    "404": Reply(404, {"message": "404 Not Found"}),
    "500": Reply(500, {"message": "500 Internal Server Error"}),
    "html": HTML,
    "truncated-json": TRUNCATED,
}


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def source_url(request: pytest.FixtureRequest, closed_port_url: str) -> Iterator[str]:
    reply = ANSWERS[request.param]
    if reply is None:
        yield closed_port_url
        return
    with BrokenSource(reply) as server:
        yield server.url


def run(script: str, folder: Path, settings: dict[str, Any],
        state: Any = None) -> subprocess.CompletedProcess[str]:
    config = folder / "config.json"
    config.write_text(json.dumps(settings))
    args = [console_script(script), "--config", str(config)]
    if state is not None:
        (folder / "state.json").write_text(json.dumps(state))
        args += ["--state", str(folder / "state.json")]
    env = {k: v for k, v in os.environ.items() if k != "OBSERVES_DEBUG"}
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False,
                          stdin=subprocess.DEVNULL, env={**env, **FAST_RETRIES})


def error_lines(script: str, result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(f"{script}: ")]


def assert_one_clear_line(script: str, result: subprocess.CompletedProcess[str],
                          *names: str) -> str:
    """Non-zero, one error line naming each of ``names``, no traceback, no secret."""
    assert result.returncode != 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = error_lines(script, result)
    assert len(lines) == 1, result.stderr[-3000:]
    line = lines[0]
    assert line.startswith(f"{script}: error: "), line
    for name in names:
        assert name.lower() in line.lower(), line
    for secret in (TOKEN, OTHER_TOKEN):
        assert secret not in result.stdout + result.stderr
    return line


def test_every_tap_has_minimal_settings() -> None:
    """A tap installed without an entry in SETTINGS would go untried."""
    assert sorted(SETTINGS) == tap_scripts()


@pytest.mark.parametrize("source_url", list(ANSWERS), indirect=True)
@pytest.mark.parametrize("script", tap_scripts())
def test_a_broken_answer_ends_in_one_line(script: str, source_url: str, tmp_path: Path,
                                          request: pytest.FixtureRequest) -> None:
    tap = SETTINGS[script]
    answer = request.node.callspec.params["source_url"]
    if tap.answers and answer not in tap.answers:
        pytest.skip(f"{script} meets no {answer} answer")
    result = run(script, tmp_path, tap.settings(source_url, tmp_path))
    assert_one_clear_line(script, result, tap.source)


def test_a_missing_repository_ends_in_one_line(tmp_path: Path) -> None:
    settings = {"repositories": [{"path": str(tmp_path / "nowhere"), "group": "group"}]}
    assert_one_clear_line("tap-git", run("tap-git", tmp_path, settings), "nowhere")


@pytest.mark.parametrize("script", [s for s in tap_scripts() if SETTINGS[s].state])
def test_a_broken_state_ends_in_one_line(script: str, tmp_path: Path,
                                         closed_port_url: str) -> None:
    tap = SETTINGS[script]
    result = run(script, tmp_path, tap.settings(closed_port_url, tmp_path), tap.state)
    line = assert_one_clear_line(script, result, "--state", "observes state")
    bookmarks = (tap.state or {}).get("bookmarks")
    if isinstance(bookmarks, dict):
        assert f"stream {next(iter(bookmarks))}" in line


@pytest.mark.parametrize("script", [s for s in tap_scripts() if SETTINGS[s].state])
def test_a_state_that_is_not_an_object_ends_in_one_line(script: str, tmp_path: Path,
                                                        closed_port_url: str) -> None:
    tap = SETTINGS[script]
    result = run(script, tmp_path, tap.settings(closed_port_url, tmp_path), ["x"])
    assert "an array" in assert_one_clear_line(script, result, "--state", "observes state")


