"""tap-zoho-crm held to Zoho's own documentation (tests.taps.tap_zoho_crm.documented), not
to its sample Zoho: its data centres, the modules it exports by default, what it reads of
a bulk read job, and every field Zoho documents for the streams it reads over REST."""

from __future__ import annotations

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
