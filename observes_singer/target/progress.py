"""The progress line a target prints while it runs, so a long run is never silent.

A daemon thread wakes every ``OBSERVES_PROGRESS_SECONDS`` (default 30) and prints what
the target has read and written so far, the rate since the last line and the stream it is
on. On a terminal the line is redrawn in place; elsewhere (a log file, Batch) each one is
a new line. The thread only reads counters the loader keeps anyway, so the hot loop pays
nothing for it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import IO

from observes_singer.env import positive_number

ENV = "OBSERVES_PROGRESS_SECONDS"
"""Seconds between a target's progress lines on stderr (default 30). Read by
target-redshift and target-s3."""
DEFAULT_SECONDS = 30.0


@dataclass
class Snapshot:
    records: int  # records read so far
    rows: int  # rows written so far
    stream: str  # the stream being read now ("" when none yet)


def interval_from_env() -> float:
    return positive_number(ENV, DEFAULT_SECONDS)


class Progress:
    """``with Progress(prog, snapshot):`` prints a progress line every interval."""

    def __init__(self, prog: str, snapshot: Callable[[], Snapshot],
                 out: IO[str] | None = None, interval: float | None = None) -> None:
        self.prog = prog
        self.snapshot = snapshot
        self.out = out if out is not None else sys.stderr
        self.interval = interval if interval is not None else interval_from_env()
        self.terminal = _is_terminal(self.out)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
        self._drawn = False

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if self._drawn:
            self._write("\n")  # the summary starts on a line of its own

    def line(self, snapshot: Snapshot, rate: float) -> str:
        text = (f"{self.prog}: {snapshot.records:,} records read, {snapshot.rows:,} rows "
                f"written, {rate:,.0f} records/s")
        return f"{text}, stream {snapshot.stream}" if snapshot.stream else text

    def _run(self) -> None:
        last_time = time.monotonic()
        last_records = 0
        while not self._stop.wait(self.interval):
            try:
                snapshot = self.snapshot()
            except RuntimeError:  # a dict changed size under us: skip this tick
                continue
            now = time.monotonic()
            rate = (snapshot.records - last_records) / max(now - last_time, 1e-9)
            last_time, last_records = now, snapshot.records
            if self.terminal:
                self._write("\r\x1b[K" + self.line(snapshot, rate))
                self._drawn = True
            else:
                self._write(self.line(snapshot, rate) + "\n")

    def _write(self, text: str) -> None:
        try:
            self.out.write(text)
            self.out.flush()
        except (OSError, ValueError):  # stderr closed: progress is not worth failing for
            self._stop.set()


def _is_terminal(out: IO[str]) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False
