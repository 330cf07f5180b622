"""tap-timedoctor against its sample Time Doctor: every stream, login or token, the period
(month, dates, this month), 7-day windows and their bookmarks, bounded runs, retries, and
credentials never shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest
from tap_timedoctor.sample.company import Record, SampleCompany
from tap_timedoctor.sample.server import TimeDoctorServer

from observes_singer.tapkit import testing
from observes_singer.tapkit.fake_api.server import Reply, Request
from observes_singer.tapkit.schemas import load_schemas
from tests.taps.tap_timedoctor.running import (
    APR,
    FEB,
    JAN,
    MAR,
    keys,
    login,
    queries,
    run_tap,
    states,
    with_token,
)

ACTIVITY = ("worklogs", "computer_activity", "time_edits")
"""The activity streams keyed by user and start."""


def test_every_stream_is_read(api: TimeDoctorServer, company: SampleCompany) -> None:
    run = run_tap(login(api, month="2026-02"))
    assert run.exit_code == 0, run.stderr[-3000:]
    assert run.records("users") == company.user_records
    assert run.records("projects") == company.project_records
    assert run.records("tasks") == company.task_records
    worklogs = run.records("worklogs")
    assert sorted(worklogs, key=lambda w: (w["userId"], w["start"])) == \
        sorted(company.worklogs_between(FEB, MAR), key=lambda w: (w["userId"], w["start"]))
    assert {w["projectName"] for w in worklogs} >= {"Migración de datos", "Website 改版"}
    activity = run.records("computer_activity")
    assert keys(activity) == keys(company.activity_between(FEB, MAR))
    assert activity[0] == next(a for a in company.activity_between(FEB, MAR)
                               if (a["userId"], a["start"]) ==
                               (activity[0]["userId"], activity[0]["start"]))
    archived = company.user_records[-1]["id"]
    assert not any(w["userId"] == archived for w in worklogs)  # worked in January only
    # every call but the login carries the token and names the company
    with api.lock:
        calls = [r for r in api.log if not r.path.endswith("/login")]
    assert {r.header("Authorization") for r in calls} == {f"JWT {company.token}"}
    assert {r.query.get("company") for r in calls} == {company.company}
    for secret in (company.password, company.token):
        assert secret not in run.stderr


def test_manual_time_edits_are_read_window_by_window(api: TimeDoctorServer,
                                                     company: SampleCompany) -> None:
    run = run_tap(with_token(api, month="2026-02", streams=["time_edits"]))
    assert run.exit_code == 0, run.stderr[-3000:]
    edits = run.records("time_edits")
    expected = company.time_edits_between(FEB, MAR)
    assert sorted(edits, key=lambda e: e["id"]) == sorted(expected, key=lambda e: e["id"])
    assert {e["operation"] for e in edits} == {"add", "edit"}
    assert {e["approved"] for e in edits} == {True, False}
    asked = queries(api, "/activity/edit-time")
    assert [q["user"] for q in asked] == [u["id"] for u in company.user_records] * 4
    marks = [s["bookmarks"]["time_edits"]["replication_key_value"] for s in states(run)
             if "time_edits" in s.get("bookmarks", {})]
    assert marks[-1] == "2026-03-01T00:00:00.000Z"


def test_a_login_takes_the_company_it_belongs_to(api: TimeDoctorServer,
                                                 company: SampleCompany) -> None:
    run = run_tap(login(api, month="2026-01", streams=["users"]))
    assert run.exit_code == 0, run.stderr[-3000:]
    (body,) = [r.json() for r in api.log if r.path.endswith("/login")]
    assert body == {"email": company.email, "password": company.password,
                    "permissions": "read"}
    assert api.calls("/authorization") == 0  # the login's answer lists the companies
    assert len(run.records("users")) == len(company.user_records)


@pytest.mark.parametrize("answered", ["empty", "absent"])
def test_a_login_answer_without_companies_asks_authorization(
        answered: Literal["empty", "absent"]) -> None:
    company = SampleCompany(login_companies=answered)
    with TimeDoctorServer(company) as server:
        run = run_tap(login(server, month="2026-01", streams=["tasks"]))
        assert run.exit_code == 0, run.stderr[-3000:]
        assert server.calls("/authorization") == 1
    assert run.records("tasks") == company.task_records
    assert {r.query.get("company") for r in server.log if r.path.endswith("/tasks")} == \
        {company.company}


def test_a_token_needs_no_login(api: TimeDoctorServer, company: SampleCompany) -> None:
    run = run_tap(with_token(api, month="2026-01"))
    assert run.exit_code == 0, run.stderr[-3000:]
    assert api.calls("/login") == 0 and api.calls("/authorization") == 0
    assert keys(run.records("worklogs")) == keys(company.worklogs_between(JAN, FEB))
    # without company_id, the token's only company
    alone = run_tap({"api_url": api.url, "token": company.token, "month": "2026-01",
                     "streams": ["tasks"]})
    assert alone.exit_code == 0, alone.stderr[-3000:]
    assert api.calls("/authorization") == 1
    assert alone.records("tasks") == company.task_records


def test_a_login_in_several_companies_must_name_one() -> None:
    company = SampleCompany(other_companies=[("Zq0tHeR-company1", "Other Co.")])
    with TimeDoctorServer(company) as server:
        run = run_tap(login(server, month="2026-01"))
        assert run.exit_code != 0
        assert "sees 2 companies; set company_id to one of: " \
               f"{company.company} (Observes Demo Co.), Zq0tHeR-company1 (Other Co.)" \
               in run.stderr
        chosen = run_tap(login(server, month="2026-01", company_id=company.company,
                               streams=["projects"]))
        assert chosen.exit_code == 0, chosen.stderr[-3000:]
        assert chosen.records("projects") == company.project_records


def test_three_backup_months_hold_every_session_once(api: TimeDoctorServer,
                                                    company: SampleCompany) -> None:
    emitted: dict[str, list[tuple[str, str]]] = {name: [] for name in ACTIVITY}
    for month in ("2026-01", "2026-02", "2026-03"):
        run = run_tap(with_token(api, month=month, streams=list(ACTIVITY)))
        assert run.exit_code == 0, run.stderr[-3000:]
        assert not run.records("users")
        for name in ACTIVITY:
            assert {start[:7] for _, start in keys(run.records(name))} == {month}
            emitted[name] += keys(run.records(name))
    assert sorted(emitted["worklogs"]) == keys(company.worklogs_between(JAN, APR))
    assert sorted(emitted["computer_activity"]) == keys(company.activity_between(JAN, APR))
    assert sorted(emitted["time_edits"]) == keys(company.time_edits_between(JAN, APR))
    assert not [k for k, n in Counter(emitted["worklogs"]).items() if n > 1]
    # the night shift's sessions run over midnight, windows and month ends: each once
    night = company.user_records[2]["id"]
    late = [w for w in company.worklogs[night] if w["start"].startswith("2026-01-30")]
    assert late and (night, late[0]["start"]) in emitted["worklogs"]


def test_a_record_without_a_start_is_left_out_once_and_counted(
        api: TimeDoctorServer, company: SampleCompany) -> None:
    first, second = (u["id"] for u in company.user_records[:2])
    # Time Doctor answers a row with start null for every window it is asked.
    for user in (first, second):
        company.worklogs[user].append({**company.worklogs[user][0], "start": None})
    company.timeuse[first].append({**company.timeuse[first][0], "start": None})
    end = datetime(2026, 3, 12, tzinfo=UTC)  # 70 days: 10 windows
    run = run_tap(with_token(api, start_date="2026-01-01T00:00:00Z",
                             end_date="2026-03-12T00:00:00Z", streams=list(ACTIVITY)))
    assert run.exit_code == 0, run.stderr[-3000:]
    assert len({q["from"] for q in queries(api, "/activity/worklog")}) == 10
    for name in ACTIVITY:
        assert [r for r in run.records(name) if r["start"] is None] == []
    assert keys(run.records("worklogs")) == keys(company.worklogs_between(JAN, end))
    assert keys(run.records("computer_activity")) == \
        keys(company.activity_between(JAN, end))
    reports = [line for line in run.stderr.splitlines() if "without a start" in line]
    assert len(reports) == 2
    assert f"worklogs: left out 2 records without a start ({first}: 1, {second}: 1); start " \
        "is part of their key and places them in the period, and Time Doctor answers them " \
        "for every window" in reports[0] + reports[1]
    assert f"computer_activity: left out 1 record without a start ({first}: 1)" \
        in reports[0] + reports[1]


def test_the_period_is_read_in_seven_day_windows_with_a_bookmark_each(
        api: TimeDoctorServer, company: SampleCompany) -> None:
    run = run_tap(with_token(api, month="2026-01", streams=["worklogs"]))
    assert run.exit_code == 0, run.stderr[-3000:]
    asked = queries(api, "/activity/worklog")
    ranges = sorted({(q["from"], q["to"]) for q in asked})
    assert ranges == [("2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"),
                      ("2026-01-08T00:00:00Z", "2026-01-15T00:00:00Z"),
                      ("2026-01-15T00:00:00Z", "2026-01-22T00:00:00Z"),
                      ("2026-01-22T00:00:00Z", "2026-01-29T00:00:00Z"),
                      ("2026-01-29T00:00:00Z", "2026-02-01T00:00:00Z")]
    users = [u["id"] for u in company.user_records]
    assert [q["user"] for q in asked] == users * 5  # one user a request
    assert {(q["limit"], q.get("page"), q["task-project-names"]) for q in asked} == \
        {("200", None, "true")}
    marks = [s["bookmarks"]["worklogs"].get("replication_key_value") for s in states(run)
             if "worklogs" in s.get("bookmarks", {})]
    assert [m for m in dict.fromkeys(marks) if m] == [
        "2026-01-08T00:00:00.000Z", "2026-01-15T00:00:00.000Z", "2026-01-22T00:00:00.000Z",
        "2026-01-29T00:00:00.000Z", "2026-02-01T00:00:00.000Z"]


def test_a_stopped_run_resumes_without_gaps_or_duplicates(
        api: TimeDoctorServer, company: SampleCompany) -> None:
    state: dict[str, Any] | None = None
    seen: dict[str, list[tuple[str, str]]] = {name: [] for name in ACTIVITY}
    runs = 0
    while True:
        run = run_tap(with_token(api, month="2026-02", streams=list(ACTIVITY),
                                 max_pages=len(company.user_records)), state)
        assert run.exit_code == 0, run.stderr[-3000:]
        runs += 1
        for name in ACTIVITY:
            seen[name] += keys(run.records(name))
        state = run.last_state()
        if "max_pages reached" not in run.stderr:
            break
    assert runs == 4  # four windows, one a run
    assert sorted(seen["worklogs"]) == keys(company.worklogs_between(FEB, MAR))
    assert sorted(seen["computer_activity"]) == keys(company.activity_between(FEB, MAR))
    assert sorted(seen["time_edits"]) == keys(company.time_edits_between(FEB, MAR))
    for name in ACTIVITY:
        assert len(seen[name]) == len(set(seen[name]))
        assert state["bookmarks"][name]["replication_key_value"] == "2026-03-01T00:00:00.000Z"


def test_max_duration_stops_between_windows(api: TimeDoctorServer,
                                            company: SampleCompany) -> None:
    stopped = run_tap(with_token(api, month="2026-03", streams=["worklogs"],
                                 max_duration=0.001))
    assert stopped.exit_code == 0, stopped.stderr[-3000:]
    assert "worklogs: max_duration reached; the next run goes on from" in stopped.stderr
    rest = run_tap(with_token(api, month="2026-03", streams=["worklogs"]),
                   stopped.last_state())
    both = keys(stopped.records("worklogs")) + keys(rest.records("worklogs"))
    assert sorted(both) == keys(company.worklogs_between(MAR, APR))


def test_a_bookmark_outside_the_period_is_not_used(api: TimeDoctorServer,
                                                  company: SampleCompany) -> None:
    february = run_tap(with_token(api, month="2026-02", streams=["worklogs"]))
    backfill = run_tap(with_token(api, month="2026-01", streams=["worklogs"]),
                       february.last_state())
    assert backfill.exit_code == 0, backfill.stderr[-3000:]
    assert "outside the period" in backfill.stderr
    assert keys(backfill.records("worklogs")) == keys(company.worklogs_between(JAN, FEB))


def test_a_bookmark_in_the_future_stops_the_run_naming_it(api: TimeDoctorServer) -> None:
    state = {"bookmarks": {"worklogs": {"replication_key": "start",
                                        "replication_key_value": "2099-01-01T00:00:00.000Z"}}}
    run = run_tap(with_token(api, streams=["worklogs"]), state)
    assert run.exit_code != 0
    assert "allowed): worklogs start=2099-01-01T00:00:00.000Z. The state runs ahead of the " \
           "source" in run.stderr
    assert run.messages == []
    assert api.log == []


def test_by_default_this_month_to_now_and_today_again_next_run() -> None:
    now = datetime.now(UTC)
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    company = SampleCompany(first_month=(month - timedelta(days=1)).replace(day=1),
                            months=2, until=now)
    with TimeDoctorServer(company) as server:
        run = run_tap(with_token(server, streams=["worklogs"]))
        assert run.exit_code == 0, run.stderr[-3000:]
        assert keys(run.records("worklogs")) == keys(company.worklogs_between(month, now))
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        bookmark = run.last_state()["bookmarks"]["worklogs"]["replication_key_value"]
        assert bookmark == today.strftime("%Y-%m-%dT00:00:00.000Z")
        again = run_tap(with_token(server, streams=["worklogs"]), run.last_state())
        assert keys(again.records("worklogs")) == \
            keys(company.worklogs_between(today, datetime.now(UTC)))


def test_start_and_end_dates(api: TimeDoctorServer, company: SampleCompany) -> None:
    start, end = datetime(2026, 2, 10, 12, tzinfo=UTC), datetime(2026, 2, 20, tzinfo=UTC)
    run = run_tap(with_token(api, streams=["computer_activity"],
                             start_date=start.isoformat(), end_date=end.isoformat()))
    assert run.exit_code == 0, run.stderr[-3000:]
    assert keys(run.records("computer_activity")) == \
        keys(company.activity_between(start, end))


@pytest.mark.parametrize(("more", "message"), [
    ({"month": "2026-01", "start_date": "2026-01-01T00:00:00Z"},
     "month: give either month, or start_date and end_date, not both"),
    ({"month": "January"},
     "month: must be YYYY-MM from 1970-01 to 9999-11 (2026-01), \"previous\" or \"current\""),
    ({"month": "0000-01"}, "month: must be YYYY-MM from 1970-01 to 9999-11"),
    ({"month": "9999-12"}, "month: must be YYYY-MM from 1970-01 to 9999-11"),
    ({"streams": ["worklogs", "screenshots"]},
     "streams: no stream 'screenshots'; the streams are users, projects, tasks, worklogs, "
     "computer_activity"),
    ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
     "end_date: must be after start_date"),
])
def test_settings_that_cannot_work_are_named(api: TimeDoctorServer, more: dict[str, Any],
                                             message: str) -> None:
    run = run_tap(with_token(api, **more))
    assert run.exit_code != 0
    assert message in run.stderr
    assert len(api.log) == 0


def test_credentials_are_required_and_never_shown(api: TimeDoctorServer) -> None:
    run = run_tap({"api_url": api.url, "email": "someone@example.com"})
    assert run.exit_code != 0
    assert "password: required without a token" in run.stderr
    shown = run_tap({"api_url": api.url, "token": ["not-a-string-secret"]})
    assert "token: must be a string (or null, to leave it unset), got a list (not shown: " \
           "a secret)" in shown.stderr
    assert "not-a-string-secret" not in shown.stderr


def test_listings_follow_the_page_token_the_answer_carries() -> None:
    # the token counts records to skip: pages asked by number would overlap
    company = SampleCompany(users=449, months=1)
    with TimeDoctorServer(company) as server:
        run = run_tap(with_token(server, streams=["users", "tasks"]))
        assert run.exit_code == 0, run.stderr[-3000:]
        pages = [(q["limit"], q.get("page")) for q in queries(server, "/users")]
    assert pages == [("200", None), ("200", "200"), ("200", "400")]
    assert [u["id"] for u in run.records("users")] == [u["id"] for u in company.user_records]
    assert run.records("tasks") == company.task_records


class OverlappingPages(TimeDoctorServer):
    """Answers each next page's token one record short: a page begins with the last
    record of the page before."""

    def paged(self, request: Request, items: Sequence[Record], paging: str) -> Reply:
        reply = super().paged(request, items, paging)
        following = reply.body[paging].get("next")
        if following:
            reply.body[paging]["next"] = str(int(following) - 1)
        return reply


def ignoring_the_page(company: SampleCompany) -> TimeDoctorServer:
    server = TimeDoctorServer(company)
    server.ignore("page", part="/users")  # every request answered with the first page
    return server


@pytest.mark.parametrize(("serve", "held", "pages"), [
    (OverlappingPages, "with 1 of its 200 records already on the page before: its pages "
     "overlap", [None, "199"]),
    (ignoring_the_page, "with the same 200 records as the page before", [None, "200"]),
])
def test_a_page_that_repeats_records_of_the_one_before_stops_with_an_error(
        serve: Callable[[SampleCompany], TimeDoctorServer], held: str,
        pages: list[str | None]) -> None:
    company = SampleCompany(users=449, months=1)
    with serve(company) as server:
        run = run_tap(with_token(server, streams=["users"]))
        asked = [q.get("page") for q in queries(server, "/users")]
    assert run.exit_code != 0
    assert f"Time Doctor answered the 2nd page of users (/api/1.0/users) {held}" in run.stderr
    assert [u["id"] for u in run.records("users")] == \
        [u["id"] for u in company.user_records[:200]]
    assert asked == pages


def test_rate_limits_server_errors_and_dropped_connections_are_retried(
        api: TimeDoctorServer, company: SampleCompany) -> None:
    api.throttle(1, "/activity/worklog", headers={})
    api.throttle(1, "/login", headers={"Retry-After": "0"})
    api.fail(503, 1, "/activity/timeuse")
    api.fail(502, 1, "/users")
    api.drop(1, "/activity/worklog")
    api.drop(1, "/tasks")
    run = run_tap(login(api, month="2026-01"))
    assert run.exit_code == 0, run.stderr[-3000:]
    assert api.failures == []
    assert keys(run.records("worklogs")) == keys(company.worklogs_between(JAN, FEB))
    assert keys(run.records("computer_activity")) == keys(company.activity_between(JAN, FEB))
    assert run.records("tasks") == company.task_records
    assert "429 from Time Doctor for worklogs (/activity/worklog, 2026-01-01" in run.stderr


def test_a_wrong_token_is_named_and_never_shown(api: TimeDoctorServer) -> None:
    wrong = "wrong-jwt-token-0123456789"
    run = run_tap({**with_token(api, month="2026-01"), "token": wrong})
    assert run.exit_code != 0
    assert "401 from Time Doctor" in run.stderr
    assert "the token is wrong, expired (a token lasts six months) or revoked" in run.stderr
    assert wrong not in run.stderr
    assert all(wrong not in str(m) for m in run.messages)


def test_a_wrong_password_is_named_and_never_shown(api: TimeDoctorServer) -> None:
    wrong = "not-the-Passw0rd!"
    run = run_tap({**login(api, month="2026-01"), "password": wrong})
    assert run.exit_code != 0
    assert "401 from Time Doctor for login (POST /api/1.0/login): Time Doctor refused the " \
           "email and password" in run.stderr
    assert wrong not in run.stderr
    assert all(wrong not in str(m) for m in run.messages)


def test_the_login_is_never_sent_to_another_host(api: TimeDoctorServer,
                                                 company: SampleCompany) -> None:
    with TimeDoctorServer(company) as elsewhere:
        api.redirect("/login", 307, elsewhere.origin)
        run = run_tap(login(api, month="2026-01"))
        assert run.exit_code != 0
        assert "answered the login with a redirect (307)" in run.stderr
        assert len(elsewhere.log) == 0
        api.redirect("/users", 302, elsewhere.origin)
        moved = run_tap(with_token(api, month="2026-01", streams=["users"]))
        assert moved.exit_code != 0
        assert "another host" in moved.stderr
        assert len(elsewhere.log) == 0
    assert company.password not in run.stderr and company.token not in moved.stderr


def test_the_schemas_cover_every_field_the_source_returns(
        api: TimeDoctorServer, company: SampleCompany) -> None:
    schemas = load_schemas("tap_timedoctor")
    testing.assert_schemas_cover({
        "users": company.user_records, "projects": company.project_records,
        "tasks": company.task_records,
        "worklogs": company.worklogs_between(JAN, APR),
        "computer_activity": company.activity_between(JAN, APR),
        "time_edits": company.time_edits_between(JAN, APR),
        "file_activity": company.files_between(JAN, APR)}, schemas)
    run = run_tap(with_token(api, month="2026-01"))
    testing.assert_schemas_cover(run.messages)
    for name in ACTIVITY:
        assert schemas[name]["properties"]["start"]["format"] == "date-time"
