"""Durations as people write them in job files and on the command line: ``90s``, ``45m``,
``26h``, ``7d``, ``1h30m``, or a bare number of seconds."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class DurationError(ValueError):
    """Not a duration; the message shows what was given and what is accepted."""


def parse_duration(text: str | int | float, where: str = "duration") -> timedelta:
    """``26h`` → 26 hours. Raises :class:`DurationError` naming ``where``."""
    if isinstance(text, bool):
        raise DurationError(f"{where}: {text!r} is not a duration")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        raw = text.strip().lower()
        if re.fullmatch(r"\d+(?:\.\d+)?", raw):
            seconds = float(raw)
        else:
            parts = _PART.findall(raw)
            if not parts or "".join(n + u for n, u in parts) != raw.replace(" ", ""):
                raise DurationError(f"{where}: {text!r} is not a duration (write e.g. 90s, "
                                    "45m, 26h, 7d or 1h30m)")
            seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise DurationError(f"{where}: {text!r} must be longer than zero")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """``timedelta(hours=26, minutes=5)`` → ``26h05m``; under an hour ``5m07s``; from three
    days on ``4d03h``."""
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    if total >= 3 * 86400:
        days, rest = divmod(total, 86400)
        return f"{sign}{days}d{rest // 3600:02d}h"
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m{seconds:02d}s"
    return f"{sign}{seconds}s"
