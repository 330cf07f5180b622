"""URL-addressed storage on a local folder and on S3 (moto's server)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from observes_singer.store.storage import (
    TEMP_MARKER,
    BlobNotFound,
    BlobStore,
    Location,
    StorageError,
    parse_url,
)


@dataclass
class Place:
    store: BlobStore
    base: str  # a URL prefix ending in "/"

    def url(self, key: str) -> str:
        return self.base + key


@pytest.fixture(params=["local", "s3"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    if request.param == "local":
        yield Place(BlobStore(), f"file://{tmp_path}/")
    else:
        bucket: Any = request.getfixturevalue("s3_bucket")
        yield Place(BlobStore(endpoint_url=bucket.endpoint_url), f"s3://{bucket.name}/")


def test_write_then_read(place: Place) -> None:
    url = place.url("a/b/state.json")
    place.store.write_bytes(url, b'{"x": 1}')
    assert place.store.read_bytes(url) == b'{"x": 1}'
    assert place.store.exists(url)
    place.store.write_bytes(url, b"replaced")
    assert place.store.read_bytes(url) == b"replaced"


def test_reading_what_is_not_there_is_not_found(place: Place) -> None:
    with pytest.raises(BlobNotFound, match=r"missing\.json"):
        place.store.read_bytes(place.url("missing.json"))
    assert not place.store.exists(place.url("missing.json"))
    with pytest.raises(BlobNotFound), place.store.open_read(place.url("missing.json")):
        pass


def test_streaming_write_and_read(place: Place) -> None:
    url = place.url("big/part-0001.bin")
    chunk = bytes(range(256)) * 4096  # 1 MiB
    with place.store.open_write(url) as handle:
        for _ in range(9):  # past the 8 MiB multipart threshold on S3
            handle.write(chunk)
    total = 0
    with place.store.open_read(url) as handle:
        while block := handle.read(1 << 20):
            assert block == chunk[: len(block)]
            total += len(block)
    assert total == 9 * len(chunk)


def test_failed_write_leaves_the_previous_blob_whole(place: Place) -> None:
    url = place.url("state.json")
    place.store.write_bytes(url, b"old")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), place.store.open_write(url) as handle:
        handle.write(b"half of the new ")
        raise Boom
    assert place.store.read_bytes(url) == b"old"
    assert [info.url for info in place.store.list(place.base)] == [url]


def test_failed_first_write_leaves_nothing(place: Place) -> None:
    url = place.url("never.json")
    with pytest.raises(RuntimeError), place.store.open_write(url) as handle:
        handle.write(b"partial")
        raise RuntimeError("killed")
    assert not place.store.exists(url)
    assert list(place.store.list(place.base)) == []


def test_list_is_a_string_prefix_in_key_order(place: Place) -> None:
    for key in ["logs/2026/02.json", "logs/2026/01.json", "logs/2026-11.json", "other/x.json"]:
        place.store.write_bytes(place.url(key), key.encode())
    listed = [(info.url, info.size) for info in place.store.list(place.url("logs/2026"))]
    assert listed == [
        (place.url("logs/2026-11.json"), len("logs/2026-11.json")),
        (place.url("logs/2026/01.json"), len("logs/2026/01.json")),
        (place.url("logs/2026/02.json"), len("logs/2026/02.json")),
    ]
    assert [i.url for i in place.store.list(place.url("logs/2026/"))] == [
        place.url("logs/2026/01.json"),
        place.url("logs/2026/02.json"),
    ]
    assert list(place.store.list(place.url("nothing/"))) == []


def test_delete_and_delete_prefix(place: Place) -> None:
    for key in ["run/1/a", "run/1/b", "run/2/a", "keep"]:
        place.store.write_bytes(place.url(key), b"x")
    assert place.store.delete(place.url("keep")) is True
    assert place.store.delete(place.url("keep")) is False
    assert place.store.delete_prefix(place.url("run/1/")) == 2
    assert [i.url for i in place.store.list(place.base)] == [place.url("run/2/a")]


def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = BlobStore()
    target = tmp_path / "deep" / "folder" / "file.json"
    store.write_bytes(str(target), b"1")
    with pytest.raises(ZeroDivisionError), store.open_write(str(target)) as handle:
        handle.write(b"2")
        1 / 0  # noqa: B018
    assert sorted(os.listdir(target.parent)) == ["file.json"]
    assert target.read_bytes() == b"1"


def test_unfinished_temporary_files_are_not_listed(tmp_path: Path) -> None:
    (tmp_path / f"{TEMP_MARKER}x.json.abc").write_bytes(b"half")
    (tmp_path / "x.json").write_bytes(b"whole")
    assert [i.url for i in BlobStore().list(f"{tmp_path}/")] == [f"file://{tmp_path}/x.json"]


def test_plain_paths_and_file_urls_are_the_same_place(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = BlobStore()
    store.write_bytes("rel/state.json", b"1")
    assert store.read_bytes(f"file://{tmp_path}/rel/state.json") == b"1"
    assert store.read_bytes(str(tmp_path / "rel" / "state.json")) == b"1"
    assert parse_url("rel/").key == f"{tmp_path}/rel/"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("file:///data/runs/a.json", "/data/runs/a.json"),
        ("file:///data/x/../runs/", "/data/runs/"),
        ("file:///data/a%20b.json", "/data/a b.json"),
        ("file:///data/a.json?v=1", "/data/a.json"),
        ("file:///data/a.json#top", "/data/a.json"),
        ("file://localhost/data/a.json", "/data/a.json"),
    ],
)
def test_a_file_url_is_its_path_as_a_url_reads(url: str, path: str) -> None:
    assert parse_url(url) == Location("file", "", path)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty storage URL"),
        ("gs://bucket/key", "unsupported storage scheme 'gs'"),
        ("s3:///key", "needs a bucket"),
        ("file://otherhost/x", "must be local"),
    ],
)
def test_bad_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(StorageError, match=message):
        BlobStore().read_bytes(url)


def test_reading_a_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="is a folder"):
        BlobStore().read_bytes(str(tmp_path))


def test_missing_bucket_names_the_url(s3_bucket: Any) -> None:
    store = BlobStore(endpoint_url=s3_bucket.endpoint_url)
    with pytest.raises(StorageError, match=r"s3://no-such-bucket-here/k: cannot write: .*bucket"):
        store.write_bytes("s3://no-such-bucket-here/k", b"x")


def test_endpoint_comes_from_the_environment(s3_bucket: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_bucket.endpoint_url)
    store = BlobStore()
    store.write_bytes(f"s3://{s3_bucket.name}/env.txt", b"via env")
    body = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key="env.txt")["Body"].read()
    assert body == b"via env"
