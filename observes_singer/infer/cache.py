"""Cached schemas: a document of stream schemas, and checking that records fit them.

The document (at any storage URL, usually ``s3://observes.cache/...``)::

    {"streams": {"jobs": {"schema": {...}, "key_properties": ["id"]}}}

A record "fits" a cached schema when a target can load it without losing anything:
every value has one of the declared types (and formats), and no object carries a
property the schema does not declare, unless it allows ``additionalProperties``.

A cache URL may hold ``{stream}``: each stream then has a document of its own, e.g.
``s3://observes.cache/dynamo/{stream}.json``, holding just that stream. The stream name
goes into the URL as it is, so it must be one safe path segment (:func:`stream_segment`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import orjson

from observes_singer.infer.schema import INT64_MAX, INT64_MIN, parse_iso_date, parse_iso_datetime
from observes_singer.singer.messages import dumps_exact
from observes_singer.store.storage import BlobNotFound, BlobStore, StorageError


class SchemaCacheError(Exception):
    """The cached schema document is missing, unreadable or not of the expected shape."""


@dataclass(slots=True)
class StreamSchema:
    schema: dict[str, Any]
    key_properties: list[str] = field(default_factory=list)


def load_schema_cache(url: str, blobs: BlobStore) -> dict[str, StreamSchema]:
    try:
        raw = blobs.read_bytes(url)
    except BlobNotFound:
        raise SchemaCacheError(f"{url}: no cached schema there") from None
    except StorageError as exc:
        raise SchemaCacheError(f"cannot read the cached schema: {exc}") from None
    return parse_schema_cache(raw, url)


def parse_schema_cache(raw: bytes, url: str) -> dict[str, StreamSchema]:
    """The streams of a cache document; ``url`` names it in errors."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SchemaCacheError(f"{url}: cached schema is not valid JSON ({exc})") from None
    streams = doc.get("streams") if isinstance(doc, dict) else None
    if not isinstance(streams, dict):
        raise SchemaCacheError(f'{url}: cached schema must be {{"streams": {{NAME: {{"schema": '
                               '...}}}}')
    out: dict[str, StreamSchema] = {}
    for name, entry in streams.items():
        schema = entry.get("schema") if isinstance(entry, dict) else None
        keys = entry.get("key_properties", []) if isinstance(entry, dict) else None
        if not isinstance(schema, dict) or not isinstance(keys, list):
            raise SchemaCacheError(f"{url}: stream {name!r} needs a 'schema' object and a "
                                   "'key_properties' list")
        out[name] = StreamSchema(schema, [str(k) for k in keys])
    return out


def dump_schema_cache(streams: dict[str, StreamSchema]) -> bytes:
    doc = {
        "streams": {
            name: {"schema": entry.schema, "key_properties": entry.key_properties}
            for name, entry in streams.items()
        }
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


STREAM_PLACEHOLDER = "{stream}"


def _segment_problem(name: str) -> str | None:
    if not name:
        return "it is empty"
    if name[0] == ".":
        return "it starts with '.'"
    for char in name:
        if char in "/\\":
            return f"it holds a {char!r}"
        if unicodedata.category(char) in ("Cc", "Cs"):
            return f"it holds the control character {char!r}"
    return None


def stream_segment(name: str) -> str:
    """``name`` unchanged, if it is safe as one path segment of a cache URL.

    A name that could leave the URL's folder, or hide there, is refused rather than
    renamed: two streams must never share a file, and a renamed file would not be found
    by the name the next run looks for.
    """
    problem = _segment_problem(name)
    if problem:
        raise SchemaCacheError(f"stream {name!r} cannot name a per-stream cache file "
                               f"({STREAM_PLACEHOLDER} in the URL): {problem}; a stream name "
                               "there must be one path segment")
    return name


@dataclass(frozen=True, slots=True)
class CacheUrl:
    """A cache URL, per stream when it holds ``{stream}``."""

    template: str

    @property
    def per_stream(self) -> bool:
        return STREAM_PLACEHOLDER in self.template

    def url(self, stream: str) -> str:
        """The document that holds ``stream``'s schema."""
        if not self.per_stream:
            return self.template
        return self.template.replace(STREAM_PLACEHOLDER, stream_segment(stream))


def load_stream_schema(cache: CacheUrl, stream: str, blobs: BlobStore) -> StreamSchema:
    """One stream's schema from its own document (a per-stream cache URL)."""
    url = cache.url(stream)
    try:
        raw = blobs.read_bytes(url)
    except BlobNotFound:
        raise SchemaCacheError(not_cached(stream, url, cache, "it does not exist")) from None
    except StorageError as exc:
        raise SchemaCacheError(f"cannot read the cached schema: {exc}") from None
    entry = parse_schema_cache(raw, url).get(stream)
    if entry is None:
        raise SchemaCacheError(not_cached(stream, url, cache))
    return entry


def not_cached(stream: str, url: str, cache: CacheUrl, detail: str = "") -> str:
    """The message for a stream the cache does not hold, and how to make it."""
    where = f"{url} ({detail})" if detail else url
    return (f"stream {stream!r} is not in the cached schema {where}; make it with a full "
            f"inference: run without --schema-cache, with --save-schema '{cache.template}'")


def _types(schema: dict[str, Any]) -> set[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    if isinstance(declared, str):
        return {declared}
    return set(declared)


class Misfit(Exception):
    """A value that the cached schema does not take; the message names its field path."""


def misfit(schema: Any, value: Any, path: str = "") -> str | None:
    """Why ``value`` does not fit ``schema`` (naming the field path), or None when it fits."""
    try:
        conform(schema, value, path)
    except Misfit as exc:
        return str(exc)
    return None


def _as_text(value: Any) -> str:
    """A value's JSON text, as inference writes the values of a field of mixed kinds."""
    return str(value) if type(value) is int else dumps_exact(value).decode()


def conform(schema: Any, value: Any, path: str = "") -> Any:
    """``value`` as a stream inferred with this schema would carry it: unchanged, except
    that where the schema says a plain string and the value is a number, a boolean, an
    object or a list, its JSON text (integers as their exact digits), as inference writes
    a field it saw with mixed kinds (an integer beyond 64 bits among them). Raises
    :class:`Misfit` for a value the schema does not take. Returns ``value`` itself when
    nothing changes, so that checking costs no copies."""
    if not isinstance(schema, dict) or not schema:
        return value  # {} or true: anything goes
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema.get("oneOf") or []
        first: Misfit | None = None
        for option in options:
            try:
                return conform(option, value, path)
            except Misfit as exc:
                first = first or exc
        if first is not None:
            raise first
        return value
    types = _types(schema)
    where = path or "record"
    kind = type(value)
    if value is None:
        if types is None or "null" in types:
            return value
        raise Misfit(f"{where}: null where the schema does not allow null")
    if types is None:
        types = {"object"} if "properties" in schema else None
        if types is None:
            return value
    as_text = "string" in types and "format" not in schema
    if kind is bool:
        if "boolean" in types:
            return value
    elif kind is int:
        if ("integer" in types and INT64_MIN <= value <= INT64_MAX) or "number" in types:
            return value
    elif kind is float:
        if "number" in types or ("integer" in types and value.is_integer()):
            return value
    elif kind is str:
        if "string" not in types:
            raise Misfit(_mismatch(where, value, types))
        fmt = schema.get("format")
        if fmt == "date-time" and parse_iso_datetime(value) is None:
            raise Misfit(f"{where}: {value[:60]!r} is not an ISO 8601 date-time")
        if fmt == "date" and parse_iso_date(value) is None:
            raise Misfit(f"{where}: {value[:60]!r} is not an ISO 8601 date")
        return value
    elif kind is list:
        if "array" in types:
            return _conform_list(schema.get("items"), value, where)
    elif kind is dict:
        if "object" in types:
            return _conform_object(schema, value, path)
    else:
        raise Misfit(f"{where}: not a JSON value")
    if as_text:
        return _as_text(value)
    raise Misfit(_mismatch(where, value, types))


def _conform_list(items: Any, value: list[Any], where: str) -> list[Any]:
    out: list[Any] | None = None
    for index, item in enumerate(value):
        fitted = conform(items, item, f"{where}[{index}]")
        if fitted is not item:
            if out is None:
                out = list(value)
            out[index] = fitted
    return value if out is None else out


def _conform_object(schema: dict[str, Any], value: dict[str, Any], path: str
                    ) -> dict[str, Any]:
    props = schema.get("properties")
    extra = schema.get("additionalProperties")
    out: dict[str, Any] | None = None
    for key, item in value.items():
        child_path = f"{path}.{key}" if path else key
        if props is not None and key in props:
            fitted = conform(props[key], item, child_path)
        elif isinstance(extra, dict):
            fitted = conform(extra, item, child_path)
        elif props is None or extra is True:
            fitted = item
        else:
            raise Misfit(f"{child_path}: a property the schema does not declare")
        if fitted is not item:
            if out is None:
                out = dict(value)
            out[key] = fitted
    return value if out is None else out


def _mismatch(where: str, value: Any, types: set[str]) -> str:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    allowed = "/".join(sorted(types - {"null"})) or "null"
    return f"{where}: {shown} is not of type {allowed}"
