"""Reading observes_runs back, as `observes report` does (the observes.run_ledger_readers
entry point): every ledger of the warehouse, on DuckDB, PostgreSQL and Redshift (the
shim)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from observes_singer.report.warehouse import WarehouseLedgerError, read_warehouse_ledger
from tests.targets.target_redshift.conftest import make_warehouse
from tests.targets.target_redshift.test_run_ledger import JOB, run, stream


@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift"])
def test_every_ledger_of_the_warehouse_is_read(kind: str, request: pytest.FixtureRequest,
                                               tmp_path: Path) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    before = datetime.now(UTC)
    first, _ = run(warehouse, stream("jobs", range(4)), env=JOB)
    # Another job's ledger in another schema.
    other, _ = run(warehouse, stream("items", range(2)),
                   env={**JOB, "OBSERVES_JOB": "other", "OBSERVES_RUN_ID": "run-9",
                        "OBSERVES_SHARD": ""}, run_ledger_schema="elsewhere")
    assert first.returncode == 0 and other.returncode == 0, first.stderr + other.stderr

    found = read_warehouse_ledger({"url": warehouse.config["url"]})

    assert found.unreadable == 0
    assert sorted((r.job, r.run_id, r.shard, r.table, r.rows) for r in found.rows) == [
        ("gitlab-etl", "run-1", "2/4", "jobs", 4), ("gitlab-etl", "run-1", "2/4", "jobs__tags", 3),
        ("other", "run-9", None, "items", 2), ("other", "run-9", None, "items__tags", 1)]
    for row in found.rows:
        assert row.started_at is not None
        assert before - timedelta(seconds=1) <= row.started_at <= row.finished_at \
            <= datetime.now(UTC)
        assert row.duration_seconds is not None and row.duration_seconds >= 0


def test_a_warehouse_without_a_ledger_has_no_runs(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    found = read_warehouse_ledger({"url": f"duckdb://{path}"})
    assert found.rows == () and found.unreadable == 0


def test_a_duckdb_file_that_is_not_there_is_an_error_not_an_empty_ledger(
        tmp_path: Path) -> None:
    missing = tmp_path / "typo.duckdb"
    with pytest.raises(WarehouseLedgerError, match=f"no DuckDB file at {missing}"):
        read_warehouse_ledger({"url": f"duckdb://{missing}"})
    assert not missing.exists()
