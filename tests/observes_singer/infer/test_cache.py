"""observes-infer and its schema cache: per-stream documents, declared streams, misfits
(failing, or widening the cache by compare-and-swap) and the cache-building target mode.

observes-infer runs as its console script; S3 is the moto server, and what the tests
check is the bytes it writes and the objects in the bucket.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from observes_singer.infer.cache import StreamSchema, misfit
from observes_singer.infer.widen import widen_cache
from observes_singer.jobs.run_report import read_report
from observes_singer.store.storage import BlobStore
from tests.support.pipes import commit_gate
from tests.support.s3 import S3Bucket

INFER = str(Path(sys.executable).with_name("observes-infer"))
PREFIX = "observes.cache/dynamo"

ORDERS = {"type": "object", "properties": {"id": {"type": "integer"},
                                           "price": {"type": "number"}}}


def run_infer(lines: list[Any], *args: str, env: dict[str, str] | None = None,
              pass_fds: tuple[int, ...] = ()) -> subprocess.CompletedProcess[bytes]:
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    return subprocess.run([INFER, *args], input=data, capture_output=True, timeout=120,
                          env=env, pass_fds=pass_fds, check=False)


def out_lines(result: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr.decode()
    return [orjson.loads(line) for line in result.stdout.splitlines()]


def endpoint(bucket: S3Bucket) -> list[str]:
    return ["--endpoint-url", bucket.endpoint_url]


def template(bucket: S3Bucket) -> str:
    return bucket.url(f"{PREFIX}/{{stream}}.json")


def keys_in(bucket: S3Bucket) -> list[str]:
    listed = bucket.client.list_objects_v2(Bucket=bucket.name)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def document(bucket: S3Bucket, key: str) -> dict[str, Any]:
    body = bucket.client.get_object(Bucket=bucket.name, Key=key)["Body"].read()
    result: dict[str, Any] = orjson.loads(body)
    return result


def put_cache(bucket: S3Bucket, stream: str, schema: dict[str, Any],
              keys: list[str] | None = None) -> str:
    doc = {"streams": {stream: {"schema": schema, "key_properties": keys or ["id"]}}}
    return bucket.put(f"{PREFIX}/{stream}.json", orjson.dumps(doc))


def raw(stream: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"stream": stream, "record": record} for record in records]


# -- per-stream cache documents -------------------------------------------------------------

def test_per_stream_save_then_load_round_trip(s3_bucket: S3Bucket) -> None:
    lines = [*raw("orders", [{"id": n, "price": n * 1.5, "at": "2026-11-28"}
                             for n in range(4)]),
             *raw("customers", [{"id": f"c{n}", "name": f"name {n}"} for n in range(3)])]
    keys = ["--key", "orders=id", "--key", "customers=id"]
    first = out_lines(run_infer(lines, *keys, "--save-schema", template(s3_bucket),
                                *endpoint(s3_bucket)))
    assert keys_in(s3_bucket) == [f"{PREFIX}/customers.json", f"{PREFIX}/orders.json"]
    schemas = {m["stream"]: m for m in first if m["type"] == "SCHEMA"}
    for stream in ("orders", "customers"):
        assert document(s3_bucket, f"{PREFIX}/{stream}.json") == {"streams": {stream: {
            "schema": schemas[stream]["schema"], "key_properties": ["id"]}}}
    assert schemas["orders"]["schema"]["properties"]["at"] == {"type": "string",
                                                                "format": "date"}
    again = run_infer(lines, "--schema-cache", template(s3_bucket), *endpoint(s3_bucket))
    assert out_lines(again) == first


@pytest.mark.parametrize(("stream", "problem"), [
    ("../orders", "it starts with '.'"),
    ("a/b", "it holds a '/'"),
    ("a\\b", "it holds a '\\\\'"),
    ("a\nb", "it holds the control character '\\n'"),
    ("", "it is empty"),
])
def test_a_stream_name_that_is_not_one_segment_is_refused(s3_bucket: S3Bucket, stream: str,
                                                          problem: str) -> None:
    result = run_infer(raw(stream, [{"id": 1}]), "--save-schema", template(s3_bucket),
                       *endpoint(s3_bucket))
    assert result.returncode == 1
    assert result.stdout == b""
    stderr = result.stderr.decode()
    assert f"stream {stream!r} cannot name a per-stream cache file ({{stream}} in the URL): " \
        f"{problem}; a stream name there must be one path segment" in stderr
    assert keys_in(s3_bucket) == []


def test_a_missing_per_stream_document_names_stream_url_and_the_fix(
        s3_bucket: S3Bucket) -> None:
    put_cache(s3_bucket, "orders", ORDERS)
    result = run_infer([*raw("orders", [{"id": 1, "price": 2.5}]),
                        *raw("refunds", [{"id": 1}])],
                       "--schema-cache", template(s3_bucket), *endpoint(s3_bucket))
    assert result.returncode == 1
    assert result.stdout == b""
    url = s3_bucket.url(f"{PREFIX}/refunds.json")
    assert (f"stdin line 2: stream 'refunds' is not in the cached schema {url} (it does not "
            f"exist); make it with a full inference: run without --schema-cache, with "
            f"--save-schema '{template(s3_bucket)}'") in result.stderr.decode()


# -- --infer-declared ----------------------------------------------------------------------

def test_infer_declared_takes_the_keys_and_drops_the_schema() -> None:
    declared = {"type": "object", "properties": {"pk": {"type": "string"}},
                "additionalProperties": True}
    lines = [{"type": "SCHEMA", "stream": "orders", "schema": declared,
              "key_properties": ["pk"]},
             {"type": "RECORD", "stream": "orders", "record": {"pk": "a", "n": 1}},
             {"type": "STATE", "value": {"bookmarks": {"orders": 1}}},
             {"type": "RECORD", "stream": "orders", "record": {"pk": "b", "n": 2.5}}]
    out = out_lines(run_infer(lines, "--infer-declared"))
    assert out == [
        {"type": "SCHEMA", "stream": "orders",
         "schema": {"type": "object", "properties": {"pk": {"type": "string"},
                                                     "n": {"type": "number"}}},
         "key_properties": ["pk"]},
        lines[1], lines[2], lines[3],
    ]
    with_key = out_lines(run_infer(lines, "--infer-declared", "--key", "orders=n"))
    assert with_key[0]["key_properties"] == ["n"]


def test_infer_declared_schema_after_records_is_an_error() -> None:
    result = run_infer([{"type": "RECORD", "stream": "s", "record": {"id": 1}},
                        {"type": "SCHEMA", "stream": "s", "schema": {}}], "--infer-declared")
    assert result.returncode == 1
    assert result.stdout == b""
    assert "line 2: SCHEMA for stream 's' comes after records" in result.stderr.decode()


# -- misfits -------------------------------------------------------------------------------

def test_a_misfit_fails_naming_stream_line_field_value_url_and_fix(s3_bucket: S3Bucket) -> None:
    url = put_cache(s3_bucket, "orders", ORDERS)
    lines = [{"type": "STATE", "value": {}},
             *raw("orders", [{"id": 1, "price": 2.5}, {"id": 2, "price": "n/a"}])]
    result = run_infer(lines, "--schema-cache", template(s3_bucket), *endpoint(s3_bucket))
    assert result.returncode == 1
    assert result.stdout == b""
    assert result.stderr.decode() == (
        f"observes-infer: error: stream 'orders', line 3: the record does not fit the cached "
        f"schema {url} (price: 'n/a' is not of type number); refresh the cache with a full "
        "inference (--save-schema, e.g. the job that builds it) or pass --on-misfit refresh "
        "to widen it from this input\n")


def test_refresh_widens_the_cache_and_coerces_every_record(s3_bucket: S3Bucket) -> None:
    orders_url = put_cache(s3_bucket, "orders", ORDERS)
    customers = {"type": "object", "properties": {"id": {"type": "string"}}}
    put_cache(s3_bucket, "customers", customers)
    before = s3_bucket.client.head_object(Bucket=s3_bucket.name,
                                          Key=f"{PREFIX}/customers.json")["ETag"]
    lines = [*raw("orders", [{"id": 1, "price": 12.5}]),
             *raw("customers", [{"id": "c1"}]),
             *raw("orders", [{"id": 2, "price": "n/a", "note": "late"},
                             {"id": 3, "price": 7}])]
    result = run_infer(lines, "--schema-cache", template(s3_bucket), "--on-misfit", "refresh",
                       *endpoint(s3_bucket))
    out = out_lines(result)
    widened = {"type": "object", "properties": {
        "id": {"type": "integer"},
        "price": {"type": ["number", "string"]},
        "note": {"type": ["null", "string"]},
    }}
    assert out[0] == {"type": "SCHEMA", "stream": "orders", "schema": widened,
                      "key_properties": ["id"]}
    assert out[1] == {"type": "SCHEMA", "stream": "customers", "schema": customers,
                      "key_properties": ["id"]}
    records = [m["record"] for m in out[2:] if m["stream"] == "orders"]
    assert records == [{"id": 1, "price": "12.5"}, {"id": 2, "price": "n/a", "note": "late"},
                       {"id": 3, "price": "7"}]
    assert all(misfit(widened, record) is None for record in records)
    assert document(s3_bucket, f"{PREFIX}/orders.json") == {
        "streams": {"orders": {"schema": widened, "key_properties": ["id"]}}}
    after = s3_bucket.client.head_object(Bucket=s3_bucket.name,
                                         Key=f"{PREFIX}/customers.json")["ETag"]
    assert after == before  # a stream that fits is not rewritten
    assert (f"observes-infer: stream 'orders': line 3 did not fit the cached schema (price: "
            f"'n/a' is not of type number); inferred the stream from this input and widened "
            f"{orders_url}") in result.stderr.decode().splitlines()
    # The widened cache takes this input as it is now.
    assert out_lines(run_infer(lines, "--schema-cache", template(s3_bucket),
                               *endpoint(s3_bucket)))[0]["schema"] == widened


def test_concurrent_refreshes_of_one_document_keep_every_widening(s3_bucket: S3Bucket) -> None:
    put_cache(s3_bucket, "orders", {"type": "object", "properties": {"id": {"type": "integer"}}})
    data = [b"".join(orjson.dumps(line) + b"\n" for line in raw("orders", [
        {"id": n, f"field_{shard}": n} for n in range(50)])) for shard in range(4)]
    procs = [subprocess.Popen([INFER, "--schema-cache", template(s3_bucket), "--on-misfit",
                               "refresh", *endpoint(s3_bucket)], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for _ in data]
    for proc, chunk in zip(procs, data, strict=True):
        assert proc.stdin is not None
        proc.stdin.write(chunk)
        proc.stdin.close()
    for proc in procs:
        assert proc.wait(timeout=120) == 0
        assert proc.stderr is not None
        proc.stderr.close()
    saved = document(s3_bucket, f"{PREFIX}/orders.json")["streams"]["orders"]
    assert saved["schema"]["properties"] == {
        "id": {"type": "integer"}, **{f"field_{n}": {"type": "integer"} for n in range(4)}}


class RacedStore(BlobStore):
    """A store whose first read is followed at once by another writer's widening."""

    def __init__(self, endpoint_url: str, rival: dict[str, StreamSchema]) -> None:
        super().__init__(endpoint_url=endpoint_url)
        self.endpoint_url = endpoint_url
        self.rival: dict[str, StreamSchema] | None = rival
        self.reads = 0

    def read_versioned(self, url: str) -> tuple[bytes, str] | None:
        found = super().read_versioned(url)
        self.reads += 1
        if self.rival is not None:
            rival, self.rival = self.rival, None
            widen_cache(BlobStore(endpoint_url=self.endpoint_url), url, rival)
        return found


def test_a_lost_race_reads_again_and_keeps_the_winners_widening(s3_bucket: S3Bucket) -> None:
    url = put_cache(s3_bucket, "orders", ORDERS)

    def entry(field: str) -> StreamSchema:
        return StreamSchema({"type": "object", "properties": {field: {"type": "string"}}},
                            ["id"])

    store = RacedStore(s3_bucket.endpoint_url, {"orders": entry("rival")})
    written = widen_cache(store, url, {"orders": entry("mine")}, sleep=lambda _: None)
    assert store.reads == 2
    expected = {"id": {"type": "integer"}, "price": {"type": "number"},
                "rival": {"type": "string"}, "mine": {"type": "string"}}
    assert written["orders"].schema["properties"] == expected
    assert document(s3_bucket, f"{PREFIX}/orders.json")["streams"]["orders"]["schema"][
        "properties"] == expected


def test_refresh_keeps_a_wide_objects_tail(tmp_path: Path) -> None:
    cache = tmp_path / "s.json"
    cache.write_bytes(orjson.dumps({"streams": {"s": {"schema": {
        "type": "object", "properties": {"id": {"type": "integer"},
                                         "k0": {"type": "integer"}}},
        "key_properties": ["id"]}}}))
    lines = raw("s", [{"id": n, "name": f"n{n}", f"k{n}": "v"} for n in range(5)])
    out = out_lines(run_infer(lines, "--schema-cache", str(cache), "--on-misfit", "refresh",
                              "--max-properties", "2"))
    schema = out[0]["schema"]
    assert schema["additionalProperties"] == {"type": "string"}
    assert schema["properties"]["k0"] == {"type": ["integer", "string"]}
    assert all(misfit(schema, m["record"]) is None for m in out[1:])
    assert orjson.loads(cache.read_bytes())["streams"]["s"]["schema"] == schema


# -- target mode ---------------------------------------------------------------------------

TAP_OUTPUT = [
    {"type": "SCHEMA", "stream": "orders", "schema": {"type": "object", "properties": {
        "id": {"type": "integer"}}, "additionalProperties": True}, "key_properties": ["id"]},
    {"type": "RECORD", "stream": "orders", "record": {"id": 1, "total": 5}},
    {"type": "STATE", "value": {"bookmarks": {"orders": {"segment": 0}}}},
    {"type": "RECORD", "stream": "orders", "record": {"id": 2, "total": 7.5, "tag": "x"}},
    {"type": "STATE", "value": {"bookmarks": {"orders": {"segment": 1}}}},
]
ORDERS_INFERRED = {"streams": {"orders": {"schema": {"type": "object", "properties": {
    "id": {"type": "integer"}, "total": {"type": "number"},
    "tag": {"type": ["null", "string"]}}}, "key_properties": ["id"]}}}


def test_discard_records_writes_the_last_state_and_saves_the_schemas(
        s3_bucket: S3Bucket) -> None:
    result = run_infer(TAP_OUTPUT, "--discard-records", "--save-schema", template(s3_bucket),
                       *endpoint(s3_bucket))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b'{"bookmarks":{"orders":{"segment":1}}}\n'
    assert keys_in(s3_bucket) == [f"{PREFIX}/orders.json"]
    assert document(s3_bucket, f"{PREFIX}/orders.json") == ORDERS_INFERRED


def test_discard_records_needs_save_schema() -> None:
    result = run_infer(TAP_OUTPUT, "--discard-records")
    assert result.returncode == 1
    assert result.stdout == b""
    assert "--discard-records keeps nothing but the schemas: it needs --save-schema URL" \
        in result.stderr.decode()


@pytest.mark.parametrize(("word", "saved"), [(b"commit\n", True), (b"", False)])
def test_discard_records_saves_only_after_the_go_ahead(s3_bucket: S3Bucket, word: bytes,
                                                       saved: bool) -> None:
    env = dict(os.environ)
    fds: list[int] = []
    gate = commit_gate(env, fds, word)
    report_read, report_write = os.pipe()
    env["OBSERVES_REPORT_FD"] = str(report_write)
    try:
        result = run_infer(TAP_OUTPUT, "--discard-records", "--save-schema",
                           template(s3_bucket), *endpoint(s3_bucket), env=env,
                           pass_fds=(*fds, report_write))
    finally:
        os.close(gate)
        os.close(report_write)
    report = read_report(report_read)
    if saved:
        assert result.returncode == 0, result.stderr.decode()
        assert result.stdout == b'{"bookmarks":{"orders":{"segment":1}}}\n'
        assert document(s3_bucket, f"{PREFIX}/orders.json") == ORDERS_INFERRED
        assert report == {"records": 2, "tables": {},
                          "destination": f"schemas to {template(s3_bucket)}"}
        return
    assert result.returncode == 1
    assert result.stdout == b""
    assert keys_in(s3_bucket) == []
    assert report is None
    assert "observes-infer: error: input ended without the runner's go-ahead" \
        in result.stderr.decode()


# -- --config ------------------------------------------------------------------------------

def test_config_file_mirrors_the_options_and_the_command_line_wins(
        s3_bucket: S3Bucket, tmp_path: Path) -> None:
    config = tmp_path / "infer.json"
    config.write_bytes(orjson.dumps({
        "save_schema": template(s3_bucket), "endpoint_url": s3_bucket.endpoint_url,
        "key": {"orders": ["id"]}, "datetime_format": ["%d/%m/%Y"], "max_properties": 50,
        "infer_declared": True, "on_misfit": "fail", "discard_records": True,
        "stream": "orders",
    }))
    bare = [{"id": 1, "day": "28/11/2026"}, {"id": 2, "day": "01/12/2026"}]
    result = run_infer(bare, "--config", str(config))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""
    assert document(s3_bucket, f"{PREFIX}/orders.json") == {"streams": {"orders": {
        "schema": {"type": "object", "properties": {
            "id": {"type": "integer"}, "day": {"type": "string", "format": "date"}}},
        "key_properties": ["id"]}}}
    other = s3_bucket.url("elsewhere/{stream}.json")
    again = run_infer(bare, "--config", str(config), "--save-schema", other,
                      "--key", "sales=day", "--stream", "sales")
    assert again.returncode == 0, again.stderr.decode()
    assert document(s3_bucket, "elsewhere/sales.json")["streams"]["sales"][
        "key_properties"] == ["day"]


def test_an_empty_config_is_fine_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"{}")
    assert out_lines(run_infer(raw("s", [{"a": 1}]), "--config", str(empty)))[0]["stream"] == "s"
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps({"save_schema": "x.json", "sav_schema": "y", "keys": []}))
    result = run_infer(raw("s", [{"a": 1}]), "--config", str(bad))
    assert result.returncode == 1
    assert result.stdout == b""
    assert f"observes-infer: error: --config {bad}: unknown keys 'sav_schema', 'keys'; known " \
        "keys: schema_cache, save_schema, key, stream, datetime_format, max_properties, " \
        "endpoint_url, infer_declared, on_misfit, discard_records" in result.stderr.decode()


def test_refresh_of_one_shared_document_keeps_its_other_streams(tmp_path: Path) -> None:
    cache = tmp_path / "all.json"
    other = {"schema": {"type": "object", "properties": {"id": {"type": "string"}}},
             "key_properties": ["id"]}
    cache.write_bytes(orjson.dumps({"streams": {
        "orders": {"schema": ORDERS, "key_properties": ["id"]}, "customers": other}}))
    result = run_infer(raw("orders", [{"id": 1, "price": 2.5, "coupon": True}]),
                       "--schema-cache", str(cache), "--on-misfit", "refresh")
    assert out_lines(result)[0]["schema"]["properties"]["coupon"] == {"type": "boolean"}
    saved = orjson.loads(cache.read_bytes())["streams"]
    assert saved["customers"] == other
    assert saved["orders"]["schema"]["properties"] == {
        "id": {"type": "integer"}, "price": {"type": "number"}, "coupon": {"type": "boolean"}}


def test_help_documents_the_cache_options_and_examples() -> None:
    result = subprocess.run([INFER, "--help"], capture_output=True, timeout=60, check=True)
    text = result.stdout.decode()
    for option in ("--schema-cache URL", "--save-schema URL", "--on-misfit {fail,refresh}",
                   "--infer-declared", "--discard-records", "--config FILE",
                   "OBSERVES_COMMIT_FD", "{stream}"):
        assert option in text
    assert "observes-infer --schema-cache s3://observes.cache/jobs.json < raw.jsonl" in text
    assert "--save-schema 's3://observes.cache/dynamo/{stream}.json'" in text


def test_a_cached_string_field_takes_other_kinds_as_their_json_text() -> None:
    """A field inferred as a plain string from mixed kinds (an integer beyond 64 bits
    among strings, say) takes later values as inference wrote them: their JSON text."""
    from observes_singer.infer.cache import Misfit, conform

    schema = {"type": "object", "properties": {
        "big": {"type": ["null", "string"]},
        "when": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "n": {"type": "integer"}}}
    record = {"big": 2**70, "tags": ["a", 1, True, {"b": [2**65]}], "n": 3}
    fitted = conform(schema, record)
    assert fitted == {"big": str(2**70), "tags": ["a", "1", "true",
                                                  '{"b":[' + str(2**65) + "]}"], "n": 3}
    assert record["big"] == 2**70  # the input is left as it was
    plain = {"big": "x", "tags": ["a"], "n": 1}
    assert conform(schema, plain) is plain  # nothing to change: no copy
    with pytest.raises(Misfit, match="when: 5 is not of type string"):
        conform(schema, {"when": 5})  # a date-time field keeps its format: no text of 5
    with pytest.raises(Misfit, match="n: 2361183241434822606848 is not of type integer"):
        conform(schema, {"n": 2**71})
