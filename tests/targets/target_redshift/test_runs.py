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
    from tests.targets.target_redshift.conftest import make_warehouse

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
    upto = orjson.loads(line)["upto"]  # the bare state value
    loaded = {r["id"] for r in fast_warehouse.rows("t")}
    assert set(range(upto + 1)) <= loaded


def test_dropped_connection_is_a_clear_error(request: pytest.FixtureRequest,
                                             tmp_path: Path) -> None:
    from tests.targets.target_redshift.conftest import make_warehouse

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
    from tests.targets.target_redshift.conftest import SCHEMA, _postgres

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


SECRET = "Sup3rS3cretX"

# Malformed warehouse URLs, each holding SECRET where a password (or a piece of one) goes,
# with a piece of the explanation each must give (None: not an error).
BAD_URLS = [
    (f"redshift://loader:pa/{SECRET}@db.example:5439/analytics", "percent-encode"),
    (f"redshift://loader:pa?{SECRET}@db.example:5439/analytics", "percent-encode"),
    (f"redshift://loader:pa#{SECRET}@db.example:5439/analytics", "percent-encode"),
    (f"postgresql://loader:pa/{SECRET}@db.example/analytics", "percent-encode"),
    (f"postgresql://loader:{SECRET}?a=b@db.example/analytics", "percent-encode"),
    (f"postgresql://loader:1234/{SECRET}@db.example/analytics", "percent-encode"),
    (f"postgresql://loader:5439/{SECRET}?x=1@db.example/analytics", "percent-encode"),
    (f"postgresql://loader:{SECRET}@db.example/analytics?application_name=a@b", "%40"),
    (f"redshift://loader:{SECRET}/analytics", "must be a number from 1 to 65535"),
    (f"redshift://loader:{SECRET}", "must be a number from 1 to 65535"),
    (f"postgresql://loader:{SECRET}@[::1/analytics", "the host is not valid"),
    (f"postgresql://loader:{SECRET}@db.example:5439:5440/analytics", "the host is not valid"),
    (f"postgresql://loader:{SECRET}@db.example:99999/analytics", "from 1 to 65535"),
    (f"postgresql://loader:{SECRET}@db.example:port/analytics", "from 1 to 65535"),
    (f"postgresql://loader:{SECRET}@db.example/analytics?port=x", "option port"),
    (f"postgresql://loader:{SECRET}@db.example", "no database name"),
    (f"postgresql://loader:{SECRET}@/analytics", "no host"),
    (f"redshift://loader@db.example/analytics?password={SECRET}", "user-info part"),
    (f"redshift://loader@db.example/analytics?sslmode=disable&PASSWORD={SECRET}",
     "user-info part"),
    (f"redshift://loader@db.example/analytics?password=a&{SECRET}", "user-info part"),
    (f"postgresql://loader@db.example/analytics?sslpassword={SECRET}&sslmode=bogus",
     "sslmode must be one of"),
    (f"postgresql://loader:{SECRET}@db.example/analytics?connect_timeout=soon",
     "connect_timeout must be a whole number"),
    (f"redshift://loader:{SECRET}@db.example/analytics?connect_timeout=0",
     "connect_timeout must be a whole number"),
    (f"postgresql://loader:{SECRET}@db.example/analytics?user=other", "option user"),
    (f"mysql://loader:{SECRET}@db.example/analytics", "unsupported scheme 'mysql'"),
    (f"loader:{SECRET}@db.example/analytics", "not a database URL"),
    (f"postgresql:/loader:{SECRET}@db.example/analytics", "not a database URL"),
    (f"postgresql://loader:pa\n{SECRET}@db.example/analytics", "control character"),
    (f"duckdb://loader:{SECRET}@/analytics", "takes no USER:PASSWORD@"),
    (f"duckdb://loader:{SECRET}@host", "takes no USER:PASSWORD@"),
    (f"duckdb:///w.duckdb?password={SECRET}", "user-info part"),
    ("duckdb://./a@b/w.duckdb?token=x", None),  # an '@' further in the path is fine
    # Well formed, so they get as far as connecting, which fails.
    (f"postgresql://loader:pa%2F{SECRET}%23@127.0.0.1:1/analytics?connect_timeout=2",
     "cannot connect to PostgreSQL at 127.0.0.1:1/analytics"),
    (f"postgresql://loader:pa@{SECRET}@127.0.0.1:1/analytics?connect_timeout=2",
     "cannot connect to PostgreSQL at 127.0.0.1:1/analytics"),
    (f"redshift://loader:{SECRET}@127.0.0.1:1/analytics?sslmode=disable&connect_timeout=2",
     "cannot connect to Redshift at 127.0.0.1:1/analytics"),
]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_a_malformed_url_never_shows_its_secret(tmp_path: Path, url: str,
                                                message: str | None) -> None:
    config = tmp_path / "c.json"
    config.write_bytes(orjson.dumps({"url": url}))
    result = target("--config", str(config), stdin=head(), cwd=tmp_path)
    stdout, stderr = result.stdout.decode(), result.stderr.decode()
    assert SECRET not in stdout and SECRET not in stderr, stderr
    assert "Traceback" not in stderr
    if message is None:
        assert result.returncode == 0, stderr
        return
    assert result.returncode == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("target-redshift: error:")]
    assert len(errors) == 1, stderr
    assert message in errors[0], stderr


@pytest.mark.parametrize("setting", ["batch_size_records", "max_buffer_bytes"])
@pytest.mark.parametrize("value", [0, -1, True, False, "100", 2.5, None, [10]])
def test_numeric_settings_are_checked(tmp_path: Path, setting: str, value: Any) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(orjson.dumps({"url": f"duckdb:///{tmp_path}/w.duckdb", setting: value}))
    result = target("--config", str(path), stdin=head(), cwd=tmp_path)
    assert result.returncode == 1
    stderr = result.stderr.decode()
    errors = [line for line in stderr.splitlines() if line.startswith("target-redshift: error:")]
    assert len(errors) == 1 and errors[0].startswith(
        f"target-redshift: error: {setting}: must be a positive integer, got "), stderr
    assert not (tmp_path / "w.duckdb").exists()
