"""tap-singer-replay / observes replay: backups written by the real target-s3 (format
singer, gzip), on a local folder and on S3 (moto), replayed into the real
target-redshift on DuckDB in replace mode."""

from __future__ import annotations

import gzip
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from observes_singer.singer.schema_union import merge_schemas
from observes_singer.store.storage import BlobStore
from tests.support.paths import REPO as ROOT
from tests.support.warehouses import Warehouse, encode, run_target
from tests.targets.target_redshift.conftest import make_warehouse

STREAM = "worklogs"


def month_schema(month: int) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "id": {"type": "integer"},
        "user": {"type": ["null", "string"]},
        "seconds": {"type": "integer"},
        "start": {"type": "string", "format": "date-time"},
    }
    if month == 3:  # the third month widens: a new field, and seconds may be a fraction or null
        properties["seconds"] = {"type": ["number", "null"]}
        properties["note"] = {"type": ["null", "string"]}
    return {"type": "object", "properties": properties, "required": ["id", "seconds"]}


USERS_SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"},
                                                  "name": {"type": "string"}}}


def month_records(month: int) -> list[dict[str, Any]]:
    records = []
    for n in range(5):
        record: dict[str, Any] = {"id": month * 100 + n, "user": f"u{n}", "seconds": 60 * n,
                                  "start": f"2026-0{month}-{n + 1:02d}T08:00:00Z"}
        if month == 3:
            record["seconds"] = None if n == 0 else 60 * n + 0.5
            record["note"] = f"note {n}"
        records.append(record)
    if month == 2:  # an entry of month 1 corrected in month 2: the later one wins
        records.append({"id": 101, "user": "fixed", "seconds": 7,
                        "start": "2026-01-02T08:00:00Z"})
    return records


def month_input(month: int, keys: list[str] | None = None) -> bytes:
    messages: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": STREAM, "schema": month_schema(month),
         "key_properties": keys or ["id"]},
        {"type": "SCHEMA", "stream": "users", "schema": USERS_SCHEMA, "key_properties": ["id"]},
        {"type": "ACTIVATE_VERSION", "stream": STREAM, "version": month},
    ]
    for record in month_records(month):
        messages.append({"type": "RECORD", "stream": STREAM, "record": record})
        messages.append({"type": "STATE", "value": {"bookmarks": {STREAM: record["id"]}}})
    messages.append({"type": "RECORD", "stream": "users",
                     "record": {"id": month, "name": f"user of month {month}"}})
    return encode(messages)


@dataclass
class Backups:
    url: str  # the prefix replayed
    blobs: BlobStore
    endpoint_url: str | None
    workdir: Path

    def write_month(self, month: int, keys: list[str] | None = None) -> None:
        """One month through the real target-s3, as the backup job writes it. Month 2 is
        split into parts of 4 messages: its later parts have no SCHEMA."""
        config: dict[str, Any] = {
            "url": self.url.rstrip("/"), "format": "singer", "compression": "gzip",
            "key_template": f"2026-{month:02d}/part-{{part:05d}}.{{ext}}"}
        if month == 2:
            config["max_rows_per_object"] = 4
        if self.endpoint_url:
            config["endpoint_url"] = self.endpoint_url
        path = self.workdir / f"s3-{month}.json"
        path.write_bytes(orjson.dumps(config))
        result = subprocess.run([sys.executable, "-m", "target_s3.cli", "--config", str(path)],
                                input=month_input(month, keys), capture_output=True,
                                timeout=60, check=False)
        assert result.returncode == 0, result.stderr.decode()

    def objects(self) -> list[str]:
        return [i.url for i in self.blobs.list(self.url) if "/_manifests/" not in i.url]


@pytest.fixture(params=["local", "s3"])
def backups(request: pytest.FixtureRequest, tmp_path: Path) -> Backups:
    if request.param == "local":
        return Backups(str(tmp_path / "backups") + "/", BlobStore(), None, tmp_path)
    bucket = request.getfixturevalue("s3_bucket")
    return Backups(f"s3://{bucket.name}/backup_worklogs/",
                   BlobStore(endpoint_url=bucket.endpoint_url), bucket.endpoint_url, tmp_path)


@pytest.fixture
def written(backups: Backups) -> Backups:
    for month in (1, 2, 3):
        backups.write_month(month)
    return backups


@pytest.fixture
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    return make_warehouse("duckdb", request, tmp_path)


@dataclass
class Replay:
    returncode: int
    stdout: bytes
    stderr: str

    def messages(self) -> list[dict[str, Any]]:
        return [orjson.loads(line) for line in self.stdout.splitlines()]


def replay(backups: Backups, **settings: Any) -> Replay:
    config: dict[str, Any] = {"url": backups.url, **settings}
    if backups.endpoint_url:
        config["endpoint_url"] = backups.endpoint_url
    path = backups.workdir / "replay.json"
    path.write_bytes(orjson.dumps(config))
    result = subprocess.run(
        [sys.executable, "-m", "observes_singer.replay.cli", "--config", str(path)],
        capture_output=True, timeout=60, cwd=ROOT, check=False)
    return Replay(result.returncode, result.stdout, result.stderr.decode())


def expected_rows(*months: int) -> dict[int, tuple[Any, ...]]:
    rows: dict[int, tuple[Any, ...]] = {}
    for month in months:
        for record in month_records(month):
            seconds = record["seconds"]
            rows[record["id"]] = (record["user"], None if seconds is None else float(seconds),
                                  record.get("note"))
    return rows


def loaded(warehouse: Warehouse) -> dict[int, tuple[Any, ...]]:
    return {row["id"]: (row["user"], row["seconds"], row.get("note"))
            for row in warehouse.rows(STREAM)}


def check_one_stream(messages: list[dict[str, Any]]) -> None:
    """One SCHEMA per stream, before its first RECORD; no STATE, no ACTIVATE_VERSION."""
    assert {m["type"] for m in messages} <= {"SCHEMA", "RECORD"}
    schemas: dict[str, int] = {}
    for index, message in enumerate(messages):
        if message["type"] == "SCHEMA":
            assert message["stream"] not in schemas
            schemas[message["stream"]] = index
        else:
            assert schemas.get(message["stream"], index) < index


# -- the replay ----------------------------------------------------------------------------


def test_replay_loads_the_union_of_the_months(written: Backups, warehouse: Warehouse) -> None:
    assert len(written.objects()) >= 5  # month 2 is in several parts
    result = replay(written)
    assert result.returncode == 0, result.stderr
    messages = result.messages()
    check_one_stream(messages)
    (schema,) = [m for m in messages if m["type"] == "SCHEMA" and m["stream"] == STREAM]
    assert schema["schema"] == merge_schemas(month_schema(1), month_schema(3))
    assert schema["schema"]["properties"]["seconds"] == {"type": ["number", "null"]}
    assert "note" in schema["schema"]["properties"]
    assert schema["schema"]["required"] == ["id", "seconds"]
    assert schema["key_properties"] == ["id"]
    records = [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == STREAM]
    assert records == month_records(1) + month_records(2) + month_records(3)

    load = run_target(warehouse, result.stdout)
    assert load.returncode == 0, load.stderr
    assert loaded(warehouse) == expected_rows(1, 2, 3)
    assert loaded(warehouse)[101] == ("fixed", 7.0, None)
    assert warehouse.count("users") == 3


def test_streams_setting_replays_only_those(written: Backups) -> None:
    result = replay(written, streams=["users"])
    assert result.returncode == 0, result.stderr
    assert {m["stream"] for m in result.messages()} == {"users"}
    assert len(result.messages()) == 4

    missing = replay(written, streams=["nope"])
    assert missing.returncode == 1
    assert "'nope'" in missing.stderr


def test_observes_replay_command(written: Backups) -> None:
    argv = [sys.executable, "-m", "observes_singer.cli", "replay", written.url,
            "--streams", STREAM]
    if written.endpoint_url:
        argv += ["--endpoint-url", written.endpoint_url]
    result = subprocess.run(argv, capture_output=True, timeout=60, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr.decode()
    messages = [orjson.loads(line) for line in result.stdout.splitlines()]
    check_one_stream(messages)
    assert len([m for m in messages if m["type"] == "RECORD"]) == 16


# -- what must fail before anything is loaded ------------------------------------------------


def first_load(backups: Backups, warehouse: Warehouse) -> dict[int, tuple[Any, ...]]:
    """Load the backups once (a previous, good run); returns the rows it left."""
    first = replay(backups)
    assert first.returncode == 0, first.stderr
    assert run_target(warehouse, first.stdout).returncode == 0
    return loaded(warehouse)


def replay_into_target(backups: Backups, warehouse: Warehouse) -> tuple[Replay, int]:
    config: dict[str, Any] = {"url": backups.url}
    if backups.endpoint_url:
        config["endpoint_url"] = backups.endpoint_url
    path = backups.workdir / "replay.json"
    path.write_bytes(orjson.dumps(config))
    target_config = backups.workdir / "target.json"
    target_config.write_bytes(orjson.dumps(warehouse.config))
    tap = subprocess.Popen(
        [sys.executable, "-m", "observes_singer.replay.cli", "--config", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert tap.stdout is not None
    target = subprocess.run(
        [sys.executable, "-m", "target_redshift.cli", "--config", str(target_config)],
        stdin=tap.stdout, capture_output=True, timeout=60, cwd=warehouse.workdir, check=False)
    tap.stdout.close()
    assert tap.stderr is not None
    stderr = tap.stderr.read().decode()
    tap.stderr.close()
    return Replay(tap.wait(30), b"", stderr), target.returncode


def damage(backups: Backups, how: str) -> str:
    """Damage the second object (month 2's first part) and return its URL."""
    url = backups.objects()[1]
    data = backups.blobs.read_bytes(url)
    if how == "bad-line":
        lines = gzip.decompress(data).splitlines(keepends=True)
        lines.insert(2, b'{"type": "RECORD", "stream": "worklogs", "record": {"id": 9\n')
        backups.blobs.write_bytes(url, gzip.compress(b"".join(lines)))
    elif how == "cut-at-a-line":  # every line valid, the gzip whole: only a count can tell
        lines = gzip.decompress(data).splitlines(keepends=True)
        backups.blobs.write_bytes(url, gzip.compress(b"".join(lines[:-1])))
    else:
        backups.blobs.write_bytes(url, data[: len(data) // 2])
    return url


@pytest.mark.parametrize("how", ["bad-line", "truncated", "cut-at-a-line"])
def test_corrupt_backup_fails_before_any_record(written: Backups, warehouse: Warehouse,
                                                how: str) -> None:
    before = first_load(written, warehouse)
    url = damage(written, how)
    result, target_code = replay_into_target(written, warehouse)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"tap-singer-replay: error: {url}")
    assert {"bad-line": "line 3: malformed JSON", "truncated": "truncated or corrupt gzip",
            "cut-at-a-line": ": 3 lines in "}[how] in errors[0]
    if how == "cut-at-a-line":
        assert "where the run that wrote it listed 4 lines in " in errors[0]
        assert "/_manifests/" in errors[0] and "the backup is not whole" in errors[0]
    assert target_code == 0  # it saw no input: nothing swapped
    assert loaded(warehouse) == before
    assert warehouse.count("users") == 3

    plain = replay(written)
    assert plain.stdout == b""  # not even a SCHEMA went out


def test_backups_without_a_manifest_replay_named_as_unchecked(written: Backups) -> None:
    manifests = [i.url for i in written.blobs.list(written.url) if "/_manifests/" in i.url]
    # Manifests from before target-s3 listed each object's key: found by URL instead.
    for url in manifests:
        manifest = orjson.loads(written.blobs.read_bytes(url))
        for entry in manifest["objects"]:
            del entry["key"]
        written.blobs.write_bytes(url, orjson.dumps(manifest))
    whole = replay(written)
    assert whole.returncode == 0, whole.stderr
    assert "warning" not in whole.stderr
    damage(written, "cut-at-a-line")
    cut = replay(written)
    assert cut.returncode == 1 and "the backup is not whole" in cut.stderr

    # Without manifests (an older writer, or copied without them): replayed, and named.
    for url in manifests:
        written.blobs.delete(url)
    old = replay(written)
    assert old.returncode == 0, old.stderr
    objects = written.objects()
    assert (f"tap-singer-replay: warning: {len(objects)} objects are not listed in any "
            "target-s3 run manifest, so whether they are whole is not checked") in old.stderr
    assert f"{', '.join(objects[:3])} and {len(objects) - 3} more" in old.stderr


def test_empty_prefix_fails(backups: Backups, warehouse: Warehouse) -> None:
    backups.write_month(1)
    before = first_load(backups, warehouse)
    empty = Backups(backups.url + "nothing-here/", backups.blobs, backups.endpoint_url,
                    backups.workdir)
    result, _ = replay_into_target(empty, warehouse)
    assert result.returncode == 1
    assert f"tap-singer-replay: error: no backup objects under {empty.url}" in result.stderr
    assert loaded(warehouse) == before


def test_key_properties_disagreement_names_both_objects(backups: Backups) -> None:
    backups.write_month(1)
    backups.write_month(3, keys=["id", "user"])
    first, second = backups.objects()
    result = replay(backups)
    assert result.returncode == 1
    assert result.stdout == b""
    assert "key_properties ['id'] in " + first in result.stderr
    assert "['id', 'user'] in " + second in result.stderr


def test_record_before_schema_and_empty_objects_fail(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "a.singer.jsonl").write_bytes(encode([
        {"type": "STATE", "value": {}},
        {"type": "RECORD", "stream": "s", "record": {"id": 1}},
        {"type": "SCHEMA", "stream": "s", "schema": {"type": "object"}, "key_properties": []},
    ]))
    local = Backups(str(folder), BlobStore(), None, tmp_path)
    result = replay(local)
    assert result.returncode == 1
    assert "a.singer.jsonl line 2: RECORD for stream 's' before any SCHEMA" in result.stderr

    (folder / "a.singer.jsonl").write_bytes(gzip.compress(b""))
    result = replay(local)
    assert result.returncode == 1
    assert "a.singer.jsonl: holds no Singer messages" in result.stderr


# -- the live tap ----------------------------------------------------------------------------


def live_tap(tmp_path: Path, **config: Any) -> dict[str, Any]:
    source = tmp_path / "current-month.json"
    source.write_bytes(orjson.dumps([
        {"id": 400 + n, "name": f"live {n}", "updated": f"2026-04-0{n + 1}T00:00:00Z",
         "tags": ["live"]} for n in range(3)]))
    return {"command": [sys.executable, "-m", "tests.support.sample_tap"],
            "config": {"source": str(source), "stream": STREAM, "token": "s3cret-token",
                       **config}}


def test_then_adds_the_live_months_records(written: Backups, warehouse: Warehouse,
                                           tmp_path: Path) -> None:
    result = replay(written, then=live_tap(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stderr
    messages = result.messages()
    assert "STATE" not in {m["type"] for m in messages}
    schemas = [m for m in messages if m["type"] == "SCHEMA" and m["stream"] == STREAM]
    # The live tap's schema has fields the backups' lack: a wider SCHEMA, once, before its
    # records, which the target takes in the same replace run.
    assert len(schemas) == 2
    assert set(schemas[1]["schema"]["properties"]) == {
        "id", "user", "seconds", "start", "note", "name", "updated", "tags"}
    assert "required" not in schemas[1]["schema"]  # the live tap requires nothing
    live = [m["record"]["id"] for m in messages[messages.index(schemas[1]):]
            if m["type"] == "RECORD"]
    assert live == [400, 401, 402]

    load = run_target(warehouse, result.stdout)
    assert load.returncode == 0, load.stderr
    rows = loaded(warehouse)
    assert set(rows) == set(expected_rows(1, 2, 3)) | {400, 401, 402}
    assert {k: v for k, v in rows.items() if k < 400} == expected_rows(1, 2, 3)
    assert warehouse.count(f"{STREAM}__tags") == 3


def test_then_failing_fails_the_replay(written: Backups, tmp_path: Path) -> None:
    result = replay(written, then=live_tap(tmp_path, fail_after=1))
    assert result.returncode == 1
    assert "sample tap: the source went away" in result.stderr  # its stderr passes through
    assert "tap-singer-replay: error: then: python" in result.stderr
    assert "tests.support.sample_tap exited with code 3" in result.stderr
    assert "s3cret" not in result.stderr


# -- memory ----------------------------------------------------------------------------------

# Run from a small parent, so that the replay's peak (getrusage of the waited-for child)
# does not start from pytest's: on Linux a process keeps its peak RSS across fork and exec.
MEASURE = """
import resource, subprocess, sys
code = subprocess.run([sys.executable, "-m", "observes_singer.replay.cli", "--config",
                       sys.argv[1]]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def peak_rss_kib(tmp_path: Path, folder: Path) -> tuple[int, int]:
    config = tmp_path / f"{folder.name}.json"
    config.write_bytes(orjson.dumps({"url": str(folder)}))
    out = tmp_path / f"{folder.name}.out"
    with out.open("wb") as handle:
        result = subprocess.run([sys.executable, "-c", MEASURE, str(config)], stdout=handle,
                                stderr=subprocess.PIPE, timeout=60, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr.decode()
    with out.open("rb") as handle:
        lines = sum(1 for _ in handle)
    return int(result.stderr.decode().split()[-1]), lines


def write_generated(folder: Path, records: int, objects: int) -> None:
    folder.mkdir()
    schema = {"type": "SCHEMA", "stream": "events", "key_properties": ["id"],
              "schema": {"type": "object", "properties": {
                  "id": {"type": "integer"}, "text": {"type": "string"}}}}
    per_object = records // objects
    for number in range(objects):
        lines = [orjson.dumps(schema)]
        for n in range(number * per_object, (number + 1) * per_object):
            lines.append(orjson.dumps({"type": "RECORD", "stream": "events",
                                       "record": {"id": n, "text": f"{n:>12} " + "x" * 150}}))
        with gzip.open(folder / f"{number:03d}.singer.gz", "wb", compresslevel=1) as handle:
            handle.write(b"\n".join(lines) + b"\n")


def test_memory_stays_bounded(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    write_generated(small, 1000, 2)
    write_generated(large, 200_000, 4)  # about 35 MB of JSON lines
    small_rss, small_lines = peak_rss_kib(tmp_path, small)
    large_rss, large_lines = peak_rss_kib(tmp_path, large)
    assert (small_lines, large_lines) == (1001, 200_001)
    assert large_rss - small_rss < 20 * 1024, (small_rss, large_rss)


# -- the schema union ------------------------------------------------------------------------


def test_merge_rules() -> None:
    integer = {"type": "integer"}
    assert merge_schemas(integer, {"type": ["number", "null"]}) == {"type": ["number", "null"]}
    assert merge_schemas({"type": "string", "format": "date-time", "maxLength": 10},
                         {"type": "string", "maxLength": 20}) == {"type": "string",
                                                                   "maxLength": 20}
    assert merge_schemas(
        {"type": "object", "properties": {"a": integer, "o": {"type": "object", "properties": {
            "x": integer}}}, "required": ["a", "o"]},
        {"type": "object", "properties": {"b": integer, "o": {"type": "object", "properties": {
            "y": {"type": "string"}}}}, "required": ["o", "b"]},
    ) == {"type": "object", "properties": {
        "a": integer, "o": {"type": "object", "properties": {"x": integer,
                                                             "y": {"type": "string"}}},
        "b": integer}, "required": ["o"]}
    assert merge_schemas({"type": "array", "items": integer},
                         {"type": "array", "items": {"type": "string"}}) == {
        "type": "array", "items": {"type": ["integer", "string"]}}
    # a keyword of a type only one side allows is that side's
    assert merge_schemas({"type": "object", "properties": {"a": integer}, "required": ["a"]},
                         {"type": "string"}) == {
        "type": ["object", "string"], "properties": {"a": integer}, "required": ["a"]}
    assert merge_schemas(integer, {}) == {}
    assert merge_schemas({"anyOf": [integer, {"type": "null"}]}, {"type": "string"}) == {
        "anyOf": [integer, {"type": "null"}, {"type": "string"}]}
