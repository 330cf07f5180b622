"""Per-row load metadata (add_record_metadata, on by default): _sdc_extracted_at from the
RECORD's time_extracted, _sdc_received_at, _sdc_batched_at and _sdc_deleted_at, in root and
child rows, read back from DuckDB, PostgreSQL and Redshift (the shim)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.warehouses import Warehouse, run_target
from tests.targets.target_redshift.conftest import make_warehouse

SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}}
TIMES = ("_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at")


def schema(name: str = "jobs") -> dict[str, Any]:
    return {"type": "SCHEMA", "stream": name, "schema": SCHEMA, "key_properties": ["id"]}


def record(n: int, name: str = "jobs", **message: Any) -> dict[str, Any]:
    return {"type": "RECORD", "stream": name, "record": {"id": n, "tags": ["a", "b"]},
            **message}


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def by_id(warehouse: Warehouse, table: str = "jobs") -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in warehouse.rows(table)}


@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift", "redshift-s3"])
def test_every_row_carries_its_records_load_times(kind: str, request: pytest.FixtureRequest,
                                                  tmp_path: Path) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    before = now()
    deleted = {**record(3), "record": {"id": 3, "tags": [], "_sdc_deleted_at": "2026-12-02"
                                                                               "T10:00:00Z"}}
    done = run_target(warehouse, [
        schema(), record(1, time_extracted="2026-12-01T05:00:00+01:00", version=7),
        record(2), deleted, {"type": "STATE", "value": {"jobs": 3}}],
        load_method="upsert", batch_size_records=2)
    after = now()
    assert done.returncode == 0, done.stderr
    # The summary says what it said before: rows per table, nothing about the columns.
    assert [line for line in done.stderr.splitlines() if line.startswith("  ")] == [
        "  analytics.jobs: 3 rows written; 3 rows in the table",
        "  analytics.jobs__tags: 4 rows written; 4 rows in the table"]
    types = dict(warehouse.columns("jobs"))
    assert [types[c] for c in (*TIMES, "_sdc_deleted_at")] == \
        [types["_sdc_deleted_at"]] * 4 and types["_sdc_deleted_at"].startswith("timestamp")
    rows = by_id(warehouse)
    assert rows[1]["_sdc_extracted_at"] == datetime(2026, 12, 1, 4, 0)  # in UTC
    assert rows[2]["_sdc_extracted_at"] is None and rows[3]["_sdc_extracted_at"] is None
    assert (rows[1]["_sdc_table_version"], rows[2]["_sdc_table_version"]) == (7, None)
    assert rows[3]["_sdc_deleted_at"] == datetime(2026, 12, 2, 10, 0)
    assert rows[1]["_sdc_deleted_at"] is None
    slack = timedelta(seconds=1)
    for row in rows.values():
        assert before - slack <= row["_sdc_batched_at"] <= row["_sdc_received_at"] \
            <= after + slack
    # Records 1 and 2 were one batch, record 3 the next.
    assert rows[1]["_sdc_batched_at"] == rows[2]["_sdc_batched_at"] < rows[3]["_sdc_batched_at"]
    assert rows[1]["_sdc_received_at"] <= rows[2]["_sdc_received_at"]
    # A child row carries its record's times.
    for child in warehouse.rows("jobs__tags"):
        parent = rows[child["_sdc_source_key_id"]]
        assert [child[c] for c in (*TIMES, "_sdc_table_version")] == \
            [parent[c] for c in (*TIMES, "_sdc_table_version")]
    assert "_sdc_deleted_at" not in warehouse.column_names("jobs__tags")


def test_a_key_repeated_in_a_batch_starts_the_next_batch_and_takes_its_time(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    warehouse = make_warehouse("duckdb", request, tmp_path)
    done = run_target(warehouse, [schema(), record(1), record(2), record(1)],
                      load_method="upsert")
    assert done.returncode == 0, done.stderr
    rows = by_id(warehouse)
    # Record 1 came again, closed the batch and began the next one, when it was received.
    assert rows[2]["_sdc_batched_at"] < rows[1]["_sdc_batched_at"] \
        == rows[1]["_sdc_received_at"]
    assert {row["_sdc_batched_at"] for row in warehouse.rows("jobs__tags")
            if row["_sdc_source_key_id"] == 1} == {rows[1]["_sdc_batched_at"]}


@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift"])
def test_tables_made_without_them_get_new_nullable_columns_in_every_method(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    for method, name in (("upsert", "kept"), ("replace", "swapped")):
        old = run_target(warehouse, [schema(name), record(1, name), record(2, name)],
                         load_method=method, add_record_metadata=False)
        assert old.returncode == 0, old.stderr
        assert not set(TIMES) & set(warehouse.column_names(name))
    extracted = "2026-12-06T23:00:00Z"
    upserted = run_target(warehouse, [schema("kept"), record(2, "kept",
                                                             time_extracted=extracted)],
                          load_method="upsert")
    assert upserted.returncode == 0, upserted.stderr
    assert "  analytics.kept: 1 rows written; 2 rows in the table; columns added: " \
        "_sdc_extracted_at, _sdc_received_at, _sdc_batched_at, _sdc_deleted_at" \
        in upserted.stderr
    kept = by_id(warehouse, "kept")
    assert [kept[1][c] for c in TIMES] == [None, None, None]  # the old row, as it was
    assert kept[2]["_sdc_extracted_at"] == datetime(2026, 12, 6, 23, 0)
    assert kept[2]["_sdc_batched_at"] is not None
    assert all(row["_sdc_received_at"] is not None for row in warehouse.rows("kept__tags")
               if row["_sdc_source_key_id"] == 2)

    # append on a stream without keys: the old rows stay, the new ones have times.
    keyless = {**schema("log"), "key_properties": []}
    first = run_target(warehouse, [keyless, record(1, "log")], load_method="append",
                       add_record_metadata=False)
    assert first.returncode == 0, first.stderr
    appended = run_target(warehouse, [keyless, record(2, "log", time_extracted=extracted)],
                          load_method="append")
    assert appended.returncode == 0, appended.stderr
    log = by_id(warehouse, "log")
    assert log[1]["_sdc_received_at"] is None
    assert log[2]["_sdc_extracted_at"] == datetime(2026, 12, 6, 23, 0)

    # A full refresh builds the table anew, every row with its times.
    replaced = run_target(warehouse, [schema("swapped"), record(5, "swapped")])
    assert replaced.returncode == 0, replaced.stderr
    [row] = warehouse.rows("swapped")
    assert row["id"] == 5 and row["_sdc_received_at"] is not None


def test_a_time_extracted_that_is_not_a_date_time_stops_the_run(tmp_path: Path,
                                                                 request: pytest.FixtureRequest
                                                                 ) -> None:
    warehouse = make_warehouse("duckdb", request, tmp_path)
    done = run_target(warehouse, [schema(), record(1), record(2, time_extracted="yesterday")])
    assert done.returncode == 1
    [line] = [x for x in done.stderr.splitlines() if "error" in x]
    assert line == ("target-redshift: error: stream 'jobs', stdin line 3, time_extracted: "
                    '"yesterday" is not an ISO 8601 date-time')
    assert "jobs" not in warehouse.tables()


def test_off_there_are_none(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    warehouse = make_warehouse("duckdb", request, tmp_path)
    done = run_target(warehouse, [schema(), record(1, time_extracted="2026-12-01T00:00:00Z")],
                      add_record_metadata=False)
    assert done.returncode == 0, done.stderr
    assert warehouse.column_names("jobs") == ["_sdc_id", "_sdc_table_version", "id"]
    assert "_sdc_received_at" not in warehouse.column_names("jobs__tags")
