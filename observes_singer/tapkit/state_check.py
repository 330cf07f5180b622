"""A tap's input state checked before anything is read.

A state of the wrong shape (``{"bookmarks": []}``, a stream's bookmark that is not an
object) or a bookmark on a date-time key that is not a time (``"yesterday"``) would stop
the run somewhere inside the stream that reads it. The tap refuses it first, with one
message that names the stream and the bad value, and says how to set the state right
with ``observes state``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from singer_sdk import Stream

from observes_singer.tapkit.bookmarks import FutureBookmark, unreadable_bookmarks

__all__ = ["BadStateError", "check_bookmark_times", "check_state_document", "check_state_shape"]

RESET_HINT = ("set it right (observes state get JOB > state.json, edit it, observes state "
              "set JOB state.json), or clear it (observes state clear JOB) to read as a "
              "first run does")
SHOWN_CHARS = 60


class BadStateError(Exception):
    """The state given to the tap cannot be read from."""


def shown(value: Any) -> str:
    """``value`` for a message: its JSON type and, cut short, its text."""
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    text = repr(value)
    if len(text) > SHOWN_CHARS:
        text = text[:SHOWN_CHARS] + "..."
    return f"{kinds.get(type(value), type(value).__name__)} ({text})"


def bad_state(problem: str) -> BadStateError:
    return BadStateError(f"--state: {problem}; {RESET_HINT}")


def check_state_document(document: Any) -> None:
    """Raise :class:`BadStateError` when the ``--state`` document is not a JSON object
    (singer-sdk would take an array for a file name)."""
    if not isinstance(document, Mapping):
        raise bad_state('the state must be a JSON object ({"bookmarks": ...}), a STATE '
                        f"message or Meltano's {{\"singer_state\": ...}}, found "
                        f"{shown(document)}")


def check_state_shape(state: Mapping[str, Any]) -> None:
    """Raise :class:`BadStateError` unless ``state`` (a bare state) holds its bookmarks as
    Singer says: an object of streams, each an object, partitions an array of objects."""
    bookmarks = state.get("bookmarks")
    if bookmarks is None:
        return
    if not isinstance(bookmarks, Mapping):
        raise bad_state('"bookmarks" must be an object of streams ({"stream": {...}}), '
                        f"found {shown(bookmarks)}")
    for name, stream_state in bookmarks.items():
        if not isinstance(stream_state, Mapping):
            raise bad_state(f"stream {name}: its bookmark must be an object, found "
                            f"{shown(stream_state)}")
        partitions = stream_state.get("partitions")
        if partitions is None:
            continue
        if not isinstance(partitions, list):
            raise bad_state(f"stream {name}: its partitions must be an array, found "
                            f"{shown(partitions)}")
        for partition in partitions:
            if not isinstance(partition, Mapping):
                raise bad_state(f"stream {name}: each partition must be an object, found "
                                f"{shown(partition)}")


def check_bookmark_times(streams: Iterable[Stream], state: Mapping[str, Any]) -> None:
    """Raise :class:`BadStateError` when a bookmark of ``streams`` on a date-time key is
    not a time."""
    found = unreadable_bookmarks(streams, state)
    if found:
        first: FutureBookmark = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise bad_state(f"stream {first.where()}: the bookmark {first.key} is not a time "
                        f"(ISO 8601), found {shown(first.value)}{more}")
