"""A run's budget: the ``max_pages`` and ``max_duration`` settings, declared, read and
answered in one place for every tap.

A bounded run stops where the tap can resume from (after a record, a page or a window,
as each tap says) and the next run goes on there. The tap decides where it asks and what
a page is; the budget counts the pages, keeps the clock and says whether it is spent and
why, in the words the taps log (``max_pages``, ``max_duration``).

- Pages are counted per budget. A tap that bounds each partition (a project, a check, a
  table) on its own takes a :meth:`RunBudget.part` for each: its own pages, the same
  clock.
- The clock starts at :meth:`RunBudget.start`, or at the first question asked of it:
  a stream that asks before its first request counts from there.
- A budget made with ``read_first`` lets ``max_duration`` stop nothing before a page was
  read on its clock, so that a clock started early (at discovery, before any table is
  read) still lets a run move on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from singer_sdk import typing as th


def budget_settings(pages: str, duration: str) -> tuple[th.Property[Any], th.Property[Any]]:
    """``max_pages`` and ``max_duration`` for a tap's ``th.PropertiesList(...)``: their
    types and bounds are the kit's, ``pages`` and ``duration`` say what they bound in this
    tap (what a page is, where a run stops)."""
    return (th.Property("max_pages", th.IntegerType(minimum=1),
                        description=f"{pages} (1 or more); the next run resumes where this "
                        "one stopped"),
            th.Property("max_duration", th.NumberType(exclusive_minimum=0),
                        description=f"{duration} (more than 0); the next run resumes there"))


BUDGET_SETTINGS = budget_settings(
    "Pages a stream reads in one run, counted apart for each of its partitions",
    "Seconds of reading after which the tap stops cleanly where it can resume")
"""Both settings in general words, for a tap whose own words add nothing."""


@dataclass(frozen=True)
class Spent:
    """Why a budget is spent: the setting that stops the run, and its value."""

    setting: str
    limit: float

    def __str__(self) -> str:
        """``max_pages (3)``, ``max_duration (1.5 s)``."""
        if self.setting == "max_duration":
            return f"{self.setting} ({self.limit:g} s)"
        return f"{self.setting} ({self.limit})"


class _Clock:
    """One clock, shared by a budget and its parts, and the pages read on it."""

    def __init__(self, read_first: bool) -> None:
        self.started: float | None = None
        self.pages = 0
        self.read_first = read_first

    def elapsed(self) -> float:
        if self.started is None:
            self.started = time.monotonic()
        return time.monotonic() - self.started


class RunBudget:
    """``max_pages`` and ``max_duration`` of one run (None: no bound), the pages counted
    so far and the clock."""

    def __init__(self, max_pages: int | None = None, max_duration: float | None = None, *,
                 read_first: bool = False) -> None:
        self.max_pages = max_pages
        self.max_duration = max_duration
        self.pages = 0
        self._clock = _Clock(read_first)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, read_first: bool = False) -> RunBudget:
        pages, duration = config.get("max_pages"), config.get("max_duration")
        return cls(None if pages is None else int(pages),
                   None if duration is None else float(duration), read_first=read_first)

    def part(self) -> RunBudget:
        """A budget of pages of its own on the same clock, for one partition; its pages
        count on this budget's clock too."""
        part = RunBudget(self.max_pages, self.max_duration)
        part._clock = self._clock
        return part

    def start(self) -> None:
        """Start the clock now, unless it runs already."""
        self._clock.elapsed()

    def page_read(self, pages: int = 1) -> None:
        self.pages += pages
        self._clock.pages += pages

    def out_of_pages(self) -> bool:
        return self.max_pages is not None and self.pages >= self.max_pages

    def out_of_time(self) -> bool:
        """Whether ``max_duration`` has passed (starting the clock if it is not running)."""
        elapsed = self._clock.elapsed()
        if self.max_duration is None or (self._clock.read_first and not self._clock.pages):
            return False
        return elapsed > self.max_duration

    def exhausted(self) -> Spent | None:
        """What stops the run, if anything does: ``max_duration`` first, then
        ``max_pages``."""
        if self.max_duration is not None and self.out_of_time():
            return Spent("max_duration", self.max_duration)
        if self.max_pages is not None and self.out_of_pages():
            return Spent("max_pages", self.max_pages)
        return None
