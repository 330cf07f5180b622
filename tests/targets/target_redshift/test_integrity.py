"""Nothing lost, nothing mixed: one row per key, required fields, exact numbers, wide records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support.warehouses import Warehouse, run_target
from tests.targets.target_redshift.test_loading import record, schema_message, state

KEYED = {"type": "object", "properties": {
    "id": {"type": "integer"}, "v": {"type": "string"},
    "tags": {"type": "array", "items": {"type": "string"}}}}


def by_id(warehouse: Warehouse, table: str) -> list[tuple[Any, ...]]:
    return sorted((r["id"], r["v"]) for r in warehouse.rows(table))


@pytest.mark.parametrize("batch", [10_000, 2], ids=["one-batch", "many-batches"])
def test_replace_keeps_the_last_version_of_a_repeated_key(warehouse: Warehouse,
                                                         batch: int) -> None:
    messages = [schema_message("r", KEYED, ["id"]),
                record("r", {"id": 1, "v": "first", "tags": ["a", "b", "c"]}),
                record("r", {"id": 2, "v": "two", "tags": ["x"]}),
                record("r", {"id": 3, "v": "three", "tags": []}),
                record("r", {"id": 1, "v": "second", "tags": ["z"]}),
                record("r", {"id": 4, "v": "four", "tags": []}),
                record("r", {"id": 1, "v": "last", "tags": ["q", "r"]})]
    result = run_target(warehouse, messages, batch_size_records=batch)
    assert result.returncode == 0, result.stderr
    assert by_id(warehouse, "r") == [(1, "last"), (2, "two"), (3, "three"), (4, "four")]
    tags = sorted((r["_sdc_source_key_id"], r["value"]) for r in warehouse.rows("r__tags"))
    assert tags == [(1, "q"), (1, "r"), (2, "x")]


@pytest.mark.parametrize("method", ["upsert", "replace"])
def test_a_key_spelled_two_ways_is_one_entity(fast_warehouse: Warehouse, method: str) -> None:
    schema = {"type": "object", "properties": {
        "at": {"type": "string", "format": "date-time"}, "n": {"type": "number"},
        "v": {"type": "string"}}}
    first = [schema_message("e", schema, ["at", "n"]),
             record("e", {"at": "2026-01-01T00:00:00Z", "n": 1, "v": "a"}),
             record("e", {"at": "2026-01-01T01:00:00+01:00", "n": 1.0, "v": "b"}),
             record("e", {"at": "2026-01-02T00:00:00.000Z", "n": 2.5, "v": "c"})]
    result = run_target(fast_warehouse, first, load_method=method)
    assert result.returncode == 0, result.stderr
    assert sorted(r["v"] for r in fast_warehouse.rows("e")) == ["b", "c"]
    if method == "upsert":
        again = [schema_message("e", schema, ["at", "n"]),
                 record("e", {"at": "2026-01-02T00:00:00Z", "n": 2.50, "v": "d"}),
                 record("e", {"at": "2026-01-01T00:00:00.000000Z", "n": 1.0, "v": "e"})]
        assert run_target(fast_warehouse, again, load_method=method).returncode == 0
        rows = fast_warehouse.rows("e")
        assert sorted(r["v"] for r in rows) == ["d", "e"]
        assert len({r["_sdc_id"] for r in rows}) == 2


def test_append_with_keys_holds_one_row_per_key(fast_warehouse: Warehouse) -> None:
    keyless = {"type": "object", "properties": {"v": {"type": "string"}}}
    messages = [schema_message("a", KEYED, ["id"]), record("a", {"id": 1, "v": "x"}),
                schema_message("log", keyless), record("log", {"v": "line"})]
    for _ in range(2):
        result = run_target(fast_warehouse, messages, load_method="append")
        assert result.returncode == 0, result.stderr
    assert fast_warehouse.count("a") == 1
    assert fast_warehouse.count("log") == 2
    assert "stream 'a' has key properties: upserted" in result.stderr


def test_a_state_that_cannot_be_saved_fails_before_the_commit(fast_warehouse: Warehouse
                                                               ) -> None:
    state_url = str(fast_warehouse.workdir / "state.json")
    good = [schema_message("r", KEYED, ["id"]), record("r", {"id": 1, "v": "old"}),
            state({"r": 1})]
    assert run_target(fast_warehouse, good, state_url=state_url).returncode == 0
    bad = [schema_message("r", KEYED, ["id"]), record("r", {"id": 2, "v": "new"}),
           state(["not", "an", "object"])]
    result = run_target(fast_warehouse, bad, state_url=state_url)
    assert result.returncode == 1
    assert "line 3: a STATE whose value is not a JSON object" in result.stderr
    assert by_id(fast_warehouse, "r") == [(1, "old")]
    assert orjson.loads(Path(state_url).read_bytes()) == {"r": 1}


def test_a_missing_required_field_is_an_error(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "required": ["id", "v"], "properties": {
        "id": {"type": "integer"}, "v": {"type": ["null", "string"]},
        "owner": {"type": ["null", "object"], "required": ["name"],
                  "properties": {"name": {"type": ["null", "string"]}}}}}
    fine = [schema_message("q", schema, ["id"]), record("q", {"id": 1, "v": None}),
            record("q", {"id": 2, "v": "x", "owner": None}),
            record("q", {"id": 3, "v": "y", "owner": {"name": None}})]
    assert run_target(fast_warehouse, fine).returncode == 0
    for bad, field in [({"id": 4}, "field v"), ({"id": 4, "v": "z", "owner": {}},
                                                "field owner.name")]:
        result = run_target(fast_warehouse, [*fine, record("q", bad)])
        assert result.returncode == 1
        assert f"stream 'q', stdin line 5, {field}: null is missing: the schema requires it" \
            in result.stderr, result.stderr
        assert fast_warehouse.count("q") == 3


@pytest.mark.parametrize("order", ["Jobs-first", "jobs-first"])
def test_streams_that_would_share_a_table_never_mix(fast_warehouse: Warehouse,
                                                     order: str) -> None:
    upper = [schema_message("Jobs", KEYED, ["id"]), record("Jobs", {"id": 1, "v": "upper"})]
    lower = [schema_message("jobs", KEYED, ["id"]), record("jobs", {"id": 1, "v": "lower"})]
    messages = upper + lower if order == "Jobs-first" else lower + upper
    result = run_target(fast_warehouse, messages)
    assert result.returncode == 1
    assert "is also a table of stream" in result.stderr
    assert "jobs" not in fast_warehouse.tables()
    apart = {"Jobs": {"table": "jobs_upper"}}
    result = run_target(fast_warehouse, messages, streams=apart)
    assert result.returncode == 0, result.stderr
    assert by_id(fast_warehouse, "jobs") == [(1, "lower")]
    assert by_id(fast_warehouse, "jobs_upper") == [(1, "upper")]


def test_integers_beyond_64_bits_keep_their_digits_or_fail(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"}, "open": {}, "n": {"type": "number"},
        "big": {"type": ["null", "integer"]}}}
    huge = 123456789012345678901234567890
    lines = (orjson.dumps(schema_message("b", schema, ["id"])) + b"\n"
             + b'{"type":"RECORD","stream":"b","record":{"id":1,"open":%d,"n":5.0}}\n' % huge
             + b'{"type":"RECORD","stream":"b","record":{"id":2,"open":{"x":[%d]},'
               b'"n":9223372036854775807}}\n' % huge
             + b'{"type":"RECORD","stream":"b","record":{"id":3,"open":1e300,"n":1e20}}\n')
    result = run_target(fast_warehouse, lines)
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in fast_warehouse.rows("b")}
    assert rows[1]["open"] == str(huge)
    assert rows[2]["open"] == f'{{"x":[{huge}]}}'
    assert float(rows[3]["open"]) == 1e300
    assert "b.n: 1 integers past 2^53 in a number field" in result.stderr
    bad = lines + b'{"type":"RECORD","stream":"b","record":{"id":4,"big":%d}}\n' % huge
    result = run_target(fast_warehouse, bad)
    assert result.returncode == 1
    assert f"line 5, field big: {huge} is outside the 64-bit integer range" in result.stderr


def test_sub_microsecond_digits_are_counted(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}}}
    messages = [schema_message("t", schema, ["id"]),
                record("t", {"id": 1, "at": "2026-01-01T00:00:00.123456789Z"}),
                record("t", {"id": 2, "at": "2026-01-01T00:00:00.123456000Z"}),
                record("t", {"id": 3, "at": "2026-01-01T05:00:00.1234567+05:00"})]
    result = run_target(fast_warehouse, messages)
    assert result.returncode == 0, result.stderr
    assert "t.at: 2 date-times cut to microseconds" in result.stderr
    values = sorted(str(r["at"]) for r in fast_warehouse.rows("t"))
    assert values == ["2026-01-01 00:00:00.123456"] * 3


def test_a_record_that_is_a_map_loads_as_key_value_rows(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}},
              "additionalProperties": {"type": ["null", "string"]}}
    free = {"type": "object"}
    messages = [schema_message("m", schema, ["id"]),
                record("m", {"id": 1, "a": "x", "b": None}),
                schema_message("free", free), record("free", {"k": 1, "l": {"deep": [1]}})]
    result = run_target(fast_warehouse, messages)
    assert result.returncode == 0, result.stderr
    assert "not loaded" not in result.stderr
    pairs = sorted((r["_sdc_source_key_id"], r["key"], r["value"])
                   for r in fast_warehouse.rows("m__value"))
    assert pairs == [(1, "a", "x"), (1, "b", None)]
    assert sorted((r["key"], r["value"]) for r in fast_warehouse.rows("free__value")) == [
        ("k", "1"), ("l", '{"deep":[1]}')]


def test_empty_full_table_sync_removes_older_versions_in_upsert(fast_warehouse: Warehouse
                                                                ) -> None:
    old = [schema_message("v", KEYED, ["id"]), record("v", {"id": 1, "v": "x"}, version=1),
           {"type": "ACTIVATE_VERSION", "stream": "v", "version": 1}]
    assert run_target(fast_warehouse, old, load_method="upsert").returncode == 0
    empty = [schema_message("v", KEYED, ["id"]),
             {"type": "ACTIVATE_VERSION", "stream": "v", "version": 2}]
    result = run_target(fast_warehouse, empty, load_method="upsert")
    assert result.returncode == 0, result.stderr
    assert fast_warehouse.count("v") == 0
    assert fast_warehouse.count("v__tags") == 0


def test_a_record_wider_than_the_column_limit_loads(fast_warehouse: Warehouse) -> None:
    # A financial API's shape: dates as property names, tens of thousands of columns.
    statement = {"type": "object", "properties": {f"item_{i}": {"type": ["null", "number"]}
                                                  for i in range(20)}}
    dates = [f"{1990 + y}-{m:02d}-28" for y in range(30) for m in range(1, 13)]
    schema = {"type": "object", "properties": {
        "ticker": {"type": "string"},
        "annual": {"type": "object", "properties": {d: statement for d in dates}}}}
    value = {d: {f"item_{i}": i * 1.5 for i in range(20)} for d in dates[:3]}
    result = run_target(fast_warehouse, [schema_message("fin", schema, ["ticker"]),
                                         record("fin", {"ticker": "ABC", "annual": value})])
    assert result.returncode == 0, result.stderr
    assert "annual: too many columns for one table" in result.stderr
    rows = sorted(fast_warehouse.rows("fin__annual"), key=lambda r: r["key"])
    assert [r["key"] for r in rows] == dates[:3]
    assert rows[0]["item_3"] == 4.5


def test_a_key_repeated_after_a_new_schema_keeps_one_row(fast_warehouse: Warehouse) -> None:
    wider = {"type": "object", "properties": {**KEYED["properties"],
                                              "extra": {"type": ["null", "integer"]}}}
    messages = [schema_message("r", KEYED, ["id"]), record("r", {"id": 1, "v": "old"}),
                schema_message("r", wider, ["id"]),
                record("r", {"id": 1, "v": "new", "extra": 5})]
    result = run_target(fast_warehouse, messages)
    assert result.returncode == 0, result.stderr
    assert [(r["id"], r["v"], r["extra"]) for r in fast_warehouse.rows("r")] == [(1, "new", 5)]


def test_observes_infer_into_the_target_loses_no_key(fast_warehouse: Warehouse) -> None:
    # Records keyed by data (a key per day): observes-infer makes the long tail a map,
    # keeps the frequent keys and the --key as columns, and the target loads all of it.
    import subprocess
    import sys

    raw = b"".join(orjson.dumps({"id": n, "name": f"n{n}",
                                 **{f"2026-01-{d:02d}T{n}": d for d in range(1, 30)}}) + b"\n"
                   for n in range(60))
    inferred = subprocess.run(
        [sys.executable, "-m", "observes_singer.infer.cli", "--stream", "daily", "--key",
         "daily=id", "--max-properties", "50"], input=raw, capture_output=True, check=True)
    result = run_target(fast_warehouse, inferred.stdout)
    assert result.returncode == 0, result.stderr
    assert "not loaded" not in result.stderr
    assert sorted((r["id"], r["name"]) for r in fast_warehouse.rows("daily"))[:2] == [
        (0, "n0"), (1, "n1")]
    assert fast_warehouse.count("daily__value") == 60 * 29
