"""One run of a job: its id, its shard, its lease, and what the children are told.

The variables it sets are listed in :mod:`observes_singer.jobs.environment`.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from observes_singer.jobs import run_report
from observes_singer.jobs.environment import (
    ARRAY_INDEX_ENV,
    ARRAY_SIZE_ENV,
    BATCH_JOB_ID_ENV,
    JOB_ENV,
    RUN_ID_ENV,
    SHARD_COUNT_ENV,
    SHARD_ENV,
    SHARD_INDEX_ENV,
)
from observes_singer.jobs.files import CommandJob, Job, JobError
from observes_singer.jobs.lease import Lease
from observes_singer.jobs.ledger import Shard


def new_run_id(moment: datetime | None = None) -> str:
    """``20261130T051500Z-1a2b3c4d``: sorts by start time, unique enough to never clash."""
    moment = moment or datetime.now(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"


@dataclass
class JobRun:
    run_id: str
    shard: Shard | None = None
    lease: Lease | None = None
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    report: dict[str, Any] | None = None

    @classmethod
    def new(cls, shard: Shard | None = None) -> JobRun:
        return cls(run_id_from_environment() or new_run_id(), shard)

    def environment(self, job: str) -> dict[str, str]:
        env = {JOB_ENV: job, RUN_ID_ENV: self.run_id}
        if self.shard is not None:
            env.update({SHARD_ENV: str(self.shard), SHARD_INDEX_ENV: str(self.shard.index),
                        SHARD_COUNT_ENV: str(self.shard.count)})
        return env

    def state_url(self, url: str) -> str:
        """A shard's own state: ``gitlab.json`` → ``gitlab.shard-0-of-4.json`` (shards run
        in parallel, so they cannot share one document; a new count starts over)."""
        if self.shard is None:
            return url
        head, dot, extension = url.rpartition(".")
        if not dot or "/" in extension:
            return f"{url}.{self.shard.suffix}"
        return f"{head}.{self.shard.suffix}.{extension}"


def run_id_from_environment() -> str | None:
    """``OBSERVES_RUN_ID``, else the AWS Batch job id (an array child's ``ID:INDEX`` gives
    the array's ``ID``: the shards of one array job are one run)."""
    given = os.environ.get(RUN_ID_ENV)
    if given:
        return given
    batch_id = os.environ.get(BATCH_JOB_ID_ENV)
    return batch_id.split(":", 1)[0] if batch_id else None


def shard_from_environment(job: Job | CommandJob) -> Shard | None:
    """The shard this process is, from AWS Batch's array variables, or None."""
    raw_index = os.environ.get(ARRAY_INDEX_ENV)
    if raw_index is None or raw_index == "":
        return None
    raw_count = os.environ.get(ARRAY_SIZE_ENV) or os.environ.get(SHARD_COUNT_ENV)
    try:
        index = int(raw_index)
        count = int(raw_count) if raw_count else job.shards
    except ValueError:
        raise JobError(f"job {job.name}: {ARRAY_INDEX_ENV}={raw_index!r} / "
                       f"{ARRAY_SIZE_ENV}={raw_count!r} are not numbers") from None
    if count is None:
        raise JobError(f"job {job.name}: {ARRAY_INDEX_ENV} is set but the job is not sharded "
                       f"(no [batch] array_size) and neither {ARRAY_SIZE_ENV} nor "
                       f"{SHARD_COUNT_ENV} says how many shards there are")
    # On Batch the array's size comes from the deployed definition, which must match the
    # job file; on one machine --shards may choose another count.
    if job.shards is not None and raw_count and count != job.shards and \
            os.environ.get(BATCH_JOB_ID_ENV):
        raise JobError(f"job {job.name}: runs as {count} shards but its [batch] array_size "
                       f"is {job.shards}; redeploy it (observes batch deploy {job.name})")
    if not 0 <= index < count:
        raise JobError(f"job {job.name}: shard index {index} is outside 0..{count - 1}")
    return Shard(index, count)


class ReportPipe:
    """The pipe on which the target writes its run report (:mod:`observes_singer.jobs.run_report`),
    read by a thread so that the target never blocks on it."""

    def __init__(self) -> None:
        self.read_end, self.write = os.pipe()  # close-on-exec; the write end is passed
        self.report: dict[str, Any] | None = None
        self.problem: str | None = None
        self._reader: threading.Thread | None = None

    def close_write(self) -> None:
        """Close the runner's copy of the write end (the target holds its own), and start
        reading: the read ends when the target closed its end."""
        if self.write >= 0:
            os.close(self.write)
            self.write = -1
        if self._reader is None and self.read_end >= 0:
            fd, self.read_end = self.read_end, -1  # read_report closes it
            self._reader = threading.Thread(target=self._read, args=(fd,),
                                            name="target-report", daemon=True)
            self._reader.start()

    def _read(self, fd: int) -> None:
        try:
            self.report = run_report.read_report(fd)
        except run_report.ReportError as exc:
            self.problem = str(exc)

    def read(self) -> dict[str, Any] | None:
        """The report, once the target exited; None when it wrote none (a target that
        does not know the protocol, or one that failed)."""
        if self._reader is not None:
            self._reader.join(timeout=10)
        return self.report

    def close(self) -> None:
        if self.write >= 0:
            os.close(self.write)
            self.write = -1
        if self.read_end >= 0:
            os.close(self.read_end)
            self.read_end = -1
