"""A table's scan state: a bookmark per segment, so that a stopped run resumes.

The state of a table's stream::

    {"total_segments": 4,
     "segments": {"0": "done", "2": {"id": {"S": "user#812"}}}}

A segment's bookmark is the ``ExclusiveStartKey`` to go on from (DynamoDB's typed form,
binaries as base64 text), or ``"done"``; a segment not listed has not been started.

A scan of the tables may take several runs (``max_pages``, ``max_duration``). A run
*resumes* when a scan is under way: a table's scan has begun and not finished (one of
this process's segments is listed and not done), or some tables are finished and others
not. Then each table goes on where it stopped, a table not started starts, and a table
whose segments are all done is not read again. Otherwise the run starts a new scan of
every table. A table whose state was made with another ``total_segments`` starts over (the
segments would not be the same), with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

DONE = "done"


def under_way(state: Mapping[str, Any], mine: Sequence[int]) -> bool:
    """Whether a table's scan has begun and not finished, for this process's segments."""
    segments = state.get("segments")
    if not isinstance(segments, Mapping) or not segments:
        return False
    return any(segments.get(str(segment)) != DONE for segment in mine)


def finished(state: Mapping[str, Any], mine: Sequence[int]) -> bool:
    segments = state.get("segments")
    return isinstance(segments, Mapping) and all(segments.get(str(s)) == DONE for s in mine)


class ScanState:
    """The bookmarks of one table, kept in (and written through to) its stream state."""

    def __init__(self, state: MutableMapping[str, Any], total: int) -> None:
        self.state = state
        self.total = total

    def start(self, resuming: bool, mine: Sequence[int]) -> str:
        """Begin this run's part of the scan; says how, for the log."""
        same = self.state.get("total_segments") == self.total
        if resuming and not same and under_way(self.state, mine):
            self._new()
            return (f"starting over: the scan under way had {self.state.get('total_segments')}"
                    f" segments, not {self.total}")
        if resuming and same and finished(self.state, mine):
            return "already scanned in this pass"
        if resuming and same and under_way(self.state, mine):
            return "resuming"
        if resuming:
            self._new()
            return "starting (the other tables' scan is under way)"
        self._new()
        return "starting a new scan"

    def _new(self) -> None:
        self.state.clear()
        self.state.update({"total_segments": self.total, "segments": {}})

    def bookmark(self, segment: int) -> Any:
        """``None`` (not started), ``"done"`` or the key to go on from."""
        return self.state["segments"].get(str(segment))

    def move(self, segment: int, key: Mapping[str, Any] | None) -> None:
        self.state["segments"][str(segment)] = dict(key) if key else DONE
