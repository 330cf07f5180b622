"""Benchmark of ``observes report``: a deployment of ``--jobs`` jobs with ``--runs`` runs
each (one in 37 failed).

- ``render``: the page from the report in memory (``html.render``), its size, with three
  tables a run and with 12 (as many as a job's charts show);
- ``observes report``: the whole command on a run ledger on disk (one file a successful
  run, as ``observes run`` writes them, three tables a run), ``--history`` the runs of
  each job, as a process, its peak RSS beside it; and beside that the floor of a ledger
  of one file a record: a Python process that lists the ledger and reads every record's
  bytes.

Usage: python benchmarks/bench_report.py [--jobs 20] [--runs 1000] [--keep FOLDER]
(--keep FOLDER writes the ledger there once, and later runs read it)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.peak_memory import high_water_mb  # noqa: E402
from observes_singer.report.html import render  # noqa: E402
from tests.observes_singer.report.large import large_report, write_ledger  # noqa: E402

#: The floor: what any reader of a ledger of one file a record does.
READ_EVERY_RECORD = """
import os, sys
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(folder, name), "rb", buffering=0) as record:
            record.readall()
"""


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, high_water_mb(process.pid))
        time.sleep(0.02)
    if process.returncode != 0:
        raise SystemExit(f"{command!r} failed")
    return time.perf_counter() - started, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="write the ledger and the page here")
    args = parser.parse_args()

    for tables in (3, 12):
        report = large_report(args.jobs, args.runs, tables)
        started = time.perf_counter()
        page = render(report).encode()
        seconds = time.perf_counter() - started
        print(f"render          {args.jobs} jobs x {args.runs:,} runs, {tables} tables a run: "
              f"{seconds:.3f} s, {len(page):,} bytes")

    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        if not (root / "store").exists():  # a --keep folder is written once
            started = time.perf_counter()
            written = write_ledger(root, large_report(args.jobs, args.runs))
            print(f"(ledger of {written:,} records written in "
                  f"{time.perf_counter() - started:.1f} s)")
        env = {**os.environ, "OBSERVES_JOBS_DIR": str(root / "jobs"),
               "OBSERVES_STATE_STORE": str(root / "store")}
        out = root / "report.html"
        seconds, peak = measure([sys.executable, "-m", "observes_singer.cli", "report",
                                 "--out", str(out), "--history", str(args.runs)], env)
        floor, _ = measure([sys.executable, "-c", READ_EVERY_RECORD,
                            str(root / "store" / "runs")], env)
        print(f"observes report {args.jobs} jobs x {args.runs:,} runs from the ledger: "
              f"{seconds:.2f} s, {out.stat().st_size:,} bytes, peak RSS {peak:.0f} MB "
              f"(floor, a process reading every record: {floor:.2f} s)")


if __name__ == "__main__":
    main()
