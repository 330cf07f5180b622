"""What the report says of each job, independent of how it is drawn."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from observes_singer.jobs.freshness import Freshness

#: Runs in a job's strip.
STRIP_RUNS = 30


class Status(enum.Enum):
    """A job's status against its ``max_age``, as ``observes freshness`` judges it."""

    FRESH = "fresh"
    STALE = "stale"
    NEVER_RAN = "never ran"
    UNKNOWN = "unknown"
    UNJUDGED = "no max_age"


def status_of(freshness: Freshness) -> Status:
    if freshness.problem is not None:
        return Status.UNKNOWN
    if freshness.last is None:
        return Status.NEVER_RAN
    if freshness.max_age is None:
        return Status.UNJUDGED
    return Status.STALE if freshness.stale else Status.FRESH


@dataclass(frozen=True)
class Run:
    """One run of a job: a success from the ledger (all its shards together), or a
    failure AWS Batch reported."""

    run_id: str
    finished_at: datetime
    succeeded: bool
    duration_seconds: float | None = None
    records: int | None = None
    tables: Mapping[str, int] = field(default_factory=dict)
    detail: str = ""  # a failure's kind and reason


@dataclass(frozen=True)
class JobError:
    """The last error known of a job."""

    at: datetime | None
    message: str
    log_url: str | None = None


@dataclass(frozen=True)
class JobReport:
    name: str
    description: str
    freshness: Freshness
    runs: tuple[Run, ...]  # oldest first, successes and failures
    last_error: JobError | None = None
    anchor: str = ""

    @property
    def status(self) -> Status:
        return status_of(self.freshness)

    @property
    def successes(self) -> tuple[Run, ...]:
        return tuple(run for run in self.runs if run.succeeded)

    @property
    def failing(self) -> bool:
        """Its newest run failed."""
        return bool(self.runs) and not self.runs[-1].succeeded

    @property
    def alert(self) -> bool:
        """Stale, unknown, never succeeded although it has a ``max_age``, or failing."""
        return self.freshness.stale or self.failing


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    jobs: tuple[JobReport, ...]  # the ones needing attention first, then by name
    notes: tuple[str, ...] = ()  # what the page could not show, or left out
    sources: tuple[str, ...] = ()  # where the runs came from
