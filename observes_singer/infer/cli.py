"""``observes-infer``: add Singer SCHEMA messages to records that come without one.

Input, one JSON value a line:

- ``{"stream": NAME, "record": {...}}`` (the raw form), or a Singer RECORD;
- with ``--stream NAME``, every line is a bare record object of that stream;
- Singer STATE and ACTIVATE_VERSION pass through in their place;
- a Singer SCHEMA declares its stream: its records pass through untouched.

Output: one SCHEMA per inferred stream, then every message in input order.

Inference needs every record before the first one can be written, so pass one
spools the input to an unnamed temporary file (under ``TMPDIR``) while it learns
the schemas, and pass two replays it. Memory holds only the schemas. With
``--schema-cache`` no inference happens, but every record is still checked
against the cached schema before anything is written: a record that does not fit
stops the run with nothing emitted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import orjson

from observes_singer import __version__
from observes_singer.command import positive_int_option, run_main
from observes_singer.infer.cache import (
    SchemaCacheError,
    StreamSchema,
    dump_schema_cache,
    load_schema_cache,
    misfit,
)
from observes_singer.infer.schema import SchemaInferrer
from observes_singer.messages import MessageError, dump_message, dumps_exact, parse_line
from observes_singer.storage import BlobStore, StorageError

PROG = "observes-infer"

# Spool line tags.
_PASS = b"P"  # write as is
_RECORD = b"R"  # a RECORD of an inferred stream: may need coercion


class InferError(Exception):
    """An input that cannot be turned into Singer output; names the line."""


class _Stream:
    __slots__ = ("first_repeat", "inferrer", "key_properties", "name", "repeats", "seen")

    def __init__(self, name: str, inferrer: SchemaInferrer | None, keys: list[str]) -> None:
        self.name = name
        self.inferrer = inferrer
        self.key_properties = keys
        # Key values seen so far (pass one only), and the records that repeated one.
        self.seen: set[Any] = set()
        self.repeats = 0
        self.first_repeat = 0  # line of the first record that repeated a key value

    def repeat_note(self) -> str | None:
        """The line that reports repeated key values, if any record repeated one."""
        if not self.repeats:
            return None
        records = "1 record repeats" if self.repeats == 1 else f"{self.repeats} records repeat"
        return (f"{PROG}: stream {self.name!r}: {records} a value of key "
                f"{','.join(self.key_properties)} (first: line {self.first_repeat})")


def _key_part(value: Any) -> Any:
    """A key value as a set member; objects and lists (unhashable) as canonical JSON."""
    if type(value) is dict or type(value) is list:
        try:
            return ("json", orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
        except TypeError:  # an integer beyond 64 bits inside
            return ("json", json.dumps(value, sort_keys=True, separators=(",", ":")))
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Infer JSON Schemas for raw JSON records and write Singer SCHEMA + RECORD "
        "messages. Reads stdin (or --input), writes stdout.",
        epilog="Examples:\n"
        "  some-extract | observes-infer --key jobs=id | target-redshift --config w.json\n"
        "  observes-infer --input raw.jsonl --save-schema s3://observes.cache/jobs.json\n"
        "  observes-infer --schema-cache s3://observes.cache/jobs.json < raw.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--input", metavar="FILE", help="read this file instead of stdin")
    parser.add_argument("--stream", metavar="NAME",
                        help="every input line is a bare record object of stream NAME")
    parser.add_argument("--key", action="append", default=[], metavar="STREAM=FIELD[,FIELD]",
                        help="key properties of a stream (repeatable)")
    parser.add_argument("--datetime-format", action="append", default=[], metavar="FMT",
                        help="extra strptime format that counts as date-time (repeatable); "
                        "matching values are rewritten as ISO 8601")
    parser.add_argument("--max-properties", type=positive_int_option, default=1000,
                        metavar="N", help="an object with more distinct keys (N: 1 or more) "
                        "keeps its common keys as properties and the others in "
                        "additionalProperties (default: %(default)s)")
    parser.add_argument("--schema-cache", metavar="URL",
                        help="use the cached schemas at URL instead of inferring; records "
                        "that do not fit are an error")
    parser.add_argument("--save-schema", metavar="URL",
                        help="write the schemas to URL (in the --schema-cache format)")
    parser.add_argument("--endpoint-url", metavar="URL",
                        help="S3 endpoint for s3:// URLs (default: AWS_ENDPOINT_URL)")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def _parse_keys(specs: list[str]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for spec in specs:
        stream, sep, fields = spec.partition("=")
        if not sep or not stream or not fields:
            raise InferError(f"--key {spec!r}: expected STREAM=FIELD[,FIELD...]")
        keys[stream] = [f.strip() for f in fields.split(",") if f.strip()]
    return keys


class Inference:
    """The two passes of observes-infer over one input."""

    def __init__(
        self,
        *,
        keys: dict[str, list[str]],
        datetime_formats: list[str],
        max_properties: int,
        cached: dict[str, StreamSchema] | None,
        bare_stream: str | None,
    ) -> None:
        self.keys = keys
        self.datetime_formats = datetime_formats
        self.max_properties = max_properties
        self.cached = cached
        self.bare_stream = bare_stream
        self.streams: dict[str, _Stream] = {}
        self.declared: set[str] = set()
        self.records = 0
        self.source = "stdin"

    # -- pass one ------------------------------------------------------------------------

    def spool(self, lines: Iterator[bytes], spool: IO[bytes], source: str = "stdin") -> None:
        self.source = source
        line_no = 0
        for raw in lines:
            line_no += 1
            if not raw.strip():
                continue
            value = parse_line(raw, line_no, source, exact_integers=True)
            if self.bare_stream is not None:
                if type(value) is not dict:
                    raise self._error(line_no, "a record must be a JSON object", raw)
                self._record(self.bare_stream, value, None, raw, line_no, spool)
                continue
            if type(value) is not dict:
                raise self._error(line_no, "expected a JSON object", raw)
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
                self._record(stream, record, None, raw, line_no, spool)
            elif kind == "RECORD":
                stream, record = value.get("stream"), value.get("record")
                if type(stream) is not str or type(record) is not dict:
                    raise self._error(line_no, "RECORD needs a string 'stream' and an object "
                                       "'record'", raw)
                self._record(stream, record, value, raw, line_no, spool)
            elif kind == "SCHEMA":
                self._declare(value, raw, line_no, spool)
            elif kind in ("STATE", "ACTIVATE_VERSION"):
                spool.write(_PASS + raw.rstrip(b"\r\n") + b"\n")
            else:
                raise self._error(line_no, f"{PROG} cannot pass a {kind!r} message", raw)

    def _stream(self, name: str, raw: bytes, line_no: int) -> _Stream:
        stream = self.streams.get(name)
        if stream is not None:
            return stream
        if self.cached is not None:
            if name not in self.cached:
                raise self._error(line_no, f"stream {name!r} is not in the cached schema; "
                                   "run without --schema-cache to infer it", raw)
            stream = _Stream(name, None, self.cached[name].key_properties)
        else:
            keys = self.keys.get(name, [])
            inferrer = SchemaInferrer(self.datetime_formats, self.max_properties, keep=keys)
            stream = _Stream(name, inferrer, keys)
        self.streams[name] = stream
        return stream

    def _record(self, name: str, record: dict[str, Any], message: dict[str, Any] | None,
                raw: bytes, line_no: int, spool: IO[bytes]) -> None:
        self.records += 1
        if name in self.declared:
            spool.write(_PASS + _dump(message or {"type": "RECORD", "stream": name,
                                                  "record": record}))
            return
        stream = self._stream(name, raw, line_no)
        keys = stream.key_properties
        if keys:
            for key in keys:
                if record.get(key) is None:
                    raise self._error(line_no, f"stream {name!r}: record has no key property "
                                       f"{key!r}", raw)
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
        if stream.inferrer is not None:
            stream.inferrer.add(record)
        else:
            assert self.cached is not None
            reason = misfit(self.cached[name].schema, record)
            if reason:
                raise self._error(line_no, f"stream {name!r}: record does not fit the cached "
                                   f"schema ({reason})", raw)
        out = message if message is not None else {"type": "RECORD", "stream": name,
                                                   "record": record}
        spool.write(_RECORD + _dump(out))

    def _declare(self, value: dict[str, Any], raw: bytes, line_no: int, spool: IO[bytes]) -> None:
        name = value.get("stream")
        if type(name) is not str or type(value.get("schema")) is not dict:
            raise self._error(line_no, "SCHEMA needs a string 'stream' and an object 'schema'",
                               raw)
        if name in self.streams:
            raise self._error(line_no, f"SCHEMA for stream {name!r} comes after records of it "
                               "were already inferred", raw)
        self.declared.add(name)
        spool.write(_PASS + raw.rstrip(b"\r\n") + b"\n")

    def _error(self, line_no: int, reason: str, raw: bytes) -> MessageError:
        return MessageError(line_no, reason, raw, self.source)

    # -- results -------------------------------------------------------------------------

    def schemas(self) -> dict[str, StreamSchema]:
        out: dict[str, StreamSchema] = {}
        for name, stream in self.streams.items():
            if stream.inferrer is not None:
                out[name] = StreamSchema(stream.inferrer.schema(), stream.key_properties)
            else:
                assert self.cached is not None
                out[name] = self.cached[name]
        return out

    # -- pass two ------------------------------------------------------------------------

    def replay(self, spool: IO[bytes], out: IO[bytes]) -> None:
        schemas = self.schemas()
        for name, entry in schemas.items():
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


def run(args: argparse.Namespace, stdin: IO[bytes], stdout: IO[bytes]) -> int:
    blobs = BlobStore(endpoint_url=args.endpoint_url)
    cached = load_schema_cache(args.schema_cache, blobs) if args.schema_cache else None
    inference = Inference(
        keys=_parse_keys(args.key),
        datetime_formats=args.datetime_format,
        max_properties=args.max_properties,
        cached=cached,
        bare_stream=args.stream,
    )
    with tempfile.TemporaryFile(prefix="observes-infer-") as spool:
        if args.input:
            with open(args.input, "rb") as handle:
                inference.spool(iter(handle), spool, source=args.input)
        else:
            inference.spool(iter(stdin), spool)
        for stream in inference.streams.values():
            stream.seen = set()  # pass two does not need the key values
        inference.replay(spool, stdout)
    if args.save_schema:
        blobs.write_bytes(args.save_schema, dump_schema_cache(inference.schemas()))
    for stream in inference.streams.values():
        note = stream.repeat_note()
        if note:
            print(note, file=sys.stderr)
    streams = ", ".join(inference.streams) or "none"
    print(f"{PROG}: {inference.records} records, streams: {streams}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_main(PROG, lambda: run(args, sys.stdin.buffer, sys.stdout.buffer),
                    (MessageError, InferError, SchemaCacheError, StorageError))


if __name__ == "__main__":
    sys.exit(main())
