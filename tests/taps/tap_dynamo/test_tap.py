"""tap-dynamo against moto's DynamoDB: exact values, shards, resuming, settings, errors."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tap_dynamo.convert import Converter, boto_key, number, wire_key

from observes_singer.tapkit.testing import run_tap
from tests.support.dynamo import create_table, put_items, sample_item
from tests.support.s3 import aws_client

TAP = "tap_dynamo.tap"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"


def exact_lines(stdout: str) -> list[dict[str, Any]]:
    """Messages read as a target should: numbers with a fraction as Decimal, every
    integer as an int (the standard library never rounds those)."""
    return [json.loads(line, parse_float=Decimal) for line in stdout.splitlines() if line]


def start_tap(config: dict[str, Any], folder: Path, name: str = "config") -> subprocess.Popen[str]:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(config))
    return subprocess.Popen([sys.executable, "-m", TAP, "--config", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def big_table(moto_server: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """3,000 items of every DynamoDB type, and what each must become, by key."""
    client = aws_client("dynamodb", moto_server)
    name = f"Everything-{uuid.uuid4().hex[:8]}"
    create_table(client, name)
    pairs = [sample_item(n) for n in range(3000)]
    put_items(client, name, [typed for typed, _ in pairs])
    return name, {plain["pk"]: plain for _, plain in pairs}


def test_numbers_are_read_from_their_digits() -> None:
    assert number("123456789012345678901234567890") == 123456789012345678901234567890
    assert number("-0") == 0 and isinstance(number("-0"), int)
    assert number("1E+2") == 100 and isinstance(number("1E+2"), int)
    assert number("1.0") == 1 and isinstance(number("1.0"), int)
    value = number("3.14159265358979323846264338327950288")
    assert isinstance(value, Decimal) and str(value) == "3.14159265358979323846264338327950288"
    assert Converter("text").value({"N": "0.1000000000000000000001"}) == \
        "0.1000000000000000000001"
    assert Converter("text").value({"NS": ["2", "0.5"]}) == ["0.5", 2]


def test_keys_travel_in_the_state_as_dynamodb_json() -> None:
    key = {"pk": {"B": b"\x00\xff"}, "sk": {"N": "12"}}
    assert wire_key(key) == {"pk": {"B": "AP8="}, "sk": {"N": "12"}}
    assert boto_key(wire_key(key)) == key


@pytest.mark.slow
def test_four_shards_read_every_item_once_with_exact_values(
        moto_server: str, big_table: tuple[str, dict[str, dict[str, Any]]],
        tmp_path: Path) -> None:
    table, expected = big_table
    shards = [start_tap({"tables": [table], "endpoint_url": moto_server, "page_size": 500,
                         "segments": 4, "shard_index": index, "shard_count": 4},
                        tmp_path, f"shard-{index}") for index in range(4)]
    outputs = [shard.communicate(timeout=120) for shard in shards]
    assert [shard.returncode for shard in shards] == [0, 0, 0, 0], outputs[0][1][-2000:]
    seen: Counter[str] = Counter()
    stream = table.lower().replace("-", "_")
    for index, (stdout, stderr) in enumerate(outputs):
        messages = exact_lines(stdout)
        records = [m["record"] for m in messages if m["type"] == "RECORD"]
        assert records, f"shard {index} read nothing"
        for record in records:
            assert record == expected[record["pk"]], record["pk"]
            seen[record["pk"]] += 1
        state = [m for m in messages if m["type"] == "STATE"][-1]["value"]
        assert state["bookmarks"][stream] == {"total_segments": 4,
                                              "segments": {str(index): "done"}}
        assert f"segments {index} of 4" in stderr
    assert set(seen) == set(expected) and set(seen.values()) == {1}
    # Exact digits on the wire, not only equal values.
    assert '"big":-55340232221128654848,' in outputs[0][0] + outputs[1][0] + \
        outputs[2][0] + outputs[3][0]


def test_the_schema_is_an_open_object_with_the_keys(moto_server: str) -> None:
    client = aws_client("dynamodb", moto_server)
    name = f"Keys.{uuid.uuid4().hex[:8]}"
    create_table(client, name, ("id", "B"), ("at", "N"))
    put_items(client, name, [{"id": {"B": b"\x01"}, "at": {"N": "5"}, "x": {"S": "y"}}])
    run = run_tap(TAP, {"tables": [name], "endpoint_url": moto_server})
    assert run.exit_code == 0, run.stderr
    (schema,) = [m for m in run.messages if m["type"] == "SCHEMA"]
    assert schema["stream"] == name.lower().replace(".", "_")
    assert schema["key_properties"] == ["id", "at"]
    assert schema["schema"] == {
        "type": "object", "required": ["id", "at"], "additionalProperties": True,
        "properties": {"id": {"type": "string", "contentEncoding": "base64"},
                       "at": {"type": "number"}}}
    assert run.records(schema["stream"]) == [{"id": "AQ==", "at": 5, "x": "y"}]
    quiet = run_tap(TAP, {"tables": [name], "endpoint_url": moto_server,
                          "emit_schema": False})
    assert [m["type"] for m in quiet.messages if m["type"] != "STATE"] == ["RECORD"]


def _scan_in_runs(config: dict[str, Any], streams: list[str]) -> tuple[list[Any], int, Any]:
    """Run the tap with the last run's state until every stream's table is scanned."""
    records: list[Any] = []
    state: dict[str, Any] | None = None
    for runs in range(1, 200):
        run = run_tap(TAP, config, state)
        assert run.exit_code == 0, run.stderr
        records += [m["record"] for m in run.messages if m["type"] == "RECORD"]
        state = run.last_state()
        bookmarks = state["bookmarks"]
        if all(bookmarks[s]["segments"] == dict.fromkeys(("0", "1"), "done")
               for s in streams):
            return records, runs, state
    raise AssertionError("the scan never finished")


@pytest.mark.parametrize("bound", [{"max_pages": 1}, {"max_duration": 0.001}])
def test_a_stopped_run_resumes_without_losing_or_repeating(
        moto_server: str, bound: dict[str, Any]) -> None:
    client = aws_client("dynamodb", moto_server)
    names = [f"resume-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for name, size in zip(names, (100, 45), strict=True):
        create_table(client, name)
        put_items(client, name, [{"pk": {"S": f"{name}#{n}"}, "n": {"N": str(n)}}
                                 for n in range(size)])
    config = {"tables": names, "endpoint_url": moto_server, "page_size": 25, "segments": 2,
              **bound}
    records, runs, state = _scan_in_runs(config, [n.replace("-", "_") for n in names])
    keys = Counter(record["pk"] for record in records)
    assert len(keys) == 145 and set(keys.values()) == {1}
    assert runs >= 4
    # The scan is whole: the next run begins a new one and reads everything again.
    again = run_tap(TAP, {**config, "max_pages": 1000, "max_duration": 600}, state)
    assert len([m for m in again.messages if m["type"] == "RECORD"]) == 145
    assert "starting a new scan" in again.stderr


@pytest.mark.parametrize(("config", "message"), [
    ({"tables": ["t"], "shard_index": 1}, "shard_count: required with shard_index"),
    ({"tables": ["t"], "shard_count": 2}, "shard_index: required with shard_count"),
    ({"tables": ["t"], "shard_index": 4, "shard_count": 4},
     "shard_index: must be less than shard_count (4), got 4"),
    ({"tables": ["t"], "segments": 2, "shard_index": 0, "shard_count": 4},
     "segments: must be at least shard_count (4), got 2"),
    ({"tables": []}, "tables: name at least one DynamoDB table"),
    ({}, "'tables' is required"),
    ({"tables": ["A-b", "a.b"]}, "tables: 'A-b' and 'a.b' would both be stream 'a_b'"),
    ({"tables": ["t"], "retry_mode": "legacy"}, "retry_mode: must be one of"),
    ({"tables": ["t"], "aws_secret_access_key": [SECRET]},
     "aws_secret_access_key: must be a string (or null, to leave it unset), got a list "
     "(not shown: a secret)"),
])
def test_settings_errors_are_named(config: dict[str, Any], message: str) -> None:
    run = run_tap(TAP, {"endpoint_url": "http://127.0.0.1:9", **config})
    assert run.exit_code != 0
    assert message in run.stderr
    assert SECRET not in run.stderr


def test_a_missing_table_is_named_and_no_credential_is_logged(moto_server: str) -> None:
    client = aws_client("dynamodb", moto_server)
    name = f"present-{uuid.uuid4().hex[:8]}"
    create_table(client, name)
    put_items(client, name, [{"pk": {"S": "a"}}])
    credentials = {"aws_access_key_id": "AKIAEXAMPLEKEYID1234", "aws_secret_access_key": SECRET,
                   "aws_session_token": "FwoGZXIvYXdzEXAMPLETOKEN"}
    run = run_tap(TAP, {"tables": [name, "no-such-table"], "endpoint_url": moto_server,
                        **credentials})
    assert run.exit_code != 0
    assert f"table 'no-such-table' not found (region us-east-1, endpoint {moto_server}); " \
        "check tables, region and endpoint_url" in run.stderr
    ok = run_tap(TAP, {"tables": [name], "endpoint_url": moto_server, **credentials})
    assert ok.exit_code == 0 and ok.records(name.replace("-", "_")) == [{"pk": "a"}]
    for secret in credentials.values():
        assert secret not in run.stderr + ok.stderr


def test_the_runner_can_shard_it() -> None:
    about = subprocess.run([sys.executable, "-m", TAP, "--about", "--format", "json"],
                           capture_output=True, text=True, check=True)
    settings = json.loads(about.stdout)["settings"]["properties"]
    assert {"shard_index", "shard_count"} <= set(settings)
    assert settings["aws_secret_access_key"].get("secret") or \
        settings["aws_secret_access_key"].get("writeOnly")


def test_big_numbers_stay_exact_on_the_wire(moto_server: str) -> None:
    client = aws_client("dynamodb", moto_server)
    name = f"digits-{uuid.uuid4().hex[:8]}"
    create_table(client, name, ("id", "N"))
    put_items(client, name, [{"id": {"N": "123456789012345678901234567890"},
                              "d": {"N": "0.12345678901234567890123456789012345678"}}])
    with tempfile.TemporaryDirectory() as folder:
        tap = start_tap({"tables": [name], "endpoint_url": moto_server}, Path(folder))
        stdout, stderr = tap.communicate(timeout=60)
    assert tap.returncode == 0, stderr
    assert '"record":{"id":123456789012345678901234567890,' \
        '"d":0.12345678901234567890123456789012345678}' in stdout


def test_no_region_is_one_line(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)

    run = run_tap(TAP, {"tables": ["anything"], "endpoint_url": moto_server})

    assert run.exit_code != 0
    assert "no AWS region: set region, or AWS_REGION / AWS_DEFAULT_REGION" in run.stderr
    assert "Traceback" not in run.stderr
