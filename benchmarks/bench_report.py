"""Benchmark of ``observes report``: a deployment of ``--jobs`` jobs with ``--runs`` runs
each, three tables a run.

- ``render``: the page from the report in memory (``html.render``), its size;
- ``observes report``: the whole command on a run ledger on disk (one record a run, as
  ``observes run`` writes them), ``--history`` the runs of each job, as a process, its
  peak RSS beside it.

Usage: python benchmarks/bench_report.py [--jobs 20] [--runs 1000] [--keep FOLDER]
(the ledger, written record by record with an fsync each, takes minutes: --keep FOLDER
writes it once, and later runs read it)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.peak_memory import high_water_mb  # noqa: E402
from observes_singer.jobs.ledger import record_run  # noqa: E402
from observes_singer.report.html import render  # noqa: E402
from observes_singer.store.storage import BlobStore  # noqa: E402
from tests.observes_singer.report.large import large_report  # noqa: E402


def write_ledger(root: Path, jobs: int, runs: int) -> None:
    """The job files and the ledger records of the large report's jobs."""
    report = large_report(jobs, runs)
    (root / "jobs").mkdir(parents=True, exist_ok=True)
    blobs = BlobStore()
    for job in report.jobs:
        max_age = job.freshness.max_age or timedelta(hours=26)
        (root / "jobs" / f"{job.name}.toml").write_text(
            f"command = {json.dumps([sys.executable, '-c', 'pass'])}\n"
            f'max_age = "{int(max_age.total_seconds()) // 3600}h"\n')
        for run in job.successes:
            started = run.finished_at - timedelta(seconds=run.duration_seconds or 0)
            record_run(blobs, f"{root / 'store'}/", job.name, run.run_id, started,
                       run.finished_at, report={"records": run.records,
                                                "tables": dict(run.tables)})


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

    report = large_report(args.jobs, args.runs)
    started = time.perf_counter()
    page = render(report).encode()
    seconds = time.perf_counter() - started
    print(f"render          {args.jobs} jobs x {args.runs:,} runs: {seconds:.3f} s, "
          f"{len(page):,} bytes")

    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        if not (root / "store").exists():  # a --keep folder is written once
            started = time.perf_counter()
            write_ledger(root, args.jobs, args.runs)
            print(f"(ledger of {args.jobs * args.runs:,} records written in "
                  f"{time.perf_counter() - started:.1f} s)")
        env = {**os.environ, "OBSERVES_JOBS_DIR": str(root / "jobs"),
               "OBSERVES_STATE_STORE": str(root / "store")}
        out = root / "report.html"
        seconds, peak = measure([sys.executable, "-m", "observes_singer.cli", "report",
                                 "--out", str(out), "--history", str(args.runs)], env)
        print(f"observes report {args.jobs} jobs x {args.runs:,} runs from the ledger: "
              f"{seconds:.2f} s, {out.stat().st_size:,} bytes, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
