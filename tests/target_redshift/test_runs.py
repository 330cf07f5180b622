"""target-redshift as a process: killed runs, dropped connections, state, CLI and secrets."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from tests.support.warehouses import Warehouse, encode, run_target, start_target

SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "pad": {"type": "string"},
    "tags": {"type": "array", "items": {"type": "string"}}}}


def head(stream: str = "t") -> bytes:
    return encode([{"type": "SCHEMA", "stream": stream, "schema": SCHEMA,
                    "key_properties": ["id"]}])


def records(start: int, stop: int, stream: str = "t") -> bytes:
    return encode([{"type": "RECORD", "stream": stream,
                    "record": {"id": n, "pad": "x" * 200, "tags": ["a", "b"]}}
                   for n in range(start, stop)])


def wait_for(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift"])
def test_sigkill_half_way_leaves_yesterdays_tables(kind: str, request: pytest.FixtureRequest,
                                                   tmp_path: Path) -> None:
    from tests.target_redshift.conftest import make_warehouse

    warehouse = make_warehouse(kind, request, tmp_path)
    assert run_target(warehouse, head() + records(0, 3)).returncode == 0
    process = start_target(warehouse, batch_size_records=500)
    assert process.stdin is not None
    process.stdin.write(head() + records(100, 5100))
    process.stdin.flush()
    # Batches are being loaded into staging tables when the process dies.
    time.sleep(1.5)
    assert process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    if kind != "duckdb":
        # The server notices the dropped connection and rolls its transaction back.
        wait_for(lambda: not [t for t in warehouse.tables() if t.startswith("_observes")])
    assert sorted(r["id"] for r in warehouse.rows("t")) == [0, 1, 2]
    assert warehouse.count("t__tags") == 6
    assert warehouse.tables() == ["t", "t__tags"]
    # And the next run goes through.
    assert run_target(warehouse, head() + records(7, 9)).returncode == 0
    assert sorted(r["id"] for r in warehouse.rows("t")) == [7, 8]


def test_emitted_state_is_never_ahead_of_committed_rows(fast_warehouse: Warehouse) -> None:
    process = start_target(fast_warehouse, load_method="upsert", batch_size_records=50)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(head())
    for block in range(10):
        start = block * 100
        process.stdin.write(records(start, start + 100))
        process.stdin.write(encode([{"type": "STATE", "value": {"upto": start + 99}}]))
    process.stdin.flush()
    line = process.stdout.readline()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    upto = orjson.loads(line)["value"]["upto"]
    loaded = {r["id"] for r in fast_warehouse.rows("t")}
    assert set(range(upto + 1)) <= loaded


def test_dropped_connection_is_a_clear_error(request: pytest.FixtureRequest,
                                             tmp_path: Path) -> None:
    from tests.target_redshift.conftest import make_warehouse

    warehouse = make_warehouse("postgres", request, tmp_path)
    assert run_target(warehouse, head() + records(0, 2)).returncode == 0
    process = start_target(warehouse, batch_size_records=100, load_method="upsert")
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(head() + records(10, 210))
    process.stdin.flush()
    database = request.getfixturevalue("postgres_db")

    def terminated() -> bool:
        with psycopg.connect(database.conninfo, autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'target-redshift'").fetchall()
        return bool(rows)

    wait_for(terminated)
    with contextlib.suppress(BrokenPipeError):  # the target may have stopped already
        process.stdin.write(records(300, 700))
        process.stdin.close()
    assert process.wait(timeout=60) == 1
    stderr = process.stderr.read().decode()
    assert "target-redshift: error: postgres:" in stderr
    assert "terminat" in stderr or "connection" in stderr
    assert "Traceback" not in stderr
    assert {0, 1} <= {r["id"] for r in warehouse.rows("t")}


def test_database_in_another_encoding_gets_the_text_right(
        postgres_server: Any, tmp_path: Path) -> None:
    from tests.support.warehouses import Warehouse
    from tests.target_redshift.conftest import SCHEMA, _postgres

    name = f"latin1_{time.time_ns()}"
    with psycopg.connect(postgres_server.uri, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} ENCODING 'LATIN1' LC_COLLATE 'C' "
                      "LC_CTYPE 'C' TEMPLATE template0".encode())
    try:
        database = postgres_server.database(name)
        warehouse = Warehouse("postgres", {"url": database.uri, "schema": SCHEMA},
                              _postgres(database.conninfo), SCHEMA, tmp_path)
        messages = [
            {"type": "SCHEMA", "stream": "t", "key_properties": ["id"], "schema": {
                "type": "object", "properties": {"id": {"type": "integer"},
                                                 "name": {"type": "string"}}}},
            {"type": "RECORD", "stream": "t", "record": {"id": 1, "name": "ñandú\tcafé"}},
        ]
        result = run_target(warehouse, messages)
        assert result.returncode == 0, result.stderr
        assert [r["name"] for r in warehouse.rows("t")] == ["ñandú\tcafé"]
    finally:
        postgres_server.drop_database(name)


def test_sigterm_rolls_back_and_exits_cleanly(fast_warehouse: Warehouse) -> None:
    assert run_target(fast_warehouse, head() + records(0, 1)).returncode == 0
    process = start_target(fast_warehouse, batch_size_records=100)
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(head() + records(5, 800))
    process.stdin.flush()
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 130
    assert "interrupted; the open transaction was rolled back" in process.stderr.read().decode()
    assert [r["id"] for r in fast_warehouse.rows("t")] == [0]


def target(*args: str, stdin: bytes = b"", cwd: Path | None = None
           ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "target_redshift.cli", *args], input=stdin,
                          capture_output=True, timeout=60, cwd=cwd, check=False)


def test_about_describes_every_setting() -> None:
    about = orjson.loads(target("--about").stdout)
    assert about["name"] == "target-redshift"
    assert {"url", "schema", "load_method", "state_url", "s3_staging",
            "batch_size_records"} <= set(about["settings"]["properties"])
    markdown = target("--about", "--format", "markdown").stdout.decode()
    assert markdown.startswith("# `target-redshift`")
    assert "| `load_method` |" in markdown
    assert b"load_method" in target("--help").stdout


def test_default_warehouse_is_a_local_duckdb_file(tmp_path: Path) -> None:
    result = target(stdin=head() + records(0, 2), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert b"no url configured: loading the local DuckDB file" in result.stderr
    assert (tmp_path / "observes.duckdb").exists()


def test_secrets_never_reach_errors_or_logs(tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_bytes(orjson.dumps({
        "url": "postgresql://loader:Sup3r-S3cret@127.0.0.1:1/warehouse?connect_timeout=2"}))
    result = target("--config", str(config), stdin=head())
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert "cannot connect to PostgreSQL at 127.0.0.1:1/warehouse" in stderr
    assert "Sup3r-S3cret" not in stderr

    config.write_bytes(orjson.dumps({
        "url": "redshift://loader:Sup3r-S3cret@127.0.0.1:1/warehouse?sslmode=disable"}))
    result = target("--config", str(config), stdin=head())
    assert result.returncode == 1
    assert "Sup3r-S3cret" not in result.stderr.decode()
    assert "Sup3r-S3cret" not in target("--about").stdout.decode()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"url": "mysql://x/y"}, "unsupported scheme 'mysql'"),
        ({"load_method": "merge"}, "load_method: must be one of replace, upsert, append"),
        ({"streams": {"a": {"load_method": "nope"}}}, "streams.a.load_method"),
        ({"colour": "blue"}, "unknown configuration key 'colour'"),
        ({"url": "postgresql://u:p@h/db", "s3_staging": {"url": "s3://b/p", "iam_role": "r"}},
         "s3_staging: only used with a redshift:// url"),
        ({"url": "redshift://u:p@h/db", "s3_staging": {"url": "s3://b/p"}},
         "give exactly one of iam_role or credentials"),
        ({"batch_size_records": 0}, "batch_size_records: must be a positive integer"),
    ],
)
def test_bad_configuration_is_explained(tmp_path: Path, config: dict[str, Any],
                                        message: str) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(orjson.dumps(config))
    result = target("--config", str(path), stdin=head(), cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr.decode()
    assert b"p@h" not in result.stderr


def test_missing_input_file_is_named(tmp_path: Path) -> None:
    result = target("--input", str(tmp_path / "nope.jsonl"), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{tmp_path / 'nope.jsonl'}: no such file" in result.stderr.decode()
