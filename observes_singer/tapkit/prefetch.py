"""Several units of a listing read at once, handed over one by one in their order.

A tap that reads one partition (a project, a check) after the other waits on one request
at a time. :class:`OrderedPrefetch` reads the next units on ``workers`` threads while the
caller's thread (the only one that emits records and moves bookmarks) takes the units in
the order given, each unit's items in the order read: what the caller does with them is
the same as reading them one by one, only sooner.

- At most ``workers`` units are read at once, and at most ``ahead`` units are started
  and not yet taken: a unit further on is not read yet. The keys may be known at once
  (a stream's partitions) or offered as they come (a child stream's, as the parent's
  records are read).
- A unit's items go through a queue of at most ``buffered`` items: a reader that is
  ahead waits for the caller, so memory holds at most ``ahead`` + 1 times ``buffered`` items,
  however long the listing.
- A unit whose reading fails hands over the items read before the failure, then raises
  the failure itself, on the caller's thread, where the sequential read would have; the
  units after it are never handed over.
- :meth:`OrderedPrefetch.close` (also on leaving the loop early, or on a failure) stops
  the readers at their next item; the threads are daemons, so that a reader waiting on a
  retry never holds up the end of a failed run.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from singer_sdk import typing as th

__all__ = ["DEFAULT_CONCURRENCY", "OrderedPrefetch", "concurrency", "concurrency_setting"]

DEFAULT_CONCURRENCY = 4
"""Requests in flight at once, unless ``max_concurrent_requests`` says otherwise."""


def concurrency_setting(units: str) -> th.Property[Any]:
    """``max_concurrent_requests`` for a tap's ``th.PropertiesList(...)``; ``units`` says
    what is read at once (``projects``)."""
    return th.Property(
        "max_concurrent_requests", th.IntegerType(minimum=1), default=DEFAULT_CONCURRENCY,
        description="Requests in flight at once in the whole run, the tap's own thread's "
        f"included, with {units} read ahead on as many threads (1: one request at a time); "
        "records, bookmarks and STATE come out in the same order whatever the number, and "
        "the source's rate limits are kept across them all")


def concurrency(config: Mapping[str, Any]) -> int:
    """``max_concurrent_requests`` (at least 1)."""
    value = config.get("max_concurrent_requests")
    return max(1, int(DEFAULT_CONCURRENCY if value is None else value))

Key = TypeVar("Key")
Item = TypeVar("Item")

_END = object()
_POLL = 0.1


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Unit(Generic[Key]):
    def __init__(self, key: Key, prepared: Any, buffered: int) -> None:
        self.key = key
        self.prepared = prepared
        self.items: queue.Queue[object] = queue.Queue(maxsize=buffered)
        self.dropped = False


class OrderedPrefetch(Generic[Key, Item]):
    """``read(key, prepared)`` for each key offered, on ``workers`` threads, at most
    ``ahead`` units started and not yet taken. On the calling thread: :meth:`offer` the
    keys in the order they will be taken, and :meth:`take` each, or iterate over the
    ``keys`` given to take ``(key, items)`` in their order. ``setup(key)``, if given,
    runs on the calling thread when a unit is started, before its reader does: what it
    returns is ``prepared`` (else None). A key taken that was not offered is read on the
    calling thread, by ``inline(key)`` (by default ``read(key, setup(key))``)."""

    def __init__(self, keys: Iterable[Key], read: Callable[[Key, Any], Iterable[Item]], *,
                 workers: int, ahead: int | None = None, buffered: int = 1000,
                 setup: Callable[[Key], Any] | None = None,
                 inline: Callable[[Key], tuple[Any, Iterable[Item]]] | None = None,
                 name: str = "prefetch") -> None:
        if workers < 1:
            raise ValueError(f"prefetching needs 1 worker or more, not {workers}")
        self.keys = list(keys)
        self.read = read
        self.workers = workers
        self.ahead = max(ahead or 2 * workers, 1)
        self.buffered = max(buffered, 1)
        self.setup = setup
        self.inline = inline
        self.name = name
        self.closed = threading.Event()
        self._pending: queue.Queue[_Unit[Key] | None] = queue.Queue()
        self._waiting: deque[Key] = deque()
        self._started: deque[_Unit[Key]] = deque()
        self._threads: list[threading.Thread] = []

    def __iter__(self) -> Iterator[tuple[Key, Iterator[Item]]]:
        try:
            for key in self.keys:
                self.offer(key)
            for key in self.keys:
                yield key, self.take(key)[1]
        finally:
            self.close()

    def offer(self, key: Key) -> None:
        """``key`` will be taken after those offered before it: read it when there is
        room."""
        self._waiting.append(key)
        self._fill()

    def started(self, key: Key) -> bool:
        """Whether ``key`` is read ahead (offered, and its reading begun or queued)."""
        self._fill()
        return any(unit.key == key for unit in self._started)

    def take(self, key: Key) -> tuple[Any, Iterator[Item]]:
        """What ``setup`` prepared for ``key`` and its items, read ahead if it was offered,
        else read now. Units offered before it and not taken are dropped (their reader
        stops)."""
        self._fill()
        while self._started and self._started[0].key != key:
            self._drop(self._started.popleft())
        if not self._started:
            while self._waiting and self._waiting[0] != key:
                self._waiting.popleft()
            if not self._waiting:
                if self.inline is not None:
                    prepared, items = self.inline(key)
                else:
                    prepared = self.setup(key) if self.setup is not None else None
                    items = self.read(key, prepared)
                return prepared, iter(items)
            self._fill()
        unit = self._started.popleft()
        self._fill()
        return unit.prepared, self._take(unit)

    def close(self) -> None:
        """Stop the readers (each at its next item) and let their threads end."""
        self.closed.set()
        for _ in self._threads:
            self._pending.put(None)

    def _fill(self) -> None:
        while self._waiting and len(self._started) < self.ahead and not self.closed.is_set():
            self._start(self._waiting.popleft())

    def _drop(self, unit: _Unit[Key]) -> None:
        unit.dropped = True
        while True:  # free a reader waiting to queue an item
            try:
                unit.items.get_nowait()
            except queue.Empty:
                return

    def _start(self, key: Key) -> None:
        prepared = self.setup(key) if self.setup is not None else None
        unit: _Unit[Key] = _Unit(key, prepared, self.buffered)
        self._started.append(unit)
        self._pending.put(unit)
        if len(self._threads) < self.workers:
            thread = threading.Thread(target=self._work, daemon=True,
                                      name=f"{self.name}-{len(self._threads) + 1}")
            self._threads.append(thread)
            thread.start()

    def _work(self) -> None:
        while not self.closed.is_set():
            unit = self._pending.get()
            if unit is None:
                return
            if unit.dropped:
                continue
            try:
                for item in self.read(unit.key, unit.prepared):
                    if not self._put(unit, item):
                        break
                else:
                    self._put(unit, _END)
            except BaseException as error:  # handed to the caller, raised there
                self._put(unit, _Failed(error))

    def _put(self, unit: _Unit[Key], item: object) -> bool:
        """Queue ``item``, waiting while the unit's queue is full; False once closed or
        the unit dropped."""
        while not (self.closed.is_set() or unit.dropped):
            try:
                unit.items.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def _take(self, unit: _Unit[Key]) -> Iterator[Item]:
        while True:
            item = unit.items.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
