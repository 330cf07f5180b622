"""DuckDB's memory cap fits the widest table: a wide full refresh commits, and a COMMIT
DuckDB refuses is one line naming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import orjson
import pytest

COLUMNS = 1000
ROWS = 3000


def _wide_input(path: Path) -> None:
    """A full refresh of one table of 1,000 text columns and 3,000 rows (127 MB): with
    DuckDB's cap at 256 MB its COMMIT fails for want of memory."""
    properties = {f"c{i}": {"type": ["null", "string"]} for i in range(COLUMNS)}
    with path.open("wb") as out:
        out.write(orjson.dumps({"type": "SCHEMA", "stream": "wide", "key_properties": ["id"],
                                "schema": {"type": "object", "properties": {
                                    "id": {"type": "integer"}, **properties}}}) + b"\n")
        for row in range(ROWS):
            record = {"id": row, **{f"c{i}": f"value {row} of column {i} xxxxxxxx"
                                    for i in range(COLUMNS)}}
            out.write(orjson.dumps({"type": "RECORD", "stream": "wide",
                                    "record": record}) + b"\n")
        out.write(b'{"type": "STATE", "value": {"wide": "done"}}\n')


def _run(tmp_path: Path, source: Path, prelude: str = "") -> subprocess.CompletedProcess[bytes]:
    config = tmp_path / "config.json"
    config.write_bytes(orjson.dumps({"url": f"duckdb://{tmp_path / 'w.duckdb'}",
                                     "add_record_metadata": False}))
    code = (f"import sys\n{prelude}\nfrom target_redshift.cli import main\n"
            f"sys.exit(main(['--config', {str(config)!r}]))")
    with source.open("rb") as stdin:
        return subprocess.run([sys.executable, "-c", code], stdin=stdin,
                              capture_output=True, timeout=300)


@pytest.mark.slow
def test_a_wide_full_refresh_commits_and_a_refused_commit_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "wide.jsonl"
    _wide_input(source)

    # The cap of narrow tables alone: DuckDB refuses the COMMIT, in one line, and the
    # state is not emitted.
    refused = _run(tmp_path, source,
                   "import target_redshift.dialects.duckdb as d; d.MEMORY_PER_COLUMN_MB = 0")
    stderr = refused.stderr.decode()
    assert refused.returncode == 1, stderr
    assert "Traceback" not in stderr
    (line,) = [text for text in stderr.splitlines() if "error:" in text]
    assert "duckdb:" in line and "Failed to commit" in line and "(in: COMMIT)" in line
    assert "Possible solutions" not in stderr and "SET threads" not in stderr
    assert refused.stdout == b""

    loaded = _run(tmp_path, source)
    assert loaded.returncode == 0, loaded.stderr.decode()
    assert orjson.loads(loaded.stdout) == {"wide": "done"}, loaded.stdout[:300]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as conn:
        (count,) = conn.execute("SELECT count(*) FROM main.wide").fetchone() or (0,)
        (last,) = conn.execute(f'SELECT "c{COLUMNS - 1}" FROM main.wide WHERE id = ?',
                               [ROWS - 1]).fetchone() or ("",)
    assert count == ROWS
    assert last == f"value {ROWS - 1} of column {COLUMNS - 1} xxxxxxxx"
