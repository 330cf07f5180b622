"""What a job's lease object says, read as the store keeps it, trusted only as far as the
store's own clock allows.

A lease is judged against when the store last wrote it (its modification time, by the
store's clock), not only against the expiries in it, which the holders' clocks wrote:

- a member's expiry counts no further than the TTL past that write, so a holder whose clock
  runs years ahead blocks the job for one TTL at most, as a killed run does, and the
  description names how far ahead its clock runs;
- an object that cannot be read as a lease (not JSON, not an object, no members, an expiry
  that is not a date) is held until one TTL past that write, never free at once: it may be
  a live run's lease written by another version, or damaged in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from observes_singer.jobs.durations import format_duration
from observes_singer.jobs.moments import parse_moment, stamp
from observes_singer.store.storage import CurrentBlob

#: How far past the store's last write plus the TTL an expiry may lie before the holder's
#: clock is named as wrong: clocks never agree to the second, and expiries keep seconds.
CLOCK_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True)
class LeaseView:
    """The lease object of one job as read at ``now``, with the TTL it is judged by."""

    url: str
    ttl: timedelta
    now: datetime
    document: dict[str, Any] | None = None  # None: no object, or an unreadable one
    version: str | None = None
    modified: datetime | None = None
    unreadable: str | None = None  # why the object is not a lease, when it is not
    members: dict[str, datetime] = field(default_factory=dict)  # live ones, trusted expiry
    skew: timedelta | None = None  # how far ahead of the store the holder's clock runs

    @classmethod
    def read(cls, found: CurrentBlob | None, url: str, ttl: timedelta,
             now: datetime) -> LeaseView:
        if found is None:
            return cls(url, ttl, now)
        trusted_until = found.modified + ttl
        document, why = _parse(found.data)
        if document is None:
            held = {"?": trusted_until} if trusted_until > now else {}
            return cls(url, ttl, now, None, found.version, found.modified, why, held)
        members: dict[str, datetime] = {}
        latest: datetime | None = None
        for name, expiry in document["members"].items():
            moment = parse_moment(expiry)
            if moment is None:  # not a date: held as an unreadable object is
                moment = trusted_until
            latest = moment if latest is None else max(latest, moment)
            until = min(moment, trusted_until)
            if until > now:
                members[str(name)] = until
        skew = None
        if latest is not None and latest > trusted_until + CLOCK_TOLERANCE:
            skew = latest - trusted_until
        return cls(url, ttl, now, document, found.version, found.modified, None, members,
                   skew)

    @property
    def held(self) -> bool:
        return bool(self.members)

    def held_by(self, run_id: str) -> bool:
        """Held by the run ``run_id`` (which a member of that run may join)."""
        return self.document is not None and self.document.get("run_id") == run_id

    def live_members(self) -> dict[str, str]:
        """The live members with their trusted expiries, as the lease writes them."""
        return {name: stamp(until) for name, until in self.members.items()}

    def describe(self) -> str:
        """Who holds the lease and until when, for a message."""
        expires = stamp(max(self.members.values())) if self.members else "now"
        written = stamp(self.modified) if self.modified else "?"
        if self.unreadable is not None:
            return (f"its lease {self.url} cannot be read ({self.unreadable}), last written "
                    f"{written}: counted as held until {expires}, one TTL after that write, "
                    f"unless a run replaces it; delete it if no run holds the job")
        document = self.document or {}
        text = (f"run {document.get('run_id', '?')} on {document.get('holder', '?')}, since "
                f"{document.get('acquired_at', '?')}, lease expires {expires} unless renewed")
        if self.skew is not None:
            text += (f" (the holder's clock runs {format_duration(self.skew)} ahead of the "
                     f"store's: its expiry is trusted only until one TTL after the lease was "
                     f"last written, {written})")
        return text


def _parse(data: bytes) -> tuple[dict[str, Any] | None, str]:
    """The lease document, or None and why the bytes are not one."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None, f"not JSON: {data[:40]!r}"
    if not isinstance(document, dict):
        return None, f"a JSON {type(document).__name__}, not an object"
    if not isinstance(document.get("members"), dict):
        return None, "no members object"
    return document, ""
