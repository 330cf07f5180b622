"""Peak memory of target-redshift on one record with millions of list items.

A record of about 60 MB (``--items`` list items of a few fields each) is loaded into a
DuckDB file twice, each time by a fresh ``target-redshift`` process reaped with ``wait4``
so that its peak RSS is its own:

- ``parsed whole``: the baseline, the line parsed with orjson as any other (streaming
  turned off with ``OBSERVES_LARGE_RECORD_BYTES``);
- ``streamed``: the default, the line read with the streaming parser and its list
  loaded in chunks.

Usage: python benchmarks/bench_large_record.py [--items 2000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "n": {"type": "integer"}, "s": {"type": "string"}}}}}}


def make_input(path: Path, items: int) -> int:
    """Written piece by piece: this process stays small, and so do the children it forks
    (a child's peak RSS counts what it shared with its parent before it ran the target)."""
    with path.open("wb") as out:
        out.write(orjson.dumps({"type": "SCHEMA", "stream": "big", "schema": SCHEMA,
                                "key_properties": ["id"]}) + b"\n")
        start = out.tell()
        out.write(b'{"type":"RECORD","stream":"big","record":{"id":1,"items":[')
        for first in range(0, items, 10_000):
            piece = b",".join(orjson.dumps({"n": n, "s": "abcdefgh"})
                              for n in range(first, min(items, first + 10_000)))
            out.write((b"," if first else b"") + piece)
        out.write(b"]}}")
        size = out.tell() - start
        out.write(b"\n")
    return size


def measure(work: Path, source: Path, env: dict[str, str]) -> tuple[float, float]:
    database = work / "w.duckdb"
    database.unlink(missing_ok=True)
    config = work / "config.json"
    config.write_bytes(orjson.dumps({"url": f"duckdb://{database}"}))
    start = time.perf_counter()
    with source.open("rb") as stdin:
        process = subprocess.Popen(
            [sys.executable, "-m", "target_redshift.cli", "--config", str(config)],
            stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        assert process.stderr is not None
        stderr = process.stderr.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"target-redshift failed:\n{stderr}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2_000_000)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "targets"), str(root)])}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / "input.jsonl"
        size = make_input(source, args.items)
        print(f"one record of {args.items:,} list items ({size / 1e6:,.0f} MB), into DuckDB:")
        for label, extra in (("parsed whole", {"OBSERVES_LARGE_RECORD_BYTES": str(1 << 40)}),
                             ("streamed", {})):
            seconds, peak = measure(work, source, {**env, **extra})
            print(f"  {label:<14} {args.items / seconds:>12,.0f} items/s {seconds:8.2f} s  "
                  f"peak RSS {peak:8.1f} MB")


if __name__ == "__main__":
    main()
