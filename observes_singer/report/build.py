"""Gathering the report: each job's freshness, its runs from the ledger in its state
store (and ``observes_runs`` in the warehouse), and the failures AWS Batch reported."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from observes_singer.batch.failure_report import Failure
from observes_singer.jobs.files import CommandJob, Job
from observes_singer.jobs.freshness import Freshness, check
from observes_singer.jobs.ledger import RunRecord, read_history
from observes_singer.report.model import JobError, JobReport, Report, Run
from observes_singer.report.warehouse import LedgerRow, WarehouseLedger
from observes_singer.store.storage import BlobStore, StorageError

#: Runs per job read from the ledger by default: about three months of nightly runs.
HISTORY_RUNS = 90


def build_report(jobs: Sequence[Job | CommandJob], blobs: BlobStore, now: datetime, *,
                 overrides: dict[str, timedelta] | None = None,
                 history: int = HISTORY_RUNS,
                 warehouse: WarehouseLedger | None = None,
                 failures: Sequence[Failure] | None = None,
                 sources: Sequence[str] = (), notes: Sequence[str] = ()) -> Report:
    """The report of ``jobs`` at ``now``; ``warehouse`` and ``failures`` when given, and
    ``notes`` (what could not be read) shown first."""
    notes = list(notes)
    by_job_rows: dict[str, list[LedgerRow]] = defaultdict(list)
    for row in warehouse.rows if warehouse else ():
        by_job_rows[row.job].append(row)
    if warehouse and warehouse.unreadable:
        notes.append(f"observes_runs: {warehouse.unreadable} rows without a job, a run id "
                     "or a finish time were left out")
    by_job_failures: dict[str, list[Failure]] = defaultdict(list)
    for failure in failures or ():
        by_job_failures[failure.job].append(failure)
    names = {job.name for job in jobs}
    for what, found in (("observes_runs", by_job_rows), ("AWS Batch", by_job_failures)):
        others = sorted(set(found) - names)
        if others:
            notes.append(f"{what} names jobs without a job file, not shown: "
                         f"{', '.join(others)}")
    anchors = _anchors([job.name for job in jobs])
    reports = []
    for job, freshness in zip(jobs, check(list(jobs), blobs, overrides, now), strict=True):
        notes += freshness.warnings()
        records = (_history(job, blobs, history, now, notes)
                   if freshness.problem is None else [])
        runs = _runs(records, by_job_rows.get(job.name, ()), history, job.shards)
        job_failures = by_job_failures.get(job.name, [])
        runs += [_failed_run(failure, now) for failure in job_failures]
        runs.sort(key=lambda run: run.finished_at)
        reports.append(JobReport(job.name, job.description, freshness, tuple(runs),
                                 _last_error(freshness, job_failures), anchors[job.name]))
    reports.sort(key=lambda report: (not report.alert, report.name))
    return Report(now, tuple(reports), tuple(notes), tuple(sources))


def _history(job: Job | CommandJob, blobs: BlobStore, limit: int, now: datetime,
             notes: list[str]) -> list[RunRecord]:
    """The job's newest records; what could not be read goes to ``notes``."""
    try:
        found = read_history(blobs, job.state_store, job.name, limit, now)
    except StorageError as exc:
        notes.append(f"{job.name}: {exc}")
        return []
    if found.unreadable:
        notes.append(f"{job.name}: records of its run ledger that cannot be read, left out "
                     f"({len(found.unreadable)}): {', '.join(found.unreadable)}")
    return found.records


def _runs(records: Iterable[RunRecord], rows: Iterable[LedgerRow], limit: int,
          shards: int | None = None) -> list[Run]:
    """One run per run id (its ``shards`` together): the state store's records, then the
    warehouse's rows of runs the state store does not hold; the newest ``limit``."""
    parts_of: dict[str, list[RunRecord]] = defaultdict(list)
    for record in records:
        parts_of[record.run_id].append(record)
    runs = {run_id: _merged(parts, shards) for run_id, parts in parts_of.items()}
    loaded: dict[str, list[LedgerRow]] = defaultdict(list)
    for row in rows:
        if row.run_id not in runs:
            loaded[row.run_id].append(row)
    for run_id, parts in loaded.items():
        runs[run_id] = _from_warehouse(run_id, parts)
    return sorted(runs.values(), key=lambda run: run.finished_at)[-limit:]


def _merged(parts: Sequence[RunRecord], shards: int | None) -> Run:
    """A run from its records, one a shard; short of a shard, a run that did not
    succeed (as ``observes freshness`` counts it)."""
    finished = max(part.finished_at for part in parts)
    if shards:
        done = {part.shard for part in parts if part.shard and part.shard.endswith(f"/{shards}")}
        if len(done) < shards:
            return Run(parts[0].run_id, finished, False,
                       detail=f"{len(done)} of {shards} shards succeeded")
    started = [part.started_at for part in parts if part.started_at is not None]
    duration = ((finished - min(started)).total_seconds() if len(started) == len(parts)
                else max(part.duration_seconds for part in parts))
    tables: dict[str, int] = defaultdict(int)
    for part in parts:
        for table, rows in part.tables.items():
            tables[table] += rows
    counts = [part.records for part in parts]
    records = sum(c for c in counts if c is not None) if None not in counts else None
    return Run(parts[0].run_id, finished, True, duration, records, dict(tables))


def _from_warehouse(run_id: str, rows: Sequence[LedgerRow]) -> Run:
    finished = max(row.finished_at for row in rows)
    started = [row.started_at for row in rows if row.started_at is not None]
    duration = (finished - min(started)).total_seconds() if started else None
    tables: dict[str, int] = defaultdict(int)
    for row in rows:
        tables[row.table] += row.rows
    return Run(run_id, finished, True, duration, None, dict(tables))


def _failed_run(failure: Failure, now: datetime) -> Run:
    return Run(failure.job_id, failure.created or now, False,
               detail=f"{failure.kind}: {failure.reason}" if failure.reason else failure.kind)


def _last_error(freshness: Freshness, failures: Sequence[Failure]) -> JobError | None:
    if failures:
        newest = max(failures, key=lambda f: (f.created is not None, f.created))
        where = f" ({newest.label})" if newest.label != newest.job else ""
        reason = f": {newest.reason}" if newest.reason else ""
        return JobError(newest.created, f"{newest.kind}{where}{reason}", newest.log_url)
    if freshness.problem is not None:
        return JobError(None, f"the run ledger cannot be read: {freshness.problem}")
    return None


def _anchors(names: Sequence[str]) -> dict[str, str]:
    """A fragment id per job: its name in ``[a-z0-9-]``, numbered when two meet."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = "job-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x")
        anchor, count = base, 1
        while anchor in taken:
            count += 1
            anchor = f"{base}-{count}"
        taken.add(anchor)
        found[name] = anchor
    return found
