"""tap-timedoctor as public sources show Time Doctor answering
(tests/taps/tap_timedoctor/documented.py): the sample Time Doctor answers every documented
field and no other, the schemas declare them all, and the records the tap emits carry them
all, of the types and formats the schemas say."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jsonschema import Draft7Validator, FormatChecker
from tap_timedoctor.sample.company import SampleCompany
from tap_timedoctor.sample.server import TimeDoctorServer

from observes_singer.tapkit import testing
from observes_singer.tapkit.schemas import load_schemas
from observes_singer.tapkit.testing import TapRun
from tests.taps.tap_timedoctor.documented import (
    ADDED_BY_THE_TAP,
    ANSWERS,
    FIELDS,
    NESTED,
    UNCONFIRMED,
)

WEEK = {"from": "2026-01-05T00:00:00Z", "to": "2026-01-12T00:00:00Z"}


@pytest.fixture(scope="module")
def server() -> Iterator[TimeDoctorServer]:
    with TimeDoctorServer(SampleCompany(months=1)) as running:
        yield running


@pytest.fixture(scope="module")
def run(server: TimeDoctorServer) -> TapRun:
    company = server.company
    done = testing.run_tap("tap_timedoctor.tap", {
        "api_url": server.url, "token": company.token, "company_id": company.company,
        "month": "2026-01"}, None, env={"OBSERVES_HTTP_BACKOFF": "0.1"})
    assert done.exit_code == 0, done.stderr[-3000:]
    return done


def answered(server: TimeDoctorServer, path: str) -> list[dict[str, Any]]:
    """Every record the sample answers on ``path`` (for an activity path, a week of every
    user's), as the API sends them."""
    company = server.company
    params: dict[str, Any] = {"company": company.company, "limit": 1000}
    if path.startswith(("/activity/", "/files/")):
        params |= {**WEEK, "user": ",".join(u["id"] for u in company.user_records)}
    if path == "/activity/worklog":
        params["task-project-names"] = "true"
    answer = requests.get(f"{server.url}{path}", params=params, timeout=10,
                          headers={"Authorization": f"JWT {company.token}"})
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    rows = [row for rows in data for row in rows] if path.startswith("/activity/") else data
    assert rows, path
    return rows


def fields_seen(items: list[dict[str, Any]]) -> set[str]:
    return {name for item in items for name in item}


@pytest.mark.parametrize("path", sorted(ANSWERS))
def test_the_sample_answers_exactly_the_documented_fields(server: TimeDoctorServer,
                                                          path: str) -> None:
    """Each record holds every documented field (Time Doctor sends blank ones as null, not
    left out) and none other but those the tap reads unconfirmed."""
    rows = answered(server, path)
    endpoint = path.strip("/").split("/")[-1]
    extra = set(UNCONFIRMED.get(endpoint, {}))
    for row in rows:
        assert set(row) == set(ANSWERS[path]) | extra, (path, sorted(set(row) ^ set(
            ANSWERS[path])))
    if path == "/tasks":
        assert {field for row in rows for field in row["project"]} == set(NESTED["tasks.project"])
        folders = [f for row in rows for f in row["folders"]]
        assert folders and all(set(f) == set(NESTED["tasks.folders"]) for f in folders)
    if path.startswith("/files/"):
        files = [f for moment in rows for f in moment["numbers"]]
        assert all(set(f) == set(NESTED["files.numbers"]) for f in files)
        assert all(set(f["meta"]) == set(NESTED["files.numbers.meta"]) for f in files)


def test_the_schemas_declare_the_documented_fields() -> None:
    """A field a source documents and a schema lacks would be dropped by the tap: every
    stream's schema declares exactly the documented fields, those the tap adds and those
    it reads unconfirmed."""
    schemas = load_schemas("tap_timedoctor")
    assert set(schemas) == set(FIELDS)
    for stream, documented in FIELDS.items():
        declared = set(schemas[stream]["properties"])
        expected = set(documented) | set(ADDED_BY_THE_TAP.get(stream, ())) | \
            set(UNCONFIRMED.get(stream, {}))
        assert declared == expected, (stream, sorted(declared ^ expected))
    nested = {
        "tasks.project": schemas["tasks"]["properties"]["project"],
        "tasks.folders": schemas["tasks"]["properties"]["folders"]["items"],
        "files.numbers.meta": schemas["file_activity"]["properties"]["meta"],
    }
    for where, schema in nested.items():
        assert set(schema["properties"]) == set(NESTED[where]), where
    assert set(NESTED["files.numbers"]) <= set(schemas["file_activity"]["properties"])


def test_the_records_carry_every_documented_field_of_its_type(run: TapRun) -> None:
    schemas = load_schemas("tap_timedoctor")
    for stream, documented in FIELDS.items():
        records = run.records(stream)
        assert records, stream
        expected = set(documented) | set(ADDED_BY_THE_TAP.get(stream, ())) | \
            set(UNCONFIRMED.get(stream, {}))
        assert fields_seen(records) == expected, (stream, sorted(fields_seen(records) ^
                                                                 expected))
        validator = Draft7Validator(schemas[stream], format_checker=FormatChecker())
        problems = [f"{stream}.{'.'.join(map(str, error.absolute_path))}: {error.message}"
                    for record in records for error in validator.iter_errors(record)]
        assert problems == []
    files = run.records("file_activity")
    assert all(set(f["meta"]) == set(NESTED["files.numbers.meta"]) for f in files)
    assert {f["entity"] for f in files} == {"SCREENSHOT", "VIDEO"}
    users = run.records("users")
    assert {u["status"] for u in users} == {"active", "archived"}
    settings = next(u["settings"] for u in users if u["settings"])
    assert settings["screenshots"] == {"interval": 30, "blur": False}  # kept whole
