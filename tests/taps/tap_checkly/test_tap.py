"""tap-checkly against its sample Checkly: every stream, paging, differential runs, the
first run's reach, bounded runs, retries, and credentials and secrets never shown."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tap_checkly.sample.account import SampleAccount
from tap_checkly.sample.server import RATE_LIMITS, ChecklyServer
from tap_checkly.session import NOTIFICATIONS_ROUTE

from observes_singer.tapkit import testing
from observes_singer.tapkit.fake_api.records import uuid
from observes_singer.tapkit.testing import TapRun

TAP = "tap_checkly.tap"
FAST_RETRIES = {"OBSERVES_HTTP_BACKOFF": "0.1"}  # backoff from 0.1 s, not 1 s
UNPACED = {"rate_limit": {"requests": 100_000, "seconds": 1},
           "check_results_rate_limit": {"requests": 100_000, "seconds": 1}}
QUICK_LIMITS = {part: limit for part, limit in RATE_LIMITS.items()
                if part != NOTIFICATIONS_ROUTE}
"""Checkly's rate limits but that of the alert notifications (tested on its own)."""
CONFIGURATION = ("checks", "check_groups", "check_statuses", "alert_channels", "dashboards",
                 "maintenance_windows", "snippets", "private_locations",
                 "environment_variables", "locations", "runtimes", "status_pages",
                 "status_page_services", "status_page_incidents")


@pytest.fixture
def account() -> SampleAccount:
    return SampleAccount()


@pytest.fixture
def checkly(account: SampleAccount) -> Iterator[ChecklyServer]:
    with ChecklyServer(account, rate_limits=QUICK_LIMITS) as server:
        yield server


def settings(server: ChecklyServer, **more: Any) -> dict[str, Any]:
    """The tap's settings for ``server``; alert notifications unpaced, unless ``more``
    says otherwise (31 days of them at Checkly's pace take a minute)."""
    return {"api_url": server.url, "api_key": server.account.api_key,
            "account_id": server.account.account_id,
            "alert_notifications_rate_limit": UNPACED["rate_limit"], **more}


def run_tap(server: ChecklyServer, state: dict[str, Any] | None = None,
            streams: list[str] | None = None, **more: Any) -> TapRun:
    """tap-checkly on ``server``: every stream, or ``streams`` alone."""
    return testing.run_tap(TAP, settings(server, **more), state, streams=streams,
                           env=FAST_RETRIES)


def finals(account: SampleAccount, check_id: str | None = None) -> list[dict[str, Any]]:
    return [r for c in account.checks if check_id in (None, c.id) for r in c.results
            if r["resultType"] == "FINAL"]


def requests_to(server: ChecklyServer, part: str) -> list[dict[str, str]]:
    """The query of every request whose path contains ``part``, in order."""
    with server.lock:
        return [r.query for r in server.log if part in r.path]


def test_every_stream_is_read(checkly: ChecklyServer, account: SampleAccount) -> None:
    run = run_tap(checkly)
    assert run.exit_code == 0, run.stderr[-3000:]
    counts = Counter(m["stream"] for m in run.messages if m["type"] == "RECORD")
    raw = account.records()
    for stream in CONFIGURATION:
        assert counts[stream] == len(raw[stream]) > 0, stream
    assert [c["id"] for c in run.records("checks")] == [c.id for c in account.checks]
    results = run.records("check_results")
    assert sorted(r["id"] for r in results) == sorted(r["id"] for r in finals(account))
    assert {r["resultType"] for r in results} == {"FINAL"}  # not the retried runs' attempts
    assert sorted(a["id"] for a in run.records("check_alerts")) == \
        sorted(a["id"] for a in account.alerts())
    assert run.records("alert_notifications") == account.notifications()  # oldest first
    days = {(r["checkId"], r["startedAt"][:10]) for r in finals(account)}
    assert {(r["checkId"], r["from"][:10]) for r in run.records("reporting")} == days
    # nested parts arrive whole, as documented
    api = next(r for r in results if r["apiCheckResult"])["apiCheckResult"]
    assert set(api["response"]["timingPhases"]) == {"wait", "dns", "tcp", "firstByte",
                                                    "download", "total"}
    assert set(api["response"]["timings"]) == {"socket", "lookup", "connect", "response",
                                               "end"}
    assert api["assertions"][0]["source"] == "STATUS_CODE"
    browser = next(r for r in results if r["browserCheckResult"])["browserCheckResult"]
    assert browser["pages"][0]["webVitals"]["LCP"]["score"] in ("GOOD", "NEEDS_IMPROVEMENT")
    assert set(browser["traceSummary"]) == {"consoleErrors", "networkErrors",
                                            "documentErrors", "userScriptErrors"}
    assert any(r["browserCheckResult"]["errors"] for r in results if r["browserCheckResult"])
    report = run.records("reporting")[0]
    assert set(report["aggregate"]) == {"successRatio", "avg", "p95", "p99"}
    # every call carries the key and the account, and nothing else says who is calling
    with checkly.lock:
        seen = [(r.header("Authorization"), r.header("X-Checkly-Account")) for r in checkly.log]
    assert set(seen) == {(f"Bearer {account.api_key}", account.account_id)}
    assert account.api_key not in run.stderr


def test_listings_are_paged_by_limit_and_page() -> None:
    account = SampleAccount(api_checks=230, browser_checks=0, runs=1)
    with ChecklyServer(account, rate_limits={}) as server:
        run = run_tap(server, streams=["checks", "check_results"], **UNPACED)
        assert run.exit_code == 0, run.stderr[-3000:]
        pages = requests_to(server, "/v1/checks")
    assert [(q["limit"], q["page"]) for q in pages] == [("100", "1"), ("100", "2"),
                                                        ("100", "3")]
    assert len({c["id"] for c in run.records("checks")}) == 230
    assert len(run.records("check_results")) == 230  # one result a check, one call a check


def test_results_are_paged_by_the_next_id_cursor(checkly: ChecklyServer,
                                                 account: SampleAccount) -> None:
    run = run_tap(checkly)
    assert run.exit_code == 0, run.stderr[-3000:]
    check = account.checks[0]
    calls = requests_to(checkly, f"/v2/check-results/{check.id}")
    assert len(calls) == 2  # 150 results, 100 a page
    assert "nextId" not in calls[0] and calls[1]["nextId"]
    assert all(q["limit"] == "100" and q["from"] == calls[0]["from"] and
               q["to"] == calls[0]["to"] for q in calls)
    emitted = [r["id"] for r in run.records("check_results") if r["checkId"] == check.id]
    assert sorted(emitted) == sorted(r["id"] for r in finals(account, check.id))


def partition(run: TapRun, check_id: str) -> dict[str, Any]:
    return next(p for p in run.last_state()["bookmarks"]["check_results"]["partitions"]
                if p["context"]["checkId"] == check_id)


def test_results_behind_an_empty_page_are_read_before_the_bookmark_moves(
        checkly: ChecklyServer, account: SampleAccount) -> None:
    check = account.checks[0]
    checkly.empty_page(check.id)  # page 2: no entries, and a nextId to page 3
    run = run_tap(checkly, streams=["check_results"])
    assert run.exit_code == 0, run.stderr[-3000:]
    assert len(requests_to(checkly, f"/v2/check-results/{check.id}")) == 3
    emitted = [r["id"] for r in run.records("check_results") if r["checkId"] == check.id]
    assert sorted(emitted) == sorted(r["id"] for r in finals(account, check.id))  # 150
    newest = max(r["created_at"] for r in finals(account, check.id))
    assert partition(run, check.id)["replication_key_value"] == newest


def test_a_run_stopped_at_an_empty_page_leaves_the_bookmark_where_it_was(
        checkly: ChecklyServer, account: SampleAccount) -> None:
    check = account.checks[0]
    checkly.empty_page(check.id)
    stopped = run_tap(checkly, streams=["check_results"], max_pages=2)
    assert stopped.exit_code == 0, stopped.stderr[-3000:]
    assert "replication_key_value" not in partition(stopped, check.id)  # not read to the end
    assert partition(stopped, check.id)["resume"]
    rest = run_tap(checkly, stopped.last_state(), streams=["check_results"])
    assert rest.exit_code == 0, rest.stderr[-3000:]
    emitted = {r["id"] for run in (stopped, rest) for r in run.records("check_results")
               if r["checkId"] == check.id}  # the results of the second it stopped in: twice
    assert emitted == {r["id"] for r in finals(account, check.id)}
    newest = max(r["created_at"] for r in finals(account, check.id))
    assert partition(rest, check.id)["replication_key_value"] == newest


@pytest.mark.parametrize("stream", ["check_results", "check_alerts", "alert_notifications"])
def test_a_bookmark_in_the_future_stops_the_run_naming_it(
        checkly: ChecklyServer, account: SampleAccount, stream: str) -> None:
    state = run_tap(checkly, streams=[stream]).last_state()
    bookmarks = state["bookmarks"][stream]
    ahead = bookmarks["partitions"][0] if stream == "check_results" else bookmarks
    ahead["replication_key_value"] = "2099-01-01T00:00:00.000Z"
    where = f"check_results (checkId={ahead['context']['checkId']})" \
        if stream == "check_results" else stream
    with checkly.lock:
        checkly.log.clear()
    run = run_tap(checkly, state, streams=[stream])
    assert run.exit_code != 0
    assert "a bookmark later than the run's start (" in run.stderr
    assert f"10 minutes of clock skew allowed): {where} {ahead['replication_key']}=" \
           "2099-01-01T00:00:00.000Z. The state runs ahead of the source" in run.stderr
    assert "observes state get JOB > state.json" in run.stderr
    assert run.messages == []  # nothing emitted, not even a STATE
    assert checkly.log == []  # nothing read


def test_status_pages_their_services_and_incidents_locations_and_runtimes_arrive_whole(
        ) -> None:
    """The status page listings page by ``nextId`` to the end (230 services: three pages
    of at most 100); every record arrives as Checkly answers it, nested parts included."""
    account = SampleAccount(api_checks=1, browser_checks=0, runs=1)
    account.services = [{**account.services[n % 3], "id": uuid(n, "many-services"),
                         "name": f"Service {n}"} for n in range(230)]
    streams = ["status_pages", "status_page_services", "status_page_incidents", "locations",
               "runtimes"]
    with ChecklyServer(account) as server:
        run = run_tap(server, streams=streams)
        pages = requests_to(server, "/v1/status-pages/services")
    assert run.exit_code == 0, run.stderr[-3000:]
    assert run.records("status_page_services") == account.services
    assert [q.get("nextId") for q in pages] == [None, account.services[99]["id"],
                                                account.services[199]["id"]]
    assert {q["limit"] for q in pages} == {"100"}
    assert run.records("status_pages") == account.status_pages
    assert run.records("status_page_incidents") == account.incidents
    assert run.records("locations") == account.locations
    assert run.records("runtimes") == account.runtimes


def test_a_listing_that_ignores_the_page_number_stops_with_an_error() -> None:
    account = SampleAccount(api_checks=230, browser_checks=0, runs=1)
    with ChecklyServer(account, rate_limits={}) as server:
        server.ignore("page", part="/v1/checks")  # every request answered with page 1
        run = run_tap(server, streams=["checks"], **UNPACED)
        pages = requests_to(server, "/v1/checks")
    assert run.exit_code != 0
    assert "Checkly answered the 2nd page of checks (/v1/checks) with the same 100 records " \
           "as the page before" in run.stderr
    assert [c["id"] for c in run.records("checks")] == [c.id for c in account.checks[:100]]
    assert [q["page"] for q in pages] == ["1", "2"]


def test_a_second_run_fetches_only_the_new_results(checkly: ChecklyServer,
                                                   account: SampleAccount) -> None:
    first = run_tap(checkly)
    assert first.exit_code == 0, first.stderr[-3000:]
    with checkly.lock:
        checkly.log.clear()
    api, browser = account.checks[0], account.checks[-1]
    new = account.add_results(api.id, 5) + account.add_results(browser.id, 3)
    second = run_tap(checkly, state=first.last_state())
    assert second.exit_code == 0, second.stderr[-3000:]
    assert sorted(r["id"] for r in second.records("check_results")) == \
        sorted(r["id"] for r in new if r["resultType"] == "FINAL")
    assert checkly.calls("/v2/check-results/") == len(account.checks)  # a page a check
    assert checkly.calls("/v1/check-alerts") == 1  # one window since the bookmark
    assert checkly.calls("/v1/reporting") == 1
    assert len(second.records("checks")) == len(account.checks)  # settings: whole again
    partitions = {p["context"]["checkId"]: p for p in
                  second.last_state()["bookmarks"]["check_results"]["partitions"]}
    newest = max(finals(account, api.id), key=lambda r: r["created_at"])
    assert partitions[api.id]["replication_key_value"] == newest["created_at"]
    assert partitions[api.id]["seen_at_bookmark"] == [newest["id"]]
    since = {q["from"] for q in requests_to(checkly, f"/v2/check-results/{api.id}")}
    third = run_tap(checkly, state=second.last_state())  # nothing new: nothing emitted
    assert third.exit_code == 0, third.stderr[-3000:]
    assert third.records("check_results") == []
    first_bookmark = next(p["replication_key_value"] for p in first.last_state()["bookmarks"]
                          ["check_results"]["partitions"] if p["context"]["checkId"] == api.id)
    # asked from the bookmark less 30 minutes (a result started before the bookmark may be
    # stored after it), and nothing older than the bookmark emitted again
    expected = int(datetime.fromisoformat(first_bookmark).timestamp()) - 1800
    assert len(since) == 1 and int(since.pop()) == expected


def test_alert_notifications_are_read_a_day_at_a_time_from_the_bookmark(
        checkly: ChecklyServer, account: SampleAccount) -> None:
    first = run_tap(checkly, streams=["alert_notifications"])
    assert first.exit_code == 0, first.stderr[-3000:]
    assert first.records("alert_notifications") == account.notifications()
    windows = [(int(q["from"]), int(q["to"])) for q in
               requests_to(checkly, "/v1/alert-notifications") if q["page"] == "1"]
    assert all(0 < high - low <= 24 * 3600 for low, high in windows)  # Checkly's longest
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert len(windows) in (30, 31)  # 30 days back, in 24-hour windows
    state = first.last_state()["bookmarks"]["alert_notifications"]
    assert state["replication_key"] == "timestamp"
    assert int(datetime.fromisoformat(state["replication_key_value"]).timestamp()) == \
        windows[-1][1]
    with checkly.lock:
        checkly.log.clear()
    second = run_tap(checkly, first.last_state(), streams=["alert_notifications"])
    assert second.exit_code == 0, second.stderr[-3000:]
    assert second.records("alert_notifications") == []  # nothing sent since
    again = requests_to(checkly, "/v1/alert-notifications")
    assert len(again) == 1 and int(again[0]["from"]) == windows[-1][1] - 600


def test_alert_notifications_are_paced_below_their_own_limit(account: SampleAccount) -> None:
    """Checkly allows 5 requests every 10 s to /v1/alert-notifications, and says nothing
    when a client comes close: by default the tap sends at most 4 in any 10 s."""
    start = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    with ChecklyServer(account, rate_limits=RATE_LIMITS) as server:
        began = time.monotonic()
        run = testing.run_tap(TAP, {"api_url": server.url, "api_key": account.api_key,
                                    "account_id": account.account_id, "start_date": start},
                              streams=["alert_notifications"], env=FAST_RETRIES)
        elapsed = time.monotonic() - began
        asked = requests_to(server, "/v1/alert-notifications")
    assert run.exit_code == 0, run.stderr[-3000:]
    assert server.refused == 0 and "429 from Checkly" not in run.stderr
    assert len(asked) >= 8 and elapsed >= 10  # 8 days: 4 windows, a wait, 4 more
    assert "at most 4 requests every 10 s" in run.stderr


@pytest.mark.parametrize("window", ["startedAt", "created_at"])
def test_no_result_is_missed_nor_read_twice_whichever_timestamp_from_and_to_compare(
        window: str) -> None:
    """The API reference does not say which timestamp ``from`` and ``to`` compare (the
    CLI reads ``startedAt``). A long run started before the tap's run and stored after it,
    and a short one started after the tap's run began and stored before the long one:
    each is emitted once, by one run or the next."""
    account = SampleAccount(api_checks=1, browser_checks=0, runs=20)
    check = account.checks[0]
    with ChecklyServer(account, results_window=window) as server:
        begun = datetime.now(UTC)
        long = account.add_run(check.id, begun - timedelta(minutes=2), timedelta(minutes=5))
        first = run_tap(server, streams=["check_results"], **UNPACED)
        assert first.exit_code == 0, first.stderr[-3000:]
        short = account.add_run(check.id, datetime.now(UTC), timedelta(seconds=1))
        time.sleep(2.5)  # the short run, started and stored, before the second run's start
        second = run_tap(server, first.last_state(), streams=["check_results"], **UNPACED)
        assert second.exit_code == 0, second.stderr[-3000:]
    emitted = [r["id"] for run in (first, second) for r in run.records("check_results")]
    assert len(emitted) == len(set(emitted))  # none twice
    long_final, short_final = (next(r["id"] for r in made if r["resultType"] == "FINAL")
                               for made in (long, short))
    assert short_final in {r["id"] for r in second.records("check_results")}
    stored_later = {long_final} if window == "created_at" else set()  # stored after both
    assert set(emitted) == {r["id"] for r in finals(account)} - stored_later
    partition = second.last_state()["bookmarks"]["check_results"]["partitions"][0]
    assert partition["replication_key_value"] <= datetime.now(UTC).isoformat()


def test_a_first_run_reads_back_to_start_date_or_30_days_whichever_is_later(
        checkly: ChecklyServer, account: SampleAccount) -> None:
    check = account.checks[0]
    old = account.add_old_results(check.id, [timedelta(days=40), timedelta(days=20)])
    forty, twenty = (r["id"] for r in old if r["resultType"] == "FINAL")
    now = datetime.now(UTC)
    far = run_tap(checkly, start_date=(now - timedelta(days=60)).isoformat())
    assert far.exit_code == 0, far.stderr[-3000:]
    ids = {r["id"] for r in far.records("check_results")}
    assert twenty in ids and forty not in ids
    since = int(requests_to(checkly, f"/v2/check-results/{check.id}")[0]["from"])
    assert abs(since - (now - timedelta(days=30)).timestamp()) < 120  # 30 days, not 60
    with checkly.lock:
        checkly.log.clear()
    start = (now - timedelta(days=10)).replace(microsecond=0)
    near = run_tap(checkly, start_date=start.isoformat())
    assert near.exit_code == 0, near.stderr[-3000:]
    ids = {r["id"] for r in near.records("check_results")}
    assert twenty not in ids and forty not in ids
    assert requests_to(checkly, f"/v2/check-results/{check.id}")[0]["from"] == \
        str(int(start.timestamp()))
    alerts = requests_to(checkly, "/v1/check-alerts")
    assert alerts[0]["from"] == str(int(start.timestamp()))
    assert len(alerts) in (40, 41)  # 10 days (and the seconds the run took) in 6 hours


def test_bounded_runs_resume_where_they_stopped(checkly: ChecklyServer,
                                               account: SampleAccount) -> None:
    state: dict[str, Any] | None = None
    seen: list[str] = []
    for _ in range(2):
        run = run_tap(checkly, state, streams=["check_results"], max_pages=1)
        assert run.exit_code == 0, run.stderr[-3000:]
        seen += [r["id"] for r in run.records("check_results")]
        state = run.last_state()
        partitions = state["bookmarks"]["check_results"]["partitions"]
        if len(seen) < len(finals(account)):  # the first run: the newest page of each check
            assert all("resume" in p for p in partitions)
            assert "read in part (max_pages)" in run.stderr
    assert sorted(set(seen)) == sorted(r["id"] for r in finals(account))
    partitions = state["bookmarks"]["check_results"]["partitions"]
    assert all("resume" not in p for p in partitions)
    newest = {c.id: max(r["created_at"] for r in finals(account, c.id)) for c in account.checks}
    assert {p["context"]["checkId"]: p["replication_key_value"] for p in partitions} == newest


def test_a_run_stopped_by_max_duration_goes_on_next_time(checkly: ChecklyServer,
                                                         account: SampleAccount) -> None:
    stopped = run_tap(checkly, max_duration=0.001)
    assert stopped.exit_code == 0, stopped.stderr[-3000:]
    assert "check_results: max_duration reached" in stopped.stderr
    assert "check_alerts: max_duration reached; the next run goes on from" in stopped.stderr
    assert len(stopped.records("checks")) == len(account.checks)  # settings: always whole
    partial = stopped.last_state()["bookmarks"]["check_results"]["partitions"]
    assert [p for p in partial if "resume" in p]  # the check it began with
    rest = run_tap(checkly, stopped.last_state())
    assert rest.exit_code == 0, rest.stderr[-3000:]
    seen = {r["id"] for run in (stopped, rest) for r in run.records("check_results")}
    assert seen == {r["id"] for r in finals(account)}
    assert all("resume" not in p
               for p in rest.last_state()["bookmarks"]["check_results"]["partitions"])


def test_429s_are_kept_away_by_pacing() -> None:
    """Checkly sends no rate-limit header: paced below the limits, a run meets none."""
    limits = {"": (12, 2.0), "/check-results/": (2, 1.0)}
    with ChecklyServer(SampleAccount(), rate_limits=limits) as server:
        began = time.monotonic()
        run = run_tap(server, start_date=(datetime.now(UTC) - timedelta(days=1)).isoformat(),
                      rate_limit={"requests": 10, "seconds": 2.4},
                      check_results_rate_limit={"requests": 2, "seconds": 1.3})
        elapsed = time.monotonic() - began
        calls = len(server.log)
    assert run.exit_code == 0, run.stderr[-3000:]
    assert server.refused == 0
    assert "429 from Checkly" not in run.stderr
    assert calls > 20 and elapsed > 4  # about 22 calls at 10 per 2.4 s, results at 2 per 1.3 s
    assert len(run.records("check_results")) > 100


@pytest.mark.slow
def test_429s_without_any_header_are_backed_off_and_retried() -> None:
    limits = {"": (12, 2.0), "/check-results/": (2, 1.0)}
    account = SampleAccount()
    start = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    with ChecklyServer(account, rate_limits=limits) as server:
        # One reader, unpaced: its backoff alone must get it through (readers in parallel
        # keep to the tap's shared pacing and hold together on a 429, tested below).
        run = run_tap(server, streams=["checks", "check_results"],
                      start_date=start.isoformat(), max_concurrent_requests=1, **UNPACED)
    assert run.exit_code == 0, run.stderr[-3000:]
    assert server.refused > 0
    waits = [float(w) for w in
             re.findall(r"429 from Checkly .*?retrying in ([\d.]+) s", run.stderr)]
    assert len(waits) == server.refused
    assert all(0.05 <= w <= 60 for w in waits)  # backoff, never an immediate retry
    assert len(run.records("checks")) == len(account.checks)
    assert len(run.records("check_results")) == sum(
        1 for r in finals(account) if datetime.fromisoformat(r["created_at"]) >= start)


def test_a_429_to_one_reader_holds_every_reader_for_its_wait() -> None:
    """Checkly's limits count the account: while the reader answered 429 waits the
    second it was told, the other checks' readers send nothing either."""
    account = SampleAccount(api_checks=7, browser_checks=1, runs=600)
    with ChecklyServer(account, rate_limits=QUICK_LIMITS) as server:
        server.latency = 0.03  # the other readers have pages to ask for all along
        server.throttle(1, "/check-results/", {"Retry-After": "1"})
        run = run_tap(server, streams=["checks", "check_results"],
                      max_concurrent_requests=4, **UNPACED)
        log = list(server.log)
    assert run.exit_code == 0, run.stderr[-3000:]
    assert "429 from Checkly" in run.stderr
    refused = next(r for r in log if "/check-results/" in r.path)
    # only what the other three readers had sent before the hold began (a request each,
    # two at most on a slow machine) comes in during the wait; without the hold, 29 did
    during = [r.target for r in log if refused.at < r.at < refused.at + 0.9]
    assert len(during) <= 6, during
    assert sum(1 for r in log if r.at >= refused.at + 1.0) > 4


def test_dropped_connections_and_server_errors_are_retried(checkly: ChecklyServer,
                                                           account: SampleAccount) -> None:
    checkly.drop(1, "/v2/check-results/")
    checkly.fail(503, 1, "/v1/checks")
    checkly.drop(1, "/v1/check-alerts")
    checkly.refuse(502, 1, "/v1/variables")
    run = run_tap(checkly)
    assert run.exit_code == 0, run.stderr[-3000:]
    assert checkly.failures == [] and checkly.refusals == []
    assert len(run.records("checks")) == len(account.checks)
    assert len(run.records("check_results")) == len(finals(account))
    assert len(run.records("environment_variables")) == len(account.variables)
    assert "no answer from Checkly for check " in run.stderr


def test_a_check_deleted_during_the_run_is_skipped(checkly: ChecklyServer,
                                                   account: SampleAccount) -> None:
    gone = account.checks[1]
    checkly.refuse(404, 1, f"/v2/check-results/{gone.id}")
    run = run_tap(checkly)
    assert run.exit_code == 0, run.stderr[-3000:]
    assert f"check {gone.id} (check_results): Checkly has no such check any more" in run.stderr
    assert {r["checkId"] for r in run.records("check_results")} == \
        {c.id for c in account.checks} - {gone.id}
    partitions = run.last_state()["bookmarks"]["check_results"]["partitions"]
    assert not any(p["context"]["checkId"] == gone.id and "replication_key_value" in p
                   for p in partitions)


@pytest.mark.slow
def test_a_server_error_that_lasts_fails_the_run_naming_what_was_read(
        checkly: ChecklyServer) -> None:
    checkly.refuse(500, 20, "/v1/dashboards")
    run = run_tap(checkly, streams=["dashboards"])
    assert run.exit_code != 0
    assert "500 from Checkly for dashboards (/v1/dashboards)" in run.stderr
    assert "gave up after 8 tries" in run.stderr


@pytest.mark.parametrize("wrong", ["api_key", "account_id"])
def test_a_wrong_key_or_account_is_named_and_the_key_never_shown(
        checkly: ChecklyServer, account: SampleAccount, wrong: str) -> None:
    value = "cu_WRONG0a1b2c3d4e5f6" if wrong == "api_key" else "00000000-0000-0000-0000-0"
    run = run_tap(checkly, **{wrong: value})
    assert run.exit_code != 0
    assert re.search(r"401 from Checkly for \w+ \(/v1/[\w-]+\): the API key is wrong", run.stderr)
    assert "check api_key and account_id" in run.stderr
    output = json.dumps(run.messages) + run.stderr
    assert "cu_WRONG0a1b2c3d4e5f6" not in output and account.api_key not in output


@pytest.mark.parametrize("answered", [False, True], ids=["as documented", "sent anyway"])
def test_secret_values_are_never_emitted(checkly: ChecklyServer, account: SampleAccount,
                                         answered: bool) -> None:
    """Checkly answers a secret variable's value as null; should it ever send one, the
    tap drops it all the same. Keys and basic auth passwords are not emitted either."""
    account.answer_secret_values = answered
    run = run_tap(checkly)
    assert run.exit_code == 0, run.stderr[-3000:]
    stdout = json.dumps(run.messages, ensure_ascii=False)
    for secret in account.secrets():
        assert secret not in stdout and secret not in run.stderr, secret
    variables = {v["key"]: v for v in run.records("environment_variables")}
    assert variables["SHOP_API_KEY"]["value"] is None
    assert variables["SIGNING_SECRET"]["value"] is None
    assert variables["BASE_URL"]["value"] == "https://www.example.com"
    assert variables["SHOP_USER"]["value"] == "monitor@example.com"  # locked, not secret
    browser = next(c for c in run.records("checks") if c["checkType"] == "BROWSER")
    assert {v["key"]: v["value"] for v in browser["environmentVariables"]} == {
        "SHOP_URL": "https://shop.example.com", "SHOP_PASSWORD": None}
    keys = run.records("dashboards")[1]["keys"]
    assert keys[0]["rawKey"] is None and keys[0]["maskedKey"].startswith("dk_5")
    sent = " (2 sent by Checkly, dropped)" if answered else ""
    assert ("environment_variables: not emitted, written as null: 2 values of variables "
            f"marked secret{sent}") in run.stderr
    one_sent = " (1 sent by Checkly, dropped)" if answered else ""
    assert ("check_groups: not emitted, written as null: 1 basic auth password (1 sent by "
            f"Checkly, dropped), 1 value of a variable marked secret{one_sent}") in run.stderr
    assert "dashboards: not emitted, written as null: 1 rawKey of a key (1 sent by Checkly, " \
        "dropped)" in run.stderr


def test_the_credentials_never_leave_api_url_s_host(checkly: ChecklyServer) -> None:
    with ChecklyServer(SampleAccount()) as elsewhere:
        checkly.redirect("/v1/snippets", 302, elsewhere.origin)
        run = run_tap(checkly)
        assert run.exit_code != 0
        assert f"with a redirect (302) to {elsewhere.origin}" in run.stderr
        with elsewhere.lock:
            assert elsewhere.log == []


def test_settings_are_checked_without_showing_the_key(tmp_path: Any) -> None:
    secret = "cu_S3cretKeyValue42"
    run = testing.run_tap(TAP, {"api_url": "http://127.0.0.1:1", "api_key": [secret],
                                "account_id": "a",
                                "rate_limit": {"requests": 0, "seconds": 60}})
    assert run.exit_code != 0
    assert "api_key: must be a string, got a list (not shown: a secret)" in run.stderr
    assert "rate_limit.requests: must be 1 or more, got 0" in run.stderr
    assert secret not in run.stderr
