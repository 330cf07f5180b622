"""The Singer message codec: JSON lines in, typed messages out, and back.

Reading is the hot path of every target, so it does one ``orjson.loads`` per line
and the few checks that make a message usable (its type, its required keys and
their JSON types), then builds a small slotted object. Anything wrong raises
:class:`MessageError`, which names the line number and shows an excerpt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, ClassVar

import orjson

EXCERPT_BYTES = 120

# orjson turns integer literals beyond the 64-bit range into floats. Such a literal
# has at least 19 digits in a row; lines that have one are re-read exactly when
# the caller asks for exact integers.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGIT_RUN = b"0" * 19


class MessageError(ValueError):
    """A line of Singer input that cannot be used, with where it is."""

    def __init__(self, line_no: int, reason: str, line: bytes, source: str = "input") -> None:
        self.line_no = line_no
        self.reason = reason
        self.source = source
        self.excerpt = excerpt(line)
        super().__init__(f"{source} line {line_no}: {reason}: {self.excerpt}")


def dumps_exact(value: Any) -> bytes:
    """Compact JSON by orjson; integers past 64 bits, which orjson refuses, are written by
    the standard library with all their digits."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def excerpt(line: bytes, limit: int = EXCERPT_BYTES) -> str:
    """A short, printable head of a raw line for error messages."""
    text = line.rstrip(b"\r\n")
    cut = len(text) > limit
    shown = text[:limit].decode("utf-8", errors="replace")
    return repr(shown + ("..." if cut else ""))


@dataclass(slots=True)
class SchemaMessage:
    stream: str
    schema: dict[str, Any]
    key_properties: list[str] = field(default_factory=list)
    bookmark_properties: list[str] | None = None
    line_no: int = 0
    type: ClassVar[str] = "SCHEMA"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "SCHEMA",
            "stream": self.stream,
            "schema": self.schema,
            "key_properties": self.key_properties,
        }
        if self.bookmark_properties is not None:
            out["bookmark_properties"] = self.bookmark_properties
        return out


@dataclass(slots=True)
class RecordMessage:
    stream: str
    record: dict[str, Any]
    version: int | None = None
    time_extracted: str | None = None
    line_no: int = 0
    type: ClassVar[str] = "RECORD"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "RECORD", "stream": self.stream, "record": self.record}
        if self.version is not None:
            out["version"] = self.version
        if self.time_extracted is not None:
            out["time_extracted"] = self.time_extracted
        return out


@dataclass(slots=True)
class StateMessage:
    value: Any
    line_no: int = 0
    type: ClassVar[str] = "STATE"

    def to_dict(self) -> dict[str, Any]:
        return {"type": "STATE", "value": self.value}


@dataclass(slots=True)
class ActivateVersionMessage:
    stream: str
    version: int
    line_no: int = 0
    type: ClassVar[str] = "ACTIVATE_VERSION"

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ACTIVATE_VERSION", "stream": self.stream, "version": self.version}


@dataclass(slots=True)
class BatchMessage:
    """singer-sdk's BATCH: records of a stream held in files named by ``manifest``."""

    stream: str
    encoding: dict[str, Any]
    manifest: list[str]
    line_no: int = 0
    type: ClassVar[str] = "BATCH"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "BATCH",
            "stream": self.stream,
            "encoding": self.encoding,
            "manifest": self.manifest,
        }


Message = SchemaMessage | RecordMessage | StateMessage | ActivateVersionMessage | BatchMessage


def _exact_loads(raw: bytes) -> Any:
    def reject(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    return json.loads(raw, parse_constant=reject)


def _parse(raw: bytes, exact_integers: bool) -> Any:
    if exact_integers and raw.translate(_DIGITS_TO_ZERO).find(_LONG_DIGIT_RUN) != -1:
        return _exact_loads(raw)
    return orjson.loads(raw)


def parse_line(
    raw: bytes, line_no: int, source: str = "input", exact_integers: bool = False
) -> Any:
    """Parse one JSON line into a Python value, or raise MessageError naming it."""
    try:
        return _parse(raw, exact_integers)
    except (orjson.JSONDecodeError, ValueError) as exc:
        raise MessageError(line_no, f"malformed JSON ({exc})", raw, source) from None


def _require(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str,
             raw: bytes, line_no: int, source: str) -> Any:
    try:
        value = obj[key]
    except KeyError:
        raise MessageError(line_no, f"{what} message has no {key!r}", raw, source) from None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise MessageError(
            line_no, f"{what} message has a {key!r} that is not {_kind_name(kind)}", raw, source
        )
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", dict: "an object", list: "a list", int: "an integer"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def decode_message(obj: Any, raw: bytes, line_no: int, source: str = "input") -> Message:
    """Turn one parsed JSON value into a typed message, checking what a consumer relies on."""
    if type(obj) is not dict:
        raise MessageError(line_no, "a Singer message must be a JSON object", raw, source)
    kind = obj.get("type")
    if kind == "RECORD":
        stream = _require(obj, "stream", str, "RECORD", raw, line_no, source)
        record = _require(obj, "record", dict, "RECORD", raw, line_no, source)
        version = obj.get("version")
        if version is not None and (type(version) is not int):
            raise MessageError(line_no, "RECORD message has a 'version' that is not an integer",
                               raw, source)
        return RecordMessage(stream, record, version, obj.get("time_extracted"), line_no)
    if kind == "SCHEMA":
        stream = _require(obj, "stream", str, "SCHEMA", raw, line_no, source)
        schema = _require(obj, "schema", dict, "SCHEMA", raw, line_no, source)
        keys = obj.get("key_properties")
        if keys is None:
            keys = []
        if type(keys) is not list or not all(type(k) is str for k in keys):
            raise MessageError(line_no, "SCHEMA message has 'key_properties' that are not a list "
                               "of strings", raw, source)
        bookmarks = obj.get("bookmark_properties")
        if bookmarks is not None and (
            type(bookmarks) is not list or not all(type(k) is str for k in bookmarks)
        ):
            raise MessageError(line_no, "SCHEMA message has 'bookmark_properties' that are not "
                               "a list of strings", raw, source)
        return SchemaMessage(stream, schema, keys, bookmarks, line_no)
    if kind == "STATE":
        if "value" not in obj:
            raise MessageError(line_no, "STATE message has no 'value'", raw, source)
        return StateMessage(obj["value"], line_no)
    if kind == "ACTIVATE_VERSION":
        stream = _require(obj, "stream", str, "ACTIVATE_VERSION", raw, line_no, source)
        version = _require(obj, "version", int, "ACTIVATE_VERSION", raw, line_no, source)
        return ActivateVersionMessage(stream, version, line_no)
    if kind == "BATCH":
        stream = _require(obj, "stream", str, "BATCH", raw, line_no, source)
        encoding = _require(obj, "encoding", dict, "BATCH", raw, line_no, source)
        manifest = _require(obj, "manifest", list, "BATCH", raw, line_no, source)
        return BatchMessage(stream, encoding, manifest, line_no)
    if kind is None:
        raise MessageError(line_no, "message has no 'type'", raw, source)
    raise MessageError(line_no, f"unknown message type {kind!r}", raw, source)


def read_messages(
    lines: Iterable[bytes], *, source: str = "input", exact_integers: bool = False
) -> Iterator[Message]:
    """Yield the Singer messages of a binary line stream (a file opened ``rb``, stdin.buffer).

    Blank lines are skipped. ``exact_integers`` keeps integer literals beyond 64 bits
    as exact Python ints (orjson would make them floats) at a small cost per line.
    """
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    line_no = 0
    for raw in lines:
        line_no += 1
        try:
            obj = _parse(raw, True) if exact_integers else loads(raw)
        except (decode_error, ValueError) as exc:
            if not raw.strip():
                continue
            raise MessageError(line_no, f"malformed JSON ({exc})", raw, source) from None
        # The common case inline: a well-formed RECORD.
        if type(obj) is dict and obj.get("type") == "RECORD":
            stream = obj.get("stream")
            record = obj.get("record")
            version = obj.get("version")
            if type(stream) is str and type(record) is dict and (
                version is None or type(version) is int
            ):
                yield RecordMessage(stream, record, version, obj.get("time_extracted"), line_no)
                continue
        yield decode_message(obj, raw, line_no, source)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value).encode())
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


_DUMP_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z


def dump_message(message: Message | dict[str, Any]) -> bytes:
    """One message as a JSON line (with its newline)."""
    obj = message if isinstance(message, dict) else message.to_dict()
    return orjson.dumps(obj, default=_default, option=_DUMP_OPTIONS)


class MessageWriter:
    """Writes Singer messages as JSON lines to a binary stream.

    STATE messages are flushed at once: whoever reads them acts on them.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out

    def write(self, message: Message) -> None:
        self._out.write(dump_message(message))
        if isinstance(message, StateMessage):
            self._out.flush()

    def write_record(self, stream: str, record: dict[str, Any]) -> None:
        self._out.write(
            orjson.dumps(
                {"type": "RECORD", "stream": stream, "record": record},
                default=_default,
                option=_DUMP_OPTIONS,
            )
        )

    def flush(self) -> None:
        self._out.flush()
