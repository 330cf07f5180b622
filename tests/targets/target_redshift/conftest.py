"""The warehouses every target-redshift behaviour runs against."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from tests.support.warehouses import Warehouse

SCHEMA = "analytics"
ALL = ["duckdb", "postgres", "redshift", "redshift-s3"]


def _duckdb(path: Path) -> Any:
    def query(sql: str) -> list[tuple[Any, ...]]:
        connection = duckdb.connect(str(path), read_only=True)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    return query


def _postgres(conninfo: str) -> Any:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            return list(connection.execute(sql.encode()).fetchall())

    return query


def make_warehouse(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    if kind == "duckdb":
        path = tmp_path / "warehouse.duckdb"
        return Warehouse(kind, {"url": f"duckdb://{path}", "schema": SCHEMA}, _duckdb(path),
                         SCHEMA, tmp_path)
    database = request.getfixturevalue("postgres_db")
    query = _postgres(database.conninfo)
    if kind == "postgres":
        return Warehouse(kind, {"url": database.uri, "schema": SCHEMA}, query, SCHEMA, tmp_path)
    shim = request.getfixturevalue("redshift_shim")
    url = f"redshift://{database.user}:@{shim.host}:{shim.port}/{database.name}?sslmode=disable"
    config: dict[str, Any] = {"url": url, "schema": SCHEMA}
    if kind == "redshift-s3":
        bucket = request.getfixturevalue("s3_bucket")
        config["s3_staging"] = {
            "url": f"s3://{bucket.name}/staging",
            "credentials": {"aws_access_key_id": "testing",
                            "aws_secret_access_key": "testing-secret"},
            "endpoint_url": bucket.endpoint_url,
        }
    return Warehouse(kind, config, query, SCHEMA, tmp_path)


@pytest.fixture(params=ALL)
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    return make_warehouse(request.param, request, tmp_path)


@pytest.fixture(params=["duckdb", "postgres"])
def fast_warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    """For behaviours that do not depend on the dialect's load path."""
    return make_warehouse(request.param, request, tmp_path)
