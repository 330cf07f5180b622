"""URL-addressed storage: ``s3://bucket/key``, ``file:///path`` and plain paths.

Everything that keeps bytes somewhere (state, schema caches, target-s3's objects)
goes through :class:`BlobStore`, so that a local folder and a bucket behave the
same: reads, atomic writes, listing a prefix, deleting.

Atomic means a reader sees the old object or the new one, never a part: on disk a
temporary file in the same folder is fsynced and renamed over the target; on S3 a
single PUT, or a multipart upload that completes only when every part is sent
(and is aborted otherwise).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

TEMP_MARKER = ".observes-tmp-"
SPOOL_BYTES = 8 * 1024 * 1024


class StorageError(Exception):
    """A storage operation failed; the message names the URL."""


class BlobNotFound(StorageError):
    """No object at that URL."""


class BlobConflict(StorageError):
    """A conditional write found the blob changed since it was read (or present when it
    was meant to be new)."""


@dataclass(frozen=True, slots=True)
class Location:
    """A parsed storage URL."""

    scheme: str  # "s3" or "file"
    bucket: str  # S3 only
    key: str  # S3 key, or an absolute local path

    @property
    def url(self) -> str:
        if self.scheme == "s3":
            return f"s3://{self.bucket}/{self.key}"
        return f"file://{self.key}"


@dataclass(frozen=True, slots=True)
class BlobInfo:
    url: str
    size: int


@dataclass(frozen=True, slots=True)
class CurrentBlob:
    """A blob as read for a compare-and-swap: its bytes, the version token for
    :meth:`BlobStore.write_if`, and when the store last wrote it (S3's ``LastModified``, by
    the store's clock, not the writer's; on disk the file's modification time)."""

    data: bytes
    version: str
    modified: datetime


#: What makes a file URL more than ``file://`` and a path: an escape, a query or a
#: fragment, or the characters urlsplit removes.
_URL_SYNTAX = re.compile(r"[%?#\t\r\n]")


def parse_url(url: str) -> Location:
    """Parse ``s3://bucket/key``, ``file:///abs/path`` or a plain (relative or absolute) path."""
    if not url:
        raise StorageError("empty storage URL")
    if url.startswith("file:///") and not _URL_SYNTAX.search(url):
        # What urlsplit and unquote would give, at a third of the cost: the listing of a
        # run ledger gives thousands of these, each read back by its URL.
        return _local(url[len("file://"):])
    if url.startswith("s3://"):
        parts = urlsplit(url)
        bucket = parts.netloc
        if not bucket:
            raise StorageError(f"{url}: an S3 URL needs a bucket (s3://bucket/key)")
        return Location("s3", bucket, parts.path.lstrip("/"))
    if url.startswith("file://"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise StorageError(f"{url}: file URLs must be local (file:///absolute/path)")
        return _local(unquote(parts.path))
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise StorageError(f"{url}: unsupported storage scheme {scheme!r} (use s3://, file:// "
                           "or a path)")
    return _local(os.path.expanduser(url))


def _local(path: str) -> Location:
    """A local location; a trailing slash (a folder prefix) is kept."""
    absolute = os.path.abspath(path)
    if path.endswith("/") and absolute != "/":
        absolute += "/"
    return Location("file", "", absolute)


class BlobStore:
    """Reads and writes blobs by URL, on local disk or S3.

    ``endpoint_url`` points S3 at an S3-compatible server (MinIO, moto, a VPC endpoint);
    without it ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` is honoured. Credentials and
    region come from boto3's usual chain (environment, profile, instance role).
    """

    def __init__(self, endpoint_url: str | None = None, s3_client: S3Client | None = None) -> None:
        self._endpoint_url = (
            endpoint_url
            or os.environ.get("AWS_ENDPOINT_URL_S3")
            or os.environ.get("AWS_ENDPOINT_URL")
            or None
        )
        self._s3: S3Client | None = s3_client

    # -- S3 plumbing -------------------------------------------------------------------

    @property
    def s3(self) -> S3Client:
        if self._s3 is None:
            import boto3  # imported late: it takes a while and local runs never need it
            from botocore.config import Config

            self._s3 = boto3.client(
                "s3",
                endpoint_url=self._endpoint_url,
                config=Config(retries={"max_attempts": 5, "mode": "standard"}),
            )
        return self._s3

    @contextlib.contextmanager
    def _s3_errors(self, url: str, action: str) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "Unknown"))
            if code in ("NoSuchKey", "404", "NotFound"):
                raise BlobNotFound(f"{url}: no such object") from None
            if code in ("NoSuchBucket",):
                raise StorageError(f"{url}: cannot {action}: the bucket does not exist") from None
            if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise StorageError(
                    f"{url}: cannot {action}: access denied ({code}); check the AWS credentials "
                    "and the bucket policy"
                ) from None
            message = error.get("Message", "")
            raise StorageError(f"{url}: cannot {action}: {code} {message}".rstrip()) from None
        except NoCredentialsError:
            raise StorageError(
                f"{url}: cannot {action}: no AWS credentials found (set AWS_PROFILE or "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an instance role)"
            ) from None
        except BotoCoreError as exc:
            raise StorageError(f"{url}: cannot {action}: {exc}") from None

    # -- reading -----------------------------------------------------------------------

    def read_bytes(self, url: str) -> bytes:
        loc = parse_url(url)
        if loc.scheme == "s3":
            with self._s3_errors(url, "read"):
                body = self.s3.get_object(Bucket=loc.bucket, Key=loc.key)["Body"]
                return body.read()
        try:
            # Unbuffered: one read of the size fstat gives, no buffer and no isatty()
            # (twice as quick on the many small files of a run ledger).
            with open(loc.key, "rb", buffering=0) as handle:
                return handle.readall()
        except (FileNotFoundError, NotADirectoryError):
            raise BlobNotFound(f"{url}: no such file") from None
        except IsADirectoryError:
            raise StorageError(f"{url}: is a folder, not a file") from None
        except OSError as exc:
            raise StorageError(f"{url}: cannot read: {exc.strerror}") from None

    @contextlib.contextmanager
    def open_read(self, url: str) -> Iterator[IO[bytes]]:
        """A binary stream over the blob, read in chunks (memory stays flat)."""
        loc = parse_url(url)
        if loc.scheme == "s3":
            with self._s3_errors(url, "read"):
                body: Any = self.s3.get_object(Bucket=loc.bucket, Key=loc.key)["Body"]
            try:
                yield body
            finally:
                body.close()
            return
        try:
            handle = open(loc.key, "rb")  # noqa: SIM115 - closed below
        except (FileNotFoundError, NotADirectoryError):
            raise BlobNotFound(f"{url}: no such file") from None
        except OSError as exc:
            raise StorageError(f"{url}: cannot read: {exc.strerror}") from None
        with handle:
            yield handle

    def exists(self, url: str) -> bool:
        loc = parse_url(url)
        if loc.scheme == "s3":
            try:
                with self._s3_errors(url, "look up"):
                    self.s3.head_object(Bucket=loc.bucket, Key=loc.key)
            except BlobNotFound:
                return False
            return True
        return os.path.isfile(loc.key)

    # -- writing -----------------------------------------------------------------------

    def write_bytes(self, url: str, data: bytes, content_type: str | None = None) -> None:
        """Write the whole blob atomically, replacing what was there. ``content_type``
        is the object's Content-Type on S3 (what a browser opening its URL goes by)."""
        loc = parse_url(url)
        if loc.scheme == "s3":
            with self._s3_errors(url, "write"):
                if content_type is None:
                    self.s3.put_object(Bucket=loc.bucket, Key=loc.key, Body=data)
                else:
                    self.s3.put_object(Bucket=loc.bucket, Key=loc.key, Body=data,
                                       ContentType=content_type)
            return
        with self.open_write(url) as handle:
            handle.write(data)

    @contextlib.contextmanager
    def open_write(self, url: str) -> Iterator[IO[bytes]]:
        """A binary stream whose bytes become the blob only when the block exits cleanly.

        If the block raises, nothing is written and the previous blob (if any) is intact.
        """
        loc = parse_url(url)
        if loc.scheme == "s3":
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
            with spool:
                yield spool
                spool.seek(0)
                with self._s3_errors(url, "write"):
                    # upload_fileobj uses multipart above its threshold; the object appears
                    # only when CompleteMultipartUpload succeeds and is aborted on failure.
                    self.s3.upload_fileobj(spool, loc.bucket, loc.key)
            return
        if loc.key.endswith("/"):
            raise StorageError(f"{url}: names a folder; a file name is needed")
        target = Path(loc.key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(prefix=f"{TEMP_MARKER}{target.name}.",
                                             dir=target.parent)
        except OSError as exc:
            raise StorageError(f"{url}: cannot write: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        _fsync_dir(target.parent)

    # -- compare and swap ------------------------------------------------------------------

    def read_versioned(self, url: str) -> tuple[bytes, str] | None:
        """The blob and a version token for :meth:`write_if`, or None when there is none."""
        current = self.read_current(url)
        return None if current is None else (current.data, current.version)

    def read_current(self, url: str) -> CurrentBlob | None:
        """The blob, its version token and its modification time (one read: all three
        belong to the same version), or None when there is none."""
        loc = parse_url(url)
        if loc.scheme == "s3":
            try:
                with self._s3_errors(url, "read"):
                    answer = self.s3.get_object(Bucket=loc.bucket, Key=loc.key)
                    return CurrentBlob(answer["Body"].read(), str(answer["ETag"]),
                                       answer["LastModified"].astimezone(UTC))
            except BlobNotFound:
                return None
        try:
            with open(loc.key, "rb") as handle:
                modified = os.fstat(handle.fileno()).st_mtime
                data = handle.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise StorageError(f"{url}: cannot read: {exc.strerror}") from None
        return CurrentBlob(data, _digest(data), datetime.fromtimestamp(modified, UTC))

    def write_if(self, url: str, data: bytes, version: str | None) -> None:
        """Write the blob only if it is still at ``version`` (from :meth:`read_versioned`),
        or, with ``version=None``, only if there is none; else :class:`BlobConflict`.

        On S3 a conditional PUT (``If-Match`` / ``If-None-Match: *``); on disk the folder
        is locked (``flock``) around the check and the atomic rename.
        """
        loc = parse_url(url)
        if loc.scheme == "s3":
            condition = {"IfNoneMatch": "*"} if version is None else {"IfMatch": version}
            try:
                with self._s3_errors(url, "write"):
                    self.s3.put_object(Bucket=loc.bucket, Key=loc.key, Body=data,
                                       **condition)  # type: ignore[arg-type]
            except StorageError as exc:
                if "PreconditionFailed" in str(exc) or "ConditionalRequestConflict" in str(exc):
                    raise BlobConflict(f"{url}: changed while it was being updated") from None
                raise
            return
        folder = Path(loc.key).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder, os.O_RDONLY)
        except OSError as exc:
            raise StorageError(f"{url}: cannot write: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            current = self.read_versioned(url)
            if (current is None) != (version is None) or \
                    (current is not None and current[1] != version):
                raise BlobConflict(f"{url}: changed while it was being updated")
            self.write_bytes(url, data)
        finally:
            os.close(fd)  # releases the lock

    # -- listing and deleting ----------------------------------------------------------

    def list(self, prefix_url: str) -> Iterator[BlobInfo]:
        """Every blob whose URL starts with ``prefix_url``, in key order.

        As on S3, a prefix is a string prefix: ``s3://b/logs/2026`` matches
        ``s3://b/logs/2026-11.json`` and ``s3://b/logs/2026/01.json``. Unfinished
        temporary files of atomic writes are never listed.
        """
        loc = parse_url(prefix_url)
        if loc.scheme == "s3":
            with self._s3_errors(prefix_url, "list"):
                paginator = self.s3.get_paginator("list_objects_v2")
                for page in paginator.paginate(Bucket=loc.bucket, Prefix=loc.key):
                    for item in page.get("Contents", []):
                        yield BlobInfo(f"s3://{loc.bucket}/{item['Key']}", int(item["Size"]))
            return
        yield from _list_local(loc.key)

    def delete(self, url: str) -> bool:
        """Delete one blob; returns False when there was nothing to delete."""
        loc = parse_url(url)
        if loc.scheme == "s3":
            if not self.exists(url):
                return False
            with self._s3_errors(url, "delete"):
                self.s3.delete_object(Bucket=loc.bucket, Key=loc.key)
            return True
        try:
            os.unlink(loc.key)
        except FileNotFoundError:
            return False
        except IsADirectoryError:
            raise StorageError(f"{url}: is a folder; delete_prefix removes folders") from None
        except OSError as exc:
            raise StorageError(f"{url}: cannot delete: {exc.strerror}") from None
        return True

    def delete_prefix(self, prefix_url: str) -> int:
        """Delete every blob under a prefix; returns how many were deleted."""
        loc = parse_url(prefix_url)
        if loc.scheme == "s3":
            keys = [parse_url(info.url).key for info in self.list(prefix_url)]
            for start in range(0, len(keys), 1000):
                chunk = keys[start : start + 1000]
                with self._s3_errors(prefix_url, "delete"):
                    self.s3.delete_objects(
                        Bucket=loc.bucket,
                        Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True},
                    )
            return len(keys)
        count = 0
        for info in list(_list_local(loc.key)):
            if self.delete(info.url):
                count += 1
        if loc.key.endswith("/") and os.path.isdir(loc.key):
            shutil.rmtree(loc.key, ignore_errors=True)
        return count


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _list_local(prefix: str) -> Iterator[BlobInfo]:
    # Walk the deepest folder that the prefix names, then filter by string prefix.
    root = prefix if prefix.endswith("/") else os.path.dirname(prefix)
    if not os.path.isdir(root):
        return
    found: list[tuple[str, int]] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            if name.startswith(TEMP_MARKER):
                continue
            path = os.path.join(folder, name)
            if path.startswith(prefix):
                try:
                    found.append((path, os.path.getsize(path)))
                except FileNotFoundError:
                    continue
    for path, size in sorted(found):
        yield BlobInfo(f"file://{path}", size)
