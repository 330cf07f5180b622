"""Redshift's serializable isolation violation (error 1023), which the shim produces on
demand: an upsert or append batch is rolled back and run again from the same rows; a full
refresh, one transaction over the whole input, stops and says to run it again."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from target_redshift.dialects.strategies import STAGING_PREFIX

from tests.support.redshift_shim import RedshiftShim
from tests.support.warehouses import Warehouse, run_target
from tests.targets.target_redshift.conftest import make_warehouse
from tests.targets.target_redshift.test_loading import record, schema_message, state

SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "tags": {"type": "array", "items": {"type": "string"}}}}
TABLE = "analytics.events"


def _messages(keys: list[str]) -> list[dict[str, Any]]:
    messages = [schema_message("events", SCHEMA, keys)]
    for n in range(1, 7):
        messages += [record("events", {"id": n, "name": f"event {n}",
                                       "tags": [f"t{n}", "shared"]}),
                     state({"bookmarks": {"events": n}})]
    return messages


@pytest.fixture(params=["redshift", "redshift-s3"])
def redshift(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    warehouse = make_warehouse(request.param, request, tmp_path)
    warehouse.env["OBSERVES_CONFLICT_RETRY_SECONDS"] = "0.05"
    return warehouse


def _ids(warehouse: Warehouse, table: str, column: str) -> Counter[int]:
    return Counter(int(row[column]) for row in warehouse.rows(table))


@pytest.mark.parametrize("at", ["write", "commit"])
@pytest.mark.parametrize(("method", "keys"), [("upsert", ["id"]), ("append", [])])
def test_a_cancelled_batch_is_run_again_and_loads_every_row_once(
        redshift: Warehouse, redshift_shim: RedshiftShim, method: str,
        keys: list[str], at: str) -> None:
    # Batches of two records; the second batch's first write to the root table fails,
    # or its commit, and the first attempt at running it again as well.
    writes_per_batch = 2 if keys else 1  # an upsert deletes the keys, then inserts
    with redshift_shim.conflicts.armed(TABLE, times=2, after=writes_per_batch, at=at):
        result = run_target(redshift, _messages(keys), load_method=method,
                            batch_size_records=2)

    assert result.returncode == 0, result.stderr
    retries = [line for line in result.stderr.splitlines() if "running it again" in line]
    assert len(retries) == 2, result.stderr
    assert "error 1023: Serializable isolation violation on table" in retries[0]
    assert "the batch was rolled back; running it again in 0.05 s (attempt 2 of 5)" in \
        retries[0]
    assert "running it again in 0.1 s (attempt 3 of 5)" in retries[1]
    assert _ids(redshift, "events", "id") == Counter(range(1, 7))
    assert len(redshift.rows("events__tags")) == 12
    # Each STATE once the batch holding its records committed, the retried one included.
    assert result.states == [{"bookmarks": {"events": n}} for n in range(1, 7)]
    assert "6 rows written" in result.stderr


def test_a_batch_cancelled_every_time_stops_the_run_after_the_last_commit(
        redshift: Warehouse, redshift_shim: RedshiftShim) -> None:
    with redshift_shim.conflicts.armed(TABLE, times=99, after=2):
        result = run_target(redshift, _messages(["id"]), load_method="upsert",
                            batch_size_records=2)

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    assert "error 1023: Serializable isolation violation on table" in errors[0]
    assert "cancelled the batch's transaction 5 times" in errors[0]
    assert "the state stays at the last committed batch: run it again" in errors[0]
    # The second batch (records 3 and 4) never committed: no STATE past the first.
    assert result.states == [{"bookmarks": {"events": n}} for n in (1, 2)]
    assert _ids(redshift, "events", "id") == Counter([1, 2])
    assert len(redshift.rows("events__tags")) == 4


def test_a_cancelled_full_refresh_stops_with_nothing_committed(
        redshift: Warehouse, redshift_shim: RedshiftShim) -> None:
    first = run_target(redshift, _messages(["id"])[:3])
    assert first.returncode == 0, first.stderr
    # A write into the run's staging tables meets the conflict.
    with redshift_shim.conflicts.armed(f"analytics.{STAGING_PREFIX}*", times=1, after=1):
        result = run_target(redshift, _messages(["id"]), batch_size_records=2)

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    assert "error 1023: Serializable isolation violation on table" in errors[0]
    assert "full refresh (replace)" in errors[0]
    assert "nothing was committed and the previous tables are whole: run it again" in \
        errors[0]
    assert result.states == []
    assert _ids(redshift, "events", "id") == Counter([1])
