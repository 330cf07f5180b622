"""The run ledger: one record per successful run of a job, in the job's state store.

``<state store>/runs/<job>/<finished_at>-<run_id>[-shard-I-of-N].json``, written once
the run succeeded (for a Singer job: after the target committed and the state was saved):

```json
{"job": "gitlab", "run_id": "20261130T051500Z-1a2b3c4d", "shard": null,
 "started_at": "2026-11-30T05:15:00Z", "finished_at": "2026-11-30T05:21:40Z",
 "duration_seconds": 400.2, "records": 1234, "tables": {"pipelines": 120},
 "destination": "...", "state_url": "s3://observes.state/gitlab.json"}
```

The keys sort by finish time, so the newest record is the last one listed. A sharded run
has one record per shard; the run counts as a success once all of its shards have one.
target-redshift also writes the same facts into an ``observes_runs`` table in the
warehouse, in the transaction that commits the data. ``observes freshness`` reads this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from observes_singer.store.storage import BlobStore, StorageError


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


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def runs_prefix(state_store: str, job: str) -> str:
    return f"{state_store}runs/{job}/"


def record_run(blobs: BlobStore, state_store: str, job: str, run_id: str,
               started: datetime, finished: datetime, shard: Shard | None = None,
               report: dict[str, Any] | None = None, state_url: str | None = None) -> str:
    """Write the record of a successful run; returns its URL."""
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
    url = f"{runs_prefix(state_store, job)}{name}.json"
    blobs.write_bytes(url, orjson.dumps(record, option=orjson.OPT_INDENT_2))
    return url


@dataclass(frozen=True)
class LastSuccess:
    run_id: str
    finished_at: datetime
    duration_seconds: float
    url: str


def last_success(blobs: BlobStore, state_store: str, job: str,
                 shards: int | None = None) -> LastSuccess | None:
    """The newest successful run of ``job``; for a sharded job (``shards``), the newest
    run that every shard finished, at the finish of its last shard."""
    urls = [info.url for info in blobs.list(runs_prefix(state_store, job))
            if info.url.endswith(".json")]
    if not shards:
        for url in reversed(urls):
            record = _read(blobs, url)
            if record is not None:
                return _success(record, url)
        return None
    runs: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for url in reversed(urls):
        record = _read(blobs, url)
        if record is None or not isinstance(record.get("shard"), str):
            continue
        if not record["shard"].endswith(f"/{shards}"):
            continue
        found = runs.setdefault(str(record.get("run_id")), [])
        found.append((record, url))
        if len({r["shard"] for r, _ in found}) == shards:
            record, url = max(found, key=lambda pair: str(pair[0].get("finished_at")))
            return _success(record, url)
    return None


def _read(blobs: BlobStore, url: str) -> dict[str, Any] | None:
    try:
        record = orjson.loads(blobs.read_bytes(url))
    except (orjson.JSONDecodeError, StorageError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("finished_at"), str):
        return None
    return record


def _success(record: dict[str, Any], url: str) -> LastSuccess | None:
    try:
        finished = datetime.strptime(record["finished_at"], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    duration = record.get("duration_seconds")
    return LastSuccess(str(record.get("run_id")), finished.replace(tzinfo=UTC),
                       float(duration) if isinstance(duration, int | float) else 0.0, url)
