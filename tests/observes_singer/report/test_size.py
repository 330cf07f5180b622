"""The report of a long-lived deployment stays quick to make and light to open: 20 jobs of
1,000 runs each render in under 2 s into under 2 MB (the time with room for a loaded
machine; benchmarks/bench_report.py measures it alone)."""

from __future__ import annotations

import time

from observes_singer.report.html import render
from tests.observes_singer.report.large import large_report
from tests.observes_singer.report.page import parse

LIMIT_BYTES = 2_000_000
LIMIT_SECONDS = 2.0
#: Room for a machine busy with other work: the limit is checked alone by the benchmark.
LOADED_MACHINE = 3


def test_20_jobs_of_1000_runs_render_in_under_2_s_and_2_mb() -> None:
    report = large_report(jobs=20, runs=1000, tables=3)

    started = time.perf_counter()
    page = render(report).encode()
    seconds = time.perf_counter() - started

    print(f"20 jobs x 1,000 runs: {len(page):,} bytes in {seconds:.3f} s")
    assert len(page) < LIMIT_BYTES
    assert seconds < LIMIT_SECONDS * LOADED_MACHINE
    # Every run is a point: 4 charts a job (records and 3 tables) over its successes.
    charts = parse(page.decode()).all("svg", "chart")
    successes = sum(run.succeeded for run in report.jobs[0].runs)
    assert len(charts) == 20 * 4
    assert {chart.attrs["data-points"] for chart in charts} == {str(successes)}
