"""The DynamoDB ETL as its job files run it: dynamo-schema caches each table's schema from a
full scan; dynamo runs one shard per segment into CSV parts, and dynamo-load, its final
phase, loads all parts as one replace, on moto's DynamoDB and S3 and the warehouses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from observes_singer.store.storage import BlobStore
from tests.support.dynamo import create_table, put_items, sample_item
from tests.support.paths import REPO_JOBS
from tests.support.s3 import S3Bucket, aws_client
from tests.support.warehouses import Warehouse
from tests.targets.target_redshift.conftest import make_warehouse

JOB_FILES = ("dynamo-schema", "dynamo", "dynamo-load")
PLACEHOLDER = 'tables = ["integrates_vms"]'


class Bench:
    """A DynamoDB table, the repository's job files reading it, and their environment."""

    def __init__(self, tmp_path: Path, moto: str, bucket: S3Bucket, warehouse: Warehouse
                 ) -> None:
        self.path = tmp_path
        self.moto = moto
        self.bucket = bucket
        self.warehouse = warehouse
        self.table = f"Orders-{uuid.uuid4().hex[:8]}"
        self.stream = self.table.lower().replace("-", "_")
        self.client = aws_client("dynamodb", moto)
        create_table(self.client, self.table)
        jobs = tmp_path / "jobs"
        jobs.mkdir()
        for name in JOB_FILES:
            text = (REPO_JOBS / f"{name}.toml").read_text()
            if PLACEHOLDER in text:
                text = text.replace(PLACEHOLDER, f'tables = ["{self.table}"]')
            jobs.joinpath(f"{name}.toml").write_text(text)
        self.blobs = BlobStore(endpoint_url=moto)

    def env(self, job: str, **extra: str) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVES_")}
        url = self.warehouse.config["url"]
        environment.update({
            "OBSERVES_JOBS_DIR": str(self.path / "jobs"),
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
            "AWS_ENDPOINT_URL": self.moto,
            "DYNAMO_SCHEMA_CACHE": self.bucket.url("cache"),
            "DYNAMO_PARTS_URL": self.bucket.url("etl-data/dynamo"),
            "OBSERVES_STATE_URL": self.bucket.url(f"state/{job}.json"),
            "OBSERVES_STATE_STORE": self.bucket.url("state/"),
            "WAREHOUSE_URL": url, "WAREHOUSE_SCHEMA": self.warehouse.schema,
            "REDSHIFT_COPY_ROLE": "arn:aws:iam::123456789012:role/observes-copy"
            if url.startswith("redshift") else "",
            **extra})
        return environment

    def observes(self, *args: str, job: str, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "observes_singer.cli", *args],
                                cwd=self.path, env=self.env(job, **extra), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def run(self, *args: str, job: str, **extra: str) -> tuple[int, str]:
        process = self.observes(*args, job=job, **extra)
        _, err = process.communicate(timeout=900)
        return process.returncode, err

    def fill(self, count: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """``count`` items in the table, and its schema cached by dynamo-schema; the items
        typed and as plain JSON."""
        pairs = [sample_item(n) for n in range(count)]
        put_items(self.client, self.table, [typed for typed, _ in pairs])
        code, err = self.run("run", "dynamo-schema", job="dynamo-schema")
        assert code == 0, err[-3000:]
        return pairs

    def cached(self) -> dict[str, Any]:
        document = self.blobs.read_bytes(self.bucket.url(f"cache/{self.stream}.json"))
        return dict(orjson.loads(document)["streams"][self.stream])

    def parts(self) -> list[str]:
        return [info.url for info in self.blobs.list(self.bucket.url("etl-data/"))]


def rows(warehouse: Warehouse, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in warehouse.query(sql)]


def check_items(bench: Bench, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """The warehouse holds exactly the items: every root row, and the sets' rows."""
    warehouse, stream = bench.warehouse, bench.stream
    expected = {plain["pk"]: (typed, plain) for typed, plain in pairs}
    got = {row[0]: row[1:] for row in rows(warehouse, (
        'SELECT pk, n, big, "decimal", half, flag, nothing, blob, text, nested__name '
        f"FROM {warehouse.q(stream)}"))}
    assert set(got) == set(expected)
    for pk, (n, big, decimal, half, flag, nothing, blob, text, name) in got.items():
        typed, item = expected[pk]
        assert int(n) == item["n"]
        assert big == str(item["big"])  # beyond 64 bits: the exact digits
        assert decimal == typed["decimal"]["N"] and half == "-12.5"  # DynamoDB's own text
        assert (flag, nothing, blob, text, name) == (
            item["flag"], None, item["blob"], item["text"], item["nested"]["name"])
    tags = rows(warehouse, "SELECT _sdc_source_key_pk, value FROM "
                           f"{warehouse.q(stream + '__tags')} ORDER BY _sdc_source_key_pk, "
                           "_sdc_index")
    assert tags == [(pk, tag) for pk in sorted(expected) for tag in expected[pk][1]["tags"]]


def ledger(bench: Bench, job: str) -> list[dict[str, Any]]:
    return [orjson.loads(bench.blobs.read_bytes(info.url))
            for info in bench.blobs.list(bench.bucket.url(f"state/runs/{job}/"))]


@pytest.mark.slow
@pytest.mark.timeout(900)  # moto's Scan takes about 3 ms an item: 10k items, scanned twice
def test_ten_thousand_items_in_four_shards_into_redshift(
        moto_server: str, s3_bucket: S3Bucket, tmp_path: Path,
        request: pytest.FixtureRequest) -> None:
    bench = Bench(tmp_path, moto_server, s3_bucket, make_warehouse("redshift", request, tmp_path))
    pairs = bench.fill(10_000)
    assert bench.cached()["key_properties"] == ["pk"]

    code, err = bench.run("run", "dynamo", "--shards", "4", job="dynamo")
    assert code == 0, err[-3000:]
    assert " as 4 shards" in err and "now dynamo-load, which depends on it" in err
    assert "4 parts, 10000 records of 1 streams" in err
    check_items(bench, pairs)
    assert bench.parts() == []  # cleaned after the commit
    shards = ledger(bench, "dynamo")
    assert sorted(r["shard"] for r in shards) == ["0/4", "1/4", "2/4", "3/4"]
    assert sum(r["records"] for r in shards) == 10_000  # each item in exactly one shard
    (load,) = ledger(bench, "dynamo-load")
    assert load["job"] == "dynamo-load"


def kill_shard(bench: Bench, index: int, stop: threading.Event) -> list[int]:
    """SIGKILL shard ``index`` (its ``observes run --only`` process) as soon as it starts."""
    marker = f"AWS_BATCH_JOB_ARRAY_INDEX={index}".encode()
    jobs = f"OBSERVES_JOBS_DIR={bench.path / 'jobs'}".encode()
    while not stop.is_set():
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker in environ and jobs in environ and b"--only" in command:
                os.kill(int(entry.name), signal.SIGKILL)
                return [int(entry.name)]
        time.sleep(0.01)
    return []


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_killed_shard_or_a_misfit_leaves_the_warehouse_whole(
        moto_server: str, s3_bucket: S3Bucket, tmp_path: Path,
        request: pytest.FixtureRequest) -> None:
    bench = Bench(tmp_path, moto_server, s3_bucket, make_warehouse("duckdb", request, tmp_path))
    pairs = bench.fill(120)
    code, err = bench.run("run", "dynamo", "--shards", "3", job="dynamo")
    assert code == 0, err[-3000:]
    check_items(bench, pairs)
    before = rows(bench.warehouse, f"SELECT * FROM {bench.warehouse.q(bench.stream)}")

    # New items arrive; one shard of the next run is killed: nothing is loaded.
    more = [sample_item(n) for n in range(120, 160)]
    put_items(bench.client, bench.table, [typed for typed, _ in more])
    stop = threading.Event()
    found: list[int] = []
    watcher = threading.Thread(target=lambda: found.extend(kill_shard(bench, 1, stop)))
    watcher.start()
    try:
        code, err = bench.run("run", "dynamo", "--shards", "3", job="dynamo")
    finally:
        stop.set()
        watcher.join()
    assert found, "shard 1 was never seen"
    assert code != 0
    assert "shard 1/3 exited -9" in err and "dynamo-load" not in err
    assert rows(bench.warehouse, f"SELECT * FROM {bench.warehouse.q(bench.stream)}") == before

    # An item that does not fit the cached schema fails its shard, naming field and value.
    odd = {"pk": {"S": "item#odd"}, "n": {"S": "not a number"}}
    put_items(bench.client, bench.table, [odd])
    code, err = bench.run("run", "dynamo", "--shards", "3", job="dynamo")
    assert code != 0
    cache = bench.bucket.url(f"cache/{bench.stream}.json")
    assert f"the record does not fit the cached schema {cache} (n: 'not a number' is not of " \
        "type integer)" in err
    assert "--on-misfit refresh" in err and "dynamo-load" not in err
    assert rows(bench.warehouse, f"SELECT * FROM {bench.warehouse.q(bench.stream)}") == before

    # With DYNAMO_ON_MISFIT=refresh the shard widens the cache and the run loads it all.
    code, err = bench.run("run", "dynamo", "--shards", "3", job="dynamo",
                          DYNAMO_ON_MISFIT="refresh")
    assert code == 0, err[-3000:]
    assert "widened" in err
    loaded = dict(rows(bench.warehouse, f"SELECT pk, n FROM {bench.warehouse.q(bench.stream)}"))
    assert len(loaded) == 161 and loaded["item#odd"] == "not a number"
    assert loaded["item#00150"] == "150"
    assert bench.cached()["schema"]["properties"]["n"]["type"] != "integer"
