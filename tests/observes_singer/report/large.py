"""A large report, as a long-lived deployment makes one: many jobs, each with a long
history of runs (a failure now and then) loading a few tables; and its jobs as job files
and run ledgers on disk."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from observes_singer.jobs.freshness import Freshness
from observes_singer.jobs.ledger import LastSuccess, run_record_file
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


def write_ledger(root: Path, report: Report) -> int:
    """``report``'s jobs as command jobs in ``root/jobs`` with their ``max_age``, and a
    record a successful run in their run ledgers in ``root/store``, as ``observes run``
    writes them (without its fsync a record, which makes 20,000 records take minutes);
    returns how many records."""
    (root / "jobs").mkdir(parents=True, exist_ok=True)
    written = 0
    for job in report.jobs:
        max_age = job.freshness.max_age or timedelta(hours=26)
        (root / "jobs" / f"{job.name}.toml").write_text(
            f"command = {json.dumps([sys.executable, '-c', 'pass'])}\n"
            f'max_age = "{int(max_age.total_seconds()) // 3600}h"\n')
        folder = root / "store" / "runs" / job.name
        folder.mkdir(parents=True, exist_ok=True)
        for run in job.successes:
            started = run.finished_at - timedelta(seconds=run.duration_seconds or 0)
            name, data = run_record_file(job.name, run.run_id, started, run.finished_at,
                                         report={"records": run.records,
                                                 "tables": dict(run.tables)})
            (folder / name).write_bytes(data)
            written += 1
    return written
