"""target-s3's object keys: names from the data never lead outside url, on disk or on S3."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support.s3 import S3Bucket
from tests.support.warehouses import encode

SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "../tags": {"type": "array", "items": {"type": "string"}},
    "at": {"type": ["null", "string"], "format": "date-time"}}}

MARK = uuid.uuid4().hex[:8]  # in the names that try to climb out, to look for them anywhere

# Stream names, and the key segment each must become (None: not checked here).
HOSTILE = {
    "../../x": "%2E.%2F..%2Fx",
    f"../../../../{MARK}": None,
    f"../../../../../{MARK}-deeper": None,
    "..": "%2E.",
    ".": "%2E",
    ".hidden": "%2Ehidden",
    "/abs": "%2Fabs",
    "a/../../b": "a%2F..%2F..%2Fb",
    "..\\..\\win": "%2E.%5C..%5Cwin",
    "nul\x00byte": "nul%00byte",
    "line\nbreak\t": "line%0Abreak%09",
    "del\x7f\x85": "del%7F%C2%85",
    "_manifests": "%5Fmanifests",
    # Ordinary names do not move.
    "jobs": "jobs",
    "public-Orders.v2": "public-Orders.v2",
    "ñandú café 100%": "ñandú café 100%",
    "x..y": "x..y",
}


def stream_input(streams: list[str], records: int = 2) -> bytes:
    messages: list[dict[str, Any]] = []
    for stream in streams:
        messages.append({"type": "SCHEMA", "stream": stream, "schema": SCHEMA,
                         "key_properties": ["id"]})
        messages += [{"type": "RECORD", "stream": stream,
                      "record": {"id": n, "../tags": ["a"], "at": "2026-03-04T05:06:07Z"}}
                     for n in range(records)]
    return encode([*messages, {"type": "STATE", "value": {"done": True}}])


def run_s3(workdir: Path, url: str, data: bytes, **settings: Any
           ) -> subprocess.CompletedProcess[bytes]:
    path = workdir / "s3-config.json"
    path.write_bytes(orjson.dumps({"url": url, **settings}))
    return subprocess.run([sys.executable, "-m", "target_s3.cli", "--config", str(path)],
                          input=data, capture_output=True, timeout=120, check=False,
                          cwd=workdir)


def files_under(root: Path) -> set[Path]:
    return {Path(folder) / name for folder, _, names in os.walk(root) for name in names}


def error_lines(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in result.stderr.decode().splitlines()
            if line.startswith("target-s3: error:")]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_stream_names_cannot_leave_a_local_folder(tmp_path: Path, fmt: str) -> None:
    bucket = tmp_path / "a" / "b" / "c" / "bucket"
    result = run_s3(tmp_path, str(bucket), stream_input(list(HOSTILE)), format=fmt)
    assert result.returncode == 0, result.stderr.decode()
    written = files_under(tmp_path) - {tmp_path / "s3-config.json"}
    assert written and all(bucket in path.parents for path in written), sorted(written)
    # Nothing climbed past tmp_path either (the names with MARK try to).
    for parent in (tmp_path.parent, tmp_path.parent.parent):
        assert not [name for name in os.listdir(parent) if MARK in name]
    (manifest_path,) = (bucket / "_manifests").glob("*.json")
    manifest = orjson.loads(manifest_path.read_bytes())
    assert set(manifest["streams"]) == set(HOSTILE)
    run_id = manifest["run_id"]
    for entry in manifest["objects"]:
        stream, table = entry["stream"], entry["table"]
        expected = HOSTILE[stream]
        relative = Path(entry["url"]).relative_to(bucket)
        assert bucket / relative in written
        if expected is not None:
            assert relative.parts[:2] == (expected, run_id), (stream, relative)
        if fmt == "jsonl":
            assert table == stream
    if fmt == "csv":
        for url in manifest["redshift_manifests"].values():
            assert Path(url).parent == bucket / "_manifests" / run_id


def test_stream_names_cannot_leave_the_bucket_prefix(tmp_path: Path,
                                                     s3_bucket: S3Bucket) -> None:
    result = run_s3(tmp_path, f"s3://{s3_bucket.name}/exports/daily",
                    stream_input(list(HOSTILE)), format="csv",
                    endpoint_url=s3_bucket.endpoint_url)
    assert result.returncode == 0, result.stderr.decode()
    keys = [item["Key"] for page in s3_bucket.client.get_paginator("list_objects_v2")
            .paginate(Bucket=s3_bucket.name) for item in page.get("Contents", [])]
    assert len(keys) > len(HOSTILE)
    assert all(key.startswith("exports/daily/") for key in keys), keys
    assert all(".." not in key.split("/") and "" not in key.split("/") for key in keys), keys
    assert any(key.startswith("exports/daily/%2E.%2F..%2Fx/") for key in keys)
    assert any(key.startswith("exports/daily/jobs/") for key in keys)


@pytest.mark.parametrize(
    ("first", "second", "segment"),
    [("a/b", "a%2Fb", "a%2Fb"), ("_manifests", "%5Fmanifests", "%5Fmanifests"),
     (".env", "%2Eenv", "%2Eenv")],
)
def test_two_streams_with_one_key_segment_are_refused(tmp_path: Path, first: str, second: str,
                                                      segment: str) -> None:
    bucket = tmp_path / "bucket"
    result = run_s3(tmp_path, str(bucket), stream_input([first, second]))
    assert result.returncode == 1
    (error,) = error_lines(result)
    assert (f"stream {second!r}, stdin line 4: its objects would be written under "
            f"{segment!r}, like those of stream {first!r}") in error
    assert not (bucket / "_manifests").exists()
    assert result.stdout == b""


def test_streams_sharing_a_segment_are_fine_when_keys_do_not_use_it(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    result = run_s3(tmp_path, str(bucket), stream_input(["a/b", "a%2Fb"]), format="csv",
                    key_template="{date:%Y}/{table}-{part}.{ext}")
    assert result.returncode == 0, result.stderr.decode()
    assert all(bucket in path.parents for path in files_under(tmp_path)
               if path.name != "s3-config.json")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{stream}/../../{run_id}-{part}.{ext}", "would not stay below url: it has a "
                                                 "segment '..'"),
        ("../{stream}/{part}.{ext}", "it has a segment '..'"),
        ("{stream}/./{part}.{ext}", "it has a segment '.'"),
        ("{stream}//{part}.{ext}", "it has an empty segment"),
        ("{stream}\\..\\{part}.{ext}", "it holds a '\\'"),
        ("{date:%Y/../..}/{part}.{ext}", "it has a segment '..'"),
        ("{stream}/{part}.{ext}/", "it has an empty segment"),
        ("{stream}/{colour}-{part}.{ext}", "unknown placeholder {colour}"),
        ("{stream:d}/{part}.{ext}", "key_template '{stream:d}/{part}.{ext}': Unknown format"),
    ],
)
def test_a_template_that_leaves_url_is_refused(tmp_path: Path, template: str,
                                               message: str) -> None:
    bucket = tmp_path / "bucket"
    result = run_s3(tmp_path, str(bucket), stream_input(["jobs"]), key_template=template)
    assert result.returncode == 1
    (error,) = error_lines(result)
    assert message in error
    assert files_under(tmp_path) == {tmp_path / "s3-config.json"}


def test_hive_partition_values_come_only_from_dates(tmp_path: Path) -> None:
    bucket = tmp_path / "a" / "bucket"
    template = "{stream}/dt={partition:%Y-%m-%d}/{run_id}-{part}.{ext}"
    good = stream_input(["../../e"])
    result = run_s3(tmp_path, str(bucket), good, partition_field="at", key_template=template)
    assert result.returncode == 0, result.stderr.decode()
    written = files_under(tmp_path) - {tmp_path / "s3-config.json"}
    assert all(bucket in path.parents for path in written)
    assert any(path.parent == bucket / "%2E.%2F..%2Fe" / "dt=2026-03-04" for path in written)

    bad = stream_input(["e"]).replace(b'"2026-03-04T05:06:07Z"', b'"../../../x"', 1)
    result = run_s3(tmp_path, str(tmp_path / "b2"), bad, partition_field="at",
                    key_template=template)
    assert result.returncode == 1
    (error,) = error_lines(result)
    assert 'field at: "../../../x" is not a date-time to partition by' in error
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("setting", ["max_rows_per_object", "max_bytes_per_object"])
@pytest.mark.parametrize("value", [0, -1, True, False, "100", 2.5, None, [10]])
def test_numeric_settings_are_checked(tmp_path: Path, setting: str, value: Any) -> None:
    result = run_s3(tmp_path, str(tmp_path / "bucket"), stream_input(["jobs"]),
                    **{setting: value})
    assert result.returncode == 1
    (error,) = error_lines(result)
    assert error.startswith(f"target-s3: error: {setting}: must be a positive integer, got ")
    assert not (tmp_path / "bucket").exists()


def test_a_template_without_part_writes_each_object_whole_and_a_rerun_replaces_it(
        tmp_path: Path) -> None:
    template = "backup/timedoctor.worklogs.2026-10-01.2026-10-31.singer.gz"
    url = str(tmp_path / "bucket")
    first = run_s3(tmp_path, url, stream_input(["worklogs"], records=50), format="singer",
                   compression="gzip", key_template=template)
    assert first.returncode == 0, first.stderr.decode()
    again = run_s3(tmp_path, url, stream_input(["worklogs"], records=30), format="singer",
                   compression="gzip", key_template=template)
    assert again.returncode == 0, again.stderr.decode()
    objects = sorted(p.relative_to(tmp_path / "bucket").as_posix()
                     for p in (tmp_path / "bucket").rglob("*") if p.is_file()
                     and "_manifests" not in p.parts)
    assert objects == [template]  # one object, never split, replaced by the rerun
    lines = gzip.decompress((tmp_path / "bucket" / template).read_bytes()).splitlines()
    assert sum(b'"RECORD"' in line for line in lines) == 30


def test_without_part_the_split_limits_are_refused(tmp_path: Path) -> None:
    refused = run_s3(tmp_path, str(tmp_path / "bucket"), stream_input(["jobs"]),
                     key_template="{stream}.jsonl", max_rows_per_object=10)
    assert refused.returncode == 1
    assert b"key_template has no {part}: its objects are never split" in refused.stderr
