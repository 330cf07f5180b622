"""``worklogs``, ``computer_activity`` and ``time_edits``: each user's activity, read in
date windows (``file_activity``, :mod:`tap_timedoctor.files`, is read the same way).

``GET /activity/worklog`` (the work sessions: ``start``, ``time`` in seconds, ``mode``,
``date``, ``userId``, ``taskId``, ``projectId``, ``deviceId``; with
``task-project-names=true`` also ``taskName`` and ``projectName``), ``GET
/activity/timeuse`` (what the computer was used for: ``start``, ``time``, the app or site
in ``type`` and ``value``, the window ``title``, its ``category`` and productivity
``score``) and ``GET /activity/edit-time`` (the manual time edits: ``id``, ``start``,
``time``, the ``operation``, whether it is ``approved``, its ``reason``, ``taskId`` and
``projectId``) take ``company``, ``user`` (ids, comma-separated), ``from`` and ``to``
(ISO 8601, UTC, ``to`` excluded) and answer ``{"data": [[...], ...]}``: one list per user
asked for, in the order asked. A ``timeuse`` row does not say whose it is: the tap asks
for one user at a time and adds ``userId`` to any row without one. The answer is paged by
``limit`` and the token in its ``paging.next`` (:mod:`tap_timedoctor.streams`).

Time Doctor's reference recommends asking for no more than 7 days at a time; the tap
reads the period (:mod:`tap_timedoctor.periods`) in windows of 7 days from its start,
window after window, every user in each. A record belongs to the window its ``start``
falls in (a session that runs over a window's end, or the month's, is emitted once, with
the window it started in).

A record without its replication key (``start``; ``date`` for files) belongs to no
window, and Time Doctor answers it for every window asked: the key is part of the
record's key and what places it in a period (and so in a month's backup), and nothing
else in it says when it was. It is left out, and counted once per user however many
windows answered it; the stream's log says how many when it ends (``worklogs: left out 2
records without a start (...)``).

The bookmark (``replication_key_value``) is the end of the last window read whole,
written in a STATE message after each window; it never passes the start of the run's
day in UTC, so the day still going on is read again next run (sessions still being
tracked, time added later by the desktop app). A run stopped by ``max_pages`` (pages in
all) or ``max_duration`` stops between two windows; the next run goes on from the
bookmark. A bookmark outside the period (another month, or the end of one read whole) is
not used: the period is read from its start.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from observes_singer.tapkit.errors import safe_path
from observes_singer.tapkit.moments import day_start, instant, iso
from tap_timedoctor.moments import query_time
from tap_timedoctor.streams import (
    Context,
    PageTokenPaginator,
    Record,
    TimeDoctorStream,
    page_params,
)

WINDOW = timedelta(days=7)
"""The longest window the API reference recommends asking for."""


def windows(start: datetime, end: datetime, size: timedelta = WINDOW
            ) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut in windows of ``size``, the last one shorter."""
    found = []
    low = start
    while low < end:
        high = min(low + size, end)
        found.append((low, high))
        low = high
    return found


class StartlessRecords:
    """The records answered without their replication key (see the module), each counted
    once."""

    def __init__(self, key: str = "start") -> None:
        self.key = key
        self.by_user: defaultdict[str, set[str]] = defaultdict(set)

    def add(self, row: Record) -> None:
        self.by_user[str(row.get("userId"))].add(json.dumps(row, sort_keys=True, default=str))

    def report(self, stream: str) -> str | None:
        """``worklogs: left out 2 records without a start (user: count, ...); ...``, or
        None when there were none."""
        key = self.key
        total = sum(len(found) for found in self.by_user.values())
        if not total:
            return None
        users = ", ".join(f"{user}: {len(found)}" for user, found in sorted(self.by_user.items()))
        records = "record" if total == 1 else "records"
        return (f"{stream}: left out {total} {records} without a {key} ({users}); {key} is "
                "part of their key and places them in the period, and Time Doctor answers "
                "them for every window")


class ActivityStream(TimeDoctorStream):
    """One user's records at a time, window after window (see the module)."""

    primary_keys: tuple[str, ...] = ("userId", "start")
    replication_key = "start"
    is_sorted = False
    records_jsonpath = "$.data[*][*]"
    extra_params: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._window: tuple[datetime, datetime] | None = None
        self._paginator: PageTokenPaginator | None = None
        self._startless = StartlessRecords(self.replication_key)

    def start(self, bookmark: datetime | None) -> datetime:
        """The bookmark when it lies in the period, else the period's start."""
        period = self.period
        if bookmark is not None and period.start <= bookmark < period.end:
            return bookmark
        if bookmark is not None:
            self.logger.info("%s: the bookmark (%s) is outside the period (%s); reading "
                             "the period from its start", self.name, iso(bookmark), period)
        return period.start

    def get_records(self, context: Context | None) -> Iterable[Record]:
        state = self.get_context_state(context)
        key = self.replication_key
        bookmark = instant(state.get("replication_key_value")) \
            if state.get("replication_key") == key else None
        start = self.start(bookmark)
        end = min(self.period.end, self.run_started)
        settled = day_start(self.run_started)
        budget = self.budget.part()
        users = self.timedoctor.user_ids
        self._startless = StartlessRecords(key)
        for low, high in windows(start, end):
            spent = budget.exhausted()
            if spent is not None:
                self.logger.info("%s: %s reached; the next run goes on from %s", self.name,
                                 spent.setting, iso(low))
                break
            self._window = (low, high)
            for user in users:
                for asked in self.requests_of(user):
                    self._paginator = None
                    for row in self.request_records(asked):
                        kept = self.post_process(row, asked)
                        if kept is not None:
                            yield kept
                    read = self._paginator.count if self._paginator is not None else 1
                    budget.page_read(max(1, read))
            state["replication_key"] = key
            state["replication_key_value"] = iso(max(low, min(high, settled)))
            self.state_manager.is_flushed = False
            self._write_state_message()
        self._window = None
        report = self._startless.report(self.name)
        if report is not None:
            self.logger.warning("%s", report)

    def requests_of(self, user: str) -> list[Context]:
        """What is asked of one user in each window: one listing by default."""
        return [{"userId": user}]

    def get_new_paginator(self) -> PageTokenPaginator:
        self._paginator = PageTokenPaginator()
        return self._paginator

    def get_url_params(self, context: Context | None, next_page_token: Any
                       ) -> dict[str, Any]:
        if self._window is None or not context:
            raise RuntimeError(f"{self.name}: a page asked for outside a window")
        low, high = self._window
        return {**self.company_params(), "user": context["userId"],
                "from": query_time(low), "to": query_time(high), **self.extra_params,
                **page_params(next_page_token)}

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        """The user's id on each row, and only the rows that start in the window (one
        without a start is counted and left out)."""
        if context and not row.get("userId"):
            row["userId"] = context["userId"]
        begun = instant(row.get(self.replication_key))
        if begun is None:
            self._startless.add(row)
            return None
        if self._window is not None and not self._window[0] <= begun < self._window[1]:
            return None
        return row

    def _increment_stream_state(self, latest_record: Record, *,
                                context: Context | None = None) -> None:
        """Nothing: :meth:`get_records` moves the bookmark, a window at a time."""

    def describe(self, request: requests.PreparedRequest | None) -> str:
        window = f", {iso(self._window[0])} to {iso(self._window[1])}" \
            if self._window is not None else ""
        path = safe_path(request.url or "").removeprefix(self.url_path_prefix) \
            if request is not None else self.path
        return f"{self.name} ({path}{window})"

    @property
    def url_path_prefix(self) -> str:
        """The API root's path (``/api/1.0``), which :meth:`describe` leaves out."""
        return urlsplit(self.url_base).path.rstrip("/")


class WorklogsStream(ActivityStream):
    """``GET /activity/worklog?task-project-names=true``: each work session."""

    name = "worklogs"
    path = "/activity/worklog"
    extra_params = {"task-project-names": "true"}


class ComputerActivityStream(ActivityStream):
    """``GET /activity/timeuse``: the apps and sites used, with titles, categories and
    productivity scores; ``userId`` added by the tap."""

    name = "computer_activity"
    path = "/activity/timeuse"


class TimeEditsStream(ActivityStream):
    """``GET /activity/edit-time``: the manual time edits, each an ``operation`` on a
    period (its ``start`` and ``time``), ``approved`` or not, with the ``reason`` given.
    Their key is the edit's ``id`` with its ``start``, as peer extractors read them."""

    name = "time_edits"
    path = "/activity/edit-time"
    primary_keys = ("userId", "id", "start")
