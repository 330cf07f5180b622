"""Redshift's COPY takes an input row of at most 4 MB (the shim refuses a longer one as
Redshift does, with a bare "Load into table failed"): a record whose row would be longer
stops the run naming stream, record and table, before its batch loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.warehouses import Warehouse, run_target
from tests.targets.target_redshift.conftest import make_warehouse
from tests.targets.target_redshift.test_loading import record, schema_message, state

FIELDS = 80
SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"},
    **{f"text_{n}": {"type": ["null", "string"]} for n in range(FIELDS)}}}


def _record(key: int, size: int) -> dict[str, Any]:
    return record("wide", {"id": key, **{f"text_{n}": "|" * size for n in range(FIELDS)}})


@pytest.fixture
def redshift_s3(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    return make_warehouse("redshift-s3", request, tmp_path)


def test_a_row_over_copys_4_mb_stops_the_run_naming_the_record(
        redshift_s3: Warehouse) -> None:
    # 80 values of 30,000 pipes: 2.4 MB as CSV, 4.8 MB as Redshift counts pipes.
    messages = [schema_message("wide", SCHEMA, ["id"]), _record(1, 10),
                state({"at": 1}), _record(2, 30_000), state({"at": 2}), _record(3, 10)]

    result = run_target(redshift_s3, messages, load_method="upsert", batch_size_records=1)

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    assert "stream 'wide', record id=2: its row in table 'wide' is 4800" in errors[0]
    assert "more than the 4000000 bytes Redshift's COPY takes in one input row" in errors[0]
    assert result.states == [{"at": 1}]
    assert [row["id"] for row in redshift_s3.rows("wide")] == [1]


def test_rows_within_4_mb_load_whole(redshift_s3: Warehouse) -> None:
    messages = [schema_message("wide", SCHEMA, ["id"]), _record(1, 20_000),
                _record(2, 10)]

    result = run_target(redshift_s3, messages, load_method="upsert", batch_size_records=1)

    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in redshift_s3.rows("wide")}
    assert sorted(rows) == [1, 2]
    assert rows[1]["text_79"] == "|" * 20_000
