"""Stream the bytes a Redshift COPY would read from S3, one bounded chunk at a time.

Redshift loads every object whose key starts with the COPY's prefix (an empty prefix is an
error), or, with MANIFEST, the objects the JSON manifest lists. Each object is a separate file
to Redshift: header lines are skipped per object, and an object whose last line lacks a newline
does not run into the next one. Objects are read in key order (manifest order with MANIFEST),
so loads are deterministic; Redshift reads them in parallel.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from botocore.exceptions import BotoCoreError, ClientError

from tests.support.redshift_copy import S3Load

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DEFAULT_CHUNK_SIZE = 64 * 1024
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


class S3LoadError(Exception):
    """The S3 side of a COPY failed; the message is meant for the person running the COPY."""


@dataclass(frozen=True, slots=True)
class S3Object:
    bucket: str
    key: str

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse_s3_url(url: str) -> S3Object:
    if not url.startswith("s3://"):
        raise S3LoadError(f"{url!r} is not an s3:// URL")
    bucket, _, key = url[len("s3://"):].partition("/")
    if not bucket:
        raise S3LoadError(f"{url!r} names no bucket")
    return S3Object(bucket, key)


def _describe(error: ClientError | BotoCoreError, url: str) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = details.get("Code", "")
        if code == "NoSuchBucket":
            return f"S3 bucket {parse_s3_url(url).bucket!r} does not exist ({url})"
        if code in ("NoSuchKey", "404"):
            return f"S3 object {url} does not exist"
        return f"S3 error for {url}: {code} {details.get('Message', '')}".rstrip()
    return f"S3 request for {url} failed: {error}"


def _objects_under_prefix(client: S3Client, url: str) -> Iterator[S3Object]:
    location = parse_s3_url(url)
    found = False
    try:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=location.bucket, Prefix=location.key)
        for page in pages:
            for item in page.get("Contents", []):
                found = True
                yield S3Object(location.bucket, item["Key"])
    except (ClientError, BotoCoreError) as exc:
        raise S3LoadError(_describe(exc, url)) from exc
    if not found:
        raise S3LoadError(f"The specified S3 prefix '{location.key}' does not exist in bucket "
                          f"'{location.bucket}' (no objects under {url})")


def _exists(client: S3Client, target: S3Object) -> bool:
    try:
        client.head_object(Bucket=target.bucket, Key=target.key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise S3LoadError(_describe(exc, target.url)) from exc
    except BotoCoreError as exc:
        raise S3LoadError(_describe(exc, target.url)) from exc
    return True


def _manifest_entries(client: S3Client, url: str) -> list[tuple[str, bool]]:
    location = parse_s3_url(url)
    try:
        body = client.get_object(Bucket=location.bucket, Key=location.key)["Body"]
        raw = body.read(MAX_MANIFEST_BYTES + 1)
    except (ClientError, BotoCoreError) as exc:
        raise S3LoadError(f"cannot read manifest: {_describe(exc, url)}") from exc
    if len(raw) > MAX_MANIFEST_BYTES:
        raise S3LoadError(f"manifest {url} is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        document: Any = json.loads(raw)
        entries = [(str(entry["url"]), bool(entry.get("mandatory", False)))
                   for entry in document["entries"]]
    except (ValueError, TypeError, KeyError) as exc:
        raise S3LoadError(f"manifest {url} is not a valid Redshift manifest "
                          '({"entries": [{"url": "s3://...", "mandatory": true}]})') from exc
    return entries


def _objects_in_manifest(client: S3Client, url: str) -> Iterator[S3Object]:
    for entry_url, mandatory in _manifest_entries(client, url):
        target = parse_s3_url(entry_url)
        if _exists(client, target):
            yield target
        elif mandatory:
            raise S3LoadError(f"manifest {url}: mandatory file {entry_url} does not exist")


def source_objects(client: S3Client, load: S3Load) -> Iterator[S3Object]:
    """The objects a COPY reads, in load order; raises S3LoadError before yielding if none."""
    if load.manifest:
        return _objects_in_manifest(client, load.source)
    return _objects_under_prefix(client, load.source)


def _read_chunks(stream: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    while chunk := stream.read(chunk_size):
        yield chunk


def _skip_lines(chunks: Iterable[bytes], count: int) -> Iterator[bytes]:
    remaining = count
    for chunk in chunks:
        start = 0
        while remaining and start < len(chunk):
            newline = chunk.find(b"\n", start)
            if newline < 0:
                start = len(chunk)
                break
            start = newline + 1
            remaining -= 1
        if start < len(chunk):
            yield chunk[start:] if start else chunk


def _object_chunks(client: S3Client, target: S3Object, load: S3Load,
                   chunk_size: int) -> Iterator[bytes]:
    try:
        body = client.get_object(Bucket=target.bucket, Key=target.key)["Body"]
    except (ClientError, BotoCoreError) as exc:
        raise S3LoadError(_describe(exc, target.url)) from exc
    stream = cast(BinaryIO, body)
    try:
        if load.gzip:
            yield from _gunzipped_chunks(stream, target, chunk_size)
        else:
            yield from _read_chunks(stream, chunk_size)
    except (BotoCoreError, OSError) as exc:
        raise S3LoadError(f"reading {target.url} failed: {exc}") from exc
    finally:
        body.close()


def _gunzipped_chunks(stream: BinaryIO, target: S3Object, chunk_size: int) -> Iterator[bytes]:
    with gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
        try:
            yield from _read_chunks(cast(BinaryIO, unzipped), chunk_size)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise S3LoadError(f"{target.url} is not valid gzip data: {exc}") from exc


MAX_ROW_BYTES = 4 * 1024 * 1024
"""COPY: "The maximum size of a single input row from any source is 4 MB", counting each
pipe character twice ("COPY data format parameters", under JSON and Avro)."""
_ROW_BYTES = re.compile(rb'["\n|]')


class _RowSizes:
    """The length of each input row of a CSV object as its chunks pass, quotes followed."""

    def __init__(self, target: S3Object, limit: int) -> None:
        self._target = target
        self._limit = limit
        self._row = 1
        self._bytes = 0
        self._quoted = False

    def check(self, chunk: bytes) -> None:
        start = 0
        for match in _ROW_BYTES.finditer(chunk):
            mark = match.group()
            if mark == b'"':
                self._quoted = not self._quoted
            elif mark == b"|":
                self._bytes += 1
            elif not self._quoted:
                self._end_row(self._bytes + match.end() - start)
                self._bytes, start = 0, match.end()
        self._bytes += len(chunk) - start
        if self._bytes > self._limit:
            self._end_row(self._bytes)

    def _end_row(self, size: int) -> None:
        if size > self._limit:
            raise S3LoadError(
                "Load into table failed. Check 'stl_load_errors' system table for details. "
                f"(row {self._row} of {self._target.url}, pipes counted twice, has over "
                f"{self._limit} bytes: a single input row may not exceed 4 MB)")
        self._row += 1


def stream_load(client: S3Client, load: S3Load,
                chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the COPY input for ``load`` in chunks of at most ``chunk_size`` bytes; a CSV
    row over Redshift's 4 MB fails the load (:data:`MAX_ROW_BYTES`)."""
    for target in source_objects(client, load):
        last = b"\n"
        sizes = _RowSizes(target, MAX_ROW_BYTES) if load.csv else None
        chunks = _object_chunks(client, target, load, chunk_size)
        for chunk in _skip_lines(chunks, load.ignore_header):
            if sizes is not None:
                sizes.check(chunk)
            last = chunk[-1:]
            yield chunk
        if last != b"\n":
            yield b"\n"
