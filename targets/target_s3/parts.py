"""One object being written: streamed out, and visible only once it is complete.

A part writes through :meth:`BlobStore.open_write`, so on disk it is a temporary file
renamed into place when it closes, and on S3 a spooled upload (memory up to 8 MiB,
then a temporary file) sent when it closes, as a multipart upload that completes only
then. An aborted part leaves nothing where readers look.
"""

from __future__ import annotations

import contextlib
import gzip
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, Any

from observes_singer.store.storage import BlobStore


class _Counting:
    """A write-only file object that counts what passes to the one it wraps."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.count = 0

    def write(self, data: Any) -> int:
        self.count += len(data)
        return self.inner.write(data)

    def flush(self) -> None:
        self.inner.flush()


@dataclass(frozen=True)
class WrittenObject:
    url: str
    stream: str
    table: str
    rows: int
    bytes: int  # uncompressed
    content_length: int  # as stored
    columns: list[str] | None  # csv only


class Part:
    def __init__(self, blobs: BlobStore, url: str, *, stream: str, table: str, gzipped: bool,
                 header: bytes = b"", columns: list[str] | None = None) -> None:
        self.url = url
        self.stream = stream
        self.table = table
        self.columns = columns
        self.rows = 0
        self.bytes = 0
        self._context: AbstractContextManager[IO[bytes]] = blobs.open_write(url)
        self._counting = _Counting(self._context.__enter__())
        self._out: Any = (gzip.GzipFile(fileobj=self._counting, mode="wb", compresslevel=1,
                                        mtime=0)
                          if gzipped else self._counting)
        if header:
            self._out.write(header)
            self.bytes += len(header)

    def write(self, data: bytes, rows: int) -> None:
        self._out.write(data)
        self.bytes += len(data)
        self.rows += rows

    def close(self) -> WrittenObject:
        """Finish the object; only now does it appear at its URL."""
        if self._out is not self._counting:
            self._out.close()
        self._context.__exit__(None, None, None)
        return WrittenObject(self.url, self.stream, self.table, self.rows, self.bytes,
                             self._counting.count, self.columns)

    def abort(self) -> None:
        """Drop the object: nothing is written, nothing is left behind."""
        error = RuntimeError(f"{self.url}: aborted")
        with contextlib.suppress(RuntimeError):
            self._context.__exit__(RuntimeError, error, None)
