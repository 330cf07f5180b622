"""DuckDB draws a progress bar on standard output for a statement that runs over its
``progress_bar_time`` (2 s), terminal or not. The target's stdout carries its STATE
messages, so the target's connection draws none: a slow load on a busy machine once put
one in front of a STATE line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

SLOW_STATEMENT = """
import sys
from target_redshift.config import Database
from target_redshift.dialects.duckdb import DuckDBDialect

dialect = DuckDBDialect(Database("duckdb", path=sys.argv[1]))
if sys.argv[2] == "bar":
    dialect.execute("SET enable_progress_bar = true")
    dialect.execute("SET enable_progress_bar_print = true")
dialect.execute("SET progress_bar_time = 0")  # every statement counts as slow
dialect.execute("SELECT sum(i) FROM range(30000000) t(i)")
dialect.close()
print('{"type": "STATE", "value": {"done": true}}')
"""


def _stdout(tmp_path: Path, mode: str) -> bytes:
    run = subprocess.run([sys.executable, "-c", SLOW_STATEMENT, str(tmp_path / "q.duckdb"),
                          mode], capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    return run.stdout


def test_the_target_s_duckdb_draws_no_progress_bar_on_stdout(tmp_path: Path) -> None:
    drawn = _stdout(tmp_path, "bar")
    assert b"%" in drawn and b"\r" in drawn  # what DuckDB draws when it may

    out = _stdout(tmp_path, "quiet")
    assert [orjson.loads(line) for line in out.split(b"\n") if line] == [
        {"type": "STATE", "value": {"done": True}}]
