"""``observes freshness``: every job's last success and its age, against its ``max_age``.

The last success comes from the run ledger in each job's state store
(:mod:`observes_singer.jobs.ledger`). A job is stale when its last success is older than its
``max_age`` (from its job file, or ``--max-age JOB=26h``), or when it has one and never
succeeded. A job without a ``max_age`` is listed but never judged. A job whose ledger
cannot be read is listed as unknown, and fails the check as a stale one does.

A ledger record that finished in the future (written on a host with a wrong clock) is
never taken as fresh: it is skipped, named in a warning, and the job is judged on its real
last success.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO

from observes_singer.jobs.durations import DurationError, format_duration, parse_duration
from observes_singer.jobs.files import CommandJob, Job, JobError
from observes_singer.jobs.ledger import FutureRecord, LastSuccess, read_ledger
from observes_singer.store.storage import BlobStore, StorageError


@dataclass(frozen=True)
class Freshness:
    job: str
    last: LastSuccess | None
    max_age: timedelta | None
    now: datetime
    problem: str | None = None  # the ledger could not be read
    future: tuple[FutureRecord, ...] = ()  # records from the future, skipped

    @property
    def age(self) -> timedelta | None:
        """How long ago the last success finished; never less than zero (clocks differ by
        up to the ledger's tolerance)."""
        if self.last is None:
            return None
        return max(self.now - self.last.finished_at, timedelta(0))

    def warnings(self) -> list[str]:
        """One line per skipped record from the future, naming it."""
        return [f"{self.job}: the ledger record {record.url} finished at "
                f"{record.finished_at:%Y-%m-%d %H:%M:%S} UTC, "
                f"{format_duration(record.finished_at - self.now)} after now (written on a "
                "host with a wrong clock?): not counted as a success"
                for record in self.future]

    @property
    def verdict(self) -> str:
        if self.problem is not None:
            return f"UNKNOWN ({self.problem})"
        if self.max_age is None:
            return "no max_age" if self.last is not None else "never ran"
        if self.last is None:
            return "STALE (never succeeded)"
        assert self.age is not None
        return "STALE" if self.age > self.max_age else "ok"

    @property
    def stale(self) -> bool:
        """Stale, or not known to be fresh: both fail ``observes freshness``."""
        return self.verdict.startswith(("STALE", "UNKNOWN"))


def parse_overrides(values: list[str]) -> dict[str, timedelta]:
    """``["gitlab=26h", ...]`` → ``{"gitlab": 26 hours}``."""
    found: dict[str, timedelta] = {}
    for value in values:
        name, sep, duration = value.partition("=")
        if not sep or not name:
            raise JobError(f"--max-age {value!r}: write JOB=DURATION, e.g. gitlab=26h")
        try:
            found[name] = parse_duration(duration, f"--max-age {name}")
        except DurationError as exc:
            raise JobError(str(exc)) from None
    return found


def check(jobs: list[Job | CommandJob], blobs: BlobStore,
          overrides: dict[str, timedelta] | None = None,
          now: datetime | None = None) -> list[Freshness]:
    overrides = overrides or {}
    unknown = sorted(set(overrides) - {job.name for job in jobs})
    if unknown:
        raise JobError(f"--max-age names no job: {', '.join(unknown)}")
    now = now or datetime.now(UTC)
    rows: list[Freshness] = []
    for job in jobs:
        max_age = overrides.get(job.name, job.max_age)
        try:
            ledger = read_ledger(blobs, job.state_store, job.name, job.shards, now)
        except StorageError as exc:  # one unreachable store does not hide the others
            rows.append(Freshness(job.name, None, max_age, now, problem=str(exc)))
            continue
        rows.append(Freshness(job.name, ledger.last, max_age, now, future=ledger.future))
    return rows


def print_table(rows: list[Freshness], out: IO[str]) -> None:
    header = ("job", "last success (UTC)", "age", "max age", "")
    lines = [header] + [(
        row.job,
        row.last.finished_at.strftime("%Y-%m-%d %H:%M:%S") if row.last else "-",
        format_duration(row.age) if row.age is not None else "-",
        format_duration(row.max_age) if row.max_age is not None else "-",
        row.verdict) for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
              .rstrip(), file=out)
