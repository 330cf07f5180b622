"""observes-infer's engine: the passes over one input that learn, check and write schemas.

Inference needs every record before the first one can be written, so pass one spools the
input to an unnamed temporary file (under ``TMPDIR``) while it learns the schemas, and pass
two replays it. Memory holds only the schemas. With a schema cache no inference happens, but
every record is still checked against the cached schema before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from observes_singer.infer.cache import (
    CacheUrl,
    Misfit,
    SchemaCacheError,
    StreamSchema,
    conform,
    dump_schema_cache,
    load_schema_cache,
    load_stream_schema,
    not_cached,
    stream_segment,
)
from observes_singer.infer.options import (
    Options,
)
from observes_singer.infer.schema import SchemaInferrer
from observes_singer.infer.widen import union, widen_cache
from observes_singer.singer.messages import MessageError, dump_message, dumps_exact, parse_line
from observes_singer.store.storage import BlobStore

PROG = "observes-infer"

# Spool line tags.
_PASS = b"P"  # write as is
_RECORD = b"R"  # a RECORD of an inferred stream: may need coercion


class InferError(Exception):
    """An input that cannot be turned into Singer output; names the line."""


class _Stream:
    __slots__ = ("cache_url", "cached", "first_repeat", "inferrer", "key_properties", "name",
                 "repeats", "seen", "track_repeats", "trigger", "widened")

    def __init__(self, name: str, keys: list[str], *, inferrer: SchemaInferrer | None = None,
                 cached: StreamSchema | None = None, cache_url: str = "",
                 track_repeats: bool = True) -> None:
        self.name = name
        self.inferrer = inferrer
        self.key_properties = keys
        self.cached = cached
        self.cache_url = cache_url
        # Key values seen so far (pass one only), and the records that repeated one.
        self.track_repeats = track_repeats
        self.seen: set[Any] = set()
        self.repeats = 0
        self.first_repeat = 0  # line of the first record that repeated a key value
        # --on-misfit refresh: the line and reason that switched a cached stream to
        # inference, and the schema written back to its cache.
        self.trigger: tuple[int, str] | None = None
        self.widened: StreamSchema | None = None

    def repeat_note(self) -> str | None:
        """The line that reports repeated key values, if any record repeated one."""
        if not self.repeats:
            return None
        records = "1 record repeats" if self.repeats == 1 else f"{self.repeats} records repeat"
        return (f"{PROG}: stream {self.name!r}: {records} a value of key "
                f"{','.join(self.key_properties)} (first: line {self.first_repeat})")

    def schema(self) -> StreamSchema:
        """The schema this stream is written with."""
        if self.widened is not None:
            return self.widened
        if self.inferrer is None:
            assert self.cached is not None
            return StreamSchema(self.cached.schema, self.key_properties)
        inferred = self.inferrer.schema()
        if self.cached is not None:  # refreshed: never narrower than the cache
            inferred = union(self.cached.schema, inferred)
        return StreamSchema(inferred, self.key_properties)


def _key_part(value: Any) -> Any:
    """A key value as a set member; objects and lists (unhashable) as canonical JSON."""
    if type(value) is dict or type(value) is list:
        try:
            return ("json", orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
        except TypeError:  # an integer beyond 64 bits inside
            return ("json", json.dumps(value, sort_keys=True, separators=(",", ":")))
    return value


class Inference:
    """The two passes of observes-infer over one input (one pass with --discard-records)."""

    def __init__(self, options: Options, blobs: BlobStore) -> None:
        self.options = options
        self.blobs = blobs
        self.keys = options.keys
        cache = options.schema_cache
        self.cached_doc = (load_schema_cache(cache.template, blobs)
                           if cache is not None and not cache.per_stream else None)
        self.streams: dict[str, _Stream] = {}
        self.declared: set[str] = set()  # streams passed through as the input declares them
        self.declared_keys: dict[str, list[str]] = {}  # --infer-declared: from SCHEMA messages
        self.records = 0
        self.source = "stdin"
        self.spool_file: IO[bytes] | None = None  # None: records are discarded
        self.last_state: Any = None
        self.has_state = False

    # -- pass one ------------------------------------------------------------------------

    def spool(self, lines: Iterable[bytes], spool: IO[bytes] | None,
              source: str = "stdin") -> None:
        self.source = source
        self.spool_file = spool
        line_no = 0
        for raw in lines:
            line_no += 1
            if not raw.strip():
                continue
            value = parse_line(raw, line_no, source, exact_integers=True)
            if self.options.stream is not None:
                if type(value) is not dict:
                    raise self._error(line_no, "a record must be a JSON object", raw)
                self._record(self.options.stream, value, None, raw, line_no)
                continue
            if type(value) is not dict:
                raise self._error(line_no, "expected a JSON object", raw)
            self._message(value, raw, line_no)

    def _message(self, value: dict[str, Any], raw: bytes, line_no: int) -> None:
        kind = value.get("type")
        if kind is None:
            stream, record = value.get("stream"), value.get("record")
            if type(stream) is not str or type(record) is not dict:
                raise self._error(
                    line_no,
                    'expected {"stream": NAME, "record": {...}} or a Singer message '
                    "(use --stream NAME for bare records)",
                    raw,
                )
            self._record(stream, record, None, raw, line_no)
        elif kind == "RECORD":
            stream, record = value.get("stream"), value.get("record")
            if type(stream) is not str or type(record) is not dict:
                raise self._error(line_no, "RECORD needs a string 'stream' and an object "
                                  "'record'", raw)
            self._record(stream, record, value, raw, line_no)
        elif kind == "SCHEMA":
            self._declare(value, raw, line_no)
        elif kind == "STATE":
            if "value" in value:
                self.last_state, self.has_state = value["value"], True
            self._write(_PASS + raw.rstrip(b"\r\n") + b"\n")
        elif kind == "ACTIVATE_VERSION":
            self._write(_PASS + raw.rstrip(b"\r\n") + b"\n")
        else:
            raise self._error(line_no, f"{PROG} cannot pass a {kind!r} message", raw)

    def _write(self, line: bytes) -> None:
        if self.spool_file is not None:
            self.spool_file.write(line)

    def _stream(self, name: str, raw: bytes, line_no: int) -> _Stream:
        stream = self.streams.get(name)
        if stream is not None:
            return stream
        try:
            stream = self._new_stream(name)
        except SchemaCacheError as exc:
            raise self._error(line_no, str(exc), raw) from None
        self.streams[name] = stream
        return stream

    def _new_stream(self, name: str) -> _Stream:
        options = self.options
        if options.save_schema is not None and options.save_schema.per_stream:
            stream_segment(name)  # refuse a bad name before anything is written
        keys = self.keys.get(name)
        track = not options.discard_records
        cache = options.schema_cache
        if cache is None:
            keys = keys or self.declared_keys.get(name, [])
            return _Stream(name, keys, inferrer=self._inferrer(keys), track_repeats=track)
        url = cache.url(name)
        if self.cached_doc is None:
            entry = load_stream_schema(cache, name, self.blobs)
        elif name in self.cached_doc:
            entry = self.cached_doc[name]
        else:
            raise SchemaCacheError(not_cached(name, url, cache))
        keys = keys or entry.key_properties or self.declared_keys.get(name, [])
        return _Stream(name, keys, cached=entry, cache_url=url, track_repeats=track)

    def _inferrer(self, keys: list[str]) -> SchemaInferrer:
        return SchemaInferrer(self.options.datetime_formats, self.options.max_properties,
                              keep=keys)

    def _record(self, name: str, record: dict[str, Any], message: dict[str, Any] | None,
                raw: bytes, line_no: int) -> None:
        self.records += 1
        if name in self.declared:
            self._write(_PASS + _dump(message or {"type": "RECORD", "stream": name,
                                                  "record": record}))
            return
        stream = self._stream(name, raw, line_no)
        self._check_keys(stream, record, raw, line_no)
        if stream.inferrer is None:
            assert stream.cached is not None
            try:
                fitted = conform(stream.cached.schema, record)
            except Misfit as exc:
                self._misfit(stream, str(exc), line_no)
            else:
                if fitted is not record:  # values of a mixed field, as their JSON text
                    record = fitted
                    if message is not None:
                        message = {**message, "record": fitted}
        if stream.inferrer is not None:
            stream.inferrer.add(record)
        out = message if message is not None else {"type": "RECORD", "stream": name,
                                                   "record": record}
        self._write(_RECORD + _dump(out))

    def _check_keys(self, stream: _Stream, record: dict[str, Any], raw: bytes,
                    line_no: int) -> None:
        """Every key property is there; a repeated key value is counted."""
        keys = stream.key_properties
        if not keys:
            return
        for key in keys:
            if record.get(key) is None:
                raise self._error(line_no, f"stream {stream.name!r}: record has no key "
                                  f"property {key!r}", raw)
        if not stream.track_repeats:
            return
        if len(keys) == 1:
            value = record[keys[0]]
            if type(value) is dict or type(value) is list:
                value = _key_part(value)
        else:
            value = tuple(_key_part(record[key]) for key in keys)
        seen = stream.seen
        if value in seen:
            stream.repeats += 1
            if not stream.first_repeat:
                stream.first_repeat = line_no
        else:
            seen.add(value)

    def _misfit(self, stream: _Stream, reason: str, line_no: int) -> None:
        """A record that does not fit the cached schema: stop, or infer the stream."""
        if self.options.on_misfit != "refresh":
            where = f"line {line_no}" if self.source == "stdin" else \
                f"{self.source} line {line_no}"
            raise InferError(
                f"stream {stream.name!r}, {where}: the record does not fit the cached schema "
                f"{stream.cache_url} ({reason}); refresh the cache with a full inference "
                "(--save-schema, e.g. the job that builds it) or pass --on-misfit refresh to "
                "widen it from this input")
        stream.trigger = (line_no, reason)
        stream.inferrer = self._inferrer(stream.key_properties)
        for record in self._spooled_records(stream.name):
            stream.inferrer.add(record)

    def _spooled_records(self, name: str) -> Iterator[dict[str, Any]]:
        """The records of stream ``name`` spooled so far; the spool is left at its end."""
        spool = self.spool_file
        assert spool is not None  # --discard-records has no cache to refresh
        spool.flush()
        spool.seek(0)
        try:
            for line in spool:
                if line[:1] == _RECORD:
                    message = _load(line[1:])
                    if message["stream"] == name:
                        yield message["record"]
        finally:
            spool.seek(0, 2)

    def _declare(self, value: dict[str, Any], raw: bytes, line_no: int) -> None:
        name = value.get("stream")
        if type(name) is not str or type(value.get("schema")) is not dict:
            raise self._error(line_no, "SCHEMA needs a string 'stream' and an object 'schema'",
                              raw)
        if name in self.streams:
            raise self._error(line_no, f"SCHEMA for stream {name!r} comes after records of it "
                              "were already inferred", raw)
        if not self.options.infer_declared:
            self.declared.add(name)
            self._write(_PASS + raw.rstrip(b"\r\n") + b"\n")
            return
        keys = value.get("key_properties", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise self._error(line_no, "SCHEMA 'key_properties' must be a list of strings", raw)
        self.declared_keys[name] = keys

    def _error(self, line_no: int, reason: str, raw: bytes) -> MessageError:
        return MessageError(line_no, reason, raw, self.source)

    # -- results -------------------------------------------------------------------------

    def schemas(self) -> dict[str, StreamSchema]:
        return {name: stream.schema() for name, stream in self.streams.items()}

    def widen_caches(self, log: IO[str]) -> None:
        """Save every refreshed stream's widened schema back to its cache document."""
        by_url: dict[str, list[_Stream]] = {}
        for stream in self.streams.values():
            if stream.trigger is not None:
                by_url.setdefault(stream.cache_url, []).append(stream)
        for url, streams in by_url.items():
            written = widen_cache(self.blobs, url, {s.name: s.schema() for s in streams})
            for stream in streams:
                stream.widened = written[stream.name]
                assert stream.trigger is not None
                line_no, reason = stream.trigger
                print(f"{PROG}: stream {stream.name!r}: line {line_no} did not fit the cached "
                      f"schema ({reason}); inferred the stream from this input and widened "
                      f"{url}", file=log)

    # -- pass two ------------------------------------------------------------------------

    def replay(self, spool: IO[bytes], out: IO[bytes]) -> None:
        for name, entry in self.schemas().items():
            out.write(dump_message({"type": "SCHEMA", "stream": name, "schema": entry.schema,
                                    "key_properties": entry.key_properties}))
        coercing = {
            name: stream.inferrer
            for name, stream in self.streams.items()
            if stream.inferrer is not None and stream.inferrer.needs_coercion()
        }
        spool.seek(0)
        for line in spool:
            tag, body = line[:1], line[1:]
            if tag == _RECORD and coercing:
                message = _load(body)
                inferrer = coercing.get(message["stream"])
                if inferrer is not None:
                    message["record"] = inferrer.coerce(message["record"])
                    body = _dump(message)
            out.write(body)
        out.flush()


def _dump(value: dict[str, Any]) -> bytes:
    return dumps_exact(value) + b"\n"


def _load(body: bytes) -> Any:
    return parse_line(body, 0, source="spool", exact_integers=True)


def save_schemas(blobs: BlobStore, cache: CacheUrl, schemas: dict[str, StreamSchema]) -> None:
    """Write the schemas to ``cache``: one document, or one per stream."""
    if not cache.per_stream:
        blobs.write_bytes(cache.template, dump_schema_cache(schemas))
        return
    for name, entry in schemas.items():
        blobs.write_bytes(cache.url(name), dump_schema_cache({name: entry}))
