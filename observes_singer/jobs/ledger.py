"""The run ledger: one record per successful run of a job, in the job's state store.

``<state store>/runs/<job>/<finished_at>-<run_id>[-shard-I-of-N].json``, written once
the run succeeded (for a Singer job: after the target committed and the state was saved):

```json
{"job": "gitlab", "run_id": "20261130T051500Z-1a2b3c4d", "shard": null,
 "started_at": "2026-11-30T05:15:00Z", "finished_at": "2026-11-30T05:21:40Z",
 "duration_seconds": 400.2, "records": 1234, "tables": {"pipelines": 120},
 "destination": "...", "state_url": "s3://observes.state/gitlab.json"}
```

Records are ordered by their finish time, parsed (any ISO 8601 offset, ``Z`` or
``+00:00``), not by their keys as text; a name starts with its record's finish time, so a
reader reads the newest first and stops at the first success. A record that finished
after the reader's now (a host with a wrong clock) is never the last success: it is left
out and listed, so that the real last success shows. A sharded run has one record per
shard; the run counts as a success once all of its shards have one.
target-redshift also writes the same facts into an ``observes_runs`` table in the
warehouse, in the transaction that commits the data. ``observes freshness`` reads this.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from observes_singer.jobs.moments import parse_moment, stamp
from observes_singer.store.storage import BlobStore, StorageError, parse_url


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (from 0, as AWS_BATCH_JOB_ARRAY_INDEX) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def suffix(self) -> str:
        return f"shard-{self.index}-of-{self.count}"


def runs_prefix(state_store: str, job: str) -> str:
    return f"{state_store}runs/{job}/"


def record_run(blobs: BlobStore, state_store: str, job: str, run_id: str,
               started: datetime, finished: datetime, shard: Shard | None = None,
               report: dict[str, Any] | None = None, state_url: str | None = None) -> str:
    """Write the record of a successful run; returns its URL."""
    name, data = run_record_file(job, run_id, started, finished, shard, report, state_url)
    url = f"{runs_prefix(state_store, job)}{name}"
    blobs.write_bytes(url, data)
    return url


def run_record_file(job: str, run_id: str, started: datetime, finished: datetime,
                    shard: Shard | None = None, report: dict[str, Any] | None = None,
                    state_url: str | None = None) -> tuple[str, bytes]:
    """The record of a successful run as :func:`record_run` writes it: its name in the
    job's ledger folder, and its bytes."""
    report = report or {}
    record = {
        "job": job, "run_id": run_id, "shard": str(shard) if shard else None,
        "started_at": stamp(started), "finished_at": stamp(finished),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "records": report.get("records"), "tables": report.get("tables", {}),
        "destination": report.get("destination"), "state_url": state_url,
    }
    name = f"{finished.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}-{run_id}"
    if shard is not None:
        name += f"-{shard.suffix}"
    return f"{name}.json", orjson.dumps(record, option=orjson.OPT_INDENT_2)


@dataclass(frozen=True)
class LastSuccess:
    run_id: str
    finished_at: datetime
    duration_seconds: float
    url: str


@dataclass(frozen=True)
class FutureRecord:
    """A record that finished after the reader's now: written on a host whose clock was
    wrong. It is never taken as the last success."""

    url: str
    finished_at: datetime


@dataclass(frozen=True)
class Ledger:
    """What the ledger says of a job: its last success, and the records from the future
    left out of it (newest first)."""

    last: LastSuccess | None
    future: tuple[FutureRecord, ...] = ()


#: How far ahead of the reader's clock a record may finish and still count: two hosts'
#: clocks never agree to the second, and the ledger keeps whole seconds.
CLOCK_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True)
class _Entry:
    url: str
    record: dict[str, Any]
    finished: datetime


_KEY_STAMP = re.compile(r"\d{8}T\d{6}Z")


def _key_moment(url: str) -> datetime | None:
    """The finish time that :func:`record_run` puts at the start of a record's name."""
    name = url.rsplit("/", 1)[-1]
    stamp_text = name.split("-", 1)[0]
    return parse_moment(stamp_text) if _KEY_STAMP.fullmatch(stamp_text) else None


def _newest_first(blobs: BlobStore, prefix: str) -> Iterator[_Entry]:
    """The readable records, newest first by finish time. A record's name starts with its
    finish time, so records are read newest first by that and only as far as needed;
    one whose name does not is read at once and placed by the time it holds."""
    named: list[tuple[datetime, str]] = []
    unnamed: list[_Entry] = []
    for info in blobs.list(prefix):
        if not info.url.endswith(".json"):
            continue
        moment = _key_moment(info.url)
        if moment is not None:
            named.append((moment, info.url))
        elif (entry := _read(blobs, info.url)) is not None:
            unnamed.append(entry)
    named.sort(reverse=True)
    unnamed.sort(key=lambda entry: entry.finished, reverse=True)
    lazily = ((moment, url, None) for moment, url in named)
    read = ((entry.finished, entry.url, entry) for entry in unnamed)
    for _, url, entry in heapq.merge(lazily, read, key=lambda item: (item[0], item[1]),
                                     reverse=True):
        found = entry if entry is not None else _read(blobs, url)
        if found is not None:
            yield found


def read_ledger(blobs: BlobStore, state_store: str, job: str, shards: int | None = None,
                now: datetime | None = None) -> Ledger:
    """The newest successful run of ``job`` that finished by ``now`` (with
    :data:`CLOCK_TOLERANCE`); for a sharded job (``shards``), the newest run that every
    shard finished, at the finish of its last shard. Records from the future are left out
    and listed."""
    now = now or datetime.now(UTC)
    future: list[FutureRecord] = []
    runs: dict[str, list[_Entry]] = {}
    for entry in _newest_first(blobs, runs_prefix(state_store, job)):
        if entry.finished > now + CLOCK_TOLERANCE:
            future.append(FutureRecord(entry.url, entry.finished))
            continue
        if not shards:
            return Ledger(_success(entry), tuple(future))
        shard = entry.record.get("shard")
        if not isinstance(shard, str) or not shard.endswith(f"/{shards}"):
            continue
        found = runs.setdefault(str(entry.record.get("run_id")), [])
        found.append(entry)
        if len({e.record["shard"] for e in found}) == shards:
            return Ledger(_success(max(found, key=lambda e: e.finished)), tuple(future))
    return Ledger(None, tuple(future))


@dataclass(frozen=True)
class RunRecord:
    """One record of the ledger as written by :func:`record_run`: one successful run, or
    one shard of it."""

    run_id: str
    shard: str | None
    started_at: datetime | None
    finished_at: datetime
    duration_seconds: float
    records: int | None
    tables: dict[str, int]
    url: str


#: Records read at once by :func:`read_history` from S3 (each one is a GET).
HISTORY_READERS = 16


@dataclass(frozen=True)
class History:
    records: list[RunRecord]  # oldest first
    unreadable: list[str]  # the URLs of records that are not a ledger record


def read_history(blobs: BlobStore, state_store: str, job: str, limit: int,
                 now: datetime | None = None) -> History:
    """The newest ``limit`` records of ``job`` that finished by ``now`` (with
    :data:`CLOCK_TOLERANCE`), oldest first (from S3 in parallel); one that cannot be read is
    left out, as :func:`read_ledger` leaves it out, and named."""
    now = now or datetime.now(UTC)
    named: list[tuple[datetime, str]] = []
    unnamed: list[str] = []
    prefix = runs_prefix(state_store, job)
    for info in blobs.list(prefix):
        if info.url.endswith(".json"):
            moment = _key_moment(info.url)
            if moment is None:
                unnamed.append(info.url)
            elif moment <= now + CLOCK_TOLERANCE:
                named.append((moment, info.url))
    newest = [url for _, url in sorted(named, reverse=True)[:limit]] + unnamed
    read = _read_all(blobs, newest, remote=parse_url(prefix).scheme == "s3")
    entries = [entry for entry in read if entry is not None]
    kept = sorted((e for e in entries if e.finished <= now + CLOCK_TOLERANCE),
                  key=lambda e: (e.finished, e.url))[-limit:]
    return History([_run_record(entry) for entry in kept],
                   [url for url, entry in zip(newest, read, strict=True) if entry is None])


def _read_all(blobs: BlobStore, urls: list[str], remote: bool) -> list[_Entry | None]:
    """Each record of ``urls``, in order (None for one that cannot be read). GETs on S3
    mostly wait on the network, so :data:`HISTORY_READERS` overlap; a file on disk comes
    from the page cache in microseconds, and threads would only add their hand-offs (half
    the time of a report of 20,000 records), so files are read one after the other."""
    if not remote:
        return [_read(blobs, url) for url in urls]
    with ThreadPoolExecutor(HISTORY_READERS) as pool:
        return list(pool.map(lambda url: _read(blobs, url), urls))


def _run_record(entry: _Entry) -> RunRecord:
    record = entry.record
    tables = record.get("tables")
    started = record.get("started_at")
    return RunRecord(
        run_id=str(record.get("run_id")),
        shard=record["shard"] if isinstance(record.get("shard"), str) else None,
        started_at=parse_moment(started) if isinstance(started, str) else None,
        finished_at=entry.finished,
        duration_seconds=_success(entry).duration_seconds,
        records=record["records"] if _whole(record.get("records")) else None,
        tables={str(k): v for k, v in tables.items() if _whole(v)}
        if isinstance(tables, dict) else {},
        url=entry.url)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _read(blobs: BlobStore, url: str) -> _Entry | None:
    try:
        record = orjson.loads(blobs.read_bytes(url))
    except (orjson.JSONDecodeError, StorageError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("finished_at"), str):
        return None
    finished = parse_moment(record["finished_at"])
    return _Entry(url, record, finished) if finished is not None else None


def _success(entry: _Entry) -> LastSuccess:
    duration = entry.record.get("duration_seconds")
    return LastSuccess(str(entry.record.get("run_id")), entry.finished,
                       float(duration) if isinstance(duration, int | float) else 0.0,
                       entry.url)
