"""The jobs of a queue that failed, or wait in RUNNABLE, read from AWS Batch.

``list_jobs`` takes a job status or one filter, never both (with ``filters`` the status
is ignored), so jobs are listed by status, ``FAILED`` then ``RUNNABLE``, every page
(``nextToken``), and kept by name and creation time here. ``describe_jobs`` then gives
their details, 100 at a time. A failed array job stands for its failed children: they
are listed with ``arrayJobId`` and reported one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from observes_singer.batch.aws import aws_errors
from observes_singer.batch.failure_kinds import runnable_since, timestamp

DESCRIBE_LIMIT = 100


@dataclass(frozen=True)
class Selection:
    """Which jobs to read: failed ones created since ``since``, and RUNNABLE ones waiting
    longer than ``stuck_after`` (however old: they are stuck now), named
    ``<prefix>-...`` unless ``prefix`` is None."""

    queue: str
    since: datetime
    now: datetime
    stuck_after: timedelta
    prefix: str | None = "observes"

    def named(self, summary: Mapping[str, Any]) -> bool:
        return self.prefix is None or \
            str(summary.get("jobName", "")).startswith(f"{self.prefix}-")


def failed_jobs(batch: Any, selection: Selection) -> list[dict[str, Any]]:
    """``describe_jobs`` entries of the selected jobs, oldest first."""
    failed = [s["jobId"] for s in _summaries(batch, selection.queue, "FAILED")
              if selection.named(s) and _created_since(s, selection.since)]
    runnable = [s["jobId"] for s in _summaries(batch, selection.queue, "RUNNABLE")
                if selection.named(s)]
    jobs = describe(batch, failed)
    jobs += [j for j in describe(batch, runnable) if j.get("status") == "RUNNABLE"
             and _stuck(j, selection.now, selection.stuck_after)]
    jobs = _expand_arrays(batch, jobs)
    return sorted(jobs, key=lambda j: (j.get("createdAt") or 0, j.get("jobId", "")))


def describe(batch: Any, job_ids: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    unique = list(dict.fromkeys(job_ids))
    for start in range(0, len(unique), DESCRIBE_LIMIT):
        chunk = unique[start:start + DESCRIBE_LIMIT]
        with aws_errors(f"describe {len(chunk)} jobs"):
            found += batch.describe_jobs(jobs=chunk).get("jobs", [])
    return found


def _summaries(batch: Any, queue: str, status: str, **extra: str
               ) -> Iterator[Mapping[str, Any]]:
    where = f"list the {status} jobs of queue {queue}" if queue else f"list {status} jobs"
    arguments: dict[str, Any] = {"jobStatus": status, **extra}
    if queue:
        arguments["jobQueue"] = queue
    yield from _pages(lambda token: batch.list_jobs(**arguments, **token), where)


def _pages(call: Callable[[dict[str, str]], Mapping[str, Any]], where: str
           ) -> Iterator[Mapping[str, Any]]:
    token: dict[str, str] = {}
    while True:
        with aws_errors(where):
            page = call(token)
        yield from page.get("jobSummaryList", [])
        next_token = page.get("nextToken")
        if not next_token:
            return
        token = {"nextToken": next_token}


def _expand_arrays(batch: Any, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each failed array job replaced by its failed children (when it has any)."""
    by_id = {j["jobId"]: j for j in jobs}
    for job in list(jobs):
        size = (job.get("arrayProperties") or {}).get("size")
        if job.get("status") != "FAILED" or not size:
            continue
        children = [s["jobId"] for s in _summaries(
            batch, "", "FAILED", arrayJobId=job["jobId"])]
        if children:
            by_id.pop(job["jobId"], None)
            new = [c for c in children if c not in by_id]
            by_id.update((c["jobId"], c) for c in describe(batch, new))
    return list(by_id.values())


def _created_since(summary: Mapping[str, Any], since: datetime) -> bool:
    created = timestamp(summary.get("createdAt"))
    return created is None or created >= since


def _stuck(job: Mapping[str, Any], now: datetime, stuck_after: timedelta) -> bool:
    since = runnable_since(job)
    return since is not None and now - since > stuck_after
