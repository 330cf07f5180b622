"""Instants as Time Doctor writes and reads them.

Time Doctor stores and returns data in UTC only, as ISO 8601 (``2019-08-24T14:15:22Z``),
and takes ``from`` and ``to`` the same way, in UTC ("YYYY-MM-DDT00:00:00Z"; an offset
"can result in performance issues", the API reference's FAQ). Durations (``time``) are
seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime


def query_time(moment: datetime) -> str:
    """``2026-01-05T00:00:00Z``: how the tap sends ``from`` and ``to`` (whole seconds,
    UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["query_time"]
