"""target-redshift's behaviour, the same on DuckDB, PostgreSQL and Redshift (both paths)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from tap_gitlab.sample.data import gitlab_job

from observes_singer.flatten.plan import plan_stream
from observes_singer.infer.schema import SchemaInferrer
from tests.support.warehouses import Warehouse, expected, rebuild, run_target


def schema_message(stream: str, schema: dict[str, Any], keys: list[str] | None = None
                   ) -> dict[str, Any]:
    return {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": keys or []}


def record(stream: str, value: dict[str, Any], version: int | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "RECORD", "stream": stream, "record": value}
    if version is not None:
        message["version"] = version
    return message


def state(value: Any) -> dict[str, Any]:
    return {"type": "STATE", "value": value}


def jobs_schema(count: int = 200) -> dict[str, Any]:
    inferrer = SchemaInferrer()
    for n in range(count):
        inferrer.add(gitlab_job(n))
    return inferrer.schema()


NESTED_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": ["null", "string"]},
        "owner": {"type": ["null", "object"], "properties": {
            "id": {"type": "integer"},
            "address": {"type": ["null", "object"], "properties": {"city": {"type": "string"}}},
        }},
        "tags": {"type": ["null", "array"], "items": {"type": "string"}},
        "grid": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
        "parts": {"type": "array", "items": {"type": "object", "properties": {
            "sku": {"type": "string"},
            "qty": {"type": "integer"},
            "notes": {"type": "array", "items": {"type": "string"}},
        }}},
        "labels": {"type": ["null", "object"], "additionalProperties": {"type": "integer"}},
        "at": {"type": ["null", "string"], "format": "date-time"},
        "day": {"type": ["null", "string"], "format": "date"},
        "price": {"type": ["null", "number"], "multipleOf": 0.01},
        "ratio": {"type": ["null", "number"]},
        "ok": {"type": ["null", "boolean"]},
        "anything": {},
    },
}

NESTED_RECORDS = [
    {"id": 1, "name": "línea\tcon\ttabs\ny saltos \"comillas\" \\N \\ \r\n", "owner": {
        "id": 7, "address": {"city": "Medellín"}}, "tags": ["a", "", "ñ", "\\N", "back\\slash"],
     "grid": [[1, 2], [], [3]], "parts": [{"sku": "x", "qty": 2, "notes": ["n1", "n2"]},
                                          {"sku": "y", "qty": None, "notes": []}],
     "labels": {"team": 3, "weird key \"q\"": 4}, "at": "2026-11-28T05:00:00.123456+05:00",
     "day": "2026-02-28", "price": 12.34, "ratio": 1e-7, "ok": True, "anything": {"k": [1]}},
    {"id": 2, "name": "", "owner": None, "tags": None, "grid": [], "parts": [], "labels": {},
     "at": "2026-11-28T05:00:00Z", "day": None, "price": None, "ratio": -3, "ok": False,
     "anything": "plain"},
    {"id": 3, "grid": [[9]], "parts": [{"sku": "z", "qty": 1, "notes": ["only"]}]},
]


@pytest.mark.parametrize("flattener", ["native", "python"])
def test_round_trip_rebuilds_the_nested_records(warehouse: Warehouse, flattener: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVES_FLATTENER", flattener)
    plan = plan_stream("orders", NESTED_SCHEMA, ["id"])
    result = run_target(warehouse, [schema_message("orders", NESTED_SCHEMA, ["id"]),
                                    *[record("orders", r) for r in NESTED_RECORDS],
                                    state({"done": True})])
    assert result.returncode == 0, result.stderr
    assert result.states == [{"done": True}]
    assert sorted(warehouse.tables()) == sorted(t.name for t in plan.tables)
    got = sorted(rebuild(warehouse, plan), key=lambda r: r["id"])
    want = [expected(plan, r) for r in NESTED_RECORDS]
    assert got == want
    owners = {r["id"]: r for r in warehouse.rows("orders")}
    assert owners[2]["owner__id"] is None and owners[2]["owner__address__city"] is None
    assert owners[1]["at"] == datetime(2026, 11, 28, 0, 0, 0, 123456)


def test_gitlab_jobs_round_trip(warehouse: Warehouse) -> None:
    schema = jobs_schema()
    jobs = [gitlab_job(n) for n in range(300)]
    plan = plan_stream("jobs", schema, ["id"])
    result = run_target(warehouse, [schema_message("jobs", schema, ["id"]),
                                    *[record("jobs", j) for j in jobs]],
                        batch_size_records=70)
    assert result.returncode == 0, result.stderr
    got = sorted(rebuild(warehouse, plan), key=lambda r: r["id"])
    assert got == [expected(plan, j) for j in jobs]
    assert "analytics.jobs: 300 rows written" in result.stderr
    tags = sum(len(j["tag_list"]) for j in jobs)
    assert f"analytics.jobs__tag_list: {tags} rows" in result.stderr


def test_metadata_columns_and_deterministic_ids(fast_warehouse: Warehouse) -> None:
    messages = [schema_message("orders", NESTED_SCHEMA, ["id"]),
                *[record("orders", r) for r in NESTED_RECORDS]]
    assert run_target(fast_warehouse, messages).returncode == 0
    first = {t: sorted(r["_sdc_id"] for r in fast_warehouse.rows(t))
             for t in fast_warehouse.tables()}
    assert run_target(fast_warehouse, messages).returncode == 0
    second = {t: sorted(r["_sdc_id"] for r in fast_warehouse.rows(t))
              for t in fast_warehouse.tables()}
    assert first == second
    parts = fast_warehouse.rows("orders__parts")
    roots = {r["_sdc_id"]: r["id"] for r in fast_warehouse.rows("orders")}
    for part in parts:
        assert part["_sdc_parent_id"] == part["_sdc_root_id"]
        assert roots[part["_sdc_root_id"]] == part["_sdc_source_key_id"]
    notes = fast_warehouse.rows("orders__parts__notes")
    part_ids = {p["_sdc_id"] for p in parts}
    assert all(n["_sdc_parent_id"] in part_ids for n in notes)
    assert {n["_sdc_index"] for n in notes} == {0, 1}
    grid = fast_warehouse.rows("orders__grid__value")
    assert sorted(g["value"] for g in grid) == [1, 2, 3, 9]
    labels = fast_warehouse.rows("orders__labels")
    assert sorted((r["key"], r["value"]) for r in labels) == [("team", 3),
                                                              ('weird key "q"', 4)]


def test_replace_swaps_in_new_data_and_drops_old_rows(warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"},
                                               "tags": {"type": "array",
                                                        "items": {"type": "string"}}}}
    first = run_target(warehouse, [schema_message("t", schema, ["id"]),
                                   record("t", {"id": 1, "tags": ["a", "b"]}),
                                   record("t", {"id": 2, "tags": ["c"]})])
    assert first.returncode == 0, first.stderr
    second = run_target(warehouse, [schema_message("t", schema, ["id"]),
                                    record("t", {"id": 3, "tags": []})])
    assert second.returncode == 0, second.stderr
    assert [r["id"] for r in warehouse.rows("t")] == [3]
    assert warehouse.rows("t__tags") == []
    assert not [t for t in warehouse.tables() if t.startswith("_observes")]


def test_failed_run_leaves_previous_tables_whole(warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"},
                                               "tags": {"type": "array",
                                                        "items": {"type": "string"}}}}
    good = [schema_message("t", schema, ["id"]), record("t", {"id": 1, "tags": ["a"]})]
    assert run_target(warehouse, good).returncode == 0
    bad = [schema_message("t", schema, ["id"]),
           *[record("t", {"id": n, "tags": ["x"]}) for n in range(10, 30)],
           state({"never": "saved"}),
           record("t", {"id": "not a number", "tags": []})]
    result = run_target(warehouse, bad, batch_size_records=5,
                        state_url=str(warehouse.workdir / "state.json"))
    assert result.returncode == 1
    assert "stream 't', stdin line 23, field id: \"not a number\" is not an integer" \
        in result.stderr
    assert result.stdout == b""
    assert not (warehouse.workdir / "state.json").exists()
    assert [r["id"] for r in warehouse.rows("t")] == [1]
    assert [r["value"] for r in warehouse.rows("t__tags")] == ["a"]
    assert not [t for t in warehouse.tables() if t.startswith("_observes")]


def test_upsert_replaces_root_and_all_child_rows(warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"}, "v": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}}}}
    config = {"load_method": "upsert"}
    first = run_target(warehouse, [schema_message("u", schema, ["id"]),
                                   record("u", {"id": 1, "v": "one", "tags": ["a", "b", "c"]}),
                                   record("u", {"id": 2, "v": "two", "tags": ["d"]}),
                                   state({"n": 1})], **config)
    assert first.returncode == 0, first.stderr
    assert first.states == [{"n": 1}]
    second = run_target(warehouse, [schema_message("u", schema, ["id"]),
                                    record("u", {"id": 1, "v": "uno", "tags": ["z"]}),
                                    record("u", {"id": 3, "v": "tres", "tags": []}),
                                    record("u", {"id": 3, "v": "TRES", "tags": ["last"]}),
                                    state({"n": 2})], **config)
    assert second.returncode == 0, second.stderr
    roots = sorted((r["id"], r["v"]) for r in warehouse.rows("u"))
    assert roots == [(1, "uno"), (2, "two"), (3, "TRES")]
    tags = sorted((r["_sdc_source_key_id"], r["value"]) for r in warehouse.rows("u__tags"))
    assert tags == [(1, "z"), (2, "d"), (3, "last")]


def test_streams_without_keys_append_in_upsert_mode(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"v": {"type": "integer"}}}
    for _ in range(2):
        result = run_target(fast_warehouse, [schema_message("log", schema),
                                             record("log", {"v": 1})], load_method="upsert")
        assert result.returncode == 0, result.stderr
    assert "stream 'log' has no key properties: appended" in result.stderr
    assert fast_warehouse.count("log") == 2


def test_append_mode_per_stream(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    messages = [schema_message("a", schema), record("a", {"id": 1}),
                schema_message("b", schema, ["id"]), record("b", {"id": 1})]
    for _ in range(2):
        assert run_target(fast_warehouse, messages,
                          streams={"a": {"load_method": "append"}}).returncode == 0
    assert fast_warehouse.count("a") == 2
    assert fast_warehouse.count("b") == 1


def test_activate_version_deletes_older_versions(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"},
                                               "tags": {"type": "array",
                                                        "items": {"type": "string"}}}}
    messages = [schema_message("v", schema, ["id"]),
                record("v", {"id": 1, "tags": ["old"]}, version=1),
                record("v", {"id": 2, "tags": ["old"]}, version=1),
                {"type": "ACTIVATE_VERSION", "stream": "v", "version": 1}]
    assert run_target(fast_warehouse, messages, load_method="append").returncode == 0
    newer = [schema_message("v", schema, ["id"]),
             record("v", {"id": 2, "tags": ["new"]}, version=2),
             {"type": "ACTIVATE_VERSION", "stream": "v", "version": 2}]
    result = run_target(fast_warehouse, newer, load_method="append")
    assert result.returncode == 0, result.stderr
    assert [(r["id"], r["_sdc_table_version"]) for r in fast_warehouse.rows("v")] == [(2, 2)]
    assert [r["value"] for r in fast_warehouse.rows("v__tags")] == ["new"]


def test_schema_change_mid_stream_adds_and_widens(warehouse: Warehouse) -> None:
    v1 = {"type": "object", "properties": {"id": {"type": "integer"}, "n": {"type": "integer"},
                                           "s": {"type": "string"}}}
    v2 = {"type": "object", "properties": {"id": {"type": "integer"}, "n": {"type": "number"},
                                           "s": {"type": "string"}, "extra": {"type": "boolean"}}}
    result = run_target(warehouse, [
        schema_message("c", v1, ["id"]),
        record("c", {"id": 1, "n": 5, "s": "short"}),
        schema_message("c", v2, ["id"]),
        record("c", {"id": 2, "n": 2.5, "s": "a much longer string than before " * 3,
                     "extra": True}),
    ])
    assert result.returncode == 0, result.stderr
    rows = sorted(warehouse.rows("c"), key=lambda r: r["id"])
    assert [(r["id"], r["n"], r["extra"]) for r in rows] == [(1, 5.0, None), (2, 2.5, True)]
    assert rows[1]["s"] == "a much longer string than before " * 3


def test_a_text_column_that_holds_the_values_is_not_widened(warehouse: Warehouse) -> None:
    """A field of several types loads as JSON text; when a later SCHEMA makes it a string,
    the column already holds its values: nothing is altered, nothing said."""
    mixed = {"type": "object", "properties": {"id": {"type": "integer"},
                                              "v": {"type": ["string", "integer"]}}}
    plain = {"type": "object", "properties": {"id": {"type": "integer"},
                                              "v": {"type": "string"}}}
    result = run_target(warehouse, [
        schema_message("m", mixed, ["id"]),
        record("m", {"id": 1, "v": "a longer text value, of some forty bytes"}),
        schema_message("m", plain, ["id"]),
        record("m", {"id": 2, "v": "short"}),
    ], load_method="upsert")
    assert result.returncode == 0, result.stderr
    assert "widened" not in result.stderr
    assert sorted((r["id"], r["v"]) for r in warehouse.rows("m")) == [
        (1, "a longer text value, of some forty bytes"), (2, "short")]


def test_varchar_grows_with_alter_when_longer_values_arrive(warehouse: Warehouse) -> None:
    if warehouse.kind == "duckdb":
        pytest.skip("DuckDB's VARCHAR has no size")
    schema = {"type": "object", "properties": {"id": {"type": "integer"}, "s": {"type": "string"}}}
    first = run_target(warehouse, [schema_message("w", schema, ["id"]),
                                   record("w", {"id": 1, "s": "abc"})], load_method="upsert")
    assert first.returncode == 0
    assert dict(warehouse.columns("w"))["s"] == "character varying(16)"
    long_value = "ñ" * 100  # 200 bytes
    second = run_target(warehouse, [schema_message("w", schema, ["id"]),
                                    record("w", {"id": 2, "s": long_value})],
                        load_method="upsert")
    assert second.returncode == 0, second.stderr
    assert dict(warehouse.columns("w"))["s"] == "character varying(256)"
    assert "widened: s: VARCHAR(16) -> VARCHAR(256)" in second.stderr
    assert sorted(r["s"] for r in warehouse.rows("w")) == ["abc", long_value]


def test_long_strings_are_cut_at_a_utf8_boundary_and_counted(warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}, "s": {"type": "string"}}}
    value = "a" + "€" * 30_000  # 90001 bytes
    result = run_target(warehouse, [schema_message("big", schema, ["id"]),
                                    record("big", {"id": 1, "s": value})])
    assert result.returncode == 0, result.stderr
    (row,) = warehouse.rows("big")
    assert row["s"] == "a" + "€" * 21_844  # 65533 bytes: the next € would not fit
    assert "big.s: 1 values cut to 65535 bytes" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"id": 2**63}, "field id: 9223372036854775808 is outside the 64-bit integer range"),
        ({"id": 1, "at": "yesterday"}, 'field at: "yesterday" is not an ISO 8601 date-time'),
        ({"id": 1, "at": "2026-02-30T00:00:00Z"},
         'field at: "2026-02-30T00:00:00Z" is not an ISO 8601 date-time'),
        ({"id": 1, "flag": "yes"}, 'field flag: "yes" is not a boolean'),
        ({"id": 1, "obj": [1]}, "field obj: [1] is not an object"),
        ({"id": 1, "items": {"a": 1}}, 'field items: {"a":1} is not a list'),
        ({"id": 1, "items": [{"n": "x"}]}, 'field items[].n: "x" is not an integer'),
        ({"id": None}, "field id: null is missing: it is a key property"),
    ],
)
def test_values_that_break_the_schema_stop_the_run(fast_warehouse: Warehouse, value: Any,
                                                   message: str) -> None:
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
        "flag": {"type": "boolean"}, "obj": {"type": "object", "properties": {}},
        "items": {"type": "array", "items": {"type": "object",
                                             "properties": {"n": {"type": "integer"}}}}}}
    result = run_target(fast_warehouse, [schema_message("s", schema, ["id"]),
                                         record("s", {"id": 0}), record("s", value)])
    assert result.returncode == 1
    assert "target-redshift: error: stream 's', stdin line 3, " + message in result.stderr
    assert result.stdout == b""


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (b'{"type":"RECORD","stream":"x","record":{}}\n', "stdin line 1: RECORD for stream "
         "'x' before its SCHEMA"),
        (b'{"type":"SCHEMA","stream":"x","schema":{"type":"object","properties":{}},'
         b'"key_properties":["id"]}\n', "key property 'id' is not in the schema"),
        (b'{"type":"SCHEMA","stream":"x","schema":{"type":"object","properties":'
         b'{"a":{"type":"strin"}}}}\n', "unknown type 'strin'"),
        (b'{"type":"SCHEMA","stream":"x","schema":{"type":"object","properties":{}}}\n'
         b'{"type":"RECORD","stream":"x","record":{}\n', "stdin line 2: malformed JSON"),
    ],
)
def test_bad_messages_are_clear_errors(fast_warehouse: Warehouse, lines: bytes,
                                       message: str) -> None:
    result = run_target(fast_warehouse, lines)
    assert result.returncode == 1
    assert message in result.stderr


def test_identifiers_of_any_shape(warehouse: Warehouse) -> None:
    long = "x" * 200
    schema = {"type": "object", "properties": {
        "userId": {"type": "integer"}, "user_id": {"type": "integer"},
        "select": {"type": "string"}, "with space": {"type": "string"},
        'quo"te': {"type": "string"}, "ñandú": {"type": "string"}, "🦆": {"type": "string"},
        long: {"type": "string"}, long + "y": {"type": "string"},
        "_sdc_id": {"type": "string"},
    }}
    value = {"userId": 1, "user_id": 2, "select": "s", "with space": "w", 'quo"te': "q",
             "ñandú": "n", "🦆": "d", long: "l1", long + "y": "l2", "_sdc_id": "mine"}
    result = run_target(warehouse, [schema_message("My Stream; DROP TABLE x", schema),
                                    record("My Stream; DROP TABLE x", value)])
    assert result.returncode == 0, result.stderr
    (table,) = warehouse.tables()
    assert table == "my_stream_drop_table_x"
    (row,) = warehouse.rows(table)
    assert row["user_id"] == 2
    assert row[next(c for c in row if c.startswith("user_id_"))] == 1
    assert row["select"] == "s" and row["with_space"] == "w" and row["quo_te"] == "q"
    assert row["nandu"] == "n"
    long_columns = [c for c in row if c.startswith("xxxx")]
    assert len(long_columns) == 2 and all(len(c) <= 127 for c in long_columns)
    assert sorted(row[c] for c in long_columns) == ["l1", "l2"]
    assert any(row[c] == "mine" for c in row if c.startswith("_sdc_id_"))
    assert "normalise to 'user_id'" in result.stderr


def test_properties_named_like_system_columns_are_renamed_and_reported(
        warehouse: Warehouse) -> None:
    """Redshift refuses a column named like a system column (oid, xmin, ctid, ...)."""
    names = ["oid", "xmin", "ctid", "tableoid", "deletexid", "insertxid"]
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"}, **{n: {"type": "string"} for n in names},
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "oid": {"type": "integer"}}}}}}
    result = run_target(warehouse, [schema_message("sys", schema, ["id"]),
                                    record("sys", {"id": 1, **{n: n.upper() for n in names},
                                                   "items": [{"oid": 7}]})])
    assert result.returncode == 0, result.stderr
    (row,) = warehouse.rows("sys")
    for name in names:
        assert name not in row
        (renamed,) = [c for c in row if c.startswith(f"{name}_")]
        assert row[renamed] == name.upper()
        assert f"'{name}' would be '{name}', a name reserved" in result.stderr
    (item,) = warehouse.rows("sys__items")
    assert [item[c] for c in item if c.startswith("oid_")] == [7]


def test_keys_that_differ_only_in_case_get_their_own_key_columns(
        warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {
        "Id": {"type": "integer"}, "id": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}}}}
    result = run_target(warehouse, [schema_message("k", schema, ["Id", "id"]),
                                    record("k", {"Id": 1, "id": "a", "tags": ["t"]})])
    assert result.returncode == 0, result.stderr
    (child,) = warehouse.rows("k__tags")
    keys = {c: v for c, v in child.items() if c.startswith("_sdc_source_key_")}
    assert keys.pop("_sdc_source_key_id") == "a"
    (other,) = keys.values()
    assert other == 1


def test_a_layout_key_that_is_no_column_is_refused(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    result = run_target(fast_warehouse, [schema_message("lay", schema, ["id"]),
                                         record("lay", {"id": 1})],
                        streams={"lay": {"distkey": "id", "sortkey": ["id", "created"]}})
    assert result.returncode != 0
    assert ("line 1: streams.lay.sortkey: table 'lay' has no column 'created'"
            in result.stderr), result.stderr


def test_state_is_emitted_after_each_commit_in_upsert_mode(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    messages: list[dict[str, Any]] = [schema_message("s", schema, ["id"])]
    for n in range(10):
        messages += [record("s", {"id": n}), state({"upto": n})]
    state_file = fast_warehouse.workdir / "state" / "s.json"
    result = run_target(fast_warehouse, messages, load_method="upsert", batch_size_records=3,
                        state_url=str(state_file))
    assert result.returncode == 0, result.stderr
    # A STATE goes out once the records before it are committed: with batches of three,
    # some wait for the next commit, and the last one comes at the end.
    uptos = [s["upto"] for s in result.states]
    assert uptos == sorted(uptos) and len(uptos) >= 4 and uptos[-1] == 9
    assert state_file.read_bytes().strip() == b'{"upto":9}'


def test_state_waits_for_the_end_in_replace_mode(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    messages: list[dict[str, Any]] = [schema_message("s", schema, ["id"])]
    for n in range(10):
        messages += [record("s", {"id": n}), state({"upto": n})]
    result = run_target(fast_warehouse, messages, batch_size_records=3)
    assert result.returncode == 0
    assert result.states == [{"upto": 9}]


def test_unknown_fields_are_counted_not_silently_dropped(fast_warehouse: Warehouse) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"},
                                               "o": {"type": "object",
                                                     "properties": {"a": {"type": "integer"}}}}}
    result = run_target(fast_warehouse, [schema_message("s", schema),
                                         record("s", {"id": 1, "surprise": 1,
                                                      "o": {"a": 1, "b": 2}}),
                                         record("s", {"id": 2, "surprise": 2})])
    assert result.returncode == 0
    assert "s.surprise: 2 values not loaded (field not in the schema)" in result.stderr
    assert "s.o.b: 1 values not loaded" in result.stderr


@pytest.mark.parametrize("text", ["first line\r\nsecond line", "carriage\rreturn only",
                                  "ends in crlf\r\n", "\r\n"])
def test_line_breaks_of_every_kind_in_the_first_row_load_as_they_are(
        warehouse: Warehouse, text: str) -> None:
    """Rows are separated by \\n; a \\r\\n or \\r inside quoted text (GitLab's commit
    messages and descriptions have them) is data, even in the first row of a block."""
    schema = {"type": "object", "properties": {"id": {"type": "integer"},
                                               "message": {"type": "string"}}}
    result = run_target(warehouse, [schema_message("notes", schema, ["id"]),
                                    record("notes", {"id": 1, "message": text}),
                                    record("notes", {"id": 2, "message": "plain"})])
    assert result.returncode == 0, result.stderr
    got = {row["id"]: row["message"] for row in warehouse.rows("notes")}
    assert got == {1: text, 2: "plain"}
