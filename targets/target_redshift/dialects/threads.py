"""The loader's two helper threads: loads run in the background, and a watch on the statement
running now, so that a load never waits on a lock silently.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING

from observes_singer.env import positive_number

if TYPE_CHECKING:
    from target_redshift.dialects.base import Dialect


#: How long a thread holds the GIL while another waits for it, while loads run (Python's
#: default is 5 ms). The loads thread needs the GIL at each step of a COPY (its statement,
#: its answer, every megabyte of rows) and waited up to 5 ms for it each time while the
#: main thread flattened, which left the database idle between statements.
LOADS_SWITCH_INTERVAL = 0.0002


class BackgroundLoads:
    """One worker thread running load jobs in order; its first error is raised to the caller.

    Jobs waiting or running hold at most ``max_bytes`` of rows (one job may exceed it
    alone), which bounds memory whatever the input size. While the thread runs, the
    interpreter's switch interval is ``LOADS_SWITCH_INTERVAL``.
    """

    def __init__(self, max_bytes: int = 48 * 1024 * 1024) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], None], int] | None] = queue.Queue()
        self._max_bytes = max_bytes
        self._in_flight = 0
        self._room = threading.Condition()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._switch_interval = sys.getswitchinterval()

    def submit(self, job: Callable[[], None], size: int) -> None:
        self._raise()
        if self._thread is None:
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(LOADS_SWITCH_INTERVAL)
            self._thread = threading.Thread(target=self._work, name="loads", daemon=True)
            self._thread.start()
        with self._room:
            while self._in_flight and self._in_flight + size > self._max_bytes:
                self._room.wait()
            self._in_flight += size
        self._jobs.put((job, size))

    def drain(self, raise_error: bool = True) -> None:
        if self._thread is not None:
            self._jobs.join()
        if raise_error:
            self._raise()
        else:
            self._error = None

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
            sys.setswitchinterval(self._switch_interval)

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                self._jobs.task_done()
                return
            job, size = item
            try:
                if self._error is None:
                    job()
            except BaseException as exc:  # handed to the main thread
                self._error = exc
            finally:
                del job, item
                with self._room:
                    self._in_flight -= size
                    self._room.notify_all()
                self._jobs.task_done()


LOCK_LOG_ENV = "OBSERVES_LOCK_LOG_SECONDS"
"""Seconds between target-redshift's reports of a statement still running, with the lock
it waits for (default 30)."""


class StatementWatch:
    """Watches the statement running now, so that a load never waits on a lock silently.

    A statement still running after ``interval`` seconds (30 by default) is reported on
    the log, again each interval, with the lock it waits for and who holds it when the
    database says (:meth:`Dialect.lock_wait`, asked on a second connection). With
    ``lock_timeout``, a statement confirmed to wait on a lock that long is cancelled,
    where the database has no lock timeout of its own.
    """

    def __init__(self, dialect: Dialect, log: IO[str], lock_timeout: float | None) -> None:
        self.dialect = dialect
        self.log = log
        self.lock_timeout = lock_timeout
        self.interval = positive_number(LOCK_LOG_ENV, 30.0)
        self.cancelled = False
        self._current: tuple[float, str] | None = None
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def running(self, sql: str) -> Iterator[None]:
        with self._guard:
            self._current = (time.monotonic(), sql)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lock-watch",
                                                daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._guard:
                self._current = None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        tick = min(1.0, self.interval / 4)
        watched: tuple[float, str] | None = None
        next_log = 0.0
        while not self._stop.wait(tick):
            with self._guard:
                current = self._current
            if current is None:
                watched = None
                continue
            if current is not watched:
                watched, next_log = current, self.interval
            waited = time.monotonic() - current[0]
            timeout = self.lock_timeout
            due_cancel = (timeout is not None and waited >= timeout
                          and not self.dialect.native_lock_timeout and not self.cancelled)
            if waited < next_log and not due_cancel:
                continue
            wait = self.dialect.lock_wait()
            if due_cancel and wait is not None:
                self.cancelled = True
                self.dialect.cancel()
                self._say(f"cancelled after {waited:.0f} s waiting for {wait} "
                          f"(lock_timeout {timeout:g} s)")
            elif waited >= next_log:
                statement = " ".join(current[1].split())[:120]
                what = f"for {wait}" if wait else "on the database"
                self._say(f"waiting {waited:.0f} s {what}; running: {statement}")
                next_log += self.interval

    def _say(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            print(f"target-redshift: {self.dialect.scrub(text)}", file=self.log, flush=True)
