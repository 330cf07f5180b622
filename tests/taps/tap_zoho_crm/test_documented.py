"""tap-zoho-crm held to Zoho's own documentation (tests.taps.tap_zoho_crm.documented), not
to its sample Zoho: its data centres, the modules it exports by default, what it reads of
a bulk read job, and every field Zoho documents for the streams it reads over REST, the
fields of the objects inside them too."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import pytest
from tap_zoho_crm.bulk import JobResult
from tap_zoho_crm.sample.crm import MODULES, SampleCrm

from tests.taps.tap_zoho_crm import documented

REST_STREAMS: Mapping[str, Mapping[str, str]] = {
    "users": documented.USERS, "org": documented.ORG, "currencies": documented.CURRENCIES,
    "profiles": documented.PROFILES, "roles": documented.ROLES,
    "territories": documented.TERRITORIES, "fields": documented.FIELDS}
"""Each stream the tap reads over REST, and the fields Zoho documents for its records."""

DEPARTURES: Mapping[str, Mapping[str, str]] = {
    "users": {"time_zone": "string", "territories": "array"},
    "fields": {"module": "string"},
}
"""Where a schema knowingly differs from the OpenAPI files, and its type instead: users'
``time_zone`` is an IANA name in every example of the Get Users page
(https://www.zoho.com/crm/developer/docs/api/v8/get-users.html, read 2026-12-07), which the
OpenAPI file types as a free-form object; ``territories`` is in that page's examples and
not in the file. ``fields`` adds the module each field belongs to (its key with ``id``)."""


NESTED_DEPARTURES: Mapping[str, Mapping[str, str]] = {
    "users": {f"customize_info.{name}": "any"
              for name in ("notes_desc", "show_right_panel", "bc_view", "unpin_recent_item")},
    "territories": {f"{rule}_rule_criteria.value": "any"
                    for rule in ("account", "deal", "lead")},
}
"""Where a schema knowingly types a nested field otherwise than the OpenAPI files, and its
type instead (``any``: no type, any value kept as JSON text). ``customize_info``'s four
objects are null in every example of the Get Users page (and in the v2 ones), the files
typing them as free-form objects; a territory rule's criterion ``value``, a free-form
object in the files, compares a field with a string in Zoho's examples (the ``filters``
of https://www.zoho.com/crm/developer/docs/api/v7/get-child-territories.html: ``"value":
"431581000000278001"``; read 2026-12-07)."""


def about() -> dict[str, Any]:
    shown = subprocess.run([sys.executable, "-m", "tap_zoho_crm.tap", "--about", "--format",
                            "json"], capture_output=True, text=True, check=True, timeout=120)
    return dict(json.loads(shown.stdout))


def schema_types(prop: Mapping[str, Any]) -> set[str]:
    """A schema's types, ``null`` left out, a string's format after a colon."""
    types = prop.get("type", [])
    found = {types} if isinstance(types, str) else set(types)
    found.discard("null")
    if "string" in found and prop.get("format") in ("date", "date-time"):
        found = (found - {"string"}) | {f"string:{prop['format']}"}
    return found


def test_the_data_centres_are_those_zoho_documents() -> None:
    from tap_zoho_crm.regions import DATA_CENTRES

    offered = {c.location: (c.accounts_url, c.api_url) for c in DATA_CENTRES.values()}
    assert offered == documented.DATA_CENTRES
    setting = about()["settings"]["properties"]["data_centre"]
    assert sorted(setting["enum"]) == sorted(DATA_CENTRES)


def test_a_completed_job_s_result_is_read_whole() -> None:
    assert {f.name for f in dataclasses.fields(JobResult)} == set(documented.BULK_READ_RESULT)


@pytest.mark.parametrize("stream", sorted(REST_STREAMS))
def test_each_rest_stream_declares_every_documented_field_with_its_type(stream: str) -> None:
    from observes_singer.tapkit.schemas import schema

    properties = schema("tap_zoho_crm", stream)["properties"]
    expected = {**REST_STREAMS[stream], **DEPARTURES.get(stream, {})}
    missing = sorted(set(expected) - set(properties))
    assert not missing, f"{stream}: Zoho documents {missing}, the schema drops them"
    wrong = {name: (sorted(schema_types(properties[name])), kind)
             for name, kind in expected.items() if schema_types(properties[name]) != {kind}}
    assert not wrong, f"{stream}: (schema's types, documented type): {wrong}"
    extra = sorted(set(properties) - set(expected))
    assert not extra, f"{stream}: the schema declares {extra}, which Zoho does not document"


def test_the_default_modules_are_every_module_bulk_read_exports() -> None:
    from tap_zoho_crm.settings import DEFAULT_MODULES

    named = {module.lower().replace("_", "") for module in DEFAULT_MODULES}
    assert named == set(documented.BULK_READ_MODULES)
    assert about()["settings"]["properties"]["modules"]["default"] == list(DEFAULT_MODULES)


def test_the_sample_zoho_answers_only_documented_fields() -> None:
    crm = SampleCrm()
    answers: Mapping[str, list[dict[str, Any]]] = {
        "users": crm.user_records, "org": [crm.organisation], "currencies": crm.currencies,
        "profiles": crm.profiles, "roles": crm.roles, "territories": crm.territory_records,
        "fields": [f for module in MODULES for f in crm.fields(module)]}
    for stream, records in answers.items():
        allowed = set(REST_STREAMS[stream]) | set(DEPARTURES.get(stream, {}))
        for record in records:
            assert set(record) <= allowed, (stream, sorted(set(record) - allowed))


def at_path(schema: Mapping[str, Any], path: str) -> Mapping[str, Any] | None:
    """The schema of a dotted path (``[]`` for a list's items), or None if not declared."""
    node: Any = schema
    for step in path.split("."):
        node = node.get("items") if step == "[]" else (node.get("properties") or {}).get(step)
        if not isinstance(node, Mapping):
            return None
    return node


def declared_nested(node: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Every nested path a schema declares below its top level."""
    found = []
    for name, sub in (node.get("properties") or {}).items():
        path = f"{prefix}{name}"
        if prefix:
            found.append(path)
        found += declared_nested(sub, f"{path}.")
        if isinstance(sub.get("items"), Mapping):
            found.append(f"{path}.[]")
            found += declared_nested(sub["items"], f"{path}.[].")
    return found


def under(path: str, prefixes: Any) -> bool:
    return any(path == p or path.startswith(f"{p}.") for p in prefixes)


def nested_problems(stream: str, schema: Mapping[str, Any]) -> list[str]:
    """What ``schema`` drops, mistypes or adds of the nested fields Zoho documents for
    ``stream`` (``documented.NESTED``; an object of ``documented.WHOLE`` must be kept
    whole; a top-level departure's insides are its own)."""
    documented_here = documented.NESTED[stream]
    whole = documented.WHOLE.get(stream, ())
    departed = DEPARTURES.get(stream, {})
    instead = NESTED_DEPARTURES.get(stream, {})
    problems = []
    for path, kind in documented_here.items():
        if under(path, departed):
            continue
        node = at_path(schema, path)
        if node is None:
            problems.append(f"{path}: Zoho documents it, the schema drops it")
            continue
        expected = instead.get(path, kind)
        types = schema_types(node)
        if types != (set() if expected == "any" else {expected}):
            problems.append(f"{path}: the schema says {sorted(types)}, Zoho {expected}")
        if path in whole and "properties" in node:
            problems.append(f"{path}: not kept whole")
    problems += [f"{path}: the schema declares it, Zoho does not document it"
                 for path in declared_nested(schema)
                 if path not in documented_here and not under(path, whole)
                 and not under(path, departed)]
    return problems


@pytest.mark.parametrize("stream", sorted(REST_STREAMS))
def test_each_rest_stream_declares_every_documented_nested_field_with_its_type(
        stream: str) -> None:
    """singer-sdk passes the objects inside a record as they came (conformance at the
    root only), and the flattener makes columns of an object's declared properties alone:
    a nested field Zoho documents and the schema leaves out would not reach the
    warehouse."""
    from observes_singer.tapkit.schemas import schema

    assert nested_problems(stream, schema("tap_zoho_crm", stream)) == []


def test_a_nested_field_dropped_mistyped_or_added_is_found() -> None:
    from observes_singer.tapkit.schemas import schema

    profiles = copy.deepcopy(dict(schema("tap_zoho_crm", "profiles")))
    permission = profiles["properties"]["permissions_details"]["items"]["properties"]
    del permission["customizable"]
    permission["enabled"] = {"type": ["string", "null"]}
    profiles["properties"]["_default_view"]["properties"]["colour"] = {"type": "string"}
    assert nested_problems("profiles", profiles) == [
        "permissions_details.[].customizable: Zoho documents it, the schema drops it",
        "permissions_details.[].enabled: the schema says ['string'], Zoho boolean",
        "_default_view.colour: the schema declares it, Zoho does not document it"]
    fields = copy.deepcopy(dict(schema("tap_zoho_crm", "fields")))
    module = fields["properties"]["history_tracking"]["properties"]["module"]
    module["properties"]["layout"]["properties"] = {"id": {"type": "string"}}
    assert nested_problems("fields", fields) == [
        "history_tracking.module.layout: not kept whole"]


def nested_fields(value: Any, prefix: str) -> list[str]:
    """The dotted path of every field inside ``value`` (``[]`` for a list's items)."""
    found = []
    if isinstance(value, dict):
        for name, sub in value.items():
            found += [f"{prefix}{name}", *nested_fields(sub, f"{prefix}{name}.")]
    elif isinstance(value, list):
        for item in value:
            found += [f"{prefix}[]", *nested_fields(item, f"{prefix}[].")]
    return found


def test_the_sample_zoho_answers_the_documented_nested_fields() -> None:
    """Inside its records the sample answers the fields Zoho documents and no other (but
    inside the objects Zoho leaves free-form, or the tap keeps whole), every one of them
    for the profiles; and every record fits its stream's schema."""
    from jsonschema import Draft7Validator, FormatChecker

    from observes_singer.tapkit.schemas import schema

    crm = SampleCrm()
    answers: Mapping[str, list[dict[str, Any]]] = {
        "users": crm.user_records, "org": [crm.organisation], "currencies": crm.currencies,
        "profiles": crm.profiles, "roles": crm.roles, "territories": crm.territory_records,
        "fields": [{**f, "module": module} for module in MODULES  # the tap adds it
                   for f in crm.fields(module)]}
    for stream, records in answers.items():
        nested = documented.NESTED[stream]
        every = {**REST_STREAMS[stream], **nested}
        open_ = [path for path, kind in every.items() if kind == "object" and not any(
            other.startswith(f"{path}.") for other in nested)]  # free-form
        open_ += [*documented.WHOLE.get(stream, ()), *NESTED_DEPARTURES.get(stream, {}),
                  *DEPARTURES.get(stream, {})]
        seen = {path for record in records for name, value in record.items()
                for path in nested_fields(value, f"{name}.")}
        assert sorted(path for path in seen if path not in nested
                      and not any(path.startswith(f"{p}.") for p in open_)) == [], stream
        if stream == "profiles":
            assert sorted(set(nested) - seen) == []
        validator = Draft7Validator(schema("tap_zoho_crm", stream),
                                    format_checker=FormatChecker())
        assert [f"{stream}: {e.message}" for record in records
                for e in validator.iter_errors(record)] == []
