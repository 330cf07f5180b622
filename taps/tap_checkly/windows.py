"""Streams Checkly answers a time window at a time: read window after window, from the
bookmark to the run's start, the bookmark moving to the end of each window read whole.

A window is asked with ``from`` (inclusive) and ``to`` (exclusive) in Unix seconds, so
windows start and end on whole seconds, and the bookmark is the ``to`` last sent. A
run stopped by ``max_pages`` (pages in all) or ``max_duration`` stops between two windows
and the next run goes on from the last one read; an account with nothing in a window
still moves the bookmark past it, so that a quiet account is not read again from the
same point every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from singer_sdk.pagination import BaseAPIPaginator

from observes_singer.tapkit.moments import instant, iso
from tap_checkly.moments import unix
from tap_checkly.streams import ChecklyStream

Record = dict[str, Any]
Context = Mapping[str, Any]


class WindowedStream(ChecklyStream):
    """Set ``window`` (the longest window Checkly answers, or that the tap asks for) and
    ``replication_key``; override :meth:`first_start`, and :meth:`read_window` and
    :meth:`window_end_bookmark` when needed."""

    window: ClassVar[timedelta]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._window: tuple[datetime, datetime] | None = None
        self._paginator: BaseAPIPaginator[Any] | None = None

    # -- what a stream says -------------------------------------------------------------------

    def first_start(self) -> datetime:
        """Where a first run starts."""
        raise NotImplementedError

    def start(self, bookmark: datetime | None) -> datetime:
        """Where this run starts: by default, the bookmark."""
        return bookmark if bookmark is not None else self.first_start()

    def read_window(self, context: Context | None, bookmark: datetime | None
                    ) -> Iterable[Record]:
        """The records of the current window, as they are to be emitted."""
        return self.request_records(context)

    def window_end_bookmark(self, end: datetime) -> datetime:
        """The bookmark once a window ending at ``end`` is read."""
        return end

    # -- reading ------------------------------------------------------------------------------

    def windows(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        found = []
        low = start
        while low < end:
            high = min(low + self.window, end)
            found.append((low, high))
            low = high
        return found

    def get_records(self, context: Context | None) -> Iterable[Record]:
        state = self.get_context_state(context)
        bookmark = instant(state.get("replication_key_value")) \
            if state.get("replication_key") == self.replication_key else None
        budget = self.budget.part()
        start = self.start(bookmark).replace(microsecond=0)
        for low, high in self.windows(start, self.run_started.replace(microsecond=0)):
            spent = budget.exhausted()
            if spent is not None:
                self.logger.info("%s: %s reached; the next run goes on from %s", self.name,
                                 spent.setting, iso(low))
                break
            self._window = (low, high)
            self._paginator = None
            yield from self.read_window(context, bookmark)
            budget.page_read(self._paginator.count if self._paginator is not None else 1)
            state["replication_key"] = self.replication_key
            state["replication_key_value"] = iso(self.window_end_bookmark(high))

    def window_params(self) -> dict[str, Any]:
        if self._window is None:
            raise RuntimeError(f"{self.name}: a page asked for outside a window")
        low, high = self._window
        return {"from": unix(low), "to": unix(high)}

    def _increment_stream_state(self, latest_record: Record, *,
                                context: Context | None = None) -> None:
        """Nothing: :meth:`get_records` moves the bookmark, a window at a time."""
