"""Time bookmarks that cannot be right: later than the run's start.

A stream replicated on a date-time key keeps the newest value it read as its bookmark
(``replication_key_value``, for the stream or each of its partitions), and the next run
asks the source for what changed since. A bookmark later than the run's start (more than
:data:`CLOCK_SKEW`, what two honest clocks may disagree by) is a state that runs ahead
of the source: a clock set wrong, a record stamped in the future, or a state edited by
hand. Read from it, the run would load nothing and exit 0, every run, for as long as the
bookmark stays ahead.

The tap refuses it: :func:`future_bookmarks` finds every such bookmark of the streams
about to be read, and :func:`future_bookmark_error` names them (stream, partition, key and
value; the first few, then how many more) and how to set the state right with ``observes
state``. The run stops before anything is emitted, and the state is left as it was.

An error rather than a warning and a read from the first run's start: the bookmark claims
that data up to it was loaded, which nothing can confirm, so the tap does not guess where to
start again (from the first run's start could reload months, or a whole history, every run
while the cause stays), and a failed run is seen where a warning is not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from singer_sdk import Stream

from observes_singer.tapkit.moments import instant, iso

__all__ = ["CLOCK_SKEW", "FutureBookmark", "FutureBookmarkError", "future_bookmarks",
           "time_bookmarks", "time_keyed", "unreadable_bookmarks"]

CLOCK_SKEW = timedelta(minutes=10)
"""How far a bookmark may be ahead of the run's start: the source's clock and the tap's
may disagree by this much."""

TIME_FORMATS = ("date-time", "date")


class FutureBookmarkError(Exception):
    """Time bookmarks later than the run's start: reading from them would load nothing."""


@dataclass(frozen=True)
class FutureBookmark:
    """A bookmark later than the run's start, and where it is in the state."""

    stream: str
    partition: Mapping[str, Any] | None
    key: str
    value: Any

    def where(self) -> str:
        """``check_results (checkId=0b2f...)``, or the stream alone."""
        if not self.partition:
            return self.stream
        context = ", ".join(f"{name}={value}" for name, value in self.partition.items())
        return f"{self.stream} ({context})"


def time_keyed(stream: Stream) -> bool:
    """Whether ``stream`` is replicated on a date-time (or date) property."""
    key = stream.replication_key
    if not key:
        return False
    prop = (stream.schema.get("properties") or {}).get(key) or {}
    return prop.get("format") in TIME_FORMATS


def _bookmarks(stream_state: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any] | None,
                                                                   Mapping[str, Any]]]:
    """The stream's own bookmark and each partition's, with the partition's context."""
    yield None, stream_state
    for partition in stream_state.get("partitions") or []:
        if isinstance(partition, Mapping):
            yield partition.get("context") or {}, partition


def time_bookmarks(streams: Iterable[Stream], state: Mapping[str, Any]
                   ) -> Iterator[FutureBookmark]:
    """Every bookmark of ``streams`` in ``state`` (a tap's bare state) on their date-time
    replication key, the stream's own and each partition's."""
    bookmarks = state.get("bookmarks") or {}
    for stream in streams:
        stream_state = bookmarks.get(stream.name)
        if not time_keyed(stream) or not isinstance(stream_state, Mapping):
            continue
        key = str(stream.replication_key)
        for partition, bookmark in _bookmarks(stream_state):
            value = bookmark.get("replication_key_value")
            if bookmark.get("replication_key") not in (None, key) or value is None:
                continue
            yield FutureBookmark(stream.name, partition, key, value)


def future_bookmarks(streams: Iterable[Stream], state: Mapping[str, Any], now: datetime,
                     skew: timedelta = CLOCK_SKEW) -> list[FutureBookmark]:
    """The bookmarks of ``streams`` in ``state`` (a tap's bare state) on their date-time
    replication key that are later than ``now`` + ``skew``."""
    found = []
    limit = now + skew
    for bookmark in time_bookmarks(streams, state):
        try:
            moment = instant(bookmark.value)
        except ValueError:
            continue  # not a time: :func:`unreadable_bookmarks` finds it
        if moment is not None and moment > limit:
            found.append(dataclasses.replace(bookmark, value=str(bookmark.value)))
    return found


def unreadable_bookmarks(streams: Iterable[Stream], state: Mapping[str, Any]
                         ) -> list[FutureBookmark]:
    """The bookmarks of ``streams`` on their date-time key that are not a time."""
    found = []
    for bookmark in time_bookmarks(streams, state):
        try:
            readable = isinstance(bookmark.value, str) and instant(bookmark.value) is not None
        except ValueError:
            readable = False
        if not readable:
            found.append(bookmark)
    return found


SHOWN = 3
"""Bookmarks an error names one by one; the others are counted."""


def future_bookmark_error(found: list[FutureBookmark], now: datetime,
                          skew: timedelta = CLOCK_SKEW) -> FutureBookmarkError:
    """One line: the bookmarks (the first few, then how many more), why a run cannot
    read from them, and what to do."""
    named = "; ".join(f"{b.where()} {b.key}={b.value}" for b in found[:SHOWN])
    if len(found) > SHOWN:
        named += f"; and {len(found) - SHOWN} more"
    minutes = int(skew.total_seconds() // 60)
    return FutureBookmarkError(
        f"{'a bookmark' if len(found) == 1 else f'{len(found)} bookmarks'} later than the "
        f"run's start ({iso(now)}, {minutes} minutes of clock skew allowed): {named}. The "
        "state runs ahead of the source (a clock set wrong, a record stamped in the future, "
        "or a state edited by hand), and reading from there would load nothing. Nothing was "
        "read; set the bookmark to the last instant loaded (observes state get JOB > "
        "state.json, edit it, observes state set JOB state.json), or remove it to read as a "
        "first run does")
