"""The tap kit's paging against real loopback servers: page numbers read to a short page,
a cursor followed past empty pages, and a page that repeats the one before stopping the
listing (in a singer-sdk stream and in plain code) before its records come out again."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any, ClassVar

import pytest
from singer_sdk import Tap
from singer_sdk import typing as th

from observes_singer.tapkit.fake_api.paging import (
    cursor_page,
    encode_cursor,
    offset_page,
    skip_page,
)
from observes_singer.tapkit.fake_api.server import FakeAPI, Reply, Request
from observes_singer.tapkit.http import Client
from observes_singer.tapkit.paging import (
    NextTokenPaginator,
    NumberedPaginator,
    RepeatedPageError,
    RepeatGuard,
    SourcePaginator,
)
from observes_singer.tapkit.rest import SourceStream
from observes_singer.tapkit.retry import RetryPolicy

ITEMS = [{"id": n, "name": f"widget {n}"} for n in range(1, 46)]
SIZE = 20


def numbered(request: Request) -> Reply:
    """A bare array, ``size`` and ``page`` from 1, no count nor link."""
    page = int(request.query.get("page", 1))
    return Reply(200, ITEMS[(page - 1) * SIZE: page * SIZE])


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    with FakeAPI() as server:
        server.route("GET", "/widgets", numbered)
        server.route("GET", "/linked", lambda r: offset_page(r, ITEMS, default_size=SIZE))
        yield server


class WidgetsStream(SourceStream):
    name = "widgets"
    path = "/widgets"
    records_jsonpath = "$[*]"
    primary_keys = ("id",)
    schema = th.PropertiesList(th.Property("id", th.IntegerType),
                               th.Property("name", th.StringType)).to_dict()
    source = "Widgets"
    retry_policy = RetryPolicy(max_tries=2, base=0.01, max_wait=0.05)

    def get_new_paginator(self) -> NumberedPaginator:
        return NumberedPaginator(size=SIZE, first=1)

    def get_url_params(self, context: Mapping[str, Any] | None, next_page_token: Any
                       ) -> dict[str, Any]:
        return {"page": next_page_token}


class CursorPaginator(SourcePaginator[str | None]):
    def get_next(self, response: Any) -> str | None:
        return response.json().get("nextId") or None


class EntriesStream(WidgetsStream):
    name = "entries"
    path = "/entries"
    records_jsonpath = "$.entries[*]"

    def get_new_paginator(self) -> CursorPaginator:  # type: ignore[override]
        return CursorPaginator(None)

    def get_url_params(self, context: Mapping[str, Any] | None, next_page_token: Any
                       ) -> dict[str, Any]:
        return {"limit": SIZE, **({"nextId": next_page_token} if next_page_token else {})}


class SkippedStream(WidgetsStream):
    """``{"data": [...], "paging": {"next": "<records to skip>"}}``, the token sent back
    as ``page``; its pages must not overlap."""

    name = "skipped"
    path = "/skipped"
    records_jsonpath = "$.data[*]"

    def get_new_paginator(self) -> NextTokenPaginator:  # type: ignore[override]
        return NextTokenPaginator("paging.next", "page.next", source=self.source)

    def repeat_guard(self) -> RepeatGuard:
        return RepeatGuard(self.source, ("id",), empty_pages_repeat=False, overlap=True)

    def get_url_params(self, context: Mapping[str, Any] | None, next_page_token: Any
                       ) -> dict[str, Any]:
        return {"limit": SIZE, **({"page": next_page_token} if next_page_token else {})}


class TapWidgets(Tap):
    name = "tap-widgets"
    streams_made: ClassVar[list[type[WidgetsStream]]] = [WidgetsStream, EntriesStream,
                                                         SkippedStream]
    config_jsonschema = th.PropertiesList(
        th.Property("api_url", th.StringType, required=True)).to_dict()

    def discover_streams(self) -> list[WidgetsStream]:
        return [kind(tap=self) for kind in self.streams_made]


def read(server: FakeAPI, stream: str) -> Iterator[dict[str, Any]]:
    tap = TapWidgets(config={"api_url": server.url})
    yield from tap.streams[stream].get_records(None)


def test_page_numbers_are_read_to_the_first_short_page(api: FakeAPI) -> None:
    assert list(read(api, "widgets")) == ITEMS
    assert [r.query["page"] for r in api.log] == ["1", "2", "3"]


def test_a_source_that_ignores_the_page_number_stops_at_the_repeated_page(
        api: FakeAPI) -> None:
    api.ignore("page", part="/widgets")
    records = read(api, "widgets")
    first = [next(records) for _ in range(SIZE)]
    with pytest.raises(RepeatedPageError) as failure:
        next(records)
    assert first == ITEMS[:SIZE]  # the repeated page is not emitted again
    assert str(failure.value).startswith(
        "Widgets answered the 2nd page of widgets (/widgets) with the same 20 records as "
        "the page before: it does not turn its pages (the page asked for is ignored, or it "
        "keeps saying more follow), so the listing would never end")
    assert [r.query["page"] for r in api.log] == ["1", "2"]  # the log keeps what was sent


def test_a_cursor_is_followed_past_empty_pages(api: FakeAPI) -> None:
    gaps = 2  # pages asked by a cursor answered empty, with another cursor to go on from

    def entries(request: Request) -> Reply:
        nonlocal gaps
        cursor = request.query.get("nextId", "")
        if cursor.startswith("gap-"):
            request = replace(request, query={"nextId": cursor.removeprefix("gap-")})
        elif cursor and gaps:
            gaps -= 1
            return Reply(200, {"entries": [], "nextId": f"gap-{cursor}"})
        return cursor_page(request, ITEMS, default_size=SIZE)

    api.route("GET", "/entries", entries)
    assert list(read(api, "entries")) == ITEMS
    first, second = encode_cursor(SIZE), encode_cursor(2 * SIZE)
    assert [r.query.get("nextId") for r in api.log] == \
        [None, first, f"gap-{first}", second, f"gap-{second}"]


def test_the_token_the_answer_carries_is_sent_back_as_the_page(api: FakeAPI) -> None:
    api.route("GET", "/skipped", lambda r: skip_page(r, ITEMS, default_size=SIZE))
    assert list(read(api, "skipped")) == ITEMS
    assert [r.query.get("page") for r in api.log] == [None, "20", "40"]


@pytest.mark.parametrize("last", [{"paging": {}}, {"paging": {"next": None}},
                                  {"paging": {"next": ""}}, {"page": {"next": None}}, {}])
def test_an_answer_without_a_token_is_the_last_page(last: dict[str, Any]) -> None:
    paginator = NextTokenPaginator("paging.next", "page.next", source="Widgets")
    assert paginator.token({"data": [], **last}) is None
    assert paginator.token({"data": [], "page": {"next": 40}}) == "40"
    # the paging object read is the first one the answer holds
    assert paginator.token({"paging": {}, "page": {"next": "40"}}) is None


def test_pages_that_overlap_stop_before_their_records_come_out_again(api: FakeAPI) -> None:
    def one_short(request: Request) -> Reply:
        reply = skip_page(request, ITEMS, default_size=SIZE)
        if reply.body["paging"]:
            reply.body["paging"]["next"] = str(int(reply.body["paging"]["next"]) - 1)
        return reply

    api.route("GET", "/skipped", one_short)
    records = read(api, "skipped")
    first = [next(records) for _ in range(SIZE)]
    with pytest.raises(RepeatedPageError) as failure:
        next(records)
    assert first == ITEMS[:SIZE]
    assert str(failure.value).startswith(
        "Widgets answered the 2nd page of skipped (/skipped) with 1 of its 20 records "
        "already on the page before: its pages overlap")


def test_a_token_answered_for_its_own_page_stops_the_listing(api: FakeAPI) -> None:
    api.route("GET", "/skipped", lambda r: Reply(200, {
        "data": ITEMS[:SIZE] if "page" not in r.query else [], "paging": {"next": "20"}}))
    with pytest.raises(RepeatedPageError, match=r"^Widgets answered the page token '20' "
                       "for the page it names"):
        list(read(api, "skipped"))
    assert [r.query.get("page") for r in api.log] == [None, "20"]


def test_a_link_listing_that_repeats_its_page_stops_in_plain_code(api: FakeAPI) -> None:
    api.ignore("page", part="/linked")
    client = Client(api.url, source="Widgets", policy=RetryPolicy(max_tries=1))
    pages = client.pages("/linked", resource="the widget list")
    assert next(pages).json() == ITEMS[:SIZE]
    with pytest.raises(RepeatedPageError, match=r"^Widgets answered the 2nd page of the "
                       r"widget list \(/linked\) with the same 20 records as the page before"):
        next(pages)
    assert [r.query.get("page") for r in api.log] == [None, "2"]


def test_pages_repeat_by_their_records_keys_or_whole_records() -> None:
    guard = RepeatGuard("Widgets", ("id",))
    guard.check([{"id": 1, "seen": "10:00"}], "widgets")
    with pytest.raises(RepeatedPageError, match="2nd page of widgets"):
        guard.check([{"id": 1, "seen": "10:01"}], "widgets")  # the same record, read later
    whole = RepeatGuard("Widgets", ("id",))
    whole.check([{"name": "a"}], "widgets")  # no key: the whole record is compared
    whole.check([{"name": "b"}], "widgets")
    whole.check([{"id": 2}, {"id": 1}], "widgets")
    whole.check([{"id": 1}, {"id": 2}], "widgets")  # the same records, another order
    whole.check([], "widgets")
    with pytest.raises(RepeatedPageError, match="the 6th page of widgets with no records "
                       "again"):
        whole.check([], "widgets")


def test_overlapping_pages_repeat_only_where_overlaps_count() -> None:
    plain = RepeatGuard("Widgets", ("id",))
    plain.check([{"id": 1}, {"id": 2}], "widgets")
    plain.check([{"id": 2}, {"id": 3}], "widgets")  # a record moved up a page: allowed
    strict = RepeatGuard("Widgets", ("id",), overlap=True)
    strict.check([{"id": 1}, {"id": 2}], "widgets")
    strict.check([{"id": 3}], "widgets")
    with pytest.raises(RepeatedPageError, match="3rd page of widgets with 1 of its 2 "
                       "records already on the page before"):
        strict.check([{"id": 3}, {"id": 4}], "widgets")


def test_empty_pages_may_follow_each_other_where_a_cursor_leads() -> None:
    guard = RepeatGuard("Widgets", ("id",), empty_pages_repeat=False)
    for _ in range(3):
        guard.check([], "entries")
    assert guard.pages == 3
