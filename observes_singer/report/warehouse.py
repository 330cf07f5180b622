"""The warehouse's run ledger, ``observes_runs``, as the report reads it.

The core imports no target: the reader is target-redshift's, found through the
``observes.run_ledger_readers`` entry point, and gets the same settings as target-redshift
(``url``, ...). It reads every ``observes_runs`` table of the warehouse (each job's lives
in its own schema by default), with the columns it has had from the start; a row with 0
rows is a table the run loaded nothing into.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any

from observes_singer.jobs.moments import parse_moment

GROUP = "observes.run_ledger_readers"
READER = "target-redshift"


class WarehouseLedgerError(Exception):
    """The warehouse's run ledger cannot be read; the message names where and why."""


@dataclass(frozen=True)
class LedgerRow:
    """One row of ``observes_runs``: the rows one run (or shard) loaded into one table."""

    job: str
    run_id: str
    shard: str | None
    started_at: datetime | None
    finished_at: datetime
    duration_seconds: float | None
    table: str
    rows: int


@dataclass(frozen=True)
class WarehouseLedger:
    rows: tuple[LedgerRow, ...]
    unreadable: int  # rows without a job, a run id or a finish time: counted, not shown


def read_warehouse_ledger(settings: dict[str, Any]) -> WarehouseLedger:
    """Every row of every ``observes_runs`` in the warehouse ``settings`` name."""
    found = list(entry_points(group=GROUP, name=READER))
    if not found:
        raise WarehouseLedgerError(f"no reader of observes_runs is installed (entry point "
                                   f"{READER} in {GROUP}): install target-redshift")
    reader: Callable[[dict[str, Any]], Iterable[dict[str, Any]]] = found[0].load()
    try:
        raw = list(reader(settings))
    except Exception as exc:  # the reader's own errors (settings, connection, SQL)
        raise WarehouseLedgerError(str(exc)) from None
    rows = tuple(row for row in map(_row, raw) if row is not None)
    return WarehouseLedger(rows, len(raw) - len(rows))


def _row(raw: dict[str, Any]) -> LedgerRow | None:
    finished = _moment(raw.get("finished_at"))
    if finished is None or not raw.get("job") or not raw.get("run_id"):
        return None
    rows = raw.get("rows")
    duration = raw.get("duration_seconds")
    return LedgerRow(
        job=str(raw["job"]), run_id=str(raw["run_id"]),
        shard=str(raw["shard"]) if raw.get("shard") else None,
        started_at=_moment(raw.get("started_at")), finished_at=finished,
        duration_seconds=float(duration) if duration is not None else None,
        table=str(raw.get("table_name") or ""),
        rows=int(rows) if rows is not None else 0)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return parse_moment(value.isoformat())
    return parse_moment(value)
