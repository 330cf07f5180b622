"""target-redshift load-parts: parts written by target-s3 (csv) loaded as one replace that
holds exactly what target-redshift loads from the same records, on every dialect; and a
missing, short or surplus part loads nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from observes_singer.singer.messages import dumps_exact
from observes_singer.singer.schema_union import merge_schemas
from observes_singer.store.storage import BlobStore
from tests.support.s3 import S3Bucket
from tests.support.warehouses import Warehouse, run_target
from tests.targets.target_redshift.conftest import make_warehouse

SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "name": {"type": ["string", "null"]},
    "price": {"type": ["number", "null"]},
    "created": {"type": ["string", "null"], "format": "date-time"},
    "owner": {"type": "object", "properties": {"login": {"type": "string"},
                                               "level": {"type": "integer"}}},
    "tags": {"type": "array", "items": {"type": "string"}},
    "lines": {"type": "array", "items": {"type": "object", "properties": {
        "sku": {"type": "string"}, "qty": {"type": "integer"}}}},
    "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
    "big": {},
}}
#: The third shard saw a field the others did not: its schema is wider.
WIDER = {**SCHEMA, "properties": {**SCHEMA["properties"], "note": {"type": "string"}}}


def encode(messages: list[dict[str, Any]]) -> bytes:
    return b"".join(dumps_exact(m) + b"\n" for m in messages)


def record(n: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": n, "name": f"item {n} " + "ñ" * (n % 7) if n % 5 else None,
        "price": n / 4, "created": f"2026-11-{1 + n % 28:02d}T10:00:00+02:00",
        "owner": {"login": f"user{n % 3}", "level": n % 4},
        "tags": ["a", "b"][: n % 3],
        "lines": [{"sku": f"s{n}-{i}", "qty": i} for i in range(n % 4)],
        "attributes": {f"k{i}": "v" * i for i in range(n % 3)},
        "big": 10**30 + n if n % 2 else {"nested": [n]},
    }
    if n >= 200:
        item["note"] = "x" * (n % 50)
    return item


def part_messages(ids: range, schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "SCHEMA", "stream": "Orders", "schema": schema, "key_properties": ["id"]},
            *({"type": "RECORD", "stream": "Orders", "record": record(n)} for n in ids)]


PARTS = [(range(0, 90), SCHEMA), (range(90, 200), SCHEMA), (range(200, 300), WIDER)]


def write_parts(root: str, workdir: Path, endpoint: str | None,
                parts: list[tuple[range, dict[str, Any]]] = PARTS, **settings: Any) -> None:
    for index, (ids, schema) in enumerate(parts):
        write_part(root, index, workdir, endpoint, part_messages(ids, schema), **settings)


def write_part(root: str, index: int, workdir: Path, endpoint: str | None,
               messages: list[dict[str, Any]], **settings: Any) -> None:
    """What one shard's target-s3 (csv, gzip) writes of the messages, as ``part_<index>``."""
    config = workdir / f"s3-{index}.json"
    config.write_bytes(orjson.dumps({
        "url": f"{root}part_{index}", "format": "csv", "compression": "gzip",
        "max_rows_per_object": 40, **({"endpoint_url": endpoint} if endpoint else {}),
        **settings}))
    done = subprocess.run([sys.executable, "-m", "target_s3.cli", "--config", str(config)],
                          input=encode(messages), capture_output=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr.decode()


def load_parts(warehouse: Warehouse, root: str, count: int, *extra: str,
               env: dict[str, str] | None = None, **settings: Any
               ) -> subprocess.CompletedProcess[str]:
    path = warehouse.workdir / "parts-config.json"
    path.write_bytes(orjson.dumps({**warehouse.config, **settings}))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVES_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "target_redshift.cli", "load-parts", root, "--parts", str(count),
         "--config", str(path), *extra], capture_output=True, text=True, env=environment,
        cwd=warehouse.workdir, timeout=180, check=False)


def contents(warehouse: Warehouse, schema: str) -> dict[str, Any]:
    """Every table of the schema: its columns with their types, and its rows by id."""
    saved = warehouse.schema
    warehouse.schema = schema
    try:
        return {table: (warehouse.columns(table),
                        sorted(tuple(sorted((k, str(v)) for k, v in row.items()))
                                for row in warehouse.rows(table)))
                for table in warehouse.tables() if table != "observes_runs"}
    finally:
        warehouse.schema = saved


@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift-s3"])
def test_parts_load_exactly_what_the_target_loads_from_the_records(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path, s3_bucket: S3Bucket) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    root = s3_bucket.url("dynamo/run-1/")
    write_parts(root, tmp_path, s3_bucket.endpoint_url)
    # Yesterday's table, to be replaced whole.
    old = run_target(warehouse, encode(part_messages(range(1000, 1003), SCHEMA)))
    assert old.returncode == 0, old.stderr

    done = load_parts(warehouse, root, 3, endpoint_url=s3_bucket.endpoint_url,
                      env={"OBSERVES_JOB": "dynamo-load", "OBSERVES_RUN_ID": "r-9"})
    assert done.returncode == 0, done.stderr
    assert "3 parts, 300 records of 1 streams" in done.stderr
    assert "deleted the run's" in done.stderr

    merged = merge_schemas(SCHEMA, WIDER)
    direct = run_target(warehouse, encode([
        {"type": "SCHEMA", "stream": "Orders", "schema": merged, "key_properties": ["id"]},
        *({"type": "RECORD", "stream": "Orders", "record": record(n)} for n in range(300))]),
        schema="direct", add_record_metadata=False)  # target-s3's parts carry none
    assert direct.returncode == 0, direct.stderr
    loaded, expected = contents(warehouse, warehouse.schema), contents(warehouse, "direct")
    assert sorted(loaded) == sorted(expected) == [
        "orders", "orders__attributes", "orders__lines", "orders__tags"]
    for table in expected:
        assert loaded[table][0] == expected[table][0], table  # names, types, VARCHAR sizes
        assert loaded[table][1] == expected[table][1], table  # every row, every value
    assert warehouse.count("orders") == 300  # yesterday's rows are gone
    assert list(BlobStore(endpoint_url=s3_bucket.endpoint_url).list(root)) == []
    ledger = warehouse.query(f"SELECT table_name, rows FROM {warehouse.q('observes_runs')} "
                             "WHERE job = 'dynamo-load' ORDER BY table_name")
    assert [tuple(r) for r in ledger] == [
        ("orders", 300), ("orders__attributes", 300), ("orders__lines", 450),
        ("orders__tags", 300)]


def test_a_missing_or_broken_part_loads_nothing(tmp_path: Path, request: pytest.FixtureRequest
                                                ) -> None:
    warehouse = make_warehouse("duckdb", request, tmp_path)
    old = run_target(warehouse, encode(part_messages(range(1000, 1003), SCHEMA)))
    assert old.returncode == 0, old.stderr
    root = f"{tmp_path}/parts/"
    write_parts(root, tmp_path, None, PARTS[:2])

    missing = load_parts(warehouse, root, 3)
    assert missing.returncode == 1
    assert "part_2 has no manifest (its shard failed, was stopped, or has not finished)" \
        in missing.stderr
    assert "nothing was loaded" in missing.stderr
    assert warehouse.count("orders") == 3  # the previous table whole

    surplus = load_parts(warehouse, root, 1)
    assert surplus.returncode == 1
    assert "part_1 found, but the run had 1 shards" in surplus.stderr

    victim = sorted((tmp_path / "parts" / "part_1").rglob("orders__lines-*.csv.gz"))[0]
    victim.write_bytes(victim.read_bytes()[:-10])
    (tmp_path / "parts" / "part_0" / sorted(
        p.name for p in (tmp_path / "parts" / "part_0").iterdir() if p.name != "_manifests")[0]
     ).rename(tmp_path / "gone")
    broken = load_parts(warehouse, root, 2)
    assert broken.returncode == 1
    assert f"part_1: {victim} has " in broken.stderr and "its manifest says" in broken.stderr
    assert "part_0: " in broken.stderr and "is missing" in broken.stderr
    assert warehouse.count("orders") == 3
    assert victim.exists()  # the parts stay for a look or a rerun


def test_parts_written_for_spreadsheets_are_refused(tmp_path: Path,
                                                   request: pytest.FixtureRequest) -> None:
    warehouse = make_warehouse("duckdb", request, tmp_path)
    root = f"{tmp_path}/parts/"
    write_parts(root, tmp_path, None, PARTS[:1], csv_safe_cells=True)
    done = load_parts(warehouse, root, 1)
    assert done.returncode == 1
    assert "is a csv_safe_cells run, its cells changed for spreadsheets; the parts must hold " \
        "the exact values" in done.stderr
    assert "nothing was loaded" in done.stderr


@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift-s3"])
def test_a_header_that_disagrees_with_the_manifest_loads_nothing(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path, s3_bucket: S3Bucket) -> None:
    """The loaders map CSV columns by position, in the manifest's order: an object whose
    header lists them in another order is refused before anything loads, naming the part,
    the object and both lists; the previous table stays whole and the parts stay."""
    warehouse = make_warehouse(kind, request, tmp_path)
    old = run_target(warehouse, encode(part_messages(range(1000, 1003), SCHEMA)))
    assert old.returncode == 0, old.stderr
    blobs = BlobStore(endpoint_url=s3_bucket.endpoint_url)
    root = s3_bucket.url("dynamo/run-2/")
    write_parts(root, tmp_path, s3_bucket.endpoint_url, PARTS[:2])
    (manifest_url,) = [i.url for i in blobs.list(f"{root}part_1/_manifests/")
                       if "/" not in i.url.removeprefix(f"{root}part_1/_manifests/")]
    manifest = orjson.loads(blobs.read_bytes(manifest_url))
    entry = next(o for o in manifest["objects"] if o["table"] == "orders")
    header = list(entry["columns"])
    # Two text columns swapped: every value would load, each into the other's column.
    name, login = header.index("name"), header.index("owner__login")
    entry["columns"][name], entry["columns"][login] = "owner__login", "name"
    blobs.write_bytes(manifest_url, orjson.dumps(manifest))

    done = load_parts(warehouse, root, 2, endpoint_url=s3_bucket.endpoint_url)
    assert done.returncode == 1, done.stderr
    (error,) = [line for line in done.stderr.splitlines() if "error:" in line]
    assert f"part_1: {entry['url']} has the columns ({', '.join(header)}) in its header, " \
        f"its manifest lists ({', '.join(entry['columns'])})" in error
    assert "nothing was loaded" in error
    assert sorted(r["id"] for r in warehouse.rows("orders")) == [1000, 1001, 1002]
    assert blobs.exists(entry["url"]) and blobs.exists(manifest_url)


def test_parts_that_overlap_are_refused(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    warehouse = make_warehouse("postgres", request, tmp_path)
    root = f"{tmp_path}/parts/"
    write_parts(root, tmp_path, None, [(range(0, 50), SCHEMA), (range(40, 60), SCHEMA)])
    done = load_parts(warehouse, root, 2, "--keep-parts")
    assert done.returncode == 1
    assert "table orders: 10 rows repeat a record id" in done.stderr
    assert warehouse.tables() == ["observes_runs"] or warehouse.tables() == []
    assert (tmp_path / "parts" / "part_0" / "_manifests").is_dir()


def test_redshift_needs_copy_credentials_and_replace(tmp_path: Path,
                                                     request: pytest.FixtureRequest) -> None:
    warehouse = make_warehouse("redshift", request, tmp_path)
    root = f"{tmp_path}/parts/"
    write_parts(root, tmp_path, None, PARTS[:1])
    no_staging = load_parts(warehouse, root, 1)
    assert no_staging.returncode == 1
    assert "needs s3_staging's iam_role or credentials" in no_staging.stderr
    upsert = load_parts(warehouse, root, 1, load_method="upsert")
    assert upsert.returncode == 1
    assert "load_method (and each stream's) must be replace" in upsert.stderr


def test_parts_without_column_widths_get_the_widest_text(tmp_path: Path,
                                                         request: pytest.FixtureRequest) -> None:
    """A manifest from a target-s3 that did not record column widths still loads; its text
    columns are as wide as Redshift allows, never too narrow."""
    warehouse = make_warehouse("postgres", request, tmp_path)
    root = f"{tmp_path}/parts/"
    write_parts(root, tmp_path, None, PARTS[:1])
    (manifest,) = (tmp_path / "parts" / "part_0" / "_manifests").glob("*.json")
    document = orjson.loads(manifest.read_bytes())
    del document["column_bytes"]
    manifest.write_bytes(orjson.dumps(document))
    done = load_parts(warehouse, root, 1)
    assert done.returncode == 0, done.stderr
    assert warehouse.count("orders") == 90
    assert ("name", "character varying(65535)") in warehouse.columns("orders")


def test_iam_role_copies_name_the_parts_bucket_s_region(
        request: pytest.FixtureRequest, tmp_path: Path, s3_bucket: S3Bucket) -> None:
    """A parts bucket in another region than the cluster's needs COPY's REGION, which
    --region gives with --iam-role."""
    from tests.support import redshift_shim

    warehouse = make_warehouse("redshift", request, tmp_path)
    root = s3_bucket.url("dynamo/run-2/")
    write_parts(root, tmp_path, s3_bucket.endpoint_url, PARTS[:1])
    seen = len(redshift_shim.COPIES_SEEN)
    done = load_parts(warehouse, root, 1, "--iam-role", "arn:aws:iam::1:role/copy",
                      "--region", "eu-west-1", endpoint_url=s3_bucket.endpoint_url)
    assert done.returncode == 0, done.stderr
    copies = redshift_shim.COPIES_SEEN[seen:]
    assert copies and all("REGION 'eu-west-1'" in copy for copy in copies), copies
    assert warehouse.count("orders") == 90


def test_wide_parts_load_into_postgres_with_the_columns_target_s3_planned(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """COPY loads the parts' objects as target-s3 wrote them, so their tables keep every
    column: no row limit moves any to key/value rows. Rows that fit PostgreSQL's page load;
    a row too big for it is PostgreSQL's error, and nothing is committed."""
    warehouse = make_warehouse("postgres", request, tmp_path)
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"},
        **{f"p{i:04d}": {"type": ["null", "number"]} for i in range(1200)}}}
    sparse = [{"id": n, **{f"p{i:04d}": n / 3 for i in range(n, 1200, 50)}} for n in range(50)]
    root = f"{tmp_path}/parts/"
    write_part(root, 0, tmp_path, None, [
        {"type": "SCHEMA", "stream": "wide", "schema": schema, "key_properties": ["id"]},
        *({"type": "RECORD", "stream": "wide", "record": r} for r in sparse)])
    done = load_parts(warehouse, root, 1, "--keep-parts")
    assert done.returncode == 0, done.stderr
    assert warehouse.tables() == ["wide"]
    loaded = {r["id"]: {k: v for k, v in r.items() if not k.startswith("_sdc_") and v is not None}
              for r in warehouse.rows("wide")}
    assert loaded == {r["id"]: r for r in sparse}

    dense = f"{tmp_path}/dense/"
    write_part(dense, 0, tmp_path, None, [
        {"type": "SCHEMA", "stream": "wide", "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": "wide",
         "record": {"id": 1, **{f"p{i:04d}": i / 7 for i in range(1200)}}}])
    refused = load_parts(warehouse, dense, 1)
    assert refused.returncode == 1
    assert "row is too big" in refused.stderr and "nothing was committed" in refused.stderr
    assert warehouse.count("wide") == 50


@pytest.mark.parametrize("dialect", ["redshift", "postgres"])
def test_a_string_that_is_the_null_marker_is_kept_or_refused_never_nulled(
        dialect: str, request: pytest.FixtureRequest, tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    """A string that is exactly \\N: PostgreSQL keeps it from the parts; Redshift's COPY
    would load it as NULL, so there load-parts stops before anything loads, naming where."""
    warehouse = make_warehouse(dialect, request, tmp_path)
    root = s3_bucket.url("dynamo/run-3/")
    items = [{**record(n), "name": "\\N" if n == 3 else f"item {n}"} for n in range(10)]
    write_part(root, 0, tmp_path, s3_bucket.endpoint_url, [
        {"type": "SCHEMA", "stream": "Orders", "schema": SCHEMA, "key_properties": ["id"]},
        *({"type": "RECORD", "stream": "Orders", "record": r} for r in items)])
    extra = ("--iam-role", "arn:aws:iam::1:role/copy") if dialect == "redshift" else ()
    done = load_parts(warehouse, root, 1, *extra, "--keep-parts",
                      endpoint_url=s3_bucket.endpoint_url)
    if dialect == "redshift":
        assert done.returncode == 1
        assert "strings that are exactly \\N, which Redshift's COPY would load as NULL, are " \
               "in part_0 orders (1), so nothing was loaded" in done.stderr, done.stderr
        assert "orders" not in warehouse.tables()
    else:
        assert done.returncode == 0, done.stderr
        assert warehouse.query(f"SELECT name FROM {warehouse.q('orders')} WHERE id = 3") == \
            [("\\N",)]
