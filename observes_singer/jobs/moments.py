"""The instants the jobs write and read back: the lease's expiries, the ledger's start and
finish times.

Written one way (``2026-11-30T05:15:00Z``), read in every ISO 8601 form, through the tap
kit's one parser: a lease or a record written by another version, another tool or by hand
(``+00:00``, ``+02:00``, fractions of a second, the basic ``20261130T051500Z``) means the
same instant.
"""

from __future__ import annotations

from datetime import UTC, datetime

from observes_singer.tapkit.moments import instant


def stamp(moment: datetime) -> str:
    """``2026-11-30T05:15:00Z``: UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_moment(text: object) -> datetime | None:
    """An ISO 8601 date-time in UTC, whatever its offset (``Z``, ``+00:00``, ``+0200``,
    ...); one without an offset is UTC, as the jobs write. ``None`` if it is not one."""
    if not isinstance(text, str):
        return None
    try:
        moment = instant(text)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment is not None else None
