"""Instants as Checkly writes and reads them.

Checkly writes timestamps as ISO 8601 in UTC with milliseconds
(``2026-03-01T10:15:00.000Z``) and reads the ``from`` and ``to`` of its listings as Unix
timestamps in seconds, ``from`` inclusive and ``to`` exclusive.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from observes_singer.tapkit.moments import instant

RAW_RESULTS_KEPT = timedelta(days=30)
"""Checkly keeps raw check results for 30 days, then erases them (the API reference of
``GET /v2/check-results/{checkId}``)."""


def unix(moment: datetime) -> int:
    """Whole seconds since the epoch, rounded down (an inclusive ``from`` then covers the
    instant itself)."""
    return int(moment.timestamp() // 1)


def first_run_start(start_date: Any, now: datetime, kept: timedelta | None) -> datetime:
    """Where a first run starts reading: ``start_date``, or how far back Checkly keeps the
    data (``kept``; None when it keeps it all), whichever is later; with neither, 30
    days back."""
    floor = now - kept if kept is not None else None
    start = instant(start_date)
    if start is None:
        return floor if floor is not None else now - RAW_RESULTS_KEPT
    return max(start, floor) if floor is not None else start


__all__ = ["RAW_RESULTS_KEPT", "first_run_start", "unix"]
