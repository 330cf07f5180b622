"""The parts of a sharded run: what each shard's target-s3 wrote, checked complete.

A sharded job's shards each write their objects with target-s3 (``format: csv``) under
``<run url>/part_<i>/``, and a manifest under ``part_<i>/_manifests/`` once all of the
shard's objects are complete (target-s3 writes none for a run that fails). Before
anything is loaded, :func:`read_parts` checks that each of the ``count`` parts has a
manifest, that every object the manifest lists is there whole (its stored size) and below
the run's url, and that no part beyond ``count`` is there (a segment count that changed
between the shards and the final phase); otherwise it raises :class:`PartsError` naming
every problem, and nothing is loaded.

Each object's header must list the columns its manifest lists, in the same order: the
loaders map the CSV columns by position (Redshift's ``COPY`` takes the manifest's column
list), so an object whose header disagrees is refused rather than loaded into the wrong
columns.

A part with several manifests (a shard retried after it had written one) is read from
the newest, by its ``finished_at``; the others are named in :attr:`Part.ignored`.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from observes_singer.singer.schema_union import merge_schemas
from observes_singer.store.storage import BlobStore, StorageError, parse_url

MANIFESTS = "_manifests/"
_PART = re.compile(r"part_(\d+)/")
#: The longest header line read: 1600 columns of 127-byte names, and room to spare.
MAX_HEADER_BYTES = 1 << 20


class PartsError(Exception):
    """The parts are not all there and whole; nothing was loaded."""


@dataclass(frozen=True)
class PartObject:
    url: str
    table: str
    rows: int
    columns: list[str]


@dataclass
class Part:
    index: int
    manifest_url: str
    manifest: dict[str, Any]
    ignored: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"part_{self.index}"

    @property
    def gzip(self) -> bool:
        return bool(self.manifest.get("compression") == "gzip")

    def objects(self, stream: str) -> list[PartObject]:
        return [PartObject(o["url"], o["table"], int(o["rows"]), list(o["columns"]))
                for o in self.manifest["objects"] if o["stream"] == stream]

    def column_bytes(self, table: str) -> dict[str, int] | None:
        """The longest value of each column, in bytes; None from a target-s3 that did not
        write them (its text columns then get the widest VARCHAR)."""
        if "column_bytes" not in self.manifest:
            return None
        return dict(self.manifest["column_bytes"].get(table, {}))

    def redshift_manifest(self, table: str) -> str | None:
        found = self.manifest.get("redshift_manifests", {}).get(table)
        return str(found) if found else None


@dataclass(frozen=True)
class StreamParts:
    """A stream as every part declared it: the union of their schemas, one key."""

    name: str
    schema: dict[str, Any]
    key_properties: list[str]


def part_url(root: str, index: int) -> str:
    return f"{root}part_{index}/"


def canonical(url: str) -> str:
    """The url as a listing gives it (``file:///abs/path`` for a local path)."""
    return parse_url(url).url


def read_parts(blobs: BlobStore, root: str, count: int) -> list[Part]:
    """The ``count`` parts under ``root`` (a :func:`canonical` url ending in ``/``), each
    checked whole."""
    try:
        listing = {info.url: info.size for info in blobs.list(root)}
    except StorageError as exc:
        raise PartsError(f"cannot list the parts under {root}: {exc}") from None
    problems: list[str] = []
    parts: list[Part] = []
    for index in range(count):
        part = _read_part(blobs, root, index, listing, problems)
        if part is not None:
            parts.append(part)
    strays = sorted({int(m.group(1)) for url in listing
                     if (m := _PART.match(url[len(root):])) and int(m.group(1)) >= count})
    if strays:
        problems.append(f"{', '.join(f'part_{i}' for i in strays)} found, but the run "
                        f"had {count} shards (part_0 to part_{count - 1}): did the shard "
                        "count change during the run?")
    if problems:
        raise PartsError(f"the parts under {root} are not complete, so nothing was loaded: "
                         + "; ".join(problems))
    return parts


def refuse_null_marker_strings(parts: list[Part]) -> None:
    """Stop before anything loads when a part holds strings that are exactly ``\\N``:
    Redshift's COPY loads them as NULL (see ``target_s3.null_strings``)."""
    found = [f"{part.name} {table} ({count})" for part in parts
             for table, count in sorted(part.manifest.get("null_marker_strings", {}).items())]
    if found:
        raise PartsError("strings that are exactly \\N, which Redshift's COPY would load as "
                         f"NULL, are in {', '.join(found)}, so nothing was loaded; load these "
                         "parts into PostgreSQL or DuckDB, or the stream with target-redshift "
                         "itself, which keeps them")


def _read_part(blobs: BlobStore, root: str, index: int, listing: dict[str, int],
               problems: list[str]) -> Part | None:
    prefix = part_url(root, index) + MANIFESTS
    urls = [url for url in listing if url.startswith(prefix) and url.endswith(".json")
            and "/" not in url[len(prefix):]]
    name = f"part_{index}"
    if not urls:
        problems.append(f"{name} has no manifest (its shard failed, was stopped, or has "
                        "not finished)")
        return None
    found: list[tuple[str, dict[str, Any]]] = []
    for url in urls:
        try:
            manifest = orjson.loads(blobs.read_bytes(url))
        except (StorageError, orjson.JSONDecodeError) as exc:
            problems.append(f"{name}: cannot read its manifest {url}: {exc}")
            return None
        found.append((url, manifest))
    found.sort(key=lambda pair: str(pair[1].get("finished_at", "")))
    url, manifest = found[-1]
    part = Part(index, url, manifest, ignored=[u for u, _ in found[:-1]])
    if manifest.get("format") != "csv":
        problems.append(f"{name}: {url} is a {manifest.get('format')!r} run; the parts must "
                        "be target-s3 format csv")
        return None
    if manifest.get("csv_safe_cells"):
        problems.append(f"{name}: {url} is a csv_safe_cells run, its cells changed for "
                        "spreadsheets; the parts must hold the exact values")
        return None
    for entry in manifest.get("objects", []):
        object_url = entry["url"]
        try:
            found_url = canonical(object_url)
        except StorageError as exc:
            problems.append(f"{name}: its manifest lists {object_url}: {exc}")
            continue
        if not found_url.startswith(part_url(root, index)):
            problems.append(f"{name}: its manifest lists {object_url}, which is not below "
                            f"{part_url(root, index)}")
        elif found_url not in listing:
            problems.append(f"{name}: {object_url} is missing")
        elif listing[found_url] != entry["content_length"]:
            problems.append(f"{name}: {object_url} has {listing[found_url]} bytes, its "
                            f"manifest says {entry['content_length']}")
        else:
            problem = _header_problem(blobs, object_url, part.gzip, entry.get("columns"))
            if problem:
                problems.append(f"{name}: {problem}")
    return part


def read_header(blobs: BlobStore, url: str, gzipped: bool) -> list[str]:
    """The column names in the first line of a CSV object (uncompressed first when
    ``gzipped``); only that line is read."""
    with blobs.open_read(url) as body:
        stream: Any = gzip.GzipFile(fileobj=body) if gzipped else body
        line = b""
        while b"\n" not in line and len(line) < MAX_HEADER_BYTES:
            chunk = stream.read(1 << 16)
            if not chunk:
                break
            line += chunk
    text = line.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    return next(csv.reader([text])) if text else []


def _header_problem(blobs: BlobStore, url: str, gzipped: bool, listed: Any) -> str | None:
    """Why the object cannot be loaded with the columns its manifest lists, or None."""
    if not isinstance(listed, list) or not listed:
        return f"its manifest lists no columns for {url}"
    try:
        header = read_header(blobs, url, gzipped)
    except (StorageError, OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        return f"cannot read the header of {url}: {exc}"
    if header == listed:
        return None
    return (f"{url} has the columns {_columns(header, listed)} in its header, its manifest "
            f"lists {_columns(listed, header)}: the loaders map columns by position, so "
            "its values would land in the wrong columns")


def _columns(names: list[str], other: list[str], shown: int = 12) -> str:
    """``names`` as a list to read next to ``other``: whole when short, else from just
    before the first place the two differ."""
    if len(names) <= shown:
        return f"({', '.join(names)})"
    first = next((i for i, (a, b) in enumerate(zip(names, other, strict=False)) if a != b),
                 min(len(names), len(other)))
    start = max(0, first - 1)
    end = min(len(names), start + shown)
    return (f"({'..., ' if start else ''}{', '.join(names[start:end])}"
            f"{', ...' if end < len(names) else ''}: from column {start + 1} of "
            f"{len(names)})")


def streams_of(parts: list[Part]) -> list[StreamParts]:
    """Every stream of the parts, its schema the union of the parts' (a shard that
    widened the cached schema wrote more columns than the others)."""
    merged: dict[str, StreamParts] = {}
    for part in parts:
        for name, declared in part.manifest.get("streams", {}).items():
            keys = list(declared.get("key_properties") or [])
            known = merged.get(name)
            if known is None:
                merged[name] = StreamParts(name, declared["schema"], keys)
                continue
            if known.key_properties != keys:
                raise PartsError(f"stream {name!r}: {part.name} has key properties {keys}, "
                                 f"other parts {known.key_properties}; nothing was loaded")
            merged[name] = StreamParts(name, merge_schemas(known.schema, declared["schema"]),
                                       keys)
    return [merged[name] for name in sorted(merged)]
