"""target-s3 is never silent either: a progress line every interval while it writes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import orjson

SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}}}


def test_progress_lines_while_the_input_runs(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_bytes(orjson.dumps({"url": str(tmp_path / "bucket"), "format": "jsonl"}))
    process = subprocess.Popen(
        [sys.executable, "-m", "target_s3.cli", "--config", str(config)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "OBSERVES_PROGRESS_SECONDS": "0.2"})
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(orjson.dumps({"type": "SCHEMA", "stream": "ticks", "schema": SCHEMA,
                                      "key_properties": ["id"]}) + b"\n")
    for n in range(5):
        process.stdin.write(orjson.dumps({"type": "RECORD", "stream": "ticks",
                                          "record": {"id": n}}) + b"\n")
        process.stdin.flush()
        time.sleep(0.3)
    process.stdin.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, stderr
    lines = [line for line in stderr.splitlines() if "records read" in line]
    assert len(lines) >= 3, stderr
    assert lines[-1].startswith("target-s3: 5 records read, ")
    assert lines[-1].endswith("stream ticks")
