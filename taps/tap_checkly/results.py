"""``check_results``: every check's raw results, read differentially, a bookmark per check.

``GET /v2/check-results/{checkId}?limit=100&from=...&to=...`` answers ``{"length",
"entries", "nextId"}``; ``nextId``, sent back as the ``nextId`` parameter, gives the next
page, and is null on the last one (the API reference). ``from`` and ``to``
are Unix seconds, ``from`` inclusive, ``to`` exclusive. The ``/v1`` endpoint is
deprecated and answers at most six hours at a time: it is not used. ``resultType`` is
left at its default, ``FINAL``: one result per run, not the attempts of retried runs.

Which of a result's timestamps ``from`` and ``to`` compare, the API reference does not
say ("Select records up from this UNIX timestamp (>= date)"); Checkly's CLI centres its
own ``from``/``to`` window on a result's ``startedAt`` (checkly/checkly-cli,
``packages/cli/src/commands/checks/get.ts``, ``fetchAttempts``, at c25a9045, read
2026-12-07), and the results' ``created_at`` (when Checkly stored one) is never earlier.
The tap misses no result whichever of the two they compare:

- The bookmark of a check (its partition, ``{"checkId": ...}``) is the ``created_at`` of
  the newest result read, but never later than the ``to`` of that reading (the run's
  start): a result started before ``to`` and stored after it is read, and one started
  after ``to`` but stored before it is read next run, not older than the bookmark. The
  ids of the results read whose ``created_at`` is the bookmark or later are kept with it
  (``seen_at_bookmark``), so that none is emitted twice.
- A first run reads from ``start_date`` or from 30 days back (Checkly keeps raw results
  30 days), whichever is later. A later run asks ``from`` the bookmark less
  :data:`OVERLAP`, so that a result started before the bookmark and stored after it is
  in the listing (were ``from`` to compare ``startedAt``); it
  emits only the results not older than the bookmark and not in ``seen_at_bookmark``.
  ``to`` is the run's start, so that the listing does not move while the tap pages
  through it.

A page may hold no entries and still give a ``nextId``: the tap follows it, as any
cursor, to the page where ``nextId`` is null.

The API reference does not say in which order the results come; Checkly's clients take
the first entry as the latest, newest first. So the bookmark moves only once a check is
read to the end, and a run stopped by ``max_pages`` (per check) or ``max_duration``
leaves ``resume`` in the check's state instead: the ``to`` to go on from (the oldest
result read) and the newest result read; the next run reads the rest, and then moves the
bookmark. Were the results oldest first, nothing would be lost either: the next run would
read the first pages again, then move the bookmark to the newest result read, and the run
after that would go on from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from observes_singer.tapkit.budget import RunBudget
from observes_singer.tapkit.moments import instant, iso
from observes_singer.tapkit.paging import SourcePaginator
from tap_checkly.moments import RAW_RESULTS_KEPT, first_run_start, unix
from tap_checkly.streams import PAGE_SIZE, ChecklyStream, ChecksStream

Record = dict[str, Any]
Context = Mapping[str, Any]
OVERLAP = timedelta(minutes=30)
"""How far before the bookmark a later run asks: the longest time from a run's start to
its result being stored that the tap allows for. Checkly documents none; its CLI takes 30
minutes as the longest a retried run's results span, every attempt included
(``MAX_SEQUENCE_SPAN_SECONDS``, checks/get.ts), more than one attempt takes."""
REPLICATION_KEY = "created_at"


class CursorPaginator(SourcePaginator[str | None]):
    """Follows ``nextId`` until it is null, past pages with no entries (a ``nextId`` means
    more to read, whatever the page held), or until ``budget`` (one check's) has read
    ``max_pages`` pages (then ``truncated``)."""

    def __init__(self, budget: RunBudget) -> None:
        super().__init__(None)
        self.budget = budget
        self.truncated = False

    def get_next(self, response: requests.Response) -> str | None:
        body = response.json()
        following = body.get("nextId") if isinstance(body, dict) else None
        return str(following) if following else None

    def has_more(self, response: requests.Response) -> bool:
        self.budget.page_read()
        if not self.get_next(response):
            return False
        if self.budget.out_of_pages():
            self.truncated = True
            return False
        return True


@dataclass
class ResultsPass:
    """One run's reading of a check's results."""

    bookmark: datetime | None
    bookmark_ids: set[str]
    """The results emitted already whose ``created_at`` is the bookmark or later."""
    since: datetime
    """Results older than this were emitted before (or are before the first run's start)."""
    query_from: int
    query_to: int
    ceiling: datetime
    """The ``to`` of the pass's first request: the bookmark never passes it."""
    read: dict[str, datetime] = field(default_factory=dict)
    """The ``created_at`` of each result read not older than :attr:`since`, by id."""
    oldest: datetime | None = None

    @classmethod
    def begin(cls, state: Mapping[str, Any], start_date: Any, now: datetime) -> ResultsPass:
        bookmark = instant(state.get("replication_key_value")) \
            if state.get("replication_key") == REPLICATION_KEY else None
        resume = state.get("resume") or {}
        if bookmark is None:
            since = first_run_start(start_date, now, RAW_RESULTS_KEPT)
            query_from = unix(since)
        else:
            since = bookmark
            query_from = unix(bookmark - OVERLAP)
        query_to = int(resume.get("to") or 0) or unix(now)
        ceiling = int(resume.get("ceiling") or 0) or query_to
        newest = instant(resume.get("newest"))
        read = {str(i): newest for i in resume.get("newest_ids") or ()} if newest else {}
        return cls(bookmark, set(state.get("seen_at_bookmark") or ()), since, query_from,
                   query_to, datetime.fromtimestamp(ceiling, UTC), read)

    def keep(self, row: Record) -> bool:
        """Whether to emit ``row`` (read in the listing's order)."""
        created = instant(row.get(REPLICATION_KEY))
        if created is None:
            return True
        if self.oldest is None or created < self.oldest:
            self.oldest = created
        if created < self.since:
            return False
        identifier = str(row.get("id"))
        self.read[identifier] = created
        return identifier not in self.bookmark_ids

    def top(self) -> tuple[datetime | None, set[str]]:
        """The bookmark the results read make, and the ids of those not older than it.

        It is the newest ``created_at`` read, but never later than :attr:`ceiling`: were
        ``from`` and ``to`` to compare ``startedAt``, a result started after the ceiling
        and stored before the newest one read comes in the next run, and must not be
        older than the bookmark then."""
        if not self.read:
            return None, set()
        top = min(max(self.read.values()), self.ceiling)
        return top, {i for i, created in self.read.items() if created >= top}

    def end(self, state: dict[str, Any], complete: bool) -> None:
        """Move the bookmark (``complete``: read to the end), or leave where to go on."""
        top, ids = self.top()
        if complete:
            if self.bookmark is not None and (top is None or top <= self.bookmark):
                ids = (self.bookmark_ids | ids) if top == self.bookmark else self.bookmark_ids
                top = self.bookmark
            if top is not None:
                state["replication_key"] = REPLICATION_KEY
                state["replication_key_value"] = iso(top)
                state["seen_at_bookmark"] = sorted(ids)
            state.pop("resume", None)
        elif self.oldest is not None:
            state["resume"] = {"to": unix(self.oldest) + 1, "ceiling": unix(self.ceiling),
                               "newest": iso(top) if top else None,
                               "newest_ids": sorted(ids)}


@dataclass
class Reading:
    """One check's reading: its pass (begun on the tap's thread from the check's state),
    and how the listing ended, written by the thread that reads it and read on the tap's
    once its records are taken."""

    results: ResultsPass
    paginator: CursorPaginator | None = None
    stopped: bool = False
    """Stopped by ``max_duration``."""
    gone: bool = False
    """The check was deleted (404)."""
    skipped: bool = False
    """Not read: ``max_duration`` was reached before its first page."""


class CheckResultsStream(ChecklyStream):
    """Each check's results (a child of ``checks``), newest first, differentially.

    Up to ``max_concurrent_requests`` checks are read at once as the checks are listed
    (``prefetch_contexts``): a check's pass begins on the tap's thread from its state
    (:meth:`prepare_reading`), its pages are read on a reader's thread
    (:meth:`read_records`), and its results are emitted and its bookmark moved on the
    tap's thread, check after check in the listing's order (:meth:`get_records`)."""

    name = "check_results"
    path = "/v2/check-results/{checkId}"
    records_jsonpath = "$.entries[*]"
    primary_keys = ("id",)
    replication_key = REPLICATION_KEY
    is_sorted = False
    parent_stream_type = ChecksStream
    state_partitioning_keys = ["checkId"]
    prefetch_contexts = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pass: ResultsPass | None = None
        self._told_out_of_time = False

    def get_records(self, context: Context | None) -> Iterable[Record]:
        check = (context or {}).get("checkId")
        if self.budget.out_of_time() and not self.read_ahead(context):
            self.out_of_time(check)
            return
        state = self.get_context_state(context)
        reading, records = self.reading(context)
        self._pass = reading.results
        yield from records
        self.tell_hidden()
        if reading.skipped:
            self.out_of_time(check)
            return
        if reading.gone:
            return
        paginator = reading.paginator
        truncated = paginator is not None and paginator.truncated
        if reading.stopped or truncated:
            self.logger.info("check_results: check %s read in part (%s); the next run goes "
                             "on from there", check,
                             "max_duration" if reading.stopped else "max_pages")
        read_to_the_end = paginator is not None and paginator.finished and \
            not (reading.stopped or truncated)
        self._pass.end(state, complete=read_to_the_end)

    def out_of_time(self, check: Any) -> None:
        """A check left for the next run, ``max_duration`` reached before it began."""
        if not self._told_out_of_time:
            self.logger.info("check_results: max_duration reached; the checks left "
                             "(from %s on) are read next run", check)
            self._told_out_of_time = True

    def prepare_reading(self, context: Context | None) -> Reading:
        """The check's pass, from its state as the run found it (the tap's thread)."""
        return Reading(ResultsPass.begin(self.saved_state(context) or {},
                                         self.config.get("start_date"), self.run_started))

    def read_records(self, context: Context | None, prepared: Any) -> Iterable[Record]:
        """The check's pages (on a reader's thread, or the tap's); none once
        ``max_duration`` is reached before the first (``skipped``)."""
        self._reading.now = prepared
        try:
            if self.budget.out_of_time():
                prepared.skipped = True
                return
            yield from self.request_records(context)
        finally:
            self._reading.__dict__.pop("now", None)

    @property
    def now_reading(self) -> Reading:
        reading: Reading | None = getattr(self._reading, "now", None)
        if reading is None:
            raise RuntimeError("check_results: a page asked for outside a pass")
        return reading

    def request_records(self, context: Context | None) -> Iterable[Record]:
        for record in super().request_records(context):
            yield record
            if self.budget.out_of_time():
                self.now_reading.stopped = True
                return

    def get_new_paginator(self) -> CursorPaginator:
        paginator = self.now_reading.paginator = CursorPaginator(self.budget.part())
        return paginator

    def get_url_params(self, context: Context | None, next_page_token: Any
                       ) -> dict[str, Any]:
        results = self.now_reading.results
        params: dict[str, Any] = {"limit": PAGE_SIZE, "from": results.query_from,
                                  "to": results.query_to}
        if next_page_token:
            params["nextId"] = next_page_token
        return params

    def validate_response(self, response: requests.Response) -> None:
        """A check deleted since it was listed has no results any more (404): skipped."""
        if response.status_code == 404:
            self.now_reading.gone = True
            self.logger.warning("%s: Checkly has no such check any more (deleted during "
                                "the run?); skipped", self.describe(response.request))
            return
        super().validate_response(response)

    def parse_response(self, response: requests.Response) -> Iterable[Record]:
        if response.status_code == 404:
            return iter(())
        return super().parse_response(response)

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        if self._pass is not None and not self._pass.keep(row):
            return None
        return super().post_process(row, context)

    def _increment_stream_state(self, latest_record: Record, *,
                                context: Context | None = None) -> None:
        """Nothing: :meth:`ResultsPass.end` moves the bookmark, once a check is read to its
        end."""

    def describe(self, request: requests.PreparedRequest | None) -> str:
        path = (request.path_url if request is not None else "").split("?")[0]
        check = path.rsplit("/", 1)[-1] if "/check-results/" in path else "?"
        return f"check {check} ({self.name})"
