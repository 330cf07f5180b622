"""The period a run reads: ``month``, or ``start_date`` and ``end_date``, or this month.

- ``month``: ``"YYYY-MM"``, ``"previous"`` or ``"current"`` (the run's month, in UTC): from
  that month's first instant to the next month's first instant (the end excluded). The
  monthly backup runs ``month = "previous"`` on the 1st; ``--month 2026-01`` backfills.
- ``start_date`` / ``end_date``: from and to those instants; each defaults as below.
- neither: from the first instant of the run's month to the run's start.

``month`` with ``start_date`` or ``end_date`` is an error, as is an end before the start.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from observes_singer.tapkit.moments import instant, iso

MONTH_WORDS = ("previous", "current")
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    """Excluded."""

    def __str__(self) -> str:
        return f"{iso(self.start)} to {iso(self.end)}"


def month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def next_month(moment: datetime) -> datetime:
    return month_start(moment.year + moment.month // 12, moment.month % 12 + 1)


def previous_month(moment: datetime) -> datetime:
    return month_start(moment.year - (moment.month == 1), (moment.month - 2) % 12 + 1)


def month_period(month: str, now: datetime) -> Period:
    """The period of ``month`` (``"YYYY-MM"``, ``"previous"`` or ``"current"``)."""
    this_month = month_start(now.year, now.month)
    if month == "current":
        first = this_month
    elif month == "previous":
        first = previous_month(this_month)
    else:
        found = MONTH_PATTERN.match(month)
        if found is None or not month_in_range(month):
            raise ValueError(month_error(month))
        first = month_start(int(found.group(1)), int(found.group(2)))
    return Period(first, next_month(first))


FIRST_MONTH = "1970-01"
LAST_MONTH = "9999-11"
"""The months a run can read: the next month's first instant, where a month's period
ends, must be a date too."""


def month_in_range(month: str) -> bool:
    """Whether ``month`` is YYYY-MM from :data:`FIRST_MONTH` to :data:`LAST_MONTH`."""
    return MONTH_PATTERN.match(month) is not None and FIRST_MONTH <= month <= LAST_MONTH


def month_error(month: Any) -> str:
    return (f"month: must be YYYY-MM from {FIRST_MONTH} to {LAST_MONTH} (2026-01), "
            f"\"previous\" or \"current\", got {month!r}")


def period_errors(config: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``month``, ``start_date`` and ``end_date`` together."""
    month = config.get("month")
    if month is not None:
        errors = []
        if config.get("start_date") or config.get("end_date"):
            errors.append("month: give either month, or start_date and end_date, not both "
                          "(month reads from the month's first instant to the next "
                          "month's)")
        if not isinstance(month, str) or (month not in MONTH_WORDS and
                                           not month_in_range(month)):
            errors.append(month_error(month))
        return errors
    try:
        start, end = instant(config.get("start_date")), instant(config.get("end_date"))
    except ValueError:
        return []  # the schema's date-time check says so
    if start is not None and end is not None and end <= start:
        return [f"end_date: must be after start_date ({iso(start)}), got {iso(end)}"]
    return []


def run_period(config: Mapping[str, Any], now: datetime) -> Period:
    """The period this run reads (the settings checked by :func:`period_errors`)."""
    month = config.get("month")
    if month is not None:
        return month_period(str(month), now)
    start = instant(config.get("start_date")) or month_start(now.year, now.month)
    end = instant(config.get("end_date")) or now
    return Period(start, end)
