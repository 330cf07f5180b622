"""The run ledger: observes_runs gets one row per table of each committed job run, in the
transaction that commits the data, on DuckDB, PostgreSQL and Redshift (the shim)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from observes_singer.jobs.run_report import read_report
from tests.support.pipes import commit_gate
from tests.support.warehouses import TargetRun, Warehouse, encode
from tests.targets.target_redshift.conftest import make_warehouse

SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}}
JOB = {"OBSERVES_JOB": "gitlab-etl", "OBSERVES_RUN_ID": "run-1", "OBSERVES_SHARD": "2/4",
       "OBSERVES_STATE_URL": "s3://observes.state/gitlab-etl.json"}
LEDGER_COLUMNS = ("job", "run_id", "shard", "started_at", "finished_at", "duration_seconds",
                  "table_name", "rows", "state_url")


def stream(name: str, ids: range, bad_at: int | None = None) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = [{"type": "SCHEMA", "stream": name, "schema": SCHEMA,
                                    "key_properties": ["id"]}]
    lines += [{"type": "RECORD", "stream": name,
               "record": {"id": "x" if n == bad_at else n, "tags": ["a"] * (n % 3)}}
              for n in ids]
    lines.append({"type": "STATE", "value": {name: ids[-1]}})
    return lines


def run(warehouse: Warehouse, messages: list[dict[str, Any]], env: dict[str, str] | None = None,
        go_ahead: bytes | None = None, **settings: Any
        ) -> tuple[TargetRun, dict[str, Any] | None]:
    """target-redshift with ``env`` (over an environment without OBSERVES_ variables), a
    report pipe, and, with ``go_ahead``, a commit gate whose writer sent that."""
    path = warehouse.workdir / "ledger-config.json"
    path.write_bytes(orjson.dumps({**warehouse.config, **settings}))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVES_")}
    environment.update(env or {})
    report_read, report_write = os.pipe()
    fds = [report_write]
    environment["OBSERVES_REPORT_FD"] = str(report_write)
    if go_ahead is not None:
        commit_gate(environment, fds, go_ahead)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "target_redshift.cli", "--config", str(path)],
            input=encode(messages), capture_output=True, env=environment, pass_fds=fds,
            cwd=warehouse.workdir, timeout=120, check=False)
    finally:
        for fd in fds:
            os.close(fd)
    done = TargetRun(result.returncode, result.stdout, result.stderr.decode())
    return done, read_report(report_read)


def ledger(warehouse: Warehouse, schema: str | None = None) -> list[dict[str, Any]]:
    rows = warehouse.query(
        f"SELECT {', '.join(chr(34) + c + chr(34) for c in LEDGER_COLUMNS)} FROM "
        f'"{schema or warehouse.schema}"."observes_runs" ORDER BY "run_id", "table_name"')
    return [dict(zip(LEDGER_COLUMNS, row, strict=True)) for row in rows]


def counts(ledger_rows: list[dict[str, Any]], run_id: str) -> dict[str, int]:
    return {r["table_name"]: r["rows"] for r in ledger_rows if r["run_id"] == run_id}


@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift"])
def test_a_job_run_is_recorded_with_its_data_and_only_then(kind: str,
                                                           request: pytest.FixtureRequest,
                                                           tmp_path: Path) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    before = datetime.now(UTC).replace(tzinfo=None)
    first, report = run(warehouse, stream("jobs", range(10)) + stream("pipelines", range(4)),
                        env=JOB, batch_size_records=3)
    after = datetime.now(UTC).replace(tzinfo=None)
    assert first.returncode == 0, first.stderr
    rows = ledger(warehouse)
    assert counts(rows, "run-1") == {"jobs": 10, "jobs__tags": 9, "pipelines": 4,
                                     "pipelines__tags": 3}
    assert {t: warehouse.count(t) for t in counts(rows, "run-1")} == counts(rows, "run-1")
    assert report is not None and report["tables"] == counts(rows, "run-1")
    for row in rows:
        assert (row["job"], row["shard"], row["state_url"]) == \
            ("gitlab-etl", "2/4", "s3://observes.state/gitlab-etl.json")
        assert before - timedelta(seconds=1) <= row["started_at"] <= row["finished_at"] \
            <= after + timedelta(seconds=1)
        elapsed = (row["finished_at"] - row["started_at"]).total_seconds()
        assert row["duration_seconds"] == pytest.approx(elapsed, abs=1e-3)
    assert len({(r["started_at"], r["finished_at"]) for r in rows}) == 1

    # A bad value half way: the run rolls back, and so does its ledger row.
    failed, report = run(warehouse, stream("jobs", range(20), bad_at=15),
                         env={**JOB, "OBSERVES_RUN_ID": "run-2"})
    assert failed.returncode == 1 and "field id" in failed.stderr
    assert report is None
    # No go-ahead on the commit gate (the runner died): nothing either.
    refused, report = run(warehouse, stream("jobs", range(5)),
                          env={**JOB, "OBSERVES_RUN_ID": "run-3"}, go_ahead=b"")
    assert refused.returncode == 1 and "go-ahead" in refused.stderr
    assert report is None
    assert ledger(warehouse) == rows
    assert warehouse.count("jobs") == 10

    # Another full refresh swaps the tables in and keeps the earlier ledger rows.
    again, _ = run(warehouse, stream("jobs", range(3)),
                   env={**JOB, "OBSERVES_RUN_ID": "run-4", "OBSERVES_SHARD": ""})
    assert again.returncode == 0, again.stderr
    now = ledger(warehouse)
    assert [r for r in now if r["run_id"] == "run-1"] == rows
    assert counts(now, "run-4") == {"jobs": 3, "jobs__tags": 3}
    assert {r["shard"] for r in now if r["run_id"] == "run-4"} == {None}
    assert warehouse.count("jobs") == 3
    assert "observes_runs" in warehouse.tables()


@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift"])
def test_an_upsert_run_is_recorded_in_its_final_commit(kind: str,
                                                       request: pytest.FixtureRequest,
                                                       tmp_path: Path) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    done, _ = run(warehouse, stream("jobs", range(12)), env=JOB, load_method="upsert",
                  batch_size_records=4)
    assert done.returncode == 0, done.stderr
    assert counts(ledger(warehouse), "run-1") == {"jobs": 12, "jobs__tags": 12}

    # Batches committed before the failure stay; the ledger says nothing of this run.
    failed, _ = run(warehouse, stream("jobs", range(100, 112), bad_at=110),
                    env={**JOB, "OBSERVES_RUN_ID": "run-2"}, load_method="upsert",
                    batch_size_records=4)
    assert failed.returncode == 1
    assert warehouse.count("jobs") == 20  # two batches of 4 committed
    assert [r["run_id"] for r in ledger(warehouse)] == ["run-1", "run-1"]


def test_without_a_job_name_there_is_no_ledger(fast_warehouse: Warehouse) -> None:
    done, _ = run(fast_warehouse, stream("jobs", range(3)))
    assert done.returncode == 0, done.stderr
    assert "observes_runs" not in fast_warehouse.tables()
    off, _ = run(fast_warehouse, stream("jobs", range(3)), env=JOB, run_ledger=False)
    assert off.returncode == 0, off.stderr
    assert "observes_runs" not in fast_warehouse.tables()

    # A job name from the settings (Meltano, a plain pipe); the target's own run id, and
    # its state_url setting.
    state = str(fast_warehouse.workdir / "state.json")
    named, _ = run(fast_warehouse, stream("jobs", range(3)), job_name="nightly",
                   run_ledger_schema="ops", state_url=state)
    assert named.returncode == 0, named.stderr
    assert "observes_runs" not in fast_warehouse.tables()
    rows = ledger(fast_warehouse, "ops")
    assert [(r["job"], r["table_name"], r["rows"], r["shard"], r["state_url"])
            for r in rows] == [("nightly", "jobs", 3, None, state),
                               ("nightly", "jobs__tags", 3, None, state)]
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}", rows[0]["run_id"])


def test_a_stream_named_like_the_ledger(fast_warehouse: Warehouse) -> None:
    refused, _ = run(fast_warehouse, stream("observes_runs", range(3)), env=JOB)
    assert refused.returncode == 1
    assert "table 'observes_runs' of stream 'observes_runs' is the run ledger" in refused.stderr
    # With the ledger elsewhere, or the stream in another table, the run goes through.
    elsewhere, _ = run(fast_warehouse, stream("observes_runs", range(3)), env=JOB,
                       run_ledger_schema="ops")
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert fast_warehouse.count("observes_runs") == 3
    assert counts(ledger(fast_warehouse, "ops"), "run-1") == {"observes_runs": 3,
                                                               "observes_runs__tags": 3}


def test_a_table_of_that_name_that_is_not_a_ledger_is_refused(tmp_path: Path,
                                                               request: pytest.FixtureRequest
                                                               ) -> None:
    warehouse = make_warehouse("duckdb", request, tmp_path)
    plain, _ = run(warehouse, [{"type": "SCHEMA", "stream": "observes_runs",
                                "schema": {"type": "object",
                                           "properties": {"id": {"type": "integer"}}},
                                "key_properties": []},
                               {"type": "RECORD", "stream": "observes_runs",
                                "record": {"id": 1}}])
    assert plain.returncode == 0, plain.stderr
    refused, _ = run(warehouse, stream("jobs", range(3)), env=JOB)
    assert refused.returncode == 1
    assert "analytics.observes_runs exists without the run ledger's columns job, run_id" \
        in refused.stderr
    assert "jobs" not in warehouse.tables()


def test_values_too_long_for_the_ledger_are_refused_before_loading(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    warehouse = make_warehouse("duckdb", request, tmp_path)
    refused, _ = run(warehouse, stream("jobs", range(3)),
                     env={**JOB, "OBSERVES_SHARD": "1" * 65})
    assert refused.returncode == 1
    assert "OBSERVES_SHARD: longer than the run ledger's shard column (64 bytes)" \
        in refused.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()


def quiet(name: str, bookmark: int) -> list[dict[str, Any]]:
    """An incremental run that finds nothing new: the SCHEMA and a STATE, no RECORD."""
    return [{"type": "SCHEMA", "stream": name, "schema": SCHEMA, "key_properties": ["id"]},
            {"type": "STATE", "value": {name: bookmark}}]


def execute(kind: str, request: pytest.FixtureRequest, tmp_path: Path, sql: str) -> None:
    """One statement straight to the warehouse's storage, committed."""
    if kind == "duckdb":
        import duckdb

        connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
        try:
            connection.execute(sql)
        finally:
            connection.close()
        return
    import psycopg

    with psycopg.connect(request.getfixturevalue("postgres_db").conninfo,
                         autocommit=True) as connection:
        connection.execute(sql.encode())


@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift"])
def test_a_quiet_run_records_every_table_with_zero_rows_and_a_failed_one_none(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    first, _ = run(warehouse, stream("jobs", range(5)) + stream("pipelines", range(2)),
                   env=JOB, load_method="upsert")
    assert first.returncode == 0, first.stderr
    quiet_run, _ = run(warehouse, quiet("jobs", 4) + quiet("pipelines", 1),
                       env={**JOB, "OBSERVES_RUN_ID": "run-2"}, load_method="upsert")
    assert quiet_run.returncode == 0, quiet_run.stderr
    rows = ledger(warehouse)
    assert counts(rows, "run-2") == {"jobs": 0, "jobs__tags": 0, "pipelines": 0,
                                     "pipelines__tags": 0}
    # A failed run, quiet or not, adds nothing.
    failed, _ = run(warehouse, quiet("jobs", 4) + stream("pipelines", range(3), bad_at=2),
                    env={**JOB, "OBSERVES_RUN_ID": "run-3"}, load_method="upsert")
    assert failed.returncode == 1 and "field id" in failed.stderr
    assert ledger(warehouse) == rows

    # One row per job, run, shard and table: run-2 recorded again (a retried attempt of a
    # committed run) replaces its rows; the key is declared, and the warehouse keeps it.
    again, _ = run(warehouse, quiet("jobs", 4),
                   env={**JOB, "OBSERVES_RUN_ID": "run-2"}, load_method="upsert")
    assert again.returncode == 0, again.stderr
    now = ledger(warehouse)
    assert counts(now, "run-2") == counts(rows, "run-2")
    assert len([r for r in now if r["run_id"] == "run-2"]) == 4
    keys = warehouse.query('SELECT "run_table_id" FROM "analytics"."observes_runs"')
    assert len({k for (k,) in keys}) == len(keys) == 8 and all(k for (k,) in keys)
    assert [(name, nullable) for name, nullable in warehouse.query(
        "SELECT column_name, is_nullable FROM information_schema.columns WHERE "
        "table_schema = 'analytics' AND table_name = 'observes_runs' "
        "AND column_name = 'run_table_id'")] == [("run_table_id", "NO")]
    with pytest.raises(Exception, match=r"(?i)duplicate|constraint"):
        execute(kind, request, tmp_path,
                'INSERT INTO "analytics"."observes_runs" ("job", "run_table_id") '
                f"SELECT 'x', '{keys[0][0]}'")


OLD_LEDGER = ('CREATE TABLE "analytics"."observes_runs" ("job" VARCHAR(256), '
              '"run_id" VARCHAR(256), "shard" VARCHAR(64), "started_at" TIMESTAMP, '
              '"finished_at" TIMESTAMP, "duration_seconds" DOUBLE PRECISION, '
              '"table_name" VARCHAR(256), "rows" BIGINT, "state_url" VARCHAR(4096))')


@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift"])
def test_an_existing_ledger_gets_the_key_and_keeps_its_rows(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    execute(kind, request, tmp_path, 'CREATE SCHEMA IF NOT EXISTS "analytics"')
    execute(kind, request, tmp_path, OLD_LEDGER)
    execute(kind, request, tmp_path,
            'INSERT INTO "analytics"."observes_runs" VALUES (\'gitlab-etl\', \'run-0\', NULL, '
            "TIMESTAMP '2026-12-01 05:00:00', TIMESTAMP '2026-12-01 05:10:00', 600, 'jobs', "
            "7, NULL)")
    before = ledger(warehouse)  # its columns as they were
    done, _ = run(warehouse, stream("jobs", range(3)), env=JOB)
    assert done.returncode == 0, done.stderr
    rows = warehouse.query('SELECT "run_id", "table_name", "run_table_id" FROM '
                           '"analytics"."observes_runs" ORDER BY "run_id", "table_name"')
    assert [r[:2] for r in rows] == [("run-0", "jobs"), ("run-1", "jobs"),
                                     ("run-1", "jobs__tags")]
    assert rows[0][2] is None and all(r[2] for r in rows[1:])  # old rows not rewritten
    assert ledger(warehouse)[:1] == before
    if kind != "duckdb":  # PostgreSQL and Redshift declare UNIQUE on the added column
        with pytest.raises(Exception, match=r"(?i)duplicate|unique"):
            execute(kind, request, tmp_path,
                    'INSERT INTO "analytics"."observes_runs" ("job", "run_table_id") '
                    f"SELECT 'x', '{rows[1][2]}'")
    # The next run finds the column there.
    again, _ = run(warehouse, stream("jobs", range(3)),
                   env={**JOB, "OBSERVES_RUN_ID": "run-2"})
    assert again.returncode == 0, again.stderr
    assert counts(ledger(warehouse), "run-2") == {"jobs": 3, "jobs__tags": 3}
