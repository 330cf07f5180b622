"""The report's charts, as inline SVG: a job's run strip and a line of counts per run.

Every text that comes from data goes through :func:`html.escape`, attributes included.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from html import escape

from observes_singer.jobs.durations import format_duration
from observes_singer.report.model import Run

STRIP_BAR = 8  # px per run, gap included
STRIP_HEIGHT = 24
CHART_WIDTH = 240
CHART_HEIGHT = 40


def run_strip(runs: Sequence[Run]) -> str:
    """One bar per run, oldest on the left: its height the run's duration (against the
    longest shown), green for a success, red for a failure; hovering shows the run."""
    longest = max((run.duration_seconds or 0 for run in runs), default=0) or 1
    width = max(len(runs), 1) * STRIP_BAR
    bars = []
    for index, run in enumerate(runs):
        share = (run.duration_seconds or 0) / longest
        height = max(3, round(share * (STRIP_HEIGHT - 2)))
        outcome = "ok" if run.succeeded else "failed"
        bars.append(
            f'<rect class="run {outcome}" x="{index * STRIP_BAR}" '
            f'y="{STRIP_HEIGHT - height}" width="{STRIP_BAR - 2}" height="{height}">'
            f"<title>{escape(_run_title(run))}</title></rect>")
    return (f'<svg class="strip" role="img" width="{width}" height="{STRIP_HEIGHT}" '
            f'viewBox="0 0 {width} {STRIP_HEIGHT}" aria-label="{len(runs)} runs">'
            + "".join(bars) + "</svg>")


def _run_title(run: Run) -> str:
    parts = [f"{'succeeded' if run.succeeded else 'failed'} "
             f"{run.finished_at:%Y-%m-%d %H:%M} UTC", run.run_id]
    if run.duration_seconds is not None:
        parts.append(format_duration_seconds(run.duration_seconds))
    if run.records is not None:
        parts.append(f"{run.records:,} records")
    if run.detail:
        parts.append(run.detail)
    return " · ".join(parts)


def format_duration_seconds(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))


def line_chart(label: str, values: Sequence[int]) -> str:
    """A line of ``values``, one point per run, oldest on the left, scaled from 0 to the
    largest, the last run marked; its title says the label, the last value and the
    range. Points are whole pixels, a few bytes each: a thousand runs make a few
    kilobytes."""
    top = max(values, default=0) or 1
    step = (CHART_WIDTH - 6) / max(len(values) - 1, 1)
    rise = CHART_HEIGHT - 6
    coordinates = [(round(3 + index * step), round(CHART_HEIGHT - 3 - value / top * rise))
                   for index, value in enumerate(values)]
    points = " ".join(f"{x},{y}" for x, y in coordinates)
    last_x, last_y = coordinates[-1] if coordinates else (3, CHART_HEIGHT - 3)
    last = values[-1] if values else 0
    title = (f"{label}: {last:,} in the last run; {min(values, default=0):,} to "
             f"{max(values, default=0):,} over {len(values)} runs")
    return (f'<svg class="chart" role="img" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
            f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" data-points="{len(values)}" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<polyline points="{points}"/><circle cx="{last_x}" cy="{last_y}" r="2.5"/>'
            "</svg>")
