"""tap-checkly's schemas and the sample Checkly's answers, held to each other: the schemas
cover every field the sample returns and its records fit their types and formats; the
schemas declare what Checkly's API reference documents, every field nullable but keys."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker
from tap_checkly.reporting import AGGREGATE_FIELDS, CHECK_FIELDS, day_records
from tap_checkly.sample.account import SampleAccount
from tap_checkly.sample.check_kinds import KINDS

from observes_singer.tapkit.schemas import load_schemas
from observes_singer.tapkit.testing import assert_schemas_cover
from tests.taps.tap_checkly.documented import (
    ANY_VALUE_LISTS,
    FIELDS,
    FREE_FORM_OBJECT_LISTS,
)

STREAMS = {"checks", "check_groups", "check_statuses", "alert_channels", "check_alerts",
           "dashboards", "maintenance_windows", "snippets", "private_locations",
           "environment_variables", "check_results", "reporting", "locations", "runtimes",
           "status_pages", "status_page_services", "status_page_incidents",
           "alert_notifications"}
KEYS = {"checks": {"id"}, "check_groups": {"id"}, "check_statuses": {"checkId"},
        "alert_channels": {"id"}, "check_alerts": {"id"}, "dashboards": {"id"},
        "maintenance_windows": {"id"}, "snippets": {"id"}, "private_locations": {"id"},
        "environment_variables": {"key"}, "check_results": {"id", "checkId"},
        "reporting": {"checkId", "from"}, "locations": {"region"}, "runtimes": {"name"},
        "status_pages": {"id"}, "status_page_services": {"id"},
        "status_page_incidents": {"id"}, "alert_notifications": {"id"}}


def as_emitted(records: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The records by stream as the tap reads them: reports a record per check and day."""
    return {**records,
            "reporting": [day for entry in records["reporting"] for day in day_records(entry)]}


@pytest.fixture(scope="module")
def sample() -> dict[str, list[dict[str, Any]]]:
    account = SampleAccount(api_checks=3, browser_checks=2, kinds=KINDS, runs=200)
    account.answer_secret_values = True  # every field there, secrets included
    return account.records()


def test_the_schemas_are_the_streams() -> None:
    assert set(load_schemas("tap_checkly")) == STREAMS == set(FIELDS)


def placed(schema: dict[str, Any], path: str) -> bool:
    """Whether a record's value at ``path`` (dotted, ``[]`` for a list's items) has a place
    in ``schema``: a declared property, an additional one, or inside a free-form value."""
    node: Any = schema
    for step in path.split("."):
        if not isinstance(node, dict):
            return False
        types = node.get("type") or ()
        if step == "[]":
            if "items" not in node:
                return False
            node = node["items"]
        elif step in (node.get("properties") or {}):
            node = node["properties"][step]
        elif isinstance(node.get("additionalProperties"), dict) and \
                node["additionalProperties"]:
            node = node["additionalProperties"]
        else:  # no type (any value) or an object with no properties: anything inside
            return not types or ("object" in types and "properties" not in node)
    return True


def as_emitted_path(stream: str, path: str) -> str | None:
    """Where a documented field is in the tap's records: reporting's ``aggregates`` are a
    record a day (the day's bucket in ``aggregate``, its ``from`` and ``to`` at the top);
    the report of a whole window (``aggregate`` alone) is not read."""
    if stream != "reporting" or not path.startswith("aggregates"):
        return path
    if path == "aggregates":
        return None
    field = path.removeprefix("aggregates.[].")
    return field if field in ("from", "to") else f"aggregate.{field}"


def dropped(stream: str, schema: dict[str, Any]) -> list[str]:
    return [path for path in FIELDS[stream]
            if (emitted := as_emitted_path(stream, path)) is not None
            and not placed(schema, emitted)]


def test_the_schemas_hold_every_field_checkly_documents() -> None:
    """Every property Checkly's OpenAPI document gives an answer (tests/taps/tap_checkly/
    documented.py), nested ones too: a field documented and left out of a schema would be
    dropped by singer-sdk without a word."""
    schemas = load_schemas("tap_checkly")
    assert {stream: dropped(stream, schema) for stream, schema in schemas.items()
            if dropped(stream, schema)} == {}


def test_a_documented_field_left_out_of_a_schema_is_found() -> None:
    schema = copy.deepcopy(load_schemas("tap_checkly")["checks"])
    del schema["properties"]["heartbeat"]["properties"]["pingUrl"]
    del schema["properties"]["created_at"]
    assert dropped("checks", schema) == ["created_at", "heartbeat.pingUrl"]


def test_the_schemas_cover_every_field_the_sample_checkly_returns(
        sample: dict[str, list[dict[str, Any]]]) -> None:
    """A field Checkly returns that a schema lacks would be dropped by singer-sdk without
    a word: every field the sample returns, nested ones too, has a place."""
    assert set(sample) == STREAMS and all(sample.values())
    assert_schemas_cover(as_emitted(sample), load_schemas("tap_checkly"))
    for entry in sample["reporting"]:  # what the per-day records leave out is nothing
        assert set(entry) <= {*CHECK_FIELDS, "aggregates"}
        for bucket in entry["aggregates"]:
            assert set(bucket) == {*AGGREGATE_FIELDS, "from", "to"}


def test_the_sample_records_fit_the_schemas_types_and_formats(
        sample: dict[str, list[dict[str, Any]]]) -> None:
    schemas = load_schemas("tap_checkly")
    problems = []
    for stream, items in as_emitted(sample).items():
        validator = Draft7Validator(schemas[stream], format_checker=FormatChecker())
        problems += [f"{stream}.{'.'.join(map(str, error.absolute_path))}: {error.message}"
                     for item in items for error in validator.iter_errors(item)]
    assert problems == []


def test_every_field_may_be_null_but_the_keys() -> None:
    """Checkly leaves fields out or null by check type and plan; a key never."""
    for stream, schema in load_schemas("tap_checkly").items():
        assert schema["type"] == "object"
        assert set(schema["required"]) == KEYS[stream]
        for name, field in schema["properties"].items():
            types = field.get("type")
            if name in KEYS[stream]:
                assert types in ("string", "integer", ["string"]), (stream, name)
            elif types is not None:  # no type: any value, null included
                assert "null" in types, (stream, name)


def ids(node: Any, path: str = "") -> dict[str, Any]:
    """The type of every id the schema declares (``id``, ``...Id``, ``...Ids``' items)."""
    if not isinstance(node, dict):
        return {}
    found = {}
    for name, sub in (node.get("properties") or {}).items():
        where = f"{path}.{name}".lstrip(".")
        if re.search(r"(^id|Id|Ids)$", name) and isinstance(sub, dict):
            items = sub.get("items")
            found[where] = (items if isinstance(items, dict) and "items" in sub
                            else sub).get("type")
        found.update(ids(sub, where))
    if isinstance(node.get("items"), dict):
        found.update(ids(node["items"], f"{path}[]"))
    return found


def test_ids_are_integers_or_strings_never_floating_point() -> None:
    """Checkly's numeric ids (snippets, alert channels, check groups, maintenance
    windows, dashboards, check runs) load as BIGINT, not DOUBLE PRECISION."""
    floating = {f"{stream}.{path}": kind for stream, schema in load_schemas("tap_checkly").items()
                for path, kind in ids(schema).items() if "number" in (kind or ())}
    assert floating == {}
    assert ids(load_schemas("tap_checkly")["snippets"])["id"] == "integer"


def free_form_items(node: Any, path: str = "") -> list[str]:
    """Where a list's items are objects with no ``properties``: singer-sdk's record
    conformance reads ``properties`` of every object in a list, and fails on those."""
    if not isinstance(node, dict):
        return []
    found = []
    items = node.get("items")
    if isinstance(items, dict) and "object" in (items.get("type") or ()) and \
            "properties" not in items:
        found.append(path)
    for name, sub in (node.get("properties") or {}).items():
        found += free_form_items(sub, f"{path}.{name}".lstrip("."))
    if isinstance(items, dict):
        found += free_form_items(items, f"{path}[]")
    return found


def test_free_form_list_items_declare_no_properties_and_keep_every_key() -> None:
    """A free-form object in a list is ``"properties": {}`` with any additional ones:
    singer-sdk keeps its keys, the flattener loads them as key/value rows; where the
    schema declares the properties Checkly's CLI reads, it keeps any others too."""
    schemas = load_schemas("tap_checkly")
    assert {stream: free_form_items(schema) for stream, schema in schemas.items()
            if free_form_items(schema)} == {}
    results = schemas["check_results"]
    for part, path in FREE_FORM_OBJECT_LISTS:
        items = declared(results, f"{part}.{path}.[]")
        assert items["additionalProperties"] == {
            "type": ["null", "array", "boolean", "number", "object", "string"]}, (part, path)
        assert (items["properties"] != {}) == ((part, path) in TYPED_BY_THE_CLI), (part, path)
    for part, path in ANY_VALUE_LISTS:
        assert declared(results, f"{part}.{path}.[]") == {}, (part, path)


TYPED_BY_THE_CLI = {("apiCheckResult", "assertions"), ("browserCheckResult", "pages")}
"""Free-form lists whose items the schema types as Checkly's CLI does
(checkly/checkly-cli, ``packages/cli/src/rest/check-results.ts``: an assertion's
``source``, ``comparison``, ``target``, ``property``; a page's ``url`` and
``webVitals``), every other key kept."""


def declared(schema: dict[str, Any], path: str) -> dict[str, Any]:
    node = schema
    for step in path.split("."):
        node = node["items"] if step == "[]" else node["properties"][step]
    return node


@pytest.mark.parametrize(("stream", "path", "fields"), [
    # GET /v2/check-results/{checkId} (CheckResult), with the timing phases the docs list
    ("check_results", "apiCheckResult.response.timingPhases",
     {"wait", "dns", "tcp", "firstByte", "download", "total"}),
    ("check_results", "apiCheckResult.response.timings",
     {"socket", "lookup", "connect", "response", "end"}),
    ("check_results", "apiCheckResult.response",
     {"status", "statusText", "body", "bodyEncoding", "headers", "timings", "timingPhases"}),
    ("check_results", "browserCheckResult",
     {"type", "traceSummary", "pages", "playwrightTestVideos", "errors", "endTime",
      "startTime", "runtimeVersion", "jobLog", "jobAssets", "playwrightTestTraces",
      "playwrightTestJsonReportFile"}),
    ("check_results", "playwrightCheckResult.playwrightTraceFiles.[]",
     {"url", "name", "filename"}),
    # GET /v1/checks: every check type's fields (ChecksV1Check is anyOf of them)
    ("checks", "heartbeat", {"period", "periodUnit", "grace", "graceUnit", "pingToken",
                             "pingUrl"}),
    ("checks", "request.sslConfig.securityBaseline.minTLSVersion", {"value", "severity"}),
    ("checks", "projectBindings.owner.binding", {"logicalId", "pending"}),
    # GET /v1/reporting, a record per day
    ("reporting", "aggregate", {"successRatio", "avg", "p95", "p99"}),
    ("environment_variables", "", {"key", "value", "locked", "secret"}),
])
def test_the_schemas_declare_what_checkly_documents(stream: str, path: str,
                                                    fields: set[str]) -> None:
    schema = load_schemas("tap_checkly")[stream]
    node = declared(schema, path) if path else schema
    assert fields <= set(node["properties"]), sorted(fields - set(node["properties"]))


def test_the_check_results_schema_declares_every_result_type() -> None:
    properties = load_schemas("tap_checkly")["check_results"]["properties"]
    assert {"apiCheckResult", "browserCheckResult", "multiStepCheckResult",
            "agenticCheckResult", "playwrightCheckResult", "tracerouteCheckResult",
            "grpcCheckResult", "sslCheckResult", "created_at", "createdAt", "startedAt",
            "stoppedAt", "resultType", "attempts", "sequenceId", "traceId",
            "errorGroupIds"} <= set(properties)
    assert properties["created_at"]["format"] == "date-time"
