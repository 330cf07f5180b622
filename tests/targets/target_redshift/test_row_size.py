"""Rows that fit PostgreSQL's page: a record of some 1,200 numbers, whose row would pass the
8160 bytes a PostgreSQL row holds, loads with the objects or properties that make it too
big as key/value rows, and every value comes back out exactly. DuckDB has no such limit
and keeps one table."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support.warehouses import Warehouse, run_target
from tests.targets.target_redshift.conftest import ALL, make_warehouse
from tests.targets.target_redshift.test_loading import record, schema_message

PROPERTIES = 1200


def flat_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {
        "id": {"type": "integer"},
        **{f"p{i:04d}": {"type": ["null", "integer" if i % 2 else "number"]}
           for i in range(PROPERTIES)}}}


def flat_record(n: int) -> dict[str, Any]:
    return {"id": n, **{f"p{i:04d}": (i * 7_919_876_543_210_123 * n) % 2**63 - 2**62
                        if i % 2 else (i + n) / 7 for i in range(PROPERTIES)}}


#: Quarters as property names, as financial APIs (and singer-sdk's tap_aapl sample) give
#: them; already lower snake case, so that the columns' names read back as they are.
QUARTERS = [f"y{2000 + q // 4}q{q % 4 + 1}" for q in range(12)]


def nested_schema() -> dict[str, Any]:
    quarter = {"type": "object", "properties": {
        f"item_{i}": {"type": ["null", "number"]} for i in range(PROPERTIES // len(QUARTERS))}}
    return {"type": "object", "properties": {
        "id": {"type": "integer"}, "ticker": {"type": "string"},
        "quarters": {"type": "object", "properties": dict.fromkeys(QUARTERS, quarter)}}}


def nested_record(n: int) -> dict[str, Any]:
    count = PROPERTIES // len(QUARTERS)
    return {"id": n, "ticker": f"T{n}", "quarters": {
        day: {f"item_{i}": (q * count + i) * n / 3 for i in range(count)}
        for q, day in enumerate(QUARTERS)}}


def place(target: dict[str, Any], path: list[str], value: Any) -> None:
    for name in path[:-1]:
        target = target.setdefault(name, {})
    target[path[-1]] = value


def read_back(warehouse: Warehouse, root: str) -> dict[Any, dict[str, Any]]:
    """The stream's records as the tables give them back, by id: the root's columns, with
    ``a__b`` nested again, and the key/value rows of its child tables, whichever the plan
    made (a value in a ``value`` column, JSON text when it is text, or an object in
    columns)."""
    records: dict[str, dict[str, Any]] = {}
    for row in warehouse.rows(root):
        records[row["_sdc_id"]] = nest(row)
    for table in warehouse.tables():
        if not table.startswith(f"{root}__"):
            continue
        field = table[len(root) + 2:]
        text = dict(warehouse.columns(table)).get("value", "").startswith("character varying")
        for row in warehouse.rows(table):
            value = row.get("value", nest({k: v for k, v in row.items() if k != "key"}))
            path = [] if field == "value" else field.split("__")
            place(records[row["_sdc_parent_id"]], [*path, row["key"]],
                  orjson.loads(value) if text else value)
    return {r["id"]: r for r in records.values()}


def nest(row: dict[str, Any]) -> dict[str, Any]:
    """A row's columns, metadata left out, as the object they came from."""
    rebuilt: dict[str, Any] = {}
    for column, value in row.items():
        if not column.startswith("_sdc_") and value is not None:
            place(rebuilt, column.split("__"), value)
    return rebuilt


def data_tables(warehouse: Warehouse) -> list[str]:
    return [t for t in warehouse.tables() if t != "observes_runs"]


@pytest.mark.parametrize("kind", ALL)
def test_a_record_of_1200_numbers_in_one_object_loads_exactly(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    records = [flat_record(n) for n in (1, 2)]
    result = run_target(warehouse, [schema_message("wide", flat_schema(), ["id"]),
                                    *(record("wide", r) for r in records)])
    assert result.returncode == 0, result.stderr
    assert read_back(warehouse, "wide") == {r["id"]: r for r in records}
    if kind == "duckdb":
        assert data_tables(warehouse) == ["wide"]
        # _sdc_id, _sdc_table_version, the three load times and _sdc_deleted_at, then id
        assert len(warehouse.columns("wide")) == 2 + 3 + 1 + 1 + PROPERTIES
        return
    assert data_tables(warehouse) == ["wide", "wide__value"]
    # The load times and _sdc_deleted_at take 32 bytes of the row: 4 properties more move.
    assert "wide: 208 properties past the limit of 8160 bytes a row (from 'p0992') loaded " \
        "as key/value rows in 'wide__value'" in result.stderr
    assert warehouse.count("wide__value") == 2 * 208
    assert "_sdc_deleted_at" in warehouse.column_names("wide")


@pytest.mark.parametrize("kind", ALL)
def test_a_record_of_1200_numbers_in_nested_objects_loads_exactly(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    records = [nested_record(n) for n in (1, 2, 3)]
    result = run_target(warehouse, [schema_message("fin", nested_schema(), ["id"]),
                                    *(record("fin", r) for r in records)])
    assert result.returncode == 0, result.stderr
    assert read_back(warehouse, "fin") == {r["id"]: r for r in records}
    if kind == "duckdb":
        assert data_tables(warehouse) == ["fin"]
        return
    # The one object whose move makes the row fit: a row per quarter, its items in columns.
    assert data_tables(warehouse) == ["fin", "fin__quarters"]
    assert "quarters: too big a row for one table (PostgreSQL holds 8160 bytes a row); " \
        "loaded as key/value rows in 'fin__quarters'" in result.stderr
    assert warehouse.count("fin__quarters") == 3 * len(QUARTERS)


def test_a_row_of_every_value_at_its_widest_fits(tmp_path: Path,
                                                 request: pytest.FixtureRequest) -> None:
    """Short text stays in the row whole (PostgreSQL moves out only values over 24 bytes),
    so 23-byte strings are as wide as text gets in a row; with numbers, dates and booleans,
    every value at its widest, the row is as big as its schema allows, and it fits."""
    warehouse = make_warehouse("postgres", request, tmp_path)
    kinds = [({"type": "number"}, 1.5, 1.5),
             ({"type": "string"}, "x" * 23, "x" * 23),
             ({"type": "boolean"}, True, True),
             ({"type": "string", "format": "date"}, "2026-01-31", date(2026, 1, 31)),
             ({"type": "integer"}, 2**62, 2**62),
             ({"type": "string", "format": "date-time"}, "2026-01-31T10:00:00Z",
              datetime(2026, 1, 31, 10))]
    names = [f"c{i:03d}" for i in range(1000)]
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"},
        **{name: kinds[i % len(kinds)][0] for i, name in enumerate(names)}}}
    row = {"id": 1, **{name: kinds[i % len(kinds)][1] for i, name in enumerate(names)}}
    result = run_target(warehouse, [schema_message("dense", schema, ["id"]),
                                    record("dense", row)])
    assert result.returncode == 0, result.stderr
    assert "properties past the limit of 8160 bytes a row" in result.stderr
    (loaded,) = warehouse.rows("dense")
    kept = {k: v for k, v in loaded.items() if not k.startswith("_sdc_") and k != "id"}
    spilled = {r["key"]: r["value"] for r in warehouse.rows("dense__value")}
    assert sorted([*kept, *spilled]) == names
    assert kept == {name: kinds[names.index(name) % len(kinds)][2] for name in kept}
    # The key/value rows of mixed kinds hold JSON text (a string as itself).
    assert spilled == {name: value if isinstance(value, str) else orjson.dumps(value).decode()
                       for name, value in row.items() if name in spilled}
