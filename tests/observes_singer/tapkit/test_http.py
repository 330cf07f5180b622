"""The tap kit's HTTP layer against real loopback servers: one retry policy, clear errors,
credentials kept on their origin; in plain code (Client) and in a singer-sdk stream."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.authenticators import APIKeyAuthenticator

from observes_singer.tapkit.errors import ForeignHostError, SourceError
from observes_singer.tapkit.fake_api.server import FakeAPI, Reply
from observes_singer.tapkit.http import Client
from observes_singer.tapkit.rest import SourceStream
from observes_singer.tapkit.retry import RetryPolicy

KEY = "sk-live-Secret123"
NOW = 1_800_000_000.0  # the policy's clock in these tests: a fixed Unix time


class Sleeps:
    """An injectable sleep that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    with FakeAPI(base_path="/v1", auth=("X-Api-Key", KEY)) as server:
        server.route("GET", "/widgets", lambda request: Reply(200, [{"id": 1}, {"id": 2}]))
        server.route("GET", "/widgets/{widget}",
                     lambda request, widget: Reply(200, {"id": widget}))
        yield server


def client(server: FakeAPI, sleeps: Sleeps, **policy: Any) -> Client:
    return Client(server.url, source="Widgets", credentials={"X-Api-Key": KEY},
                  hints={401: "the api key is wrong or revoked; check api_key"},
                  policy=RetryPolicy(sleep=sleeps, clock=lambda: NOW, random=lambda: 1.0,
                                     **policy))


def test_a_429_waits_for_retry_after_in_seconds(api: FakeAPI) -> None:
    sleeps = Sleeps()
    api.throttle(headers={"Retry-After": "7"})
    response = client(api, sleeps).get("/widgets", resource="widgets")
    assert response.json() == [{"id": 1}, {"id": 2}]
    assert sleeps.waits == [7.0]
    assert api.calls("/widgets") == 2


def test_a_429_waits_until_retry_after_as_an_http_date(api: FakeAPI) -> None:
    sleeps = Sleeps()
    when = format_datetime(datetime.fromtimestamp(NOW + 42, UTC), usegmt=True)
    api.throttle(headers={"Retry-After": when})
    client(api, sleeps).get("/widgets")
    assert sleeps.waits == [42.0]


@pytest.mark.parametrize(("header", "value", "wait"), [
    ("RateLimit-Reset", str(int(NOW) + 3), 3.0),  # GitLab: the Unix time of the reset
    ("X-RateLimit-Reset", str(int(NOW * 1000) + 2500), 2.5),  # in milliseconds
    ("X-RateLimit-Reset", "9", 9.0),  # seconds to wait
    ("RateLimit-Reset", str(int(NOW) - 30), 0.0),  # already past: no wait at all
])
def test_a_429_waits_for_a_reset_header_read_as_epoch_or_seconds(
        api: FakeAPI, header: str, value: str, wait: float) -> None:
    sleeps = Sleeps()
    api.throttle(headers={header: value})
    client(api, sleeps).get("/widgets")
    assert sleeps.waits == [wait]  # an epoch is not taken for 1.8e9 seconds, capped at 60


def test_every_wait_is_capped(api: FakeAPI) -> None:
    sleeps = Sleeps()
    api.throttle(headers={"Retry-After": "3600"})
    api.throttle(headers={"RateLimit-Reset": str(int(NOW) + 7200)})
    client(api, sleeps, max_wait=45).get("/widgets")
    assert sleeps.waits == [45.0, 45.0]


def test_server_errors_back_off_exponentially_then_succeed(api: FakeAPI) -> None:
    sleeps = Sleeps()
    for status in (500, 502, 503, 504):
        api.fail(status, part="/widgets")
    response = client(api, sleeps, max_tries=5).get("/widgets")
    assert response.status_code == 200
    assert sleeps.waits == [1.0, 2.0, 4.0, 8.0]


def test_backoff_has_jitter() -> None:
    draws = iter([0.0, 1.0])
    policy = RetryPolicy(random=lambda: next(draws), base=2.0)
    assert [policy.wait(1), policy.wait(1)] == [1.0, 2.0]  # between half and all of it


def test_a_dropped_connection_is_retried(api: FakeAPI) -> None:
    sleeps = Sleeps()
    api.drop(times=2)
    assert client(api, sleeps).get("/widgets/7").json() == {"id": "7"}
    assert len(sleeps.waits) == 2
    assert api.calls("/widgets/7") == 3


def test_giving_up_names_source_resource_status_and_hint_never_a_secret(api: FakeAPI) -> None:
    sleeps = Sleeps()
    api.fail(503, times=10)
    with pytest.raises(SourceError) as failure:
        client(api, sleeps, max_tries=3).get("/widgets", resource="account acme (widgets)",
                                             params={"api_key": KEY, "page": 2})
    message = str(failure.value)
    assert message == ("503 from Widgets for account acme (widgets) (GET /v1/widgets): the "
                       "source is unavailable; try again later (gave up after 3 tries)")
    assert failure.value.status == 503
    assert len(sleeps.waits) == 2
    assert KEY not in message and "api_key" not in message


def test_a_refused_status_stops_at_once_with_the_taps_hint(api: FakeAPI) -> None:
    sleeps = Sleeps()
    wrong = Client(api.url, source="Widgets", credentials={"X-Api-Key": "sk-WRONG-42"},
                   hints={401: "the api key is wrong or revoked; check api_key"},
                   policy=RetryPolicy(sleep=sleeps))
    with pytest.raises(SourceError) as failure:
        wrong.get("/widgets", resource="widgets")
    assert str(failure.value) == ("401 from Widgets for widgets (GET /v1/widgets): the api "
                                  "key is wrong or revoked; check api_key")
    assert sleeps.waits == []
    assert api.calls() == 1
    missing = client(api, sleeps)
    with pytest.raises(SourceError, match=r"^404 from Widgets for GET /v1/nothing: no such "):
        missing.get("/nothing")


def test_no_answer_at_all_gives_up_naming_the_source_not_the_url() -> None:
    server = FakeAPI(base_path="/v1").start()
    url = server.url
    server.stop()  # nothing listens there any more: connections are refused
    sleeps = Sleeps()
    quiet = Client(url, source="Widgets", credentials={"Authorization": f"Bearer {KEY}"},
                   policy=RetryPolicy(sleep=sleeps, max_tries=3))
    with pytest.raises(SourceError) as failure:
        quiet.get("/widgets", params={"token": KEY}, resource="widgets")
    assert str(failure.value) == ("no answer from Widgets for widgets (GET /v1/widgets): the "
                                  "connection failed or dropped (gave up after 3 tries)")
    assert failure.value.status is None
    assert len(sleeps.waits) == 2


@pytest.fixture
def elsewhere() -> Iterator[FakeAPI]:
    with FakeAPI(base_path="/v1") as server:
        server.route("GET", "/{anything:path}", lambda request, anything: Reply(200, []))
        yield server


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_no_credential_follows_a_redirect_to_another_host(api: FakeAPI, elsewhere: FakeAPI,
                                                          status: int) -> None:
    api.redirect("/widgets", status, elsewhere.origin)
    with pytest.raises(ForeignHostError) as failure:
        client(api, Sleeps()).get("/widgets", resource="widgets")
    assert str(failure.value).startswith(
        f"widgets: Widgets answered GET /v1/widgets with a redirect ({status}) to "
        f"{elsewhere.origin}, another host than api_url's (")
    assert KEY not in str(failure.value)
    assert elsewhere.log == []  # nothing at all was sent there


def test_no_credential_follows_a_next_link_to_another_host(api: FakeAPI,
                                                           elsewhere: FakeAPI) -> None:
    api.routes.clear()
    api.route("GET", "/widgets", lambda request: Reply(
        200, [{"id": 1}], {"Link": f'<{elsewhere.url}/widgets?page=2>; rel="next"'}))
    pages = client(api, Sleeps()).pages("/widgets", resource="widgets")
    assert next(pages).json() == [{"id": 1}]
    with pytest.raises(ForeignHostError, match="would have carried the token; it was not sent"):
        next(pages)
    assert elsewhere.log == []


def test_a_redirect_within_the_origin_is_followed(api: FakeAPI) -> None:
    api.redirect("/widgets", 301, api.origin)
    assert client(api, Sleeps()).get("/widgets").json() == [{"id": 1}, {"id": 2}]
    assert [r.headers.get("X-Api-Key") for r in api.log] == [KEY, KEY]


# -- the same policy in a singer-sdk stream ------------------------------------------------------

WAITS: list[float] = []


class WidgetsStream(SourceStream):
    name = "widgets"
    path = "/widgets"
    records_jsonpath = "$[*]"
    primary_keys = ("id",)
    schema = th.PropertiesList(th.Property("id", th.IntegerType)).to_dict()
    source = "Widgets"
    credential_headers = ("X-Api-Key",)
    hints = {401: "the api key is wrong or revoked; check api_key"}
    retry_policy = RetryPolicy(max_tries=4, base=0.01, max_wait=0.05)

    @property
    def authenticator(self) -> APIKeyAuthenticator:
        return APIKeyAuthenticator(key="X-Api-Key", value=str(self.config["api_key"]),
                                   location="header")

    def backoff_handler(self, details: Any) -> None:
        WAITS.append(details["wait"])
        super().backoff_handler(details)


class TapWidgets(Tap):
    name = "tap-widgets"
    config_jsonschema = th.PropertiesList(
        th.Property("api_url", th.StringType, required=True),
        th.Property("api_key", th.StringType, required=True, secret=True),
    ).to_dict()

    def discover_streams(self) -> list[WidgetsStream]:
        return [WidgetsStream(tap=self)]


def widgets(server: FakeAPI, key: str = KEY) -> list[dict[str, Any]]:
    WAITS.clear()
    tap = TapWidgets(config={"api_url": server.url, "api_key": key})
    return list(tap.streams["widgets"].get_records(None))


def test_a_stream_retries_under_the_same_policy(api: FakeAPI) -> None:
    api.throttle(headers={"Retry-After": "30"})
    api.fail(502)
    api.drop()
    started = time.monotonic()
    assert widgets(api) == [{"id": 1}, {"id": 2}]
    assert WAITS[0] == 0.05  # Retry-After: 30, capped by this stream's max_wait
    assert len(WAITS) == 3 and all(0 < w <= 0.05 for w in WAITS)
    assert time.monotonic() - started < 5
    assert api.calls("/widgets") == 4


def test_a_stream_gives_up_with_the_kits_message(api: FakeAPI) -> None:
    api.fail(500, times=10)
    with pytest.raises(SourceError) as failure:
        widgets(api)
    assert str(failure.value) == ("500 from Widgets for widgets (/v1/widgets): the source "
                                  "failed on its side; try again later (gave up after 4 tries)")
    assert api.calls() == 4
    api.failures.clear()
    api.drop(times=10)
    with pytest.raises(SourceError, match=r"^no answer from Widgets for widgets \(/v1/widgets"
                       r"\): the connection failed or dropped \(gave up after 4 tries\)$"):
        widgets(api)


def test_a_stream_stops_at_once_on_a_refusal_with_the_hint(api: FakeAPI) -> None:
    with pytest.raises(SourceError) as failure:
        widgets(api, key="sk-WRONG-42")
    assert str(failure.value) == ("401 from Widgets for widgets (/v1/widgets): the api key is "
                                  "wrong or revoked; check api_key")
    assert "sk-WRONG-42" not in str(failure.value)
    assert api.calls() == 1


def test_a_stream_sends_no_credential_to_another_host(api: FakeAPI,
                                                      elsewhere: FakeAPI) -> None:
    api.redirect("/widgets", 302, elsewhere.origin)
    with pytest.raises(ForeignHostError, match="another host than api_url's"):
        widgets(api)
    assert elsewhere.log == []


def test_the_wait_generator_is_the_policy() -> None:
    policy = RetryPolicy(random=lambda: 1.0, clock=lambda: NOW)
    waits = policy.wait_generator()
    assert next(waits) == 0.0  # backoff primes it first
    throttled = requests.Response()
    throttled.status_code = 429
    throttled.headers["RateLimit-Reset"] = str(int(NOW) + 12)
    failure = requests.HTTPError(response=throttled)
    assert [waits.send(failure), waits.send(ConnectionError()), waits.send(None)] == \
        [12.0, 2.0, 4.0]



def test_a_reset_header_on_a_server_error_is_not_a_reason_to_wait(api: FakeAPI) -> None:
    sleeps = Sleeps()
    api.fail(502, headers={"RateLimit-Reset": str(int(NOW) + 50)})  # GitLab sends it always
    api.fail(503, headers={"Retry-After": "5"})  # which a 503 may well say
    client(api, sleeps).get("/widgets")
    assert sleeps.waits == [1.0, 5.0]
