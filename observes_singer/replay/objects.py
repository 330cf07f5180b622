"""Backup objects: listing them in key order and reading their lines, gzip or not.

Whether an object is gzip is decided by its first two bytes (the gzip magic number),
not by its name. Objects are streamed: memory stays flat whatever their size.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from observes_singer.replay.errors import ReplayError
from observes_singer.store.storage import BlobStore, parse_url

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

GZIP_MAGIC = b"\x1f\x8b"
MANIFESTS = "_manifests"  # target-s3's run manifests: not messages
BUFFER = 1 << 20


@dataclass(frozen=True, slots=True)
class BackupObject:
    url: str
    size: int


def folder_prefix(url: str) -> str:
    """``url`` as a listing prefix: a local folder named without its ``/`` gets one, so
    that ``backups`` does not also match ``backups-old``."""
    location = parse_url(url)
    if location.scheme == "file" and not url.endswith("/") and os.path.isdir(location.key):
        return url + "/"
    return url


@dataclass(frozen=True)
class Listing:
    """What is under a prefix: the backups in key order, and target-s3's run manifests."""

    objects: list[BackupObject]
    manifests: list[str]


def list_objects(blobs: BlobStore, prefix: str) -> Listing:
    """The objects under ``prefix`` in key order, target-s3's manifests apart."""
    prefix = folder_prefix(prefix)
    base = parse_url(prefix).url
    found = []
    manifests = []
    for info in blobs.list(prefix):
        below = info.url[len(base):] if info.url.startswith(base) else info.url
        if MANIFESTS in below.split("/")[:-1]:
            manifests.append(info.url)
            continue
        found.append(BackupObject(info.url, info.size))
    if not found:
        raise ReplayError(f"no backup objects under {prefix}")
    return Listing(found, manifests)


class _Counted(io.RawIOBase):
    """A readable stream: ``head`` (already read) and then the rest of ``inner``;
    counts the bytes it hands out."""

    def __init__(self, head: bytes, inner: IO[bytes]) -> None:
        super().__init__()
        self._head = head
        self._inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(view), len(self._head))
            view[:size] = self._head[:size]
            self._head = self._head[size:]
        else:
            data = self._inner.read(len(view))
            size = len(data)
            view[:size] = data
        self.count += size
        return size


@dataclass
class ReadStats:
    """What one read of an object saw: its stored bytes and its lines."""

    stored_bytes: int = 0
    lines: int = 0


@contextlib.contextmanager
def open_lines(blobs: BlobStore, url: str, stats: ReadStats) -> Iterator[Iterator[bytes]]:
    """The object's lines (with their newlines), gunzipped when it is gzip.

    A truncated or corrupt gzip stream raises :class:`ReplayError` naming the object;
    ``stats`` holds the counts once the lines are exhausted.
    """
    with blobs.open_read(url) as handle:
        head = handle.read(len(GZIP_MAGIC))
        raw = _Counted(head, handle)
        buffered = io.BufferedReader(raw, BUFFER)
        source: IO[bytes] | gzip.GzipFile = buffered
        if head == GZIP_MAGIC:
            source = gzip.GzipFile(fileobj=buffered, mode="rb")
        yield _lines(source, raw, url, stats)


def _lines(source: IO[bytes] | gzip.GzipFile, raw: _Counted, url: str,
           stats: ReadStats) -> Iterator[bytes]:
    try:
        for line in source:
            stats.lines += 1
            yield line
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ReplayError(f"{url}: truncated or corrupt gzip, after {stats.lines} good lines "
                          f"({exc})") from None
    stats.stored_bytes = raw.count
