"""A column's type change keeps everything else the table holds: every other column's
whole type and values, defaults, comments; and a view that would block it is named first.

On Redshift a type change rebuilds the table (a deep copy inside the run's transaction);
PostgreSQL changes the column in place. Both must give back the same table.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest

from tests.support.fixture_types import RedshiftConnect
from tests.support.warehouses import Warehouse, run_target
from tests.targets.target_redshift.test_loading import record, schema_message

V1 = {"type": "object", "properties": {
    "id": {"type": "integer"}, "n": {"type": "integer"},
    "amount": {"type": ["null", "number"], "multipleOf": 0.01},
    "rate": {"type": ["null", "number"], "multipleOf": 0.000001},
    "s": {"type": "string"}}}
V2 = {**V1, "properties": {**V1["properties"], "n": {"type": "number"}}}


def _sql(request: pytest.FixtureRequest, statement: str) -> list[Any]:
    conninfo = request.getfixturevalue("postgres_db").conninfo
    with psycopg.connect(conninfo, autocommit=True) as connection:
        cursor = connection.execute(statement.encode())
        return list(cursor.fetchall()) if cursor.description else []


@pytest.fixture(params=["postgres", "redshift"])
def server(request: pytest.FixtureRequest, tmp_path: Any) -> Warehouse:
    from tests.targets.target_redshift.conftest import make_warehouse

    return make_warehouse(request.param, request, tmp_path)


def _first(server: Warehouse) -> None:
    result = run_target(server, [schema_message("d", V1, ["id"]),
                                 record("d", {"id": 1, "n": 5, "amount": 12.34,
                                              "rate": 0.000123, "s": "abc"})],
                        load_method="upsert")
    assert result.returncode == 0, result.stderr


def _second(server: Warehouse) -> Any:
    return run_target(server, [schema_message("d", V2, ["id"]),
                               record("d", {"id": 2, "n": 2.5, "amount": 99999.99,
                                            "rate": 1.5, "s": "x" * 40})],
                      load_method="upsert")


def test_a_type_change_keeps_every_decimal_exact(server: Warehouse) -> None:
    _first(server)
    result = _second(server)
    assert result.returncode == 0, result.stderr
    rows = sorted((r["id"], r["n"], r["amount"], r["rate"], r["s"]) for r in server.rows("d"))
    assert rows == [(1, 5.0, Decimal("12.34"), Decimal("0.000123"), "abc"),
                    (2, 2.5, Decimal("99999.99"), Decimal("1.500000"), "x" * 40)]
    columns = dict(server.columns("d"))
    assert columns["amount"] == columns["rate"] == "numeric"
    scales = server.query("SELECT column_name, numeric_precision, numeric_scale FROM "
                          "information_schema.columns WHERE table_schema = 'analytics' "
                          "AND table_name = 'd' AND data_type = 'numeric' ORDER BY 1")
    assert scales == [("amount", 38, 2), ("rate", 38, 6)]
    # A third run widens nothing: the decimals read back as they are.
    third = _second(server)
    assert third.returncode == 0, third.stderr
    assert "widened" not in third.stderr


def test_a_type_change_keeps_defaults_and_comments(server: Warehouse,
                                                   request: pytest.FixtureRequest) -> None:
    _first(server)
    _sql(request, "ALTER TABLE analytics.d ADD COLUMN loaded_by VARCHAR(20) "
                  "DEFAULT 'etl' NOT NULL")
    _sql(request, "COMMENT ON TABLE analytics.d IS 'jobs, one row a job'")
    _sql(request, "COMMENT ON COLUMN analytics.d.amount IS 'in euros'")
    result = _second(server)
    assert result.returncode == 0, result.stderr
    assert sorted((r["id"], r["loaded_by"]) for r in server.rows("d")) == [(1, "etl"),
                                                                           (2, "etl")]
    assert _sql(request, "SELECT column_default, is_nullable FROM information_schema.columns "
                         "WHERE table_name = 'd' AND column_name = 'loaded_by'") == [
        ("'etl'::character varying", "NO")]
    assert _sql(request, "SELECT obj_description(attrelid, 'pg_class'), "
                         "col_description(attrelid, attnum) FROM pg_attribute WHERE "
                         "attrelid = 'analytics.d'::regclass AND attname = 'amount'") == [
        ("jobs, one row a job", "in euros")]


def test_a_view_on_a_table_that_must_be_rebuilt_is_named_before_anything_changes(
        server: Warehouse, request: pytest.FixtureRequest) -> None:
    _first(server)
    _sql(request, "CREATE VIEW analytics.d_report AS SELECT id, n FROM analytics.d")
    result = _second(server)
    if server.kind == "postgres":  # PostgreSQL changes the column in place
        pytest.skip("only Redshift rebuilds the table")
    assert result.returncode == 1
    message = [line for line in result.stderr.splitlines() if "d_report" in line]
    assert message and "cannot change column n of analytics.d" in message[0], result.stderr
    assert "analytics.d_report" in message[0]
    assert "WITH NO SCHEMA BINDING" in message[0]
    assert _sql(request, "SELECT id, n FROM analytics.d_report") == [(1, 5)]


def test_a_boolean_that_becomes_text_reads_true_or_false(server: Warehouse) -> None:
    """Redshift cannot CAST a BOOLEAN to VARCHAR: the rebuild spells it out."""
    flag = {"type": "object", "properties": {"id": {"type": "integer"},
                                             "ok": {"type": ["null", "boolean"]}}}
    text = {"type": "object", "properties": {"id": {"type": "integer"},
                                             "ok": {"type": ["null", "string"]}}}
    first = run_target(server, [schema_message("b", flag, ["id"]),
                                record("b", {"id": 1, "ok": True}),
                                record("b", {"id": 2, "ok": False}),
                                record("b", {"id": 3, "ok": None})], load_method="upsert")
    assert first.returncode == 0, first.stderr
    second = run_target(server, [schema_message("b", text, ["id"]),
                                 record("b", {"id": 4, "ok": "maybe"})], load_method="upsert")
    assert second.returncode == 0, second.stderr
    assert sorted((r["id"], r["ok"]) for r in server.rows("b")) == [
        (1, "true"), (2, "false"), (3, None), (4, "maybe")]


def _oid(request: pytest.FixtureRequest) -> int:
    return int(_sql(request, "SELECT 'analytics.d'::regclass::oid")[0][0])


def _longer_string(server: Warehouse) -> Any:
    return run_target(server, [schema_message("d", V1, ["id"]),
                               record("d", {"id": 2, "n": 7, "amount": 1.5, "rate": None,
                                            "s": "y" * 300})], load_method="upsert")


def test_a_growing_string_is_widened_in_place_where_a_view_reads_the_table(
        server: Warehouse, request: pytest.FixtureRequest) -> None:
    """Redshift widens a VARCHAR with ALTER COLUMN TYPE outside the batch's transaction:
    the table is not rebuilt, so a view on its other columns does not stop the run."""
    _first(server)
    _sql(request, "CREATE VIEW analytics.d_report AS SELECT id, n FROM analytics.d")
    before = _oid(request)
    result = _longer_string(server)
    assert result.returncode == 0, result.stderr
    assert _oid(request) == before
    assert "widened: s: VARCHAR(16) -> VARCHAR(512)" in result.stderr
    assert sorted((r["id"], r["n"], r["amount"], r["s"]) for r in server.rows("d")) == [
        (1, 5, Decimal("12.34"), "abc"), (2, 7, Decimal("1.50"), "y" * 300)]
    assert dict(server.columns("d"))["s"] == "character varying(512)"
    assert _sql(request, "SELECT count(*) FROM analytics.d_report") == [(2,)]


def test_a_string_with_a_default_grows_by_rebuilding_the_table(
        server: Warehouse, request: pytest.FixtureRequest) -> None:
    """Redshift does not alter a column that has a default: the table is rebuilt inside
    the batch's transaction instead, default kept."""
    _first(server)
    _sql(request, "ALTER TABLE analytics.d ALTER COLUMN s SET DEFAULT 'none'")
    before = _oid(request)
    result = _longer_string(server)
    assert result.returncode == 0, result.stderr
    assert (_oid(request) == before) == (server.kind == "postgres")
    assert sorted((r["id"], r["s"]) for r in server.rows("d")) == [(1, "abc"),
                                                                  (2, "y" * 300)]
    assert _sql(request, "SELECT column_default FROM information_schema.columns WHERE "
                         "table_name = 'd' AND column_name = 's'") == [
        ("'none'::character varying",)]


def test_a_view_on_the_growing_string_is_named_and_the_table_kept(
        server: Warehouse, request: pytest.FixtureRequest) -> None:
    """A view bound to the column refuses both ALTER COLUMN TYPE and the rebuild."""
    _first(server)
    _sql(request, "CREATE VIEW analytics.d_names AS SELECT id, s FROM analytics.d")
    result = _longer_string(server)
    assert result.returncode == 1
    assert "analytics.d_names" in result.stderr
    assert sorted((r["id"], r["s"]) for r in server.rows("d")) == [(1, "abc")]
    assert dict(server.columns("d"))["s"] == "character varying(16)"


def _encodings(connect: RedshiftConnect) -> dict[str, str]:
    """Each column of analytics.d with its encoding, read as Redshift's catalogue gives it."""
    connection = connect()
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("SELECT a.attname, format_encoding(a.attencodingtype::integer) "
                   "FROM pg_attribute a WHERE a.attrelid = 'analytics.d'::regclass "
                   "AND a.attnum > 0 AND NOT a.attisdropped")
    return {str(name): str(encoding) for name, encoding in cursor.fetchall()}


def _encoded(connect: RedshiftConnect, table: str = "d") -> list[Any]:
    """SVV_TABLE_INFO.encoded of analytics.TABLE: ``Y, AUTO(ENCODE)`` for an ENCODE AUTO
    table, ``Y`` or ``N`` for another; None where the shim's catalogue holds a statement the
    docs leave undefined; no row for an empty table."""
    connection = connect()
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("SELECT encoded FROM svv_table_info WHERE \"schema\" = 'analytics' "
                   "AND \"table\" = %s", (table,))
    return [row[0] for row in cursor.fetchall()]


def _chosen_encodings(request: pytest.FixtureRequest) -> list[Any]:
    """The encodings a statement gave analytics.d's columns, as the shim records them."""
    return _sql(request, "SELECT attnum, code FROM redshift_shim.encodings "
                         "WHERE attrelid = 'analytics.d'::regclass ORDER BY attnum")


def test_a_rebuild_keeps_every_column_encoding(tmp_path: Any, request: pytest.FixtureRequest,
                                               redshift_connect: RedshiftConnect) -> None:
    """Redshift's rebuild recreates the table: a table whose encodings were set by hand
    (no longer ENCODE AUTO) keeps each column's ENCODE, but that of one whose type changes
    (AZ64 takes no DOUBLE PRECISION), which Redshift chooses; and it is still not ENCODE
    AUTO."""
    from tests.targets.target_redshift.conftest import make_warehouse

    server = make_warehouse("redshift", request, tmp_path)
    _first(server)
    connection = redshift_connect()
    connection.autocommit = True
    connection.cursor().execute("ALTER TABLE analytics.d ALTER COLUMN s ENCODE zstd, "
                                "ALTER COLUMN amount ENCODE raw, ALTER COLUMN id ENCODE delta")
    before = _encodings(redshift_connect)
    assert (before["s"], before["amount"], before["id"], before["n"]) == (
        "zstd", "none", "delta", "az64")
    assert _encoded(redshift_connect) == ["Y"]
    oid = _oid(request)

    result = _second(server)

    assert result.returncode == 0, result.stderr
    assert _oid(request) != oid  # rebuilt
    after = _encodings(redshift_connect)
    assert after == {**before, "n": "none"}
    assert _encoded(redshift_connect) == ["Y"]  # the CREATE TABLE had no ENCODE AUTO
    assert sorted((r["id"], r["n"], r["s"]) for r in server.rows("d")) == [
        (1, 5.0, "abc"), (2, 2.5, "x" * 40)]


def test_a_growing_string_redshift_will_not_alter_keeps_its_encoding(
        tmp_path: Any, request: pytest.FixtureRequest,
        redshift_connect: RedshiftConnect) -> None:
    """ALTER COLUMN TYPE refuses a BYTEDICT column: the table is rebuilt, the column
    still BYTEDICT, and the summary says why."""
    from tests.targets.target_redshift.conftest import make_warehouse

    server = make_warehouse("redshift", request, tmp_path)
    _first(server)
    connection = redshift_connect()
    connection.autocommit = True
    connection.cursor().execute("ALTER TABLE analytics.d ALTER COLUMN s ENCODE bytedict")

    result = _longer_string(server)

    assert result.returncode == 0, result.stderr
    assert "analytics.d.s was widened by rebuilding the table" in result.stderr
    assert "BYTEDICT" in result.stderr
    assert _encodings(redshift_connect)["s"] == "bytedict"
    assert dict(server.columns("d"))["s"] == "character varying(512)"
    assert sorted((r["id"], r["s"]) for r in server.rows("d")) == [(1, "abc"), (2, "y" * 300)]


def test_a_rebuild_of_an_encode_auto_table_leaves_every_encoding_to_redshift(
        tmp_path: Any, request: pytest.FixtureRequest,
        redshift_connect: RedshiftConnect) -> None:
    """A table the target made is ENCODE AUTO; its copy is made ENCODE AUTO with no
    column's ENCODE (a statement with both means two things in "CREATE TABLE"), so
    Redshift goes on choosing every encoding."""
    from tests.targets.target_redshift.conftest import make_warehouse

    server = make_warehouse("redshift", request, tmp_path)
    _first(server)
    assert _encoded(redshift_connect) == ["Y, AUTO(ENCODE)"]
    oid = _oid(request)

    result = _second(server)

    assert result.returncode == 0, result.stderr
    assert _oid(request) != oid  # rebuilt
    assert _encoded(redshift_connect) == ["Y, AUTO(ENCODE)"]
    assert _chosen_encodings(request) == []  # no column's ENCODE given
    assert _encodings(redshift_connect)["n"] == "none"  # Redshift's own for DOUBLE PRECISION
    assert sorted((r["id"], r["n"], r["amount"], r["s"]) for r in server.rows("d")) == [
        (1, 5.0, Decimal("12.34"), "abc"), (2, 2.5, Decimal("99999.99"), "x" * 40)]


@pytest.mark.parametrize(("create", "then", "encoded"), [
    ("CREATE TABLE analytics.t (a int, b varchar(8))", "", ["Y, AUTO(ENCODE)"]),
    ("CREATE TABLE analytics.t (a int, b varchar(8)) ENCODE AUTO", "", ["Y, AUTO(ENCODE)"]),
    ("CREATE TABLE analytics.t (a int ENCODE raw, b varchar(8) ENCODE raw)", "", ["N"]),
    ("CREATE TABLE analytics.t (a int ENCODE az64, b varchar(8))", "", ["Y"]),
    ("CREATE TABLE analytics.t (a int, b varchar(8))",
     "ALTER TABLE analytics.t ALTER COLUMN b ENCODE zstd", ["Y"]),
    ("CREATE TABLE analytics.t (a int ENCODE az64, b varchar(8))",
     "ALTER TABLE analytics.t ALTER ENCODE AUTO", ["Y, AUTO(ENCODE)"]),
    ("CREATE TABLE analytics.t (a int ENCODE az64, b varchar(8)) ENCODE AUTO", "", [None]),
])
def test_the_shim_keeps_what_the_docs_say_of_encode_auto(
        create: str, then: str, encoded: list[Any],
        redshift_connect: RedshiftConnect) -> None:
    """What the Redshift shim records of a table's ENCODE AUTO, from "CREATE TABLE" and
    "ALTER TABLE": a column's ENCODE ends it, ALTER ENCODE AUTO brings it back, and a
    statement with both, which the docs give two meanings, is left undefined (NULL)."""
    connection = redshift_connect()
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("CREATE SCHEMA IF NOT EXISTS analytics")
    cursor.execute(create)
    assert _encoded(redshift_connect, "t") == []  # SVV_TABLE_INFO shows no empty table
    cursor.execute("INSERT INTO analytics.t VALUES (1, 'a')")
    if then:
        cursor.execute(then)

    assert _encoded(redshift_connect, "t") == encoded
