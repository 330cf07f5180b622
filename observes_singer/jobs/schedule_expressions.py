"""EventBridge Scheduler's schedule expressions, checked as its documentation gives them,
so that a job file's ``[batch] schedule`` is refused here rather than accepted and never run.

``cron(minutes hours day-of-month month day-of-week year)``, each field within its range:

| field | values | wildcards |
|---|---|---|
| minutes | 0-59 | , - * / |
| hours | 0-23 | , - * / |
| day-of-month | 1-31 | , - * ? / L W |
| month | 1-12 or JAN-DEC | , - * / |
| day-of-week | 1-7 or SUN-SAT | , - * ? L # |
| year | 1970-2199 | , - * / |

one of day-of-month and day-of-week being ``?``; ``rate(N unit)``; and the one-time
``at(yyyy-mm-ddThh:mm:ss)``, in the schedule's time zone, which must lie ahead when the
schedule is created (:func:`check_ahead`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EXPRESSION = re.compile(r"(cron|rate|at)\((.+)\)", re.DOTALL)
_RATE = re.compile(r"[1-9][0-9]* (minute|minutes|hour|hours|day|days)")
_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV",
           "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


class ScheduleError(ValueError):
    """A schedule expression EventBridge Scheduler would refuse or never run."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # JAN.. or SUN.., numbered from ``low``
    wildcards: str = ",-*/"

    def value(self, text: str) -> int:
        if text.upper() in self.names:
            return self.low + self.names.index(text.upper())
        if not text.isdigit() or not self.low <= int(text) <= self.high:
            named = f" or {self.names[0]}-{self.names[-1]}" if self.names else ""
            raise ScheduleError(f"{self.name} {text!r}: from {self.low} to {self.high}{named}")
        return int(text)


_FIELDS = (
    _Field("minutes", 0, 59), _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31, wildcards=",-*?/LW"),
    _Field("month", 1, 12, _MONTHS), _Field("day-of-week", 1, 7, _DAYS, ",-*?L#"),
    _Field("year", 1970, 2199))


def check_expression(text: str) -> str:
    """``text`` if EventBridge Scheduler takes it, else :class:`ScheduleError` saying why."""
    match = _EXPRESSION.fullmatch(text)
    if match is None:
        raise ScheduleError("not a schedule; write cron(MIN HOUR DOM MONTH DOW YEAR), e.g. "
                            "cron(0 5 * * ? *), rate(6 hours) or at(2026-12-01T05:00:00)")
    kind, body = match.groups()
    if kind == "rate" and not _RATE.fullmatch(body.strip()):
        raise ScheduleError("a rate is a whole number and a unit, e.g. rate(30 minutes), "
                            "rate(6 hours), rate(1 day)")
    if kind == "at":
        at_moment(body)
    if kind == "cron":
        _check_cron(body.split())
    return text


def _check_cron(fields: list[str]) -> None:
    if len(fields) != 6:
        raise ScheduleError("a cron expression has six fields (minutes hours day-of-month "
                            "month day-of-week year), e.g. cron(0 5 * * ? *)")
    if "?" not in (fields[2], fields[4]):
        raise ScheduleError("day-of-month or day-of-week must be ? (EventBridge cannot take "
                            "both)")
    for spec, text in zip(_FIELDS, fields, strict=True):
        _check_field(spec, text)


def _check_field(spec: _Field, text: str) -> None:
    if text == "?" and "?" in spec.wildcards:
        return
    if "#" in text and "#" in spec.wildcards:
        day, _, nth = text.partition("#")
        spec.value(day)
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise ScheduleError(f"{spec.name} {text!r}: DAY#N takes one day and N from 1 to "
                                "5, alone in its field")
        return
    for item in text.split(","):
        base, slash, step = item.partition("/")
        if slash and ("/" not in spec.wildcards or not step.isdigit() or int(step) < 1):
            raise ScheduleError(f"{spec.name} {item!r}: an increment is START/N, N a whole "
                                "number from 1")
        if base == "*":
            continue
        if "L" in spec.wildcards and base.upper().endswith("L"):
            if base.upper() != "L" and spec.name == "day-of-month":
                raise ScheduleError(f"{spec.name} {item!r}: L stands alone (the last day)")
            if base.upper() != "L":
                spec.value(base[:-1])
            continue
        if "W" in spec.wildcards and base.upper().endswith("W"):
            if base.upper() != "LW":
                spec.value(base[:-1])
            continue
        first, dash, last = base.partition("-")
        spec.value(first)
        if dash:
            spec.value(last)


def at_moment(body: str) -> datetime:
    """The naive date-time of ``at(...)``'s body."""
    if not _AT.fullmatch(body.strip()):
        raise ScheduleError("write at(yyyy-mm-ddThh:mm:ss)")
    try:
        return datetime.fromisoformat(body.strip())
    except ValueError as exc:
        raise ScheduleError(str(exc)) from None


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"{name!r} is not an IANA time zone (UTC, "
                            "America/Bogota, ...)") from None


def check_ahead(expression: str, timezone: str, now: datetime) -> None:
    """A one-time ``at(...)`` schedule must lie after ``now`` in its time zone: Scheduler
    takes one in the past and never runs it."""
    match = _EXPRESSION.fullmatch(expression)
    if match is None or match.group(1) != "at":
        return
    moment = at_moment(match.group(2)).replace(tzinfo=check_timezone(timezone))
    if moment <= now:
        raise ScheduleError(f"{expression} ({timezone}) is in the past: a one-time schedule "
                            "never runs; give a later time, or a cron or rate schedule")
