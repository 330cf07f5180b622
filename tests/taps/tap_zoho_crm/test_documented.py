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

from tests.taps.tap_zoho_crm import documented

REST_STREAMS: Mapping[str, Mapping[str, str]] = {"users": documented.USERS}
"""Each stream the tap reads over REST, and the fields Zoho documents for its records."""

DEPARTURES: Mapping[str, Mapping[str, str]] = {
    "users": {"time_zone": "string", "territories": "array"},
}
"""Where a schema knowingly differs from the OpenAPI files, and its type instead: users'
``time_zone`` is an IANA name in every example of the Get Users page
(https://www.zoho.com/crm/developer/docs/api/v8/get-users.html, read 2026-12-07), which the
OpenAPI file types as a free-form object; ``territories`` is in that page's examples and
not in the file."""


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
