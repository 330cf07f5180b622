"""DuckDB's row spool is private to the run, and a killed run's spool is removed later."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import orjson

SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"},
                                           "secret": {"type": "string"}}}


def _start(tmp_path: Path, temp: Path) -> subprocess.Popen[bytes]:
    config = tmp_path / "config.json"
    config.write_bytes(orjson.dumps({"url": f"duckdb://{tmp_path / 'w.duckdb'}",
                                     "batch_size_records": 1}))
    return subprocess.Popen(
        [sys.executable, "-m", "target_redshift.cli", "--config", str(config)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(temp)})


def _spools(temp: Path) -> list[Path]:
    return sorted(p for p in temp.iterdir() if p.name.startswith("target-redshift-spool-"))


def test_the_spool_is_private_and_a_killed_runs_spool_goes_next_time(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    target = _start(tmp_path, temp)
    assert target.stdin is not None
    target.stdin.write(orjson.dumps({"type": "SCHEMA", "stream": "s", "schema": SCHEMA,
                                     "key_properties": ["id"]}) + b"\n")
    for n in range(3):
        target.stdin.write(orjson.dumps({"type": "RECORD", "stream": "s", "record": {
            "id": n, "secret": "row-data-4821"}}) + b"\n")
    target.stdin.flush()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        spools = _spools(temp)
        if spools and any(f.stat().st_size for f in spools[0].iterdir()):
            break
        time.sleep(0.05)
    (folder,) = _spools(temp)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (spool,) = folder.iterdir()
    assert stat.S_IMODE(spool.stat().st_mode) == 0o600
    target.send_signal(signal.SIGKILL)
    target.wait(timeout=30)
    assert _spools(temp) == [folder]  # a SIGKILL cleans nothing up ...

    again = _start(tmp_path, temp)
    _, stderr = again.communicate(orjson.dumps({"type": "SCHEMA", "stream": "s",
                                                "schema": SCHEMA}) + b"\n", timeout=60)
    assert again.returncode == 0, stderr
    assert _spools(temp) == []  # ... the next run does, and its own goes with it
