"""The replay: backups in two passes, then the live tap, as one Singer stream.

Pass 1 reads every object under the prefix, in key order, to its end, parsing and
checking every line (orjson, one message at a time, nothing kept but the schemas): the
streams' schemas are unioned and anything corrupt stops the run before a RECORD is
written. Then one SCHEMA per stream, the union, is written; pass 2 reads the objects
again and writes their RECORDs as they were (the same bytes), dropping SCHEMA, STATE
and ACTIVATE_VERSION. Memory stays bounded by the largest line and the schemas,
whatever the size of the backups.

Key order is time order: target-s3's default keys start with the run id, a UTC
timestamp, and the Time Doctor backups are ``timedoctor.<stream>.<start>.<end>.singer.gz``.
The objects' LastModified is not used: a backfill rewrites an old month, which would
then look like the newest.

Pass 1 also holds each object to the target-s3 manifest of the run that wrote it (its
lines and stored bytes, :mod:`observes_singer.replay.manifests`), so that a backup cut at a
line boundary fails too; one that no manifest lists is replayed and named as unchecked.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

import orjson

from observes_singer.replay.catalog import Catalog
from observes_singer.replay.config import ReplayConfig
from observes_singer.replay.errors import ReplayError
from observes_singer.replay.live import run_live
from observes_singer.replay.manifests import Proofs, unchecked_note
from observes_singer.replay.monthly import check_months
from observes_singer.replay.objects import BackupObject, ReadStats, list_objects, open_lines
from observes_singer.singer.messages import (
    BatchMessage,
    MessageWriter,
    RecordMessage,
    SchemaMessage,
    read_messages,
)
from observes_singer.store.storage import BlobStore


@dataclass
class Scan:
    """What pass 1 found: the objects, how each read, the streams' schemas, and the
    objects no run manifest proves whole."""

    objects: list[BackupObject]
    reads: list[ReadStats]
    catalog: Catalog
    unchecked: list[str]


def _selected(streams: Iterable[str] | None) -> frozenset[str] | None:
    return None if streams is None else frozenset(streams)


def scan(blobs: BlobStore, prefix: str, streams: list[str] | None,
         monthly: bool = False) -> Scan:
    """Pass 1: every line of every object checked, the schemas unioned."""
    wanted = _selected(streams)
    listing = list_objects(blobs, prefix)
    objects = listing.objects
    if monthly:
        check_months(objects, prefix)
    proofs = Proofs(blobs, listing, prefix)
    catalog = Catalog()
    reads: list[ReadStats] = []
    unchecked: list[str] = []
    for backup in objects:
        stats = ReadStats()
        messages = 0
        with open_lines(blobs, backup.url, stats) as lines:
            for message in read_messages(lines, source=backup.url):
                messages += 1
                if isinstance(message, RecordMessage):
                    if message.stream not in catalog and (wanted is None
                                                          or message.stream in wanted):
                        raise ReplayError(
                            f"{backup.url} line {message.line_no}: RECORD for stream "
                            f"{message.stream!r} before any SCHEMA for it (in this object "
                            "or an earlier one)")
                elif isinstance(message, SchemaMessage):
                    if wanted is None or message.stream in wanted:
                        catalog.add(message, f"{backup.url} line {message.line_no}")
                elif isinstance(message, BatchMessage):
                    raise ReplayError(f"{backup.url} line {message.line_no}: BATCH messages "
                                      "cannot be replayed")
        if messages == 0:
            raise ReplayError(f"{backup.url}: holds no Singer messages (an empty backup)")
        if not proofs.check(backup.url, stats):
            unchecked.append(backup.url)
        reads.append(stats)
    return Scan(objects, reads, catalog, unchecked)


def write_records(blobs: BlobStore, found: Scan, streams: list[str] | None,
                  out: IO[bytes]) -> int:
    """Pass 2: the RECORDs of the chosen streams, their lines as they were."""
    wanted = _selected(streams)
    loads = orjson.loads
    written = 0
    for backup, before in zip(found.objects, found.reads, strict=True):
        stats = ReadStats()
        with open_lines(blobs, backup.url, stats) as lines:
            for raw in lines:
                try:
                    message = loads(raw)
                except orjson.JSONDecodeError:
                    if not raw.strip():
                        continue
                    raise _changed(backup.url) from None
                if type(message) is not dict:
                    raise _changed(backup.url)
                if message.get("type") != "RECORD":
                    continue
                if wanted is not None and message.get("stream") not in wanted:
                    continue
                out.write(raw if raw.endswith(b"\n") else raw + b"\n")
                written += 1
        if stats != before:
            raise _changed(backup.url)
    return written


def _changed(url: str) -> ReplayError:
    return ReplayError(f"{url}: changed while it was being replayed (it differs from the "
                       "first read); run the replay again")


def replay(config: ReplayConfig, out: IO[bytes], log: IO[str] = sys.stderr,
           prog: str = "tap-singer-replay", blobs: BlobStore | None = None) -> int:
    """The whole replay onto ``out``; raises :class:`ReplayError` on what cannot be."""
    blobs = blobs or BlobStore(endpoint_url=config.endpoint_url)
    found = scan(blobs, config.url, config.streams, config.monthly)
    missing = [s for s in config.streams or [] if s not in found.catalog]
    if missing and config.then is None:
        raise ReplayError(f"stream {missing[0]!r}: no backup under {config.url} has a "
                          "SCHEMA for it")
    print(f"{prog}: {len(found.objects)} objects checked under {config.url}; streams: "
          f"{', '.join(found.catalog.streams) or 'none'}", file=log)
    if found.unchecked:
        print(f"{prog}: warning: {unchecked_note(found.unchecked)}", file=log)
    writer = MessageWriter(out)
    for stream in found.catalog.streams.values():
        writer.write(stream.message())
    records = write_records(blobs, found, config.streams, out)
    print(f"{prog}: {records} records replayed from the backups", file=log)
    if config.then is not None:
        live = run_live(config.then, found.catalog, _selected(config.streams), writer, out)
        print(f"{prog}: {live} records from {config.then.name}", file=log)
    out.flush()
    return 0
