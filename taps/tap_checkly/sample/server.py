"""Checkly's public API on loopback, with a sample account: for the demo and the tests.

Built on the tap kit's fake API, it answers the routes tap-checkly reads the way Checkly's
API reference documents them (https://www.checklyhq.com/docs/api-reference/, and its
OpenAPI document):

- authentication by ``Authorization: Bearer <api key>`` and ``X-Checkly-Account: <account
  id>``; anything else is a 401 ``{"statusCode": 401, "error": "Unauthorized",
  "message": "Bad Token"}``;
- listings as bare JSON arrays, paged by ``limit`` (1 to 100, default 10) and ``page``
  (from 1), with no paging header; a bad one is a 400 with Checkly's error body;
- ``GET /v2/check-results/{checkId}``: ``{"length", "entries", "nextId"}``, newest
  first, ``limit`` up to 100, ``from`` (inclusive) and ``to`` (exclusive) in Unix
  seconds (compared with each result's ``startedAt``, or ``created_at``: the API reference
  does not say which), ``resultType`` (``FINAL`` by default, ``ATTEMPT``, ``ALL``), and the
  ``nextId`` cursor (the position after the last entry, so that results arriving while
  a client pages do not shift the pages);
- ``GET /v1/check-alerts``: ``from`` and ``to`` in Unix seconds at most 6 hours apart (by
  default the last 6 hours), paged;
- ``GET /v1/alert-notifications``: the same, at most 24 hours apart, compared with each
  notification's ``timestamp``;
- ``GET /v1/reporting``: ``from`` and ``to`` in Unix seconds (or a ``quickRange``), and
  ``granularity`` (``day``, ``week``, ``month``: ``aggregates`` per bucket instead of one
  ``aggregate``; at most 400 days and 120 buckets);
- rate limits as Checkly documents them (600 requests every 60 seconds for every route,
  60 every 60 seconds for the check results, 5 every 10 seconds for the alert
  notifications), counting every request in a sliding window; beyond them a 429
  ``{"statusCode": 429, "error": "Too Many Requests", "message": "Too Many Requests"}``
  with no rate-limit header nor ``Retry-After``, as Checkly sends none.

The kit adds the request log, injected failures (5xx, dropped connections), redirects
and parameters ignored (``ignore("page", part="/v1/checks")``: a listing that answers its
first page to every request). ``refuse`` queues answers with Checkly's error body, and
``empty_page(check_id)`` answers that check's next page asked by ``nextId`` with no
entries and a ``nextId`` to the same place, as Checkly may.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from observes_singer.tapkit.fake_api.server import FakeAPI, Reply, Request
from observes_singer.tapkit.sample_sources import SampleSource
from tap_checkly.sample.account import SampleAccount
from tap_checkly.sample.results import at
from tap_checkly.session import NOTIFICATIONS_ROUTE

Record = dict[str, Any]

RATE_LIMITS: Mapping[str, tuple[int, float]] = {"": (600, 60.0),
                                                "/check-results/": (60, 60.0),
                                                "/alert-notifications": (5, 10.0)}
"""Route part -> (requests, seconds), from Checkly's API reference."""
ERRORS = {400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
          404: "Not Found", 429: "Too Many Requests"}
ALERT_WINDOW = timedelta(hours=6)
NOTIFICATION_WINDOW = timedelta(hours=24)
REPORT_DAYS = 400
REPORT_BUCKETS = 120
HISTORY_STREAMS = ("check_results", "check_alerts", "alert_notifications", "reporting",
                   "status_page_incidents")
TARGET_SETTINGS = {"load_method": "replace",
                   "streams": {name: {"load_method": "upsert"} for name in HISTORY_STREAMS}}
"""How jobs/checkly.toml loads the streams: the account's settings replaced (a deleted
check leaves its table), the history upserted."""
DEMO_NOTIFICATIONS_PACE = {"requests": 600, "seconds": 60}
QUICK_RANGES = {"last24Hrs": timedelta(hours=24), "last7Days": timedelta(days=7),
                "last30Days": timedelta(days=30)}


def error(status: int, message: str | None = None) -> Reply:
    """Checkly's error body."""
    name = ERRORS.get(status, "Error")
    return Reply(status, {"statusCode": status, "error": name, "message": message or name})


class BadQuery(ValueError):
    """A query parameter Checkly would refuse with a 400."""


class SlidingWindow:
    """At most ``requests`` requests in any ``seconds``; every request counts."""

    def __init__(self, requests: int, seconds: float) -> None:
        self.requests = requests
        self.seconds = seconds
        self.arrivals: deque[float] = deque()

    def admit(self, now: float) -> bool:
        while self.arrivals and self.arrivals[0] <= now - self.seconds:
            self.arrivals.popleft()
        admitted = len(self.arrivals) < self.requests
        self.arrivals.append(now)
        return admitted


class ChecklyServer(FakeAPI):
    """The sample Checkly API on ``127.0.0.1``; ``url`` is its ``api_url``.
    ``rate_limits`` maps a part of the path ("" for every route) to (requests,
    seconds). ``results_window`` is the results' timestamp ``from`` and ``to`` compare:
    ``startedAt``, as Checkly's CLI reads them, or ``created_at``."""

    def __init__(self, account: SampleAccount | None = None, *,
                 rate_limits: Mapping[str, tuple[int, float]] = RATE_LIMITS,
                 results_window: str = "startedAt") -> None:
        super().__init__()
        self.account = account or SampleAccount()
        self.results_window = results_window
        self.limits = {part: SlidingWindow(n, seconds)
                       for part, (n, seconds) in rate_limits.items()}
        self.refused = 0
        self.refusals: list[tuple[str, int]] = []
        self.empty_pages: list[str] = []
        self._limits_lock = threading.Lock()
        data = self.account
        for path, listing in (("/v1/checks", data.check_records),
                              ("/v1/check-groups", data.group_records),
                              ("/v1/alert-channels", lambda: data.alert_channels),
                              ("/v1/dashboards", lambda: data.dashboards),
                              ("/v1/maintenance-windows", lambda: data.maintenance_windows),
                              ("/v1/snippets", lambda: data.snippets),
                              ("/v1/variables", data.variable_records)):
            self.route("GET", path,
                       lambda request, listing=listing: self.paged(request, listing()))
        self.route("GET", "/v1/check-statuses", lambda request: Reply(200, data.statuses()))
        self.route("GET", "/v1/locations", lambda request: Reply(200, data.locations))
        self.route("GET", "/v1/runtimes", lambda request: Reply(200, data.runtimes))
        for path, entries in (("/v1/status-pages", lambda: data.status_pages),
                              ("/v1/status-pages/services", lambda: data.services),
                              ("/v1/status-pages/incidents", lambda: data.incidents)):
            self.route("GET", path,
                       lambda request, entries=entries: self.cursor_paged(request, entries()))
        self.route("GET", "/v1/private-locations",
                   lambda request: Reply(200, data.private_locations))
        self.route("GET", "/v1/check-alerts", self.check_alerts)
        self.route("GET", "/v1/alert-notifications", self.alert_notifications)
        self.route("GET", "/v2/check-results/{check_id}", self.check_results)
        self.route("GET", "/v1/reporting", self.reporting)

    # -- what every request goes through ------------------------------------------------------

    def refuse(self, status: int, times: int = 1, part: str = "") -> None:
        """Answer the next ``times`` requests whose path contains ``part`` with ``status``
        and Checkly's error body (a 429 with no header, as Checkly sends it)."""
        with self.lock:
            self.refusals.extend([(part, status)] * times)

    def empty_page(self, check_id: str, times: int = 1) -> None:
        """Answer the next ``times`` pages of ``check_id``'s results asked by ``nextId``
        with no entries, and a ``nextId`` (another one) to the same place."""
        with self.lock:
            self.empty_pages.extend([check_id] * times)

    def answer(self, request: Request) -> Reply:
        account = self.account
        if request.header("Authorization") != f"Bearer {account.api_key}" or \
                request.header("X-Checkly-Account") != account.account_id:
            return error(401, "Bad Token")
        with self.lock:
            queued = next((i for i, (part, _) in enumerate(self.refusals)
                           if part in request.path), None)
            status = self.refusals.pop(queued)[1] if queued is not None else None
        if status is not None:
            return error(status)
        if not self.admitted(request.path):
            return error(429)
        try:
            with account.lock:
                return super().answer(request)
        except BadQuery as exc:
            return error(400, str(exc))

    def admitted(self, path: str) -> bool:
        now = time.monotonic()
        with self._limits_lock:
            verdicts = [limit.admit(now) for part, limit in self.limits.items() if part in path]
            if all(verdicts):
                return True
            self.refused += 1
            return False

    # -- paging -------------------------------------------------------------------------------

    def paged(self, request: Request, items: Sequence[Record]) -> Reply:
        """``limit`` (1..100, default 10) and ``page`` (from 1): a bare array."""
        limit = _integer(request, "limit", 10, 1, 100)
        page = _integer(request, "page", 1, 1, None)
        return Reply(200, list(items[(page - 1) * limit: page * limit]))

    def cursor_paged(self, request: Request, items: Sequence[Record]) -> Reply:
        """``limit`` (1..100, default 20) and ``nextId`` (the id of the last entry of the
        page before): ``{"length", "entries", "nextId"}``, ``nextId`` null on the last
        page."""
        limit = _integer(request, "limit", 20, 1, 100)
        after = request.query.get("nextId")
        ids = [str(item["id"]) for item in items]
        if after and after not in ids:
            raise BadQuery('"nextId" is not a valid cursor')
        start = ids.index(after) + 1 if after else 0
        page = list(items[start: start + limit])
        following = str(page[-1]["id"]) if start + limit < len(items) else None
        return Reply(200, {"length": len(page), "entries": page, "nextId": following})

    # -- routes -------------------------------------------------------------------------------

    def check_alerts(self, request: Request) -> Reply:
        now = datetime.now(UTC)
        start, end = _window(request, now, ALERT_WINDOW)
        if end - start > ALERT_WINDOW:
            raise BadQuery('"from" and "to" must be at most 6 hours apart')
        inside = [a for a in self.account.alerts() if start <= at(a["created_at"]) < end]
        inside.sort(key=lambda a: (a["created_at"], a["id"]), reverse=True)  # newest first
        return self.paged(request, inside)

    def alert_notifications(self, request: Request) -> Reply:
        start, end = _window(request, datetime.now(UTC), NOTIFICATION_WINDOW)
        if end - start > NOTIFICATION_WINDOW:
            raise BadQuery('"from" and "to" must be at most 24 hours apart')
        inside = [n for n in self.account.notifications()
                  if start <= at(n["timestamp"]) < end]
        inside.sort(key=lambda n: (n["timestamp"], n["id"]), reverse=True)  # newest first
        return self.paged(request, inside)

    def check_results(self, request: Request, check_id: str) -> Reply:
        check = self.account.check(check_id)
        if check is None:
            return error(404)
        limit = _integer(request, "limit", 10, 1, 100)
        kind = request.query.get("resultType", "FINAL")
        if kind not in ("FINAL", "ATTEMPT", "ALL"):
            raise BadQuery('"resultType" must be one of [FINAL, ATTEMPT, ALL]')
        start = _seconds(request, "from")
        end = _seconds(request, "to")
        entries = [r for r in check.results
                   if (kind == "ALL" or r["resultType"] == kind)
                   and (start is None or at(r[self.results_window]) >= start)
                   and (end is None or at(r[self.results_window]) < end)]
        entries.sort(key=_position, reverse=True)  # newest first
        cursor = request.query.get("nextId")
        if cursor:
            after = _decode(cursor)
            if self._take_empty_page(check_id):
                return Reply(200, {"length": 0, "entries": [],
                                   "nextId": _encode(after, again=True)})
            entries = [r for r in entries if _position(r) < after]
        page = entries[:limit]
        following = _encode(_position(page[-1])) if len(entries) > limit else None
        return Reply(200, {"length": len(page), "entries": page, "nextId": following})

    def _take_empty_page(self, check_id: str) -> bool:
        with self.lock:
            if check_id not in self.empty_pages:
                return False
            self.empty_pages.remove(check_id)
            return True

    def reporting(self, request: Request) -> Reply:
        now = datetime.now(UTC)
        granularity = request.query.get("granularity")
        if granularity not in (None, "day", "week", "month"):
            raise BadQuery('"granularity" must be one of [day, week, month]')
        quick = QUICK_RANGES.get(request.query.get("quickRange", "last24Hrs"),
                                 QUICK_RANGES["last24Hrs"])
        start, end = _window(request, now, quick)
        if granularity:
            if end - start > timedelta(days=REPORT_DAYS):
                raise BadQuery(f"the reporting window may span at most {REPORT_DAYS} days")
            days = {"day": 1, "week": 7, "month": 28}[granularity]
            if (end - start) / timedelta(days=days) > REPORT_BUCKETS:
                raise BadQuery(f"the reporting window may hold at most {REPORT_BUCKETS} "
                               "buckets")
        return Reply(200, self.account.report(start, end, granularity))


def _integer(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(float(raw))
    except ValueError:
        raise BadQuery(f'"{name}" must be a number') from None
    if value < low or (high is not None and value > high):
        bound = f"less than or equal to {high}" if high is not None and value > high else \
            f"greater than or equal to {low}"
        raise BadQuery(f'"{name}" must be {bound}')
    return value


def _seconds(request: Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return datetime.fromtimestamp(float(raw), UTC)
    except (ValueError, OverflowError, OSError):
        raise BadQuery(f'"{name}" must be a UNIX timestamp') from None


def _window(request: Request, now: datetime, default: timedelta) -> tuple[datetime, datetime]:
    """``from`` and ``to`` as Checkly reads them: either one alone spans ``default``."""
    start, end = _seconds(request, "from"), _seconds(request, "to")
    if start is None and end is None:
        return now - default, now
    if start is None:
        assert end is not None
        return end - default, end
    if end is None:
        return start, start + default
    if end <= start:
        raise BadQuery('"to" must be greater than "from"')
    return start, end


def _position(result: Record) -> tuple[str, str]:
    return (str(result["created_at"]), str(result["id"]))


def _encode(position: tuple[str, str], *, again: bool = False) -> str:
    """A cursor to the results after ``position``; ``again`` makes another cursor to the
    same place."""
    values = [*position, "again"] if again else list(position)
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _decode(cursor: str) -> tuple[str, str]:
    try:
        created_at, result_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))[:2]
    except (ValueError, TypeError):
        raise BadQuery('"nextId" is not a valid cursor') from None
    return str(created_at), str(result_id)


def demo_source(api_checks: int = 3, browser_checks: int = 1, runs: int = 150
                ) -> SampleSource:
    """The ``observes.sample_servers`` entry point: a started sample Checkly and how to
    run tap-checkly against it. The alert notifications go at the pace of every other
    route, without their own limit: 30 days of them at Checkly's 5 requests every 10
    seconds take over a minute."""
    account = SampleAccount(api_checks=api_checks, browser_checks=browser_checks, runs=runs)
    limits = {part: limit for part, limit in RATE_LIMITS.items()
              if part != NOTIFICATIONS_ROUTE}
    server = ChecklyServer(account, rate_limits=limits).start()
    return SampleSource(
        name="Checkly", url=server.url, tap_command=[sys.executable, "-m", "tap_checkly.tap"],
        tap_config={"api_url": server.url, "api_key": account.api_key,
                    "account_id": account.account_id,
                    "alert_notifications_rate_limit": DEMO_NOTIFICATIONS_PACE},
        calls=lambda: len(server.log), close=server.stop,
        schema="checkly",
        summary=f"{len(account.checks)} checks, {runs} runs each",
        target_settings=TARGET_SETTINGS,
        real_run="CHECKLY_API_KEY=... CHECKLY_ACCOUNT_ID=... "
                 "WAREHOUSE_URL=redshift://user:pass@host:5439/db observes run checkly")


if __name__ == "__main__":
    with ChecklyServer() as running:
        print(f"Checkly sample API at {running.url} (api_key {running.account.api_key}, "
              f"account_id {running.account.account_id}); Ctrl-C stops it")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
