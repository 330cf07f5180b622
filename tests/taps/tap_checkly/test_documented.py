"""The sample Checkly and tap-checkly held to Checkly's API reference
(tests/taps/tap_checkly/documented.py): the sample's answers carry every field the
reference documents, of its type, and none it does not name (but inside the objects it
leaves open); the tap, run against the sample, emits every one of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests
from tap_checkly.sample.account import SampleAccount
from tap_checkly.sample.check_kinds import KINDS
from tap_checkly.sample.results import at
from tap_checkly.sample.server import ChecklyServer

from observes_singer.tapkit import testing
from observes_singer.tapkit.testing import TapRun
from tests.taps.tap_checkly.documented import FIELDS
from tests.taps.tap_checkly.test_shapes import as_emitted_path

Record = dict[str, Any]
UNPACED = {"rate_limit": {"requests": 100_000, "seconds": 1},
           "check_results_rate_limit": {"requests": 100_000, "seconds": 1},
           "alert_notifications_rate_limit": {"requests": 100_000, "seconds": 1}}
NULL_DEPARTURES = {
    # "Secret values are always returned as null" (GET /v1/variables); CheckGroupRead's
    # variables do not say their value may be null
    ("check_groups", "environmentVariables.[].value"),
}
"""Where Checkly answers null for a field its reference does not make nullable."""


# -- the reference's types ------------------------------------------------------------------

@dataclass(frozen=True)
class Type:
    """A type as documented.py writes it: the JSON types a value may have, whether an
    object takes keys the reference does not name (``object{...}``), a list's items."""

    kinds: frozenset[str]
    formats: frozenset[str]
    open: bool
    items: Type | None

    def admits(self, value: Any) -> bool:
        if "any" in self.kinds:
            return True
        kind = json_kind(value)
        if kind == "integer" and "number" in self.kinds:
            return True
        if kind != "string" or kind not in self.kinds or not self.formats:
            return kind in self.kinds
        return any(_has_format(value, f) for f in self.formats)


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    for kind, python in (("integer", int), ("number", float), ("string", str),
                         ("array", list), ("object", dict)):
        if isinstance(value, python):
            return kind
    raise TypeError(value)


def _has_format(text: str, name: str) -> bool:
    """``date-time``: an ISO 8601 instant. ``date``: a date, or an instant: the reference
    gives some timestamps (status pages', a maintenance window's ``updated_at``) the
    format date, and Checkly answers them as instants (its CLI's fixtures)."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        if name != "date":
            return False
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
    return True


def parse(text: str) -> Type:
    """``string|null``, ``array[object{...}]|null``, ``string:date-time``..."""
    kinds: set[str] = set()
    formats: set[str] = set()
    is_open = False
    items = None
    for part in _alternatives(text):
        if part.startswith("array["):
            kinds.add("array")
            items = parse(part[len("array["):-1])
        elif part == "object{...}":
            kinds.add("object")
            is_open = True
        else:
            kind, _, form = part.partition(":")
            kinds.add(kind)
            if form:
                formats.add(form)
    return Type(frozenset(kinds), frozenset(formats), is_open, items)


def _alternatives(text: str) -> list[str]:
    """``text`` split at each ``|`` outside brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def test_the_types_read_as_the_reference_gives_them() -> None:
    hops = parse("array[object{...}]|null")
    assert hops.kinds == {"array", "null"} and hops.items is not None
    assert hops.items.open and hops.items.kinds == {"object"}
    port = parse("integer|number|string")
    assert port.admits(443) and port.admits("443") and not port.admits(None)
    when = parse("string:date-time|null")
    assert when.admits("2026-01-05T10:00:00.000Z") and when.admits(None)
    assert not when.admits("yesterday") and not when.admits(5)
    assert parse("string:date").admits("2026-01-05") and parse("number").admits(3)
    assert not parse("integer").admits(3.5) and not parse("boolean").admits(0)
    assert parse("any").admits(None) and parse("any").admits({"a": [1]})


# -- what an answer holds --------------------------------------------------------------------

@dataclass
class Reading:
    """What a stream's answers hold: the documented fields seen (dotted paths), and each
    value that is not of its documented type, and each field the reference does not
    name."""

    stream: str
    seen: set[str]
    wrong: list[str]
    undocumented: set[str]


def read(stream: str, records: list[Record]) -> Reading:
    types = {path: parse(text) for path, text in FIELDS[stream].items()}
    reading = Reading(stream, set(), [], set())
    for record in records:
        _read_object(record, "", True, types, reading)
    return reading


def _read_object(value: Record, prefix: str, closed: bool, types: dict[str, Type],
                 reading: Reading) -> None:
    for name, inner in value.items():
        path = f"{prefix}{name}"
        kind = types.get(path)
        if kind is None:
            if closed:
                reading.undocumented.add(path)
            continue
        reading.seen.add(path)
        _read_value(inner, path, kind, types, reading)


def _read_value(value: Any, path: str, kind: Type, types: dict[str, Type],
                reading: Reading) -> None:
    nullable = (reading.stream, path) in NULL_DEPARTURES
    if not kind.admits(value) and not (value is None and nullable):
        reading.wrong.append(f"{path}: {value!r:.60} is not {sorted(kind.kinds)}")
    if isinstance(value, dict):  # any value: what it holds is its own
        _read_object(value, f"{path}.", not kind.open and "any" not in kind.kinds, types,
                     reading)
    elif isinstance(value, list) and kind.items is not None:
        for item in value:
            _read_value(item, f"{path}.[]", kind.items, types, reading)


def test_a_reading_finds_what_is_missing_undocumented_and_of_another_type() -> None:
    check = {"id": "c1", "heartbeat": {"period": "daily", "pingUrl": "https://x", "x": 1},
             "request": {"assertions": [{"source": "STATUS_CODE", "actual": 200}]},
             "alertSettings": None}
    reading = read("checks", [check])
    assert {"id", "heartbeat.pingUrl", "request.assertions.[].source"} <= reading.seen
    assert "heartbeat.grace" not in reading.seen
    assert reading.undocumented == {"heartbeat.x", "request.assertions.[].actual"}
    assert reading.wrong == ["heartbeat.period: 'daily' is not ['number']"]
    result = {"id": "r1", "sslCheckResult": {"response": {"chain": [{"subjectCN": "a"}]}}}
    assert read("check_results", [result]).undocumented == set()  # a free-form object


# -- the sample's answers --------------------------------------------------------------------

@pytest.fixture(scope="module")
def account() -> SampleAccount:
    """A check of every type, each run 40 times: some runs fail, are degraded, retried."""
    return SampleAccount(api_checks=3, browser_checks=2, kinds=KINDS, runs=40)


@pytest.fixture(scope="module")
def server(account: SampleAccount) -> Iterator[ChecklyServer]:
    with ChecklyServer(account, rate_limits={}) as running:
        yield running


class Client:
    """The sample Checkly asked as a client asks Checkly."""

    def __init__(self, server: ChecklyServer) -> None:
        self.url = server.url
        self.headers = {"Authorization": f"Bearer {server.account.api_key}",
                        "X-Checkly-Account": server.account.account_id}

    def get(self, path: str, **params: Any) -> Any:
        answer = requests.get(f"{self.url}{path}", params=params, headers=self.headers,
                              timeout=10)
        assert answer.status_code == 200, (path, answer.text)
        return answer.json()

    def pages(self, path: str) -> list[Record]:
        """A bare array, page by page."""
        found: list[Record] = []
        for page in range(1, 100):
            rows = self.get(path, limit=100, page=page)
            found += rows
            if len(rows) < 100:
                return found
        raise AssertionError(f"{path} never ends")

    def entries(self, path: str, **params: Any) -> list[Record]:
        """``{"entries", "nextId"}``, cursor by cursor."""
        found: list[Record] = []
        cursor = None
        while True:
            answer = self.get(path, limit=100, **params,
                              **({"nextId": cursor} if cursor else {}))
            found += answer["entries"]
            cursor = answer["nextId"]
            if not cursor:
                return found

    def windows(self, path: str, start: datetime, end: datetime, span: timedelta
                ) -> list[Record]:
        """A windowed listing, ``span`` at a time, from ``start`` to ``end``."""
        found: list[Record] = []
        while start < end:
            found += self.pages_of(path, start, min(start + span, end))
            start += span
        return found

    def pages_of(self, path: str, start: datetime, end: datetime) -> list[Record]:
        window = {"from": int(start.timestamp()), "to": int(end.timestamp())}
        found: list[Record] = []
        for page in range(1, 100):
            rows = self.get(path, limit=100, page=page, **window)
            found += rows
            if len(rows) < 100:
                return found
        raise AssertionError(f"{path} never ends")


@pytest.fixture(scope="module")
def answers(server: ChecklyServer, account: SampleAccount) -> dict[str, list[Record]]:
    """Every record the sample answers, by stream: every route, every page, every
    window, every result (final and attempts), reports by day and over the window."""
    client = Client(server)
    first = min(at(r["startedAt"]) for c in account.checks for r in c.results)
    start = first - timedelta(hours=1)
    end = datetime.now(UTC) + timedelta(hours=1)
    window = {"from": int(start.timestamp()), "to": int(end.timestamp())}
    return {
        "checks": client.pages("/v1/checks"), "check_groups": client.pages("/v1/check-groups"),
        "alert_channels": client.pages("/v1/alert-channels"),
        "dashboards": client.pages("/v1/dashboards"),
        "maintenance_windows": client.pages("/v1/maintenance-windows"),
        "snippets": client.pages("/v1/snippets"),
        "environment_variables": client.pages("/v1/variables"),
        "check_statuses": client.get("/v1/check-statuses"),
        "private_locations": client.get("/v1/private-locations"),
        "locations": client.get("/v1/locations"), "runtimes": client.get("/v1/runtimes"),
        "status_pages": client.entries("/v1/status-pages"),
        "status_page_services": client.entries("/v1/status-pages/services"),
        "status_page_incidents": client.entries("/v1/status-pages/incidents"),
        "check_results": [r for c in account.checks for r in client.entries(
            f"/v2/check-results/{c.id}", resultType="ALL")],
        "check_alerts": client.windows("/v1/check-alerts", start, end, timedelta(hours=6)),
        "alert_notifications": client.windows("/v1/alert-notifications", start, end,
                                              timedelta(hours=24)),
        "reporting": client.get("/v1/reporting", **window, granularity="day")
        + client.get("/v1/reporting", **window),
    }


def test_the_sample_answers_every_stream(answers: dict[str, list[Record]],
                                         account: SampleAccount) -> None:
    assert set(answers) == set(FIELDS)
    assert {stream: len(rows) for stream, rows in answers.items() if not rows} == {}
    assert len(answers["check_results"]) == sum(len(c.results) for c in account.checks)
    assert len(answers["check_alerts"]) == len(account.alerts())


@pytest.mark.parametrize("stream", sorted(FIELDS))
def test_the_sample_answers_every_documented_field(answers: dict[str, list[Record]],
                                                   stream: str) -> None:
    """Across a stream's answers, every field the reference documents is there at least
    once, nested ones too (with a value, where it has fields of its own)."""
    reading = read(stream, answers[stream])
    assert sorted(set(FIELDS[stream]) - reading.seen) == []


@pytest.mark.parametrize("stream", sorted(FIELDS))
def test_the_sample_answers_the_documented_types_and_nothing_else(
        answers: dict[str, list[Record]], stream: str) -> None:
    """Each value is of the type the reference gives its field (null where it makes it
    nullable), and no field is there the reference does not name, but inside the
    objects it leaves open (free-form objects, additional properties)."""
    reading = read(stream, answers[stream])
    assert sorted(set(reading.wrong)) == []
    assert sorted(reading.undocumented) == []


# -- what the tap emits ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def tap_run(server: ChecklyServer, account: SampleAccount) -> TapRun:
    run = testing.run_tap("tap_checkly.tap", {
        "api_url": server.url, "api_key": account.api_key, "account_id": account.account_id,
        **UNPACED}, env={"OBSERVES_HTTP_BACKOFF": "0.1"})
    assert run.exit_code == 0, run.stderr[-3000:]
    return run


def emitted_paths(value: Any, prefix: str = "") -> set[str]:
    """Every field of ``value``, nested ones as dotted paths (``[]`` for a list's items)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for name, inner in value.items():
            found |= {f"{prefix}{name}", *emitted_paths(inner, f"{prefix}{name}.")}
    elif isinstance(value, list):
        for item in value:
            found |= emitted_paths(item, f"{prefix}[].")
    return found


def dropped_by_the_tap(stream: str, records: list[Record]) -> list[str]:
    """The documented fields no record of ``stream`` carries (reporting's as the tap
    emits them: a record a day)."""
    carried = set().union(*(emitted_paths(r) for r in records))
    return sorted(path for path in FIELDS[stream]
                  if (emitted := as_emitted_path(stream, path)) is not None
                  and emitted not in carried)


@pytest.mark.parametrize("stream", sorted(FIELDS))
def test_the_tap_emits_every_documented_field(tap_run: TapRun, stream: str) -> None:
    """Run against the sample, which answers every documented field, the tap's records
    carry each of them: a field Checkly documents and the tap drops fails here."""
    records = tap_run.records(stream)
    assert records, stream
    assert dropped_by_the_tap(stream, records) == []


def test_a_field_the_tap_drops_is_found(tap_run: TapRun) -> None:
    checks = tap_run.records("checks")
    for check in checks:
        check.pop("cacheHash", None)
        if isinstance(check.get("heartbeat"), dict):
            del check["heartbeat"]["pingUrl"]
    assert dropped_by_the_tap("checks", checks) == ["cacheHash", "heartbeat.pingUrl"]
