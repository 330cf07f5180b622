"""The local test services work: PostgreSQL, S3 and DynamoDB on moto, and Redshift (and its
COPY from S3) through the shim."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import socket
import struct
import threading
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from redshift_connector.core import Connection
from redshift_connector.error import DatabaseError, InterfaceError, ProgrammingError

from tests.support.fixture_types import RedshiftConnect
from tests.support.postgres import EmbeddedPostgres, PostgresDatabase
from tests.support.redshift_copy import S3Load, translate_copy
from tests.support.redshift_shim import RedshiftShim
from tests.support.s3 import S3Bucket, aws_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def query(connection: Connection, sql: str, *params: Any) -> list[list[Any]]:
    cursor = connection.cursor()
    cursor.execute(sql, params or None)
    rows = cursor.fetchall()
    return [list(row) for row in rows]


def execute(connection: Connection, sql: str, *params: Any) -> None:
    connection.cursor().execute(sql, params or None)


# PostgreSQL


def test_postgres_db_is_a_fresh_database(postgres_db: PostgresDatabase) -> None:
    with psycopg.connect(postgres_db.conninfo) as connection:
        assert connection.execute("SELECT current_database()").fetchone() == (postgres_db.name,)
        tables = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        assert tables == (0,)
        connection.execute("CREATE TABLE jobs (id int PRIMARY KEY, name text)")
        connection.execute("INSERT INTO jobs VALUES (1, 'build'), (2, 'deploy')")
    with psycopg.connect(postgres_db.uri) as connection:
        rows = connection.execute("SELECT id, name FROM jobs ORDER BY id").fetchall()
    assert rows == [(1, "build"), (2, "deploy")]


def test_databases_can_be_created_and_dropped(postgres_server: EmbeddedPostgres) -> None:
    with postgres_server.temporary_database(prefix="scratch") as database:
        lingering = psycopg.connect(database.uri)
        assert database.name.startswith("scratch_")
    # The drop used FORCE: the still-open connection did not block it, it was cut.
    with pytest.raises(psycopg.OperationalError):
        lingering.execute("SELECT 1")
    lingering.close()
    with psycopg.connect(postgres_server.uri) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (database.name,)).fetchone()
    assert found is None
    assert postgres_server.socket_path.is_socket()


# S3 and DynamoDB on moto


def test_fake_aws_credentials_are_in_effect(moto_server: str) -> None:
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_PROFILE" not in os.environ
    assert moto_server.startswith("http://127.0.0.1:")


def test_s3_put_get_list(s3_bucket: S3Bucket) -> None:
    s3_bucket.put("logs/2026/01.json", b'{"n": 1}\n')
    s3_bucket.put("logs/2026/02.json", "{\"n\": 2}\n")
    s3_bucket.put("other/x", b"\x00\xff")
    listing = s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name, Prefix="logs/")
    assert [item["Key"] for item in listing["Contents"]] == ["logs/2026/01.json",
                                                              "logs/2026/02.json"]
    body = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key="other/x")["Body"].read()
    assert body == b"\x00\xff"
    assert s3_bucket.url("other/x") == f"s3://{s3_bucket.name}/other/x"


def test_s3_client_sees_the_bucket(s3_client: S3Client, s3_bucket: S3Bucket) -> None:
    names = [bucket["Name"] for bucket in s3_client.list_buckets()["Buckets"]]
    assert s3_bucket.name in names
    assert s3_bucket.endpoint_url == s3_client.meta.endpoint_url


def test_dynamodb(moto_server: str) -> None:
    dynamodb = aws_client("dynamodb", moto_server)
    dynamodb.create_table(
        TableName="state",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="state", Item={"id": {"S": "gitlab"}, "cursor": {"N": "42"}})
    item = dynamodb.get_item(TableName="state", Key={"id": {"S": "gitlab"}})["Item"]
    assert item == {"id": {"S": "gitlab"}, "cursor": {"N": "42"}}
    dynamodb.delete_table(TableName="state")


# Redshift through the shim: connection, types, transactions


def test_redshift_connector_sees_redshift(redshift_connect: RedshiftConnect,
                                          postgres_db: PostgresDatabase) -> None:
    connection = redshift_connect()
    assert (b"server_version", b"8.0.2") in connection.parameter_statuses
    assert query(connection, "SELECT current_database()") == [[postgres_db.name]]


def test_parameters_round_trip_with_python_types(redshift_connect: RedshiftConnect) -> None:
    connection = redshift_connect()
    execute(connection, "CREATE TABLE t (id int, big bigint, name varchar(200), flag boolean, "
                        "at timestamp, day date, amount numeric(10, 2))")
    text = "héllo\nwörld\twith 'quotes' and \"doubles\" ✓"
    at = dt.datetime(2026, 1, 2, 3, 4, 5, 678000)
    execute(connection, "INSERT INTO t VALUES (%s, %s, %s, %s, %s, %s, %s)",
            1, 2**40, text, True, at, dt.date(2026, 2, 28), Decimal("12.34"))
    execute(connection, "INSERT INTO t VALUES (%s, %s, %s, %s, %s, %s, %s)",
            2, None, None, False, None, None, None)
    connection.commit()
    rows = query(connection, "SELECT * FROM t ORDER BY id")
    assert rows == [
        [1, 2**40, text, True, at, dt.date(2026, 2, 28), Decimal("12.34")],
        [2, None, None, False, None, None, None],
    ]
    assert [type(value) for value in rows[0]] == [int, int, str, bool, dt.datetime, dt.date,
                                                  Decimal]
    assert query(connection, "SELECT name FROM t WHERE id = %s", 1) == [[text]]


def test_rollback_discards_work(redshift_connect: RedshiftConnect) -> None:
    connection = redshift_connect()
    execute(connection, "CREATE TABLE t (id int)")
    connection.commit()
    execute(connection, "INSERT INTO t VALUES (1)")
    connection.rollback()
    assert query(connection, "SELECT count(*) FROM t") == [[0]]


@pytest.mark.filterwarnings("ignore:ssl.*deprecated:DeprecationWarning")
def test_ssl_is_refused(redshift_connect: RedshiftConnect) -> None:
    with pytest.raises(InterfaceError, match="Server refuses SSL"):
        redshift_connect(ssl=True)
    assert query(redshift_connect(), "SELECT 1") == [[1]]


def test_concurrent_connections(redshift_connect: RedshiftConnect) -> None:
    writer, reader = redshift_connect(), redshift_connect()
    execute(writer, "CREATE TABLE t (id int)")
    writer.commit()
    execute(writer, "INSERT INTO t VALUES (1)")
    assert query(reader, "SELECT count(*) FROM t") == [[0]]
    writer.commit()
    reader.rollback()
    assert query(reader, "SELECT count(*) FROM t") == [[1]]

    results: dict[int, list[list[Any]]] = {}

    def sleep_and_count(index: int, connection: Connection) -> None:
        results[index] = query(connection, "SELECT pg_sleep(0.5), count(*) FROM t")

    threads = [threading.Thread(target=sleep_and_count, args=(index, connection))
               for index, connection in enumerate((writer, reader))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 0.95, "the two queries did not run side by side"
    assert [results[0][0][1], results[1][0][1]] == [1, 1]


def test_a_varchar_is_widened_only_outside_a_transaction_block(
        redshift_connect: RedshiftConnect) -> None:
    connection = redshift_connect()
    execute(connection, 'CREATE TABLE t (id int, name varchar(4), code varchar(4) '
                        "DEFAULT 'x')")
    connection.commit()
    with pytest.raises(ProgrammingError, match="cannot run inside a transaction block"):
        execute(connection, 'ALTER TABLE "t" ALTER COLUMN "name" TYPE VARCHAR(8)')
    connection.rollback()
    connection.autocommit = True
    with pytest.raises(ProgrammingError, match="only changes the size of a VARCHAR"):
        execute(connection, "ALTER TABLE t ALTER COLUMN id TYPE bigint")
    with pytest.raises(ProgrammingError, match='"code": it has a default value'):
        execute(connection, 'ALTER TABLE "t" ALTER COLUMN "code" TYPE VARCHAR(8)')
    execute(connection, 'ALTER TABLE "t" ALTER COLUMN "name" TYPE VARCHAR(8)')
    assert query(connection, "SELECT column_name, character_maximum_length FROM "
                             "information_schema.columns WHERE table_name = 't' "
                             "ORDER BY ordinal_position") == [["id", None], ["name", 8],
                                                              ["code", 4]]


def test_closing_the_shim_cuts_live_connections(postgres_server: EmbeddedPostgres,
                                                moto_server: str,
                                                redshift_connect: RedshiftConnect) -> None:
    with RedshiftShim(postgres_server.socket_path, moto_server) as shim:
        connection = redshift_connect(port=shim.port)
        assert query(connection, "SELECT 2") == [[2]]
    with pytest.raises(InterfaceError):
        query(connection, "SELECT 3")
    with pytest.raises(ConnectionRefusedError), socket.create_connection(shim.address):
        pass


def test_encryption_requests_are_declined(redshift_shim: RedshiftShim) -> None:
    with socket.create_connection(redshift_shim.address, timeout=5) as raw:
        for code in (80877104, 80877103):  # GSSENCRequest, then SSLRequest
            raw.sendall(struct.pack("!ii", 8, code))
            assert raw.recv(1) == b"N"


def test_cancel_requests_reach_postgres(redshift_shim: RedshiftShim,
                                        postgres_db: PostgresDatabase) -> None:
    with psycopg.connect(host=redshift_shim.host, port=redshift_shim.port,
                         dbname=postgres_db.name, user="postgres", sslmode="disable",
                         autocommit=True) as connection:
        timer = threading.Timer(0.3, connection.cancel_safe)
        timer.start()
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            connection.execute("SELECT pg_sleep(10)")
        timer.join()
        assert time.monotonic() - started < 5
        assert connection.execute("SELECT 1").fetchone() == (1,)


# Redshift COPY from S3


@pytest.fixture
def events(redshift_connect: RedshiftConnect) -> Connection:
    """A connection with an empty ``events (id int, name varchar, note varchar)`` table."""
    connection = redshift_connect()
    execute(connection, "CREATE TABLE events (id int, name varchar(100), note varchar(100))")
    connection.commit()
    return connection


def load(connection: Connection, copy_sql: str) -> list[list[Any]]:
    """Run a COPY, commit, and return the events table in id order."""
    execute(connection, copy_sql)
    connection.commit()
    return query(connection, "SELECT id, name, note FROM events ORDER BY id")


CREDENTIALS = "IAM_ROLE 'arn:aws:iam::123456789012:role/load'"


def test_copy_csv(events: Connection, s3_bucket: S3Bucket) -> None:
    s3_bucket.put("in/events.csv", '1,build,"a, b"\n2,deploy,"say ""hi"""\n3,test,\n')
    rows = load(events, f"COPY events FROM '{s3_bucket.url('in/events.csv')}' {CREDENTIALS} "
                        "FORMAT AS CSV REGION 'us-east-1' TIMEFORMAT 'auto' COMPUPDATE OFF "
                        "STATUPDATE OFF")
    assert rows == [[1, "build", "a, b"], [2, "deploy", 'say "hi"'], [3, "test", None]]


def test_copy_csv_gzip(events: Connection, s3_bucket: S3Bucket) -> None:
    lines = "".join(f"{n},name-{n},ünïcode ✓\n" for n in range(1, 20_001))
    s3_bucket.put("in/events.csv.gz", gzip.compress(lines.encode()))
    rows = load(events, f"COPY events FROM '{s3_bucket.url('in/')}' CREDENTIALS "
                        "'aws_access_key_id=x;aws_secret_access_key=y' CSV GZIP")
    assert len(rows) == 20_000
    assert rows[0] == [1, "name-1", "ünïcode ✓"]
    assert rows[-1] == [20_000, "name-20000", "ünïcode ✓"]


def test_copy_loads_every_object_under_the_prefix_in_key_order(
        redshift_connect: RedshiftConnect, s3_bucket: S3Bucket) -> None:
    connection = redshift_connect()
    execute(connection, "CREATE TABLE seen (n serial, word varchar(20))")
    connection.commit()
    s3_bucket.put("batch/part-002", "delta\n")
    s3_bucket.put("batch/part-000", "alpha\nbeta")  # no final newline
    s3_bucket.put("batch/part-001", "gamma\n")
    s3_bucket.put("batchless/part-000", "never\n")
    s3_bucket.put("other/part-000", "never\n")
    execute(connection, f"COPY seen (word) FROM '{s3_bucket.url('batch/')}' {CREDENTIALS} CSV")
    connection.commit()
    assert query(connection, "SELECT word FROM seen ORDER BY n") == [
        ["alpha"], ["beta"], ["gamma"], ["delta"]]


def test_concurrent_copies(redshift_connect: RedshiftConnect, s3_bucket: S3Bucket) -> None:
    for name in ("east", "west"):
        rows = "".join(f"{n},{name}\n" for n in range(50_000))
        s3_bucket.put(f"{name}/rows.csv.gz", gzip.compress(rows.encode()))
    errors: list[BaseException] = []

    def load_side(name: str) -> None:
        try:
            connection = redshift_connect()
            execute(connection, f"CREATE TABLE {name} (n int, side varchar(10))")
            execute(connection, f"COPY {name} FROM '{s3_bucket.url(name + '/')}' CSV GZIP")
            connection.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load_side, args=(name,)) for name in ("east", "west")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    connection = redshift_connect()
    assert query(connection, "SELECT side, count(*), sum(n) FROM east GROUP BY side UNION ALL "
                             "SELECT side, count(*), sum(n) FROM west GROUP BY side "
                             "ORDER BY 1") == [["east", 50_000, 1_249_975_000],
                                               ["west", 50_000, 1_249_975_000]]


def test_the_same_copy_statement_runs_twice(events: Connection,
                                            s3_bucket: S3Bucket) -> None:
    s3_bucket.put("in/a.csv", "1,one,\n")
    copy_sql = f"COPY events FROM '{s3_bucket.url('in/')}' {CREDENTIALS} CSV"
    execute(events, copy_sql)
    execute(events, copy_sql)  # the driver reuses its prepared statement: Bind/Execute only
    events.commit()
    assert query(events, "SELECT count(*) FROM events") == [[2]]


def test_copy_with_manifest(events: Connection, s3_bucket: S3Bucket) -> None:
    s3_bucket.put("data/a.csv.gz", gzip.compress(b"1,a,\n"))
    s3_bucket.put("data/b.csv.gz", gzip.compress(b"2,b,\n"))
    s3_bucket.put("data/c.csv.gz", gzip.compress(b"3,c,\n"))
    manifest = {"entries": [
        {"url": s3_bucket.url("data/b.csv.gz"), "mandatory": True},
        {"url": s3_bucket.url("data/a.csv.gz"), "mandatory": True},
        {"url": s3_bucket.url("data/missing.csv.gz"), "mandatory": False},
    ]}
    s3_bucket.put("manifests/load.json", json.dumps(manifest))
    rows = load(events, f"COPY events FROM '{s3_bucket.url('manifests/load.json')}' "
                        f"{CREDENTIALS} CSV GZIP MANIFEST")
    assert rows == [[1, "a", None], [2, "b", None]]


def test_copy_with_manifest_missing_a_mandatory_file(events: Connection,
                                                     s3_bucket: S3Bucket) -> None:
    manifest = {"entries": [{"url": s3_bucket.url("data/gone.csv"), "mandatory": True}]}
    s3_bucket.put("load.manifest", json.dumps(manifest))
    with pytest.raises(ProgrammingError, match=r"mandatory file .*gone\.csv"):
        execute(events, f"COPY events FROM '{s3_bucket.url('load.manifest')}' {CREDENTIALS} "
                        "CSV MANIFEST")


def test_copy_ignoreheader_skips_the_header_of_every_object(
        events: Connection, s3_bucket: S3Bucket) -> None:
    s3_bucket.put("in/1.csv", "id,name,note\n1,a,x\n")
    s3_bucket.put("in/2.csv", "id,name,note\n2,b,y\n")
    rows = load(events, f"COPY events FROM '{s3_bucket.url('in/')}' {CREDENTIALS} "
                        "CSV IGNOREHEADER AS 1")
    assert rows == [[1, "a", "x"], [2, "b", "y"]]


def test_copy_null_as(events: Connection, s3_bucket: S3Bucket) -> None:
    s3_bucket.put("in/events.csv", "1,NULL,\n2,,NULL\n")
    rows = load(events, f"COPY events FROM '{s3_bucket.url('in/')}' {CREDENTIALS} "
                        "CSV NULL AS 'NULL'")
    assert rows == [[1, None, ""], [2, "", None]]


def test_copy_default_format_is_pipe_delimited_text(events: Connection,
                                                    s3_bucket: S3Bucket) -> None:
    s3_bucket.put("in/events.txt", "1|a,b|\\N\n2|two words|\n")
    rows = load(events, f"COPY events FROM '{s3_bucket.url('in/')}' {CREDENTIALS}")
    assert rows == [[1, "a,b", None], [2, "two words", ""]]


def test_copy_tab_delimited(events: Connection, s3_bucket: S3Bucket) -> None:
    s3_bucket.put("in/events.tsv", "1\ta|b\tc\n")
    rows = load(events, f"COPY events FROM '{s3_bucket.url('in/')}' {CREDENTIALS} "
                        "DELIMITER '\\t' EMPTYASNULL BLANKSASNULL ACCEPTINVCHARS "
                        "TRUNCATECOLUMNS DATEFORMAT 'auto'")
    assert rows == [[1, "a|b", "c"]]


def test_copy_into_quoted_schema_qualified_table(redshift_connect: RedshiftConnect,
                                                 s3_bucket: S3Bucket) -> None:
    connection = redshift_connect()
    execute(connection, 'CREATE SCHEMA "my schema"')
    execute(connection, 'CREATE TABLE "my schema"."my ""table""" '
                        '("Mixed Case" int, "the ""name""" varchar(10), ignored int)')
    connection.commit()
    s3_bucket.put("in/x.csv", "7,seven\n")
    execute(connection, 'COPY "my schema"."my ""table""" ("Mixed Case", "the ""name""") '
                        f"FROM '{s3_bucket.url('in/')}' {CREDENTIALS} CSV")
    connection.commit()
    assert query(connection, 'SELECT * FROM "my schema"."my ""table"""') == [[7, "seven", None]]


def test_copy_through_the_simple_query_protocol(redshift_shim: RedshiftShim,
                                                postgres_db: PostgresDatabase,
                                                s3_bucket: S3Bucket) -> None:
    s3_bucket.put("in/x.csv", "1,simple,\n")
    with psycopg.connect(host=redshift_shim.host, port=redshift_shim.port,
                         dbname=postgres_db.name, user="postgres", sslmode="disable",
                         autocommit=True, cursor_factory=psycopg.ClientCursor) as connection:
        assert connection.info.parameter_status("server_version") == "8.0.2"
        connection.execute("CREATE TABLE events (id int, name text, note text)")
        connection.execute(f"COPY events FROM '{s3_bucket.url('in/')}' {CREDENTIALS} CSV;")
        rows = connection.execute("SELECT * FROM events").fetchall()
        assert rows == [(1, "simple", None)]
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="FIXEDWIDTH"):
            connection.execute(f"COPY events FROM '{s3_bucket.url('in/')}' FIXEDWIDTH 'a:1'")
        with (pytest.raises(psycopg.errors.QueryCanceled, match="COPY FROM STDIN is not"),
              connection.cursor().copy("COPY events FROM STDIN") as copy):
            copy.write_row((2, "stdin", None))
        assert connection.execute("SELECT count(*) FROM events").fetchone() == (1,)


def test_notices_during_a_copy_reach_the_client(events: Connection,
                                               s3_bucket: S3Bucket) -> None:
    execute(events, """
        CREATE FUNCTION greet() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.id % 5000 = 1 THEN RAISE NOTICE 'loading row %', NEW.id; END IF;
            RETURN NEW;
        END $$""")
    execute(events, "CREATE TRIGGER greet BEFORE INSERT ON events "
                    "FOR EACH ROW EXECUTE FUNCTION greet()")
    s3_bucket.put("in/many.csv", "".join(f"{n},{'x' * 50},\n" for n in range(1, 20_001)))
    execute(events, f"COPY events FROM '{s3_bucket.url('in/')}' {CREDENTIALS} CSV")
    events.commit()
    assert query(events, "SELECT count(*) FROM events") == [[20_000]]
    messages = [notice[b"M"] for notice in events.notices]
    assert messages == [f"loading row {n}".encode() for n in (1, 5001, 10001, 15001)]


# COPY errors


def assert_connection_recovers(connection: Connection) -> None:
    connection.rollback()
    assert query(connection, "SELECT count(*) FROM events") == [[0]]


def test_copy_from_an_empty_prefix_fails_clearly(events: Connection,
                                                 s3_bucket: S3Bucket) -> None:
    s3_bucket.put("elsewhere/x.csv", "1,a,b\n")
    with pytest.raises(ProgrammingError) as raised:
        execute(events, f"COPY events FROM '{s3_bucket.url('nothing/here')}' {CREDENTIALS} CSV")
    assert "The specified S3 prefix 'nothing/here' does not exist" in str(raised.value)
    assert_connection_recovers(events)


def test_copy_from_a_missing_bucket_fails_clearly(events: Connection) -> None:
    with pytest.raises(DatabaseError, match="S3 bucket 'no-such-bucket-"):
        execute(events, f"COPY events FROM 's3://no-such-bucket-{os.getpid()}/x' {CREDENTIALS}")
    assert_connection_recovers(events)


def test_copy_into_a_missing_table_fails_clearly(events: Connection,
                                                 s3_bucket: S3Bucket) -> None:
    s3_bucket.put("in/x.csv", "1,a,\n")
    with pytest.raises(ProgrammingError, match='relation "nowhere" does not exist'):
        execute(events, f"COPY nowhere FROM '{s3_bucket.url('in/')}' {CREDENTIALS} CSV")
    assert_connection_recovers(events)


def test_copy_of_a_malformed_row_names_the_line(events: Connection,
                                                s3_bucket: S3Bucket) -> None:
    s3_bucket.put("in/bad.csv", "1,a,\n2,b,\nthree,c,\n")
    with pytest.raises(ProgrammingError) as raised:
        execute(events, f"COPY events FROM '{s3_bucket.url('in/')}' {CREDENTIALS} CSV")
    error = raised.value.args[0]
    assert error["C"] == "22P02"
    assert 'invalid input syntax for type integer: "three"' in error["M"]
    assert "line 3" in error["W"]
    assert_connection_recovers(events)


def test_copy_stops_streaming_once_postgres_rejects_the_data(events: Connection,
                                                             s3_bucket: S3Bucket) -> None:
    rows = "".join(f"{n},{'y' * 100},\n" for n in range(3, 100_000))
    s3_bucket.put("in/big.csv.gz", gzip.compress(f"1,a,\nbad,b,\n{rows}".encode()))
    with pytest.raises(ProgrammingError) as raised:
        execute(events, f"COPY events FROM '{s3_bucket.url('in/')}' {CREDENTIALS} CSV GZIP")
    assert "line 2" in raised.value.args[0]["W"]
    assert_connection_recovers(events)


def test_copy_with_an_unsupported_option_fails_clearly(events: Connection,
                                                       s3_bucket: S3Bucket) -> None:
    s3_bucket.put("in/x.json", "{}\n")
    with pytest.raises(ProgrammingError,
                       match="COPY FORMAT JSON is not supported"):
        execute(events, f"COPY events FROM '{s3_bucket.url('in/')}' {CREDENTIALS} "
                        "FORMAT AS JSON 'auto'")
    assert_connection_recovers(events)
    with pytest.raises(ProgrammingError, match="MAXERROR is not supported"):
        execute(events, f"COPY events FROM '{s3_bucket.url('in/')}' CSV MAXERROR 10")
    assert_connection_recovers(events)


# The COPY translation itself


@pytest.mark.parametrize(("redshift", "postgres", "expected_load"), [
    (
        'copy "my schema"."my ""table""" ("A", b) from \'s3://bkt/pre/fix\'\n'
        "  iam_role default csv quote as '''' delimiter ';' null as '' gzip",
        'COPY "my schema"."my ""table""" ("A", b) FROM STDIN WITH '
        "(FORMAT csv, DELIMITER ';', NULL '', FORCE_NULL *, QUOTE '''')",
        S3Load("s3://bkt/pre/fix", gzip=True, csv=True),
    ),
    (
        "COPY public.t FROM 's3://bkt/m.json' WITH CREDENTIALS AS 'x' MANIFEST IGNOREHEADER 2;",
        "COPY public.t FROM STDIN WITH (FORMAT text, DELIMITER '|')",
        S3Load("s3://bkt/m.json", manifest=True, ignore_header=2),
    ),
])
def test_translate_copy(redshift: str, postgres: str, expected_load: S3Load) -> None:
    translated = translate_copy(redshift)
    assert translated is not None
    assert translated.sql == postgres
    assert translated.load == expected_load


@pytest.mark.parametrize("sql", [
    "SELECT 1",
    "COPY t FROM STDIN",
    "COPY t TO STDOUT",
    "copy_history()",
    "COPY (SELECT 1) TO STDOUT",
])
def test_other_statements_are_not_translated(sql: str) -> None:
    assert translate_copy(sql) is None
