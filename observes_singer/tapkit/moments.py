"""Timestamps as REST sources write them: read into aware datetimes, written back in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def instant(text: Any) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or an offset; UTC when it has neither) as an aware
    datetime; None for no value."""
    if isinstance(text, datetime):
        moment = text
    elif isinstance(text, str) and text:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """``2026-03-01T10:15:00.000Z``: UTC with milliseconds, for bookmarks and records."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def day_start(moment: datetime) -> datetime:
    """Midnight UTC of ``moment``'s day."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
