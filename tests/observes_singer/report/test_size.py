"""The report of a long-lived deployment stays quick to make and light to open: 20 jobs of
1,000 runs each render in under 2 s into under 2 MB, with three tables a run as with 12
(as many as a job's charts show, so the most chart bytes a job can take;
benchmarks/bench_report.py measures it alone)."""

from __future__ import annotations

import time

import pytest

from observes_singer.report.html import TABLE_CHARTS, render
from tests.observes_singer.report.large import large_report
from tests.observes_singer.report.page import parse, points

LIMIT_BYTES = 2_000_000
LIMIT_SECONDS = 2.0


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

