"""``file_activity``: the metadata of every screenshot and video of a period, from both
``/files`` endpoints, in 7-day windows whose bookmarks never pass the records emitted;
nothing but the documented metadata is kept, and what is left out is counted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tap_timedoctor.sample.company import SampleCompany
from tap_timedoctor.sample.server import TimeDoctorServer

from observes_singer.tapkit.moments import instant
from observes_singer.tapkit.testing import TapRun
from tests.taps.tap_timedoctor.running import FEB, MAR, queries, run_tap, states, with_token

STREAM = "file_activity"


def file_keys(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    return sorted((r["userId"], r["deviceId"], r["date"], r["entity"], r["number"])
                  for r in rows)


def bookmarks(run: TapRun) -> list[str]:
    found = [s["bookmarks"][STREAM].get("replication_key_value") for s in states(run)
             if STREAM in s.get("bookmarks", {})]
    return [b for b in dict.fromkeys(found) if b]


def test_every_file_of_the_period_is_read_from_both_endpoints(
        api: TimeDoctorServer, company: SampleCompany) -> None:
    run = run_tap(with_token(api, month="2026-02", streams=[STREAM]))
    assert run.exit_code == 0, run.stderr[-3000:]
    records = run.records(STREAM)
    expected = company.files_between(FEB, MAR)
    assert file_keys(records) == file_keys(expected)
    by_key = {k: r for k, r in zip(file_keys(records), sorted(
        records, key=lambda r: file_keys([r])[0]), strict=True)}
    assert all(by_key[file_keys([e])[0]] == e for e in expected)  # every field as answered
    assert {r["entity"] for r in records} == {"SCREENSHOT", "VIDEO"}
    assert any(r["number"] == "1" for r in records)  # a second monitor's screenshot
    users = [u["id"] for u in company.user_records]
    for path in ("/files/screenshot", "/files/video"):
        asked = queries(api, path)
        assert [q["user"] for q in asked] == users * 4  # four windows, one user a request
        assert {(q["from"], q["to"]) for q in asked} == {
            ("2026-02-01T00:00:00Z", "2026-02-08T00:00:00Z"),
            ("2026-02-08T00:00:00Z", "2026-02-15T00:00:00Z"),
            ("2026-02-15T00:00:00Z", "2026-02-22T00:00:00Z"),
            ("2026-02-22T00:00:00Z", "2026-03-01T00:00:00Z")}
    assert bookmarks(run) == ["2026-02-08T00:00:00.000Z", "2026-02-15T00:00:00.000Z",
                              "2026-02-22T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]


def test_no_bookmark_passes_a_record_still_to_come(api: TimeDoctorServer) -> None:
    """After each STATE message, every record emitted is of a date at or past its
    bookmark: state never runs ahead of the records."""
    run = run_tap(with_token(api, month="2026-01", streams=[STREAM]))
    assert run.exit_code == 0, run.stderr[-3000:]
    mark: datetime | None = None
    for message in run.messages:
        if message["type"] == "STATE" and STREAM in message["value"].get("bookmarks", {}):
            mark = instant(message["value"]["bookmarks"][STREAM].get("replication_key_value"))
        elif message["type"] == "RECORD" and mark is not None:
            assert instant(message["record"]["date"]) >= mark, message["record"]


def test_a_stopped_run_resumes_without_gaps_or_duplicates(
        api: TimeDoctorServer, company: SampleCompany) -> None:
    state: dict[str, Any] | None = None
    seen: list[tuple[str, ...]] = []
    runs = 0
    while True:
        # two requests (screenshots, videos) per user: one window a run
        run = run_tap(with_token(api, month="2026-02", streams=[STREAM],
                                 max_pages=2 * len(company.user_records)), state)
        assert run.exit_code == 0, run.stderr[-3000:]
        runs += 1
        seen += file_keys(run.records(STREAM))
        state = run.last_state()
        if "max_pages reached" not in run.stderr:
            break
    assert runs == 4
    assert sorted(seen) == file_keys(company.files_between(FEB, MAR))
    assert len(seen) == len(set(seen))
    assert state["bookmarks"][STREAM]["replication_key_value"] == "2026-03-01T00:00:00.000Z"


def test_download_links_and_other_fields_are_left_out_and_counted() -> None:
    company = SampleCompany(months=1)
    link = "https://files.example.com/shot.jpg?X-Amz-Signature=0a1b2c3d4e5f"
    company.file_extras = {"url": link, "thumbnailUrl": link}
    with TimeDoctorServer(company) as server:
        run = run_tap(with_token(server, month="2026-01", streams=[STREAM]))
    assert run.exit_code == 0, run.stderr[-3000:]
    records = run.records(STREAM)
    count = len(company.files_between(datetime(2026, 1, 1, tzinfo=UTC), FEB))
    assert len(records) == count
    assert not any({"url", "thumbnailUrl"} & set(r) for r in records)
    assert "X-Amz-Signature" not in str(run.messages) + run.stderr
    assert f"file_activity: left out fields not kept as file metadata: thumbnailUrl ({count} " \
           f"times), url ({count} times)" in run.stderr


def test_a_moment_without_a_date_is_left_out_once_and_counted(
        api: TimeDoctorServer, company: SampleCompany) -> None:
    user = company.user_records[0]["id"]
    undated = {**company.screenshots[user][0], "date": None}
    answer = api.files

    def with_undated(request: Any, moments: dict[str, list[dict[str, Any]]]) -> Any:
        reply = answer(request, moments)
        if moments is company.screenshots and request.query.get("user") == user:
            reply.body["data"].append(undated)  # answered for every window
        return reply

    api.files = with_undated  # type: ignore[method-assign]
    run = run_tap(with_token(api, month="2026-02", streams=[STREAM]))
    assert run.exit_code == 0, run.stderr[-3000:]
    assert file_keys(run.records(STREAM)) == file_keys(company.files_between(FEB, MAR))
    assert f"file_activity: left out 1 record without a date ({user}: 1); date is part of " \
           "their key" in run.stderr


def test_a_file_that_is_not_an_object_stops_the_run_naming_it(
        api: TimeDoctorServer, company: SampleCompany) -> None:
    user = company.user_records[1]["id"]
    broken = {**company.videos[user][0], "numbers": ["not-a-file"]}
    answer = api.files

    def with_broken(request: Any, moments: dict[str, list[dict[str, Any]]]) -> Any:
        reply = answer(request, moments)
        if moments is company.videos and request.query.get("user") == user:
            reply.body["data"].append(broken)
        return reply

    api.files = with_broken  # type: ignore[method-assign]
    run = run_tap(with_token(api, month="2026-02", streams=[STREAM]))
    assert run.exit_code != 0
    assert f"Time Doctor answered file_activity (/files/video, 2026-02-01T00:00:00.000Z to " \
           f"2026-02-08T00:00:00.000Z) with a moment of user {user} at " \
           f"{broken['date']} on device {broken['deviceId']} whose numbers[0] is str, not " \
           "a file" in run.stderr
    assert "2026-02-08T00:00:00.000Z" not in bookmarks(run)  # the window is not done
