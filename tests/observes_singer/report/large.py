"""A large report, as a long-lived deployment makes one: many jobs, each with a long
history of runs (a failure now and then) loading a few tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from observes_singer.jobs.freshness import Freshness
from observes_singer.jobs.ledger import LastSuccess
from observes_singer.report.model import JobError, JobReport, Report, Run


def large_report(jobs: int = 20, runs: int = 1000, tables: int = 3,
                 now: datetime | None = None) -> Report:
    """``jobs`` jobs of ``runs`` daily runs each (one in 37 failed), the newest a day
    old; every third job is stale."""
    now = now or datetime.now(UTC)
    reports = []
    for number in range(jobs):
        name = f"job-{number:02d}"
        history = []
        for index in range(runs):
            finished = now - timedelta(days=runs - index)
            if index % 37 == 36:
                history.append(Run(f"{name}-{index}", finished, False,
                                   detail="application error: exit 1"))
                continue
            history.append(Run(f"{name}-{index}", finished, True, 300.0 + index % 120,
                               1000 + index * 3,
                               {f"table_{t}": (index * 7 + t * 11) % 5000
                                for t in range(tables)}))
        last = max(run.finished_at for run in history if run.succeeded)
        max_age = timedelta(hours=12 if number % 3 == 0 else 26)
        freshness = Freshness(name, LastSuccess(f"{name}-last", last, 300.0, "file:///x"),
                              max_age, now)
        error = JobError(now - timedelta(days=1), "application error: exit 1")
        reports.append(JobReport(name, f"the job {name}", freshness, tuple(history), error,
                                 f"job-{name}"))
    reports.sort(key=lambda report: (not report.alert, report.name))
    return Report(now, tuple(reports))
