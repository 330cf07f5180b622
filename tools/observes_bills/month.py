"""A billing month: ``YYYY-MM``, ``current`` or ``previous`` (UTC)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class MonthError(ValueError):
    """A --month that is not YYYY-MM, current or previous."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def start(self) -> datetime:
        """Its first instant, UTC, naive (as the warehouse keeps timestamps)."""
        return datetime(self.year, self.month, 1)

    @property
    def end(self) -> datetime:
        """The next month's first instant."""
        return self.next().start

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def folder(self) -> str:
        return f"{self.year:04d}/{self.month:02d}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


FIRST = Month(1970, 1)
"""The first month a --month may name."""


def parse_month(text: str, now: datetime | None = None) -> Month:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    current = Month(moment.year, moment.month)
    if text == "current":
        return current
    if text == "previous":
        return current.previous()
    match = _MONTH.fullmatch(text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise MonthError(f"--month {text!r}: expected YYYY-MM (e.g. 2026-11), current or "
                         "previous")
    month = Month(int(match.group(1)), int(match.group(2)))
    if not FIRST <= month <= current:
        raise MonthError(f"--month {text!r}: must be from {FIRST} to the current month "
                         f"({current}): a month not yet begun has no bills")
    return month
