"""The flattener's naming and planning rules, and the CSV tokens it writes."""

from __future__ import annotations

from typing import Any

import pytest

from observes_singer.flatten.codegen import cut_utf8
from observes_singer.flatten.flattener import BadValue, build_flattener
from observes_singer.flatten.identifiers import fit_length, normalise, quote, resolve
from observes_singer.flatten.plan import Kind, SchemaError, plan_stream


@pytest.mark.parametrize(
    ("name", "identifier"),
    [
        ("userId", "user_id"),
        ("HTTPResponseCode", "http_response_code"),
        ("with space", "with_space"),
        ("ñandú", "nandu"),
        ("select", "select"),
        ("a.b-c", "a_b_c"),
        ("9lives", "9lives"),
    ],
)
def test_normalise(name: str, identifier: str) -> None:
    assert normalise(name) == identifier


def test_names_with_nothing_ascii_stay_unique() -> None:
    assert normalise("🦆") != normalise("🐍")
    assert normalise("🦆").startswith("_")


def test_long_names_are_cut_with_a_hash() -> None:
    a, b = "x" * 200 + "a", "x" * 200 + "b"
    assert len(fit_length(a, a)) == 127
    assert fit_length(a, a) != fit_length(b, b)
    assert len(fit_length(a, a, 63)) == 63


def test_collisions_resolve_the_same_way_in_any_order() -> None:
    one, notes = resolve(["userId", "user_id", "User Id"])
    two, _ = resolve(["User Id", "user_id", "userId"])
    assert one == two
    assert one["user_id"] == "user_id"
    assert len(set(one.values())) == 3
    assert notes


def test_metadata_names_are_reserved() -> None:
    mapping, _ = resolve(["_sdc_id"], taken=["_sdc_id"])
    assert mapping["_sdc_id"] != "_sdc_id"


def test_quote_doubles_quotes() -> None:
    assert quote('a"b') == '"a""b"'


def test_plan_tables_and_columns() -> None:
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"},
        "user": {"type": ["null", "object"], "properties": {"name": {"type": "string"}}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
        "attrs": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "when": {"type": "string", "format": "date-time"},
        "price": {"type": "number", "multipleOf": 0.001},
        "mixed": {"type": ["string", "integer"]},
        "maybe": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
    }}
    plan = plan_stream("Orders", schema, ["id"])
    assert [t.name for t in plan.tables] == ["orders", "orders__tags", "orders__matrix",
                                             "orders__matrix__value", "orders__attrs"]
    root = {c.name: (c.kind, c.scale) for c in plan.root.columns}
    assert root == {"id": (Kind.INTEGER, 0), "user__name": (Kind.STRING, 0),
                    "when": (Kind.TIMESTAMP, 0), "price": (Kind.DECIMAL, 3),
                    "mixed": (Kind.JSON, 0), "maybe": (Kind.INTEGER, 0)}
    assert [c.name for c in plan.tables[4].columns] == ["key", "value"]
    assert plan.key_column_names == ["_sdc_source_key_id"]


@pytest.mark.parametrize(
    ("schema", "keys", "message"),
    [
        ({"type": "array"}, [], "a record schema must be of type object"),
        ({"type": "object", "properties": {"a": {"type": 5}}}, [], "'type' must be a string"),
        ({"type": "object", "properties": {"a": {"type": "object"}}}, ["a"],
         "key property 'a' must be a scalar"),
        ({"type": "object", "properties": {}}, ["id"], "key property 'id' is not in the schema"),
        ({"type": "object", "properties": {"n": {"type": "number", "multipleOf": -1}}}, [],
         "multipleOf must be positive"),
    ],
)
def test_unusable_schemas(schema: dict[str, Any], keys: list[str], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        plan_stream("s", schema, keys)


def test_cut_utf8_never_splits_a_character() -> None:
    text = "a" + "€" * 10
    assert cut_utf8(text, 7) == "a€€"
    assert cut_utf8("short", 100) == "short"


def flatten_one(schema: dict[str, Any], record: dict[str, Any]) -> list[list[str]]:
    """Each table's rows, as lines."""
    compiled = build_flattener(plan_stream("s", schema, []), "run")
    compiled.flatten(record, 1, "\\N")
    tables = range(len(compiled.plan.tables))
    return [compiled.take(i)[0].decode().splitlines(keepends=True) for i in tables]


def test_csv_tokens() -> None:
    schema = {"type": "object", "properties": {
        "i": {"type": "integer"}, "n": {"type": "number"}, "b": {"type": "boolean"},
        "s": {"type": ["null", "string"]}, "e": {"type": "string"},
        "t": {"type": "string", "format": "date-time"}, "d": {"type": "string", "format": "date"},
        "j": {}}}
    (root,) = flatten_one(schema, {"i": 3.0, "n": 1e-7, "b": False, "s": None, "e": "",
                                   "t": "2026-11-28T05:00:00+05:00", "d": "2026-11-28",
                                   "j": {"a": 'q"'}})
    fields = root[0].rstrip("\n").split(",")
    assert fields[2:] == ["3", "1e-07", "false", "\\N", '""', "2026-11-28 00:00:00",
                          "2026-11-28", '"{""a"":""q\\""""}"']


@pytest.mark.parametrize("native", [False, True], ids=["python", "c"])
@pytest.mark.parametrize("text", [False, True], ids=["csv", "text"])
def test_decimals_are_written_without_an_exponent(native: bool, text: bool) -> None:
    """Redshift's COPY reads a DECIMAL's digits only ("1E-7" is an invalid digit), and
    Python writes a Decimal below 1e-6 with an exponent."""
    from observes_singer.flatten import native as c_flattener

    if native and not c_flattener.AVAILABLE:
        pytest.skip("the C flattener is not built")
    schema = {"type": "object", "properties": {
        "d": {"type": "array", "items": {"type": "number", "multipleOf": 1e-9}}}}
    compiled = build_flattener(plan_stream("s", schema, []), "run", text=text, native=native)
    compiled.flatten({"d": [1e-7, 0, 2e-9, -2e-8, 12345678.9, 10**20]}, 1, "\\N")
    rows = compiled.take(1)[0].decode().splitlines()
    assert [row.split("\t" if text else ",")[-1] for row in rows] == [
        "0.000000100", "0.000000000", "0.000000002", "-0.000000020", "12345678.900000000",
        "100000000000000000000.000000000"]


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        ({"type": "integer"}, True, "field v: true is not an integer"),
        ({"type": "integer"}, 1.5, "field v: 1.5 is not an integer"),
        ({"type": "number"}, "1", 'field v: "1" is not a number'),
        ({"type": "number", "multipleOf": 0.01}, 1.234, "has more than 2 decimal places"),
        ({"type": "string", "format": "date"}, "2026-11-28T00:00:00", "is not an ISO 8601 date"),
        ({"type": "string"}, 5, "field v: 5 is not a string"),
    ],
)
def test_bad_values_name_the_field(schema: dict[str, Any], value: Any, message: str) -> None:
    with pytest.raises(BadValue, match=message.replace("(", r"\(")):
        flatten_one({"type": "object", "properties": {"v": schema}}, {"v": value})


def test_table_and_column_names_do_not_depend_on_property_order() -> None:
    props = {
        "a": {"type": "object", "properties": {"b": {"type": "array", "items": {}}}},
        "a__b": {"type": "array", "items": {"type": "string"}},
        "userId": {"type": "integer"}, "user_id": {"type": "string"},
    }
    names = []
    for ordered in (props, dict(reversed(props.items()))):
        plan = plan_stream("s", {"type": "object", "properties": ordered}, [])
        names.append((sorted((t.origin, t.name) for t in plan.tables),
                      sorted((c.path, c.name) for c in plan.root.columns)))
    assert names[0] == names[1]
    assert len({name for _, name in names[0][0]}) == 3
