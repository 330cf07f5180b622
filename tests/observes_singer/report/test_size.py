"""The report of a long-lived deployment stays quick to make and light to open: 20 jobs of
1,000 runs each render in under 2 s into under 2 MB, with three tables a run as with 12
(as many as a job's charts show, so the most chart bytes a job can take); and the whole
``observes report`` on a ledger of those runs on disk takes under 2 s too, not counting
the time it waited for a core while other tests ran (benchmarks/bench_report.py measures
both alone)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from observes_singer.report.html import TABLE_CHARTS, render
from tests.observes_singer.report.large import large_report, write_ledger
from tests.observes_singer.report.page import parse, points

LIMIT_BYTES = 2_000_000
LIMIT_SECONDS = 2.0
#: Runs of the command, the quickest of which is held to the limit: a moment when the
#: machine is busy with other work does not fail the test, a slower command does.
ATTEMPTS = 3
#: The command run as ``python -m observes_singer.cli``, which on leaving writes to a file
#: how long its thread waited for a core (Linux's /proc/self/schedstat: time on a core,
#: time runnable but waiting, in ns).
TIMED_COMMAND = """
import atexit, runpy, sys
out = sys.argv.pop(1)

def note() -> None:
    try:
        with open("/proc/self/schedstat") as stats, open(out, "w") as dest:
            dest.write(stats.read())
    except OSError:
        pass

atexit.register(note)
runpy.run_module("observes_singer.cli", run_name="__main__", alter_sys=True)
"""


def own_seconds(wall: float, schedstat: Path) -> float:
    """``wall`` less the time the command was ready to run but waited for a core: other
    work on the machine (the rest of a parallel test run) is not the command's time, but
    anything it waits on itself (its disk, its threads handing the GIL to each other) is."""
    try:
        waited_ns = int(schedstat.read_text().split()[1])
    except (OSError, IndexError, ValueError):  # no schedstat: the wall time
        return wall
    return wall - waited_ns / 1e9


@pytest.mark.parametrize("tables", [3, TABLE_CHARTS])
def test_20_jobs_of_1000_runs_render_in_under_2_s_and_2_mb(tables: int) -> None:
    report = large_report(jobs=20, runs=1000, tables=tables)

    started = time.perf_counter()
    page = render(report).encode()
    seconds = time.perf_counter() - started

    print(f"20 jobs x 1,000 runs, {tables} tables a run: {len(page):,} bytes in "
          f"{seconds:.3f} s")
    assert len(page) < LIMIT_BYTES
    assert seconds < LIMIT_SECONDS
    # Every run is a point: a chart a job for its records and one a table, each drawing
    # every success.
    parsed = parse(page.decode())
    charts = parsed.all("svg", "chart")
    successes = sum(run.succeeded for run in report.jobs[0].runs)
    assert len(charts) == 20 * (1 + tables)
    assert {chart.attrs["data-points"] for chart in charts} == {str(successes)}
    assert {points(line) for line in parsed.all("polyline")} == {successes}


@pytest.mark.slow
def test_observes_report_of_20_jobs_of_1000_runs_on_disk_takes_under_2_s(
        tmp_path: Path) -> None:
    report = large_report(jobs=20, runs=1000)
    records = write_ledger(tmp_path, report)
    out = tmp_path / "report.html"
    env = {**os.environ, "OBSERVES_JOBS_DIR": str(tmp_path / "jobs"),
           "OBSERVES_STATE_STORE": str(tmp_path / "store")}

    times: list[float] = []
    walls: list[float] = []
    schedstat = tmp_path / "schedstat"
    while len(times) < ATTEMPTS and not any(t < LIMIT_SECONDS for t in times):
        schedstat.unlink(missing_ok=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", TIMED_COMMAND, str(schedstat), "report",
                               "--out", str(out), "--history", "1000"], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        walls.append(time.perf_counter() - started)
        times.append(own_seconds(walls[-1], schedstat))
        assert done.returncode == 0, done.stderr

    print(f"observes report, {records:,} records: "
          + ", ".join(f"{own:.2f} s ({wall:.2f} s with the waits for a core)"
                      for own, wall in zip(times, walls, strict=True)))
    assert min(times) < LIMIT_SECONDS
    stale = sum(job.freshness.stale for job in report.jobs)
    assert done.stdout == (f"observes report: wrote {out} (20 jobs, {stale} needing "
                           f"attention, {out.stat().st_size:,} bytes)\n")
    assert done.stderr == ""
    # Every record read: each job's charts draw its 973 successes.
    successes = sum(run.succeeded for run in report.jobs[0].runs)
    assert records == 20 * successes == 19_460
    charts = parse(out.read_text()).all("svg", "chart")
    assert len(charts) == 20 * 4
    assert {chart.attrs["data-points"] for chart in charts} == {str(successes)}
