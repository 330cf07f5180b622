"""Pacing: never more requests than a source allows, for sources that do not say.

Some sources publish a rate limit but send no header telling how close a client is to it
(Checkly: 600 requests every 60 seconds for most routes, fewer for some). Backing off
after a 429 works, but a client that only backs off keeps running into the limit. A
:class:`Pacer` keeps the start times of the last ``requests`` requests and makes the next
one wait until the oldest of them is ``seconds`` old: there are never more than
``requests`` requests in any window of ``seconds``, whatever the window the source
counts in, and a steady run settles at that rate. Pick a limit a little below the
source's, so that the time a request takes to travel does not push a window over.

:class:`Pacing` is what a session asks before each request: the pacer of every route
(a part of the path, ``/check-results/``) the request's path contains, and the pacer
every request goes through. A request waits until it fits in all of them, and is counted
in all at the moment it goes (:func:`acquire_all`), so that one held back by a limit is
not counted by another as sent earlier than it was. Both are thread-safe; share one
:class:`Pacing` between all the streams of a tap, since the source counts the requests
of the whole run.

``clock`` (monotonic seconds) and ``sleep`` can be replaced in tests. ``log`` gets a line
before each wait of :data:`TOLD_WAIT` seconds or more, so that a paced run does not look
stuck.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

import requests

TOLD_WAIT = 5.0


class Pacer:
    """At most ``requests`` requests in any ``seconds``-long window."""

    def __init__(self, requests: int, seconds: float, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if requests < 1:
            raise ValueError(f"a pacer allows 1 request or more, not {requests}")
        if not seconds > 0:
            raise ValueError(f"a pacer's window is more than 0 seconds, not {seconds}")
        self.requests = requests
        self.seconds = float(seconds)
        self.clock = clock
        self.sleep = sleep
        self.waited = 0.0
        """Seconds requests spent waiting for this pacer (or a group it was part of)."""
        self.delayed = 0
        """Requests that had to wait."""
        self._starts: deque[float] = deque()
        self.lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until one more request fits in the window, and count it as started now;
        returns the seconds waited."""
        return acquire_all([self])

    def due(self) -> float:
        """Seconds the next request would wait now (0 when it may go at once)."""
        with self.lock:
            return self.due_at(self.clock())

    def due_at(self, now: float) -> float:
        """:meth:`due` at ``now``; the caller holds :attr:`lock`."""
        while self._starts and self._starts[0] <= now - self.seconds:
            self._starts.popleft()
        if len(self._starts) < self.requests:
            return 0.0
        return self._starts[0] + self.seconds - now

    def start_at(self, now: float, waited: float) -> None:
        """Count a request as started at ``now``; the caller holds :attr:`lock`."""
        self._starts.append(now)
        if waited:
            self.waited += waited
            self.delayed += 1

    def __repr__(self) -> str:
        return f"Pacer({self.requests} requests / {self.seconds:g} s)"


def acquire_all(pacers: Sequence[Pacer]) -> float:
    """Wait until one more request fits in every one of ``pacers``, then count it in all
    of them at the same instant (so that a request held back by one is not counted by
    another as started before it really is); returns the seconds waited. The first
    pacer's clock and sleep are used."""
    if not pacers:
        return 0.0
    ordered = sorted(set(pacers), key=id)  # one lock order for every caller
    clock, sleep = pacers[0].clock, pacers[0].sleep
    waited = 0.0
    while True:
        for pacer in ordered:
            pacer.lock.acquire()
        try:
            now = clock()
            due = max(pacer.due_at(now) for pacer in ordered)
            if due <= 0:
                for pacer in ordered:
                    pacer.start_at(now, waited)
                return waited
        finally:
            for pacer in reversed(ordered):
                pacer.lock.release()
        sleep(due)
        waited += due


class Pacing:
    """The pacers a request goes through: those of the routes its path contains (in the
    order given), and ``every`` (None: no limit for the other routes). ``waited`` and
    ``delayed`` add up the waits of the requests paced."""

    def __init__(self, every: Pacer | None = None,
                 routes: Iterable[tuple[str, Pacer]] = (),
                 log: Callable[[str], None] | None = None) -> None:
        self.every = every
        self.routes = list(routes)
        self.log = log
        self.waited = 0.0
        self.delayed = 0
        self._lock = threading.Lock()

    def pacers(self, path: str) -> list[Pacer]:
        found = [pacer for part, pacer in self.routes if part in path]
        return found + ([self.every] if self.every is not None else [])

    def before(self, request: requests.PreparedRequest) -> float:
        """Wait as long as ``request`` must; returns the seconds waited."""
        path = urlsplit(request.url or "").path
        pacers = self.pacers(path)
        if self.log is not None and pacers:
            due = max(pacer.due() for pacer in pacers)
            if due >= TOLD_WAIT:
                slowest = max(pacers, key=lambda p: p.due())
                self.log(f"waiting {due:.0f} s before {request.method} {path}: at most "
                         f"{slowest.requests} requests every {slowest.seconds:g} s")
        waited = acquire_all(pacers)
        if waited:
            with self._lock:
                self.waited += waited
                self.delayed += 1
        return waited
