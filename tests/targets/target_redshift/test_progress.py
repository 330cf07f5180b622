"""A long run is never silent: a progress line every interval, and a summary at the end."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson

from tests.support.warehouses import Warehouse, run_target
from tests.targets.target_redshift.test_integrity import KEYED
from tests.targets.target_redshift.test_loading import record, schema_message


def _slow_run(tmp_path: Path, stderr: int) -> subprocess.Popen[bytes]:
    config = tmp_path / "config.json"
    config.write_bytes(orjson.dumps({"url": f"duckdb://{tmp_path / 'w.duckdb'}",
                                     "batch_size_records": 2}))
    process = subprocess.Popen(
        [sys.executable, "-m", "target_redshift.cli", "--config", str(config)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr,
        env={**os.environ, "OBSERVES_PROGRESS_SECONDS": "0.2"})
    assert process.stdin is not None
    process.stdin.write(orjson.dumps(schema_message("slow", KEYED, ["id"])) + b"\n")
    process.stdin.flush()
    return process


def _feed_slowly(process: subprocess.Popen[bytes], enough: threading.Event) -> int:
    """Write a record every 0.3 s until the test has seen enough progress lines (however
    long a loaded machine takes to start the target), then end the input: how many."""
    assert process.stdin is not None
    written = 0
    while written < 6 or (not enough.is_set() and written < 400):
        process.stdin.write(orjson.dumps(record("slow", {"id": written, "v": "x"})) + b"\n")
        process.stdin.flush()
        written += 1
        time.sleep(0.3)
    process.stdin.close()
    return written


def _feeding(process: subprocess.Popen[bytes], enough: threading.Event
             ) -> tuple[threading.Thread, list[int]]:
    written: list[int] = []
    feeder = threading.Thread(target=lambda: written.append(_feed_slowly(process, enough)))
    feeder.start()
    return feeder, written


def test_progress_lines_while_the_input_runs(tmp_path: Path) -> None:
    process = _slow_run(tmp_path, subprocess.PIPE)
    assert process.stderr is not None
    enough = threading.Event()
    feeder, written = _feeding(process, enough)
    lines: list[str] = []
    for raw in process.stderr:
        line = raw.decode()
        if "records read" in line:
            lines.append(line)
            if len(lines) >= 3:
                enough.set()
    feeder.join()
    assert process.wait(timeout=60) == 0, lines
    assert len(lines) >= 3, lines
    assert lines[-1].startswith(f"target-redshift: {written[0]} records read, ")
    assert "rows written" in lines[-1] and "records/s, stream slow" in lines[-1]


def test_on_a_terminal_the_line_is_redrawn_in_place(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    process = _slow_run(tmp_path, follower)
    os.close(follower)
    enough = threading.Event()
    feeder, written = _feeding(process, enough)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal's other side closed
            break
        if not chunk:
            break
        output += chunk
        if output.count(b"\r\x1b[Ktarget-redshift: ") >= 3:
            enough.set()
    feeder.join()
    process.wait(timeout=60)
    os.close(leader)
    assert process.returncode == 0, output
    assert b"\r\x1b[Ktarget-redshift: " in output
    drawn = output.split(f"{written[0]} records loaded".encode())[0]
    assert drawn.count(b"records read") >= 3 and drawn.count(b"records read\n") == 0


def test_the_summary_counts_rows_written_and_rows_held(fast_warehouse: Warehouse) -> None:
    first = [schema_message("u", KEYED, ["id"])] + [
        record("u", {"id": n, "v": "a", "tags": ["t"]}) for n in range(5)]
    assert run_target(fast_warehouse, first, load_method="upsert").returncode == 0
    again = [schema_message("u", KEYED, ["id"]), record("u", {"id": 9, "v": "b", "tags": []})]
    result = run_target(fast_warehouse, again, load_method="upsert")
    assert result.returncode == 0, result.stderr
    assert "analytics.u: 1 rows written; 6 rows in the table" in result.stderr
    assert "analytics.u__tags: 0 rows written; 5 rows in the table" in result.stderr
