"""The report as one self-contained HTML page: inline CSS and SVG, no script, nothing
fetched (its Content-Security-Policy forbids it), so it reads the same from ``file://``
or a bucket. Everything that comes from data goes through :func:`html.escape`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from html import escape

from observes_singer.jobs.durations import format_duration
from observes_singer.report.model import STRIP_RUNS, JobReport, Report, Run, Status
from observes_singer.report.svg import line_chart, run_strip

#: Tables charted per job, the ones with the most rows; the others are listed.
TABLE_CHARTS = 12

POLICY = "default-src 'none'; style-src 'unsafe-inline'"

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:16px;color:#1f2328}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:0 0 6px}
table{border-collapse:collapse;width:100%}th,td{padding:4px 8px;text-align:left;
vertical-align:middle;border-bottom:1px solid #d0d7de}th{background:#f6f8fa}
.muted{color:#656d76}.status{font-weight:600;white-space:nowrap}
tr.alert td{background:#ffebe9}tr.alert .status,.alert-text{color:#cf222e}
.attention{border:2px solid #cf222e;background:#ffebe9;padding:8px 12px;margin:12px 0}
.attention a{color:#cf222e;font-weight:600}
section.job{border-top:1px solid #d0d7de;margin-top:20px;padding-top:12px}
section.job.alert h2{color:#cf222e}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts figure{margin:0}
figcaption{font-size:12px;color:#656d76;max-width:240px;overflow-wrap:anywhere}
svg.chart{background:#f6f8fa}svg.chart polyline{fill:none;stroke:#0969da;stroke-width:1.5}
svg.chart circle{fill:#0969da}
rect.run.ok{fill:#2da44e}rect.run.failed{fill:#cf222e}
.error{font-family:ui-monospace,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
"""


def render(report: Report) -> str:
    """The whole page."""
    alerts = [job for job in report.jobs if job.alert]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Observes: the warehouse's health</title>",
        f"<style>{STYLE}</style></head><body>",
        "<header><h1>The warehouse's health</h1>",
        f'<p class="muted">{len(report.jobs)} job{"" if len(report.jobs) == 1 else "s"}, '
        f"{len(alerts)} needing attention; "
        f"made {_moment(report.generated_at)}"
        + (f" from {escape(', '.join(report.sources))}" if report.sources else "")
        + ".</p></header>",
    ]
    if alerts:
        parts.append('<div class="attention" id="attention"><strong>Needs attention:'
                     "</strong> " + ", ".join(
                         f'<a href="#{escape(job.anchor)}">{escape(job.name)}</a> '
                         f"({escape(_why(job))})" for job in alerts) + "</div>")
    parts.append(_job_table(report.jobs))
    for note in report.notes:
        parts.append(f'<p class="muted note">{escape(note)}</p>')
    parts += [_job_section(job) for job in report.jobs]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _why(job: JobReport) -> str:
    reasons = []
    if job.freshness.stale:
        reasons.append(job.status.value)
    if job.failing:
        reasons.append("last run failed")
    return ", ".join(reasons)


def _job_table(jobs: Sequence[JobReport]) -> str:
    rows = []
    for job in jobs:
        fresh = job.freshness
        error = job.last_error.message if job.last_error else ""
        rows.append(
            f'<tr class="job{" alert" if job.alert else ""}" data-job="{escape(job.name)}" '
            f'data-status="{escape(job.status.value)}">'
            f'<td><a href="#{escape(job.anchor)}">{escape(job.name)}</a></td>'
            f'<td class="status">{escape(_status_text(job))}</td>'
            f"<td>{_moment(fresh.last.finished_at) if fresh.last else '-'}</td>"
            f"<td>{format_duration(fresh.age) if fresh.age is not None else '-'}</td>"
            f"<td>{format_duration(fresh.max_age) if fresh.max_age else '-'}</td>"
            f"<td>{run_strip(job.runs[-STRIP_RUNS:]) if job.runs else 'no runs'}</td>"
            f'<td class="error">{escape(_short(error))}</td></tr>')
    return ('<table id="jobs"><thead><tr><th>job</th><th>status</th>'
            "<th>last success (UTC)</th><th>age</th><th>max age</th>"
            f"<th>last {STRIP_RUNS} runs</th><th>last error</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _status_text(job: JobReport) -> str:
    text = job.status.value
    if job.status is Status.NEVER_RAN and job.freshness.max_age is not None:
        text = "never ran (stale)"
    return f"{text}, failing" if job.failing else text


def _job_section(job: JobReport) -> str:
    fresh = job.freshness
    last = (f"last success {_moment(fresh.last.finished_at)}, {format_duration(fresh.age)} "
            "ago" if fresh.last and fresh.age is not None else "no success recorded")
    max_age = f"max age {format_duration(fresh.max_age)}" if fresh.max_age else "no max_age"
    parts = [f'<section class="job{" alert" if job.alert else ""}" id="{escape(job.anchor)}">',
             f"<h2>{escape(job.name)}</h2>",
             f'<p class="muted">{escape(job.description)}</p>' if job.description else "",
             f'<p><span class="status{" alert-text" if job.alert else ""}">'
             f"{escape(_status_text(job))}</span>: {last}; {max_age}.</p>"]
    if job.last_error:
        error = job.last_error
        when = f"{_moment(error.at)}: " if error.at else ""
        link = (f' <a href="{escape(error.log_url)}">log</a>' if error.log_url else "")
        parts.append(f'<p>Last error: <span class="error alert-text">{when}'
                     f"{escape(error.message)}</span>{link}</p>")
    if job.runs:
        parts.append(f"<p>The last runs, {min(len(job.runs), STRIP_RUNS)} of them (height: "
                     f"duration; hover for details):</p>{run_strip(job.runs[-STRIP_RUNS:])}")
    parts.append(_charts(job.successes))
    parts.append("</section>")
    return "\n".join(part for part in parts if part)


def _charts(runs: Sequence[Run]) -> str:
    if not runs:
        return '<p class="muted">No successful run to chart.</p>'
    figures = []
    counted = [run.records for run in runs if run.records is not None]
    if counted:
        figures.append(_figure("records read", counted))
    totals: dict[str, int] = defaultdict(int)
    for run in runs:
        for table, rows in run.tables.items():
            totals[table] += rows
    tables = sorted(totals, key=lambda table: (-totals[table], table))
    for table in sorted(tables[:TABLE_CHARTS]):
        figures.append(_figure(f"rows into {table}", [run.tables.get(table, 0) for run in runs]))
    rest = tables[TABLE_CHARTS:]
    more = (f'<p class="muted">{len(rest)} more tables, not charted: '
            + escape(", ".join(f"{table} ({totals[table]:,} rows)" for table in sorted(rest)))
            + "</p>") if rest else ""
    return (f"<p>Per run, over the last successful runs ({len(runs)}):</p>"
            f'<div class="charts">{"".join(figures)}</div>{more}')


def _figure(label: str, values: Sequence[int]) -> str:
    return (f"<figure>{line_chart(label, values)}<figcaption>{escape(label)}: "
            f"{values[-1]:,} last run</figcaption></figure>")


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _moment(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"
