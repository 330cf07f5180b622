"""A full refresh keeps what others set on a table: grants, owner, views, Redshift keys."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.support import redshift_shim
from tests.support.warehouses import Warehouse, run_target
from tests.targets.target_redshift.test_integrity import KEYED
from tests.targets.target_redshift.test_loading import record, schema_message


def _sql(request: pytest.FixtureRequest, statement: str) -> list[Any]:
    conninfo = request.getfixturevalue("postgres_db").conninfo
    with psycopg.connect(conninfo, autocommit=True) as connection:
        cursor = connection.execute(statement.encode())
        return list(cursor.fetchall()) if cursor.description else []


def _role(request: pytest.FixtureRequest, name: str) -> None:
    _sql(request, f"DO $$ BEGIN CREATE ROLE {name}; EXCEPTION WHEN duplicate_object "
                  "THEN NULL; END $$")


def _run(warehouse: Warehouse, v: str, **settings: Any) -> Any:
    wider = {"type": "object", "properties": {**KEYED["properties"],
                                              "note": {"type": ["null", "string"]}}}
    schema = wider if v == "three" else KEYED
    return run_target(warehouse, [schema_message("g", schema, ["id"]),
                                  record("g", {"id": 1, "v": v, "tags": ["t"],
                                               **({"note": "n" * 300} if v == "three" else {})
                                               })], **settings)


@pytest.fixture(params=["postgres", "redshift"])
def server(request: pytest.FixtureRequest, tmp_path: Any) -> Warehouse:
    from tests.targets.target_redshift.conftest import make_warehouse

    return make_warehouse(request.param, request, tmp_path)


def test_grants_survive_a_full_refresh(server: Warehouse, request: pytest.FixtureRequest
                                       ) -> None:
    _role(request, "bi_reader")
    assert _run(server, "one").returncode == 0
    _sql(request, "GRANT USAGE ON SCHEMA analytics TO bi_reader")
    _sql(request, "GRANT SELECT ON analytics.g TO bi_reader")
    _sql(request, "GRANT SELECT, INSERT ON analytics.g__tags TO PUBLIC")
    result = _run(server, "two")
    assert result.returncode == 0, result.stderr
    # Again with a wider string, which Redshift answers with a rebuilt table.
    result = _run(server, "three", load_method="upsert")
    assert result.returncode == 0, result.stderr
    assert _sql(request, "SELECT has_table_privilege('bi_reader', 'analytics.g', 'SELECT'), "
                         "has_table_privilege('bi_reader', 'analytics.g', 'INSERT')") == [
        (True, False)]
    acl = _sql(request, "SELECT relacl::text FROM pg_class WHERE relname = 'g__tags'")[0][0]
    assert "=ar/" in acl
    assert [r["v"] for r in server.rows("g")] == ["three"]


def test_views_stop_a_swap_with_a_hint_and_replace_in_place_keeps_them(
        server: Warehouse, request: pytest.FixtureRequest) -> None:
    assert _run(server, "one").returncode == 0
    _sql(request, "CREATE VIEW analytics.g_report AS SELECT id, v FROM analytics.g")
    result = _run(server, "two")
    assert result.returncode == 1
    assert "analytics.g is read by analytics.g_report" in result.stderr
    assert '"replace_in_place": true' in result.stderr
    assert [r["v"] for r in server.rows("g")] == ["one"]
    result = _run(server, "three", replace_in_place=True)
    assert result.returncode == 0, result.stderr
    assert _sql(request, "SELECT id, v FROM analytics.g_report") == [(1, "three")]
    assert [r["note"] for r in server.rows("g")] == ["n" * 300]
    assert server.count("g__tags") == 1
    assert not [t for t in server.tables() if t.startswith("_observes")]


def test_replace_in_place_on_duckdb(request: pytest.FixtureRequest, tmp_path: Any) -> None:
    from tests.targets.target_redshift.conftest import make_warehouse

    warehouse = make_warehouse("duckdb", request, tmp_path)
    assert _run(warehouse, "one").returncode == 0
    result = _run(warehouse, "three", streams={"g": {"replace_in_place": True}})
    assert result.returncode == 0, result.stderr
    assert [(r["v"], r["note"]) for r in warehouse.rows("g")] == [("three", "n" * 300)]


def _layouts(request: pytest.FixtureRequest, tmp_path: Any,
             **streams: dict[str, Any]) -> dict[str, str]:
    """The layout clause of each table a Redshift upsert run creates, by table name."""
    from tests.targets.target_redshift.conftest import make_warehouse

    warehouse = make_warehouse("redshift", request, tmp_path)
    redshift_shim.LAYOUTS_SEEN.clear()
    result = _run(warehouse, "one", load_method="upsert", streams=streams)
    assert result.returncode == 0, result.stderr
    assert not [head for head, _ in redshift_shim.LAYOUTS_SEEN if "TEMPORARY" in head]
    return {head.rsplit(".", 1)[-1].strip('"'): clause
            for head, clause in redshift_shim.LAYOUTS_SEEN}


def test_redshift_tables_take_the_keys_a_stream_sets(request: pytest.FixtureRequest,
                                                      tmp_path: Any) -> None:
    seen = _layouts(request, tmp_path, g={"distkey": "id", "sortkey": ["id", "v"]})
    assert seen["g"] == 'DISTKEY("id") SORTKEY("id", "v")'
    assert seen["g__tags"] == "DISTSTYLE AUTO SORTKEY AUTO"


@pytest.mark.parametrize(("settings", "clause"), [
    ({}, "DISTSTYLE AUTO SORTKEY AUTO"),
    ({"distkey": "id"}, 'DISTKEY("id") SORTKEY AUTO'),
    ({"sortkey": ["v"]}, 'DISTSTYLE AUTO SORTKEY("v")'),
])
def test_redshift_chooses_the_keys_a_stream_does_not_set(
        request: pytest.FixtureRequest, tmp_path: Any, settings: dict[str, Any],
        clause: str) -> None:
    seen = _layouts(request, tmp_path, g=settings)
    assert seen == {"g": clause, "g__tags": "DISTSTYLE AUTO SORTKEY AUTO"}


def test_grants_carry_over_by_the_warehouse_s_privilege_names(
        server: Warehouse, request: pytest.FixtureRequest) -> None:
    """The letter D is TRUNCATE on PostgreSQL and DROP on Redshift (whose GRANT has no
    TRUNCATE): each dialect grants it by its own name; a grant option is not carried,
    and the summary says so."""
    _role(request, "bi_admin")
    assert _run(server, "one").returncode == 0
    _sql(request, "GRANT USAGE ON SCHEMA analytics TO bi_admin")
    # On the shim's PostgreSQL, TRUNCATE is the D that Redshift's DROP is.
    _sql(request, "GRANT TRUNCATE, DELETE ON analytics.g TO bi_admin")
    _sql(request, "GRANT SELECT ON analytics.g TO bi_admin WITH GRANT OPTION")
    result = _run(server, "two")
    assert result.returncode == 0, result.stderr
    assert _sql(request, "SELECT has_table_privilege('bi_admin', 'analytics.g', 'TRUNCATE'), "
                         "has_table_privilege('bi_admin', 'analytics.g', 'DELETE'), "
                         "has_table_privilege('bi_admin', 'analytics.g', 'SELECT'), "
                         "has_table_privilege('bi_admin', 'analytics.g', "
                         "'SELECT WITH GRANT OPTION')") == [(True, True, True, False)]
    assert ("analytics.g was built anew without the grant option of bi_admin"
            in result.stderr), result.stderr


def test_an_upper_case_schema_is_folded_as_redshift_folds_it(
        server: Warehouse, request: pytest.FixtureRequest) -> None:
    """Redshift keeps "Analytics" as analytics: a second run finds its tables, and a
    replace its grants and views."""
    _role(request, "bi_reader")
    folded = "analytics" if server.kind == "redshift" else "Analytics"
    settings = {"schema": "Analytics", "run_ledger_schema": "Analytics",
                "job_name": "folding"}
    assert _run(server, "one", load_method="upsert", **settings).returncode == 0
    result = _run(server, "two", load_method="upsert", **settings)
    assert result.returncode == 0, result.stderr
    _sql(request, f'GRANT USAGE ON SCHEMA "{folded}" TO bi_reader')
    _sql(request, f'GRANT SELECT ON "{folded}".g TO bi_reader')
    _sql(request, f'CREATE VIEW "{folded}".g_report AS SELECT id, v FROM "{folded}".g')
    result = _run(server, "three", **settings)
    assert result.returncode == 1
    assert f"{folded}.g is read by {folded}.g_report" in result.stderr
    _sql(request, f'DROP VIEW "{folded}".g_report')
    result = _run(server, "three", **settings)
    assert result.returncode == 0, result.stderr
    assert _sql(request, f"SELECT has_table_privilege('bi_reader', '\"{folded}\".g', "
                         "'SELECT')") == [(True,)]
    assert _sql(request, f'SELECT v FROM "{folded}".g') == [("three",)]
    assert _sql(request, f'SELECT count(*) FROM "{folded}".observes_runs') == [(6,)]
