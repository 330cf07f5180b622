"""A load blocked by another session says what it waits for, and lock_timeout bounds it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import orjson
import psycopg
import pytest

from tests.support.warehouses import Warehouse, encode, run_target
from tests.targets.target_redshift.test_integrity import KEYED
from tests.targets.target_redshift.test_loading import record, schema_message

MESSAGES = [schema_message("locked", KEYED, ["id"]), record("locked", {"id": 1, "v": "new"})]


@pytest.fixture(params=["postgres", "redshift"])
def database(request: pytest.FixtureRequest, tmp_path: Any) -> Warehouse:
    from tests.targets.target_redshift.conftest import make_warehouse

    return make_warehouse(request.param, request, tmp_path)


def _loaded_then_blocked(database: Warehouse, request: pytest.FixtureRequest
                         ) -> psycopg.Connection[Any]:
    """The table loaded once, then a BI session reading it inside an open transaction."""
    old = [schema_message("locked", KEYED, ["id"]), record("locked", {"id": 1, "v": "old"})]
    assert run_target(database, old).returncode == 0
    conninfo = request.getfixturevalue("postgres_db").conninfo
    connection = psycopg.connect(conninfo, application_name="bi-dashboard")
    connection.execute(f"SELECT count(*) FROM {database.q('locked')}").fetchall()
    return connection


def _start(database: Warehouse, **overrides: Any) -> subprocess.Popen[bytes]:
    config = database.workdir / "locked-config.json"
    config.write_bytes(orjson.dumps({**database.config, **overrides}))
    return subprocess.Popen(
        [sys.executable, "-m", "target_redshift.cli", "--config", str(config)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=database.workdir, env={**os.environ, "OBSERVES_LOCK_LOG_SECONDS": "0.5"})


def test_a_lock_wait_is_reported_with_its_holder(database: Warehouse,
                                                 request: pytest.FixtureRequest) -> None:
    blocker = _loaded_then_blocked(database, request)
    try:
        target = _start(database)
        assert target.stdin is not None and target.stderr is not None
        target.stdin.write(encode(MESSAGES))
        target.stdin.close()
        time.sleep(2.5)
        assert target.poll() is None  # still waiting for the lock
    finally:
        blocker.close()  # the BI session ends: the load goes on
    stderr = target.stderr.read().decode()
    assert target.wait(timeout=60) == 0, stderr
    assert "for a lock on analytics.locked (AccessExclusiveLock) held by backend" in stderr
    assert "application bi-dashboard, idle in transaction" in stderr
    assert [r["v"] for r in database.rows("locked")] == ["new"]


def test_lock_timeout_stops_the_run_with_the_table_whole(database: Warehouse,
                                                        request: pytest.FixtureRequest) -> None:
    blocker = _loaded_then_blocked(database, request)
    try:
        started = time.monotonic()
        result = run_target(database, MESSAGES, lock_timeout=1.5)
        elapsed = time.monotonic() - started
    finally:
        blocker.close()
    assert result.returncode == 1
    assert "lock" in result.stderr and "lock_timeout" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed < 30
    assert [r["v"] for r in database.rows("locked")] == ["old"]
