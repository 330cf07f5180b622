"""The jobs one run of a chain already submitted, found by name and run id.

``observes batch submit --run-id ID`` tags every job it submits ``observes:run=ID``. When
Batch retries a launcher whose host died after it submitted (every attempt of a job keeps
its job id, the default run id), or EventBridge Scheduler delivers one scheduled time twice
(the launcher's run id is the scheduled time), the next submit finds those jobs and
submits only what is missing. Batch's ``SubmitJob`` takes no idempotency token, so the
jobs themselves are the record: a job exists with its tag exactly when it was submitted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from observes_singer.batch.aws import aws_errors
from observes_singer.batch.failure_jobs import describe

RUN_TAG = "observes:run"
BATCH_JOB_ID_ENV = "AWS_BATCH_JOB_ID"
CLOCK_SKEW = timedelta(minutes=5)


def default_run_id() -> str | None:
    """Inside Batch, this job's own id: the same in every attempt Batch makes of it."""
    return os.environ.get(BATCH_JOB_ID_ENV) or None


def started(batch: Any, run_id: str) -> datetime | None:
    """When the run began: the scheduled time the run id is, else the creation of the job
    whose id it is, else None (unknown: every job of the name is looked at)."""
    try:
        moment = datetime.fromisoformat(run_id.replace("Z", "+00:00"))
    except ValueError:
        jobs = describe(batch, [run_id]) if _is_job_id(run_id) else []
        created = jobs[0].get("createdAt") if jobs else None
        return datetime.fromtimestamp(created / 1000, UTC) if created else None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def submitted(batch: Any, name: str, queue: str, run_id: str,
              since: datetime | None) -> str | None:
    """The id of the job ``name`` in ``queue`` tagged with ``run_id``, or None."""
    candidates = [summary["jobId"] for summary in _named(batch, name, queue, since)]
    tagged = [job for job in describe(batch, candidates)
              if (job.get("tags") or {}).get(RUN_TAG) == run_id]
    if not tagged:
        return None
    first = min(tagged, key=lambda job: job.get("createdAt") or 0)
    return str(first["jobId"])


def _named(batch: Any, name: str, queue: str, since: datetime | None
           ) -> Iterator[Mapping[str, Any]]:
    """The jobs named ``name`` in ``queue`` (array children left out) created since
    ``since`` less :data:`CLOCK_SKEW`; Batch lists a name's jobs newest first."""
    cutoff = (since - CLOCK_SKEW).timestamp() * 1000 if since is not None else None
    with aws_errors(f"list the jobs named {name} in the queue {queue}"):
        pages = batch.get_paginator("list_jobs").paginate(
            jobQueue=queue, filters=[{"name": "JOB_NAME", "values": [name]}])
        for page in pages:
            summaries = page.get("jobSummaryList", [])
            recent = [s for s in summaries if ":" not in s["jobId"]
                      and (cutoff is None or s.get("createdAt", cutoff) >= cutoff)]
            yield from recent
            if cutoff is not None and summaries and \
                    summaries[-1].get("createdAt", cutoff) < cutoff:
                return  # newest first: the next pages are older still


def _is_job_id(text: str) -> bool:
    return 0 < len(text) <= 64 and all(c.isalnum() or c == "-" for c in text)
