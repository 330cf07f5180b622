"""Framing and the few message layouts of the PostgreSQL v3 wire protocol that the shim touches.

Every message after start-up is one type byte, an int32 length that counts itself but not the
type byte, then the body. The start-up packet has no type byte. Only what the shim needs is
decoded; everything else travels as opaque bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

SSL_REQUEST_CODE = 80877103
GSSENC_REQUEST_CODE = 80877104
CANCEL_REQUEST_CODE = 80877102
PROTOCOL_MAJOR_VERSION = 3

MAX_STARTUP_LENGTH = 10_000
"""PostgreSQL itself rejects longer start-up packets."""

_INT32 = struct.Struct("!i")


class ConnectionClosed(Exception):
    """The peer closed the connection, possibly in the middle of a message."""


class ProtocolViolation(Exception):
    """The bytes on the wire do not form a valid message."""


@dataclass(frozen=True, slots=True)
class Message:
    """One typed protocol message."""

    type: bytes
    body: bytes

    def encode(self) -> bytes:
        return self.type + _INT32.pack(len(self.body) + 4) + self.body


@dataclass(frozen=True, slots=True)
class StartupPacket:
    """A start-up packet: SSLRequest, GSSENCRequest, CancelRequest or StartupMessage."""

    code: int
    payload: bytes

    @property
    def is_encryption_request(self) -> bool:
        return self.code in (SSL_REQUEST_CODE, GSSENC_REQUEST_CODE)

    @property
    def is_cancel_request(self) -> bool:
        return self.code == CANCEL_REQUEST_CODE

    @property
    def protocol_major(self) -> int:
        return self.code >> 16

    def encode(self) -> bytes:
        return _INT32.pack(len(self.payload) + 8) + _INT32.pack(self.code) + self.payload


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ConnectionClosed(f"connection closed after {len(data)} of {size} bytes")
    return data


def read_startup_packet(stream: BinaryIO) -> StartupPacket:
    length = _INT32.unpack(_read_exact(stream, 4))[0]
    if not 8 <= length <= MAX_STARTUP_LENGTH:
        raise ProtocolViolation(f"invalid start-up packet length {length}")
    code = _INT32.unpack(_read_exact(stream, 4))[0]
    return StartupPacket(code, _read_exact(stream, length - 8))


def read_message(stream: BinaryIO) -> Message | None:
    """Read one message; None when the peer closed the connection between messages."""
    header = stream.read(5)
    if not header:
        return None
    if len(header) != 5:
        raise ConnectionClosed("connection closed inside a message header")
    length = _INT32.unpack_from(header, 1)[0]
    if length < 4:
        raise ProtocolViolation(f"invalid length {length} for message {header[:1]!r}")
    return Message(header[:1], _read_exact(stream, length - 4))


def read_cstring(data: bytes, offset: int = 0) -> tuple[bytes, int]:
    """Return the NUL-terminated string at ``offset`` and the offset just after its NUL."""
    end = data.find(b"\0", offset)
    if end < 0:
        raise ProtocolViolation("unterminated string in message")
    return data[offset:end], end + 1


def decode_startup_parameters(payload: bytes) -> list[tuple[str, str]]:
    """The name/value pairs of a StartupMessage, in order."""
    pairs: list[tuple[str, str]] = []
    offset = 0
    while offset < len(payload) and payload[offset] != 0:
        name, offset = read_cstring(payload, offset)
        value, offset = read_cstring(payload, offset)
        pairs.append((name.decode("utf-8"), value.decode("utf-8")))
    return pairs


def encode_startup_parameters(pairs: list[tuple[str, str]]) -> bytes:
    return b"".join(f"{name}\0{value}\0".encode() for name, value in pairs) + b"\0"


@dataclass(frozen=True, slots=True)
class ParseMessage:
    """Parse ('P'): statement name, SQL text, and the parameter type OIDs kept as raw bytes."""

    statement: bytes
    sql: bytes
    parameter_types: bytes

    @classmethod
    def decode(cls, body: bytes) -> ParseMessage:
        statement, offset = read_cstring(body)
        sql, offset = read_cstring(body, offset)
        return cls(statement, sql, body[offset:])

    def encode(self) -> bytes:
        body = self.statement + b"\0" + self.sql + b"\0" + self.parameter_types
        return Message(b"P", body).encode()


def bind_target(body: bytes) -> tuple[bytes, bytes]:
    """The (portal, statement) names of a Bind ('B') message."""
    portal, offset = read_cstring(body)
    statement, _ = read_cstring(body, offset)
    return portal, statement


def rebind(body: bytes, statement: bytes) -> bytes:
    """A Bind ('B') body that binds the same portal and values to another statement."""
    portal, offset = read_cstring(body)
    _, offset = read_cstring(body, offset)
    return portal + b"\0" + statement + b"\0" + body[offset:]


def execute_portal(body: bytes) -> bytes:
    """The portal name of an Execute ('E') message."""
    return read_cstring(body)[0]


def close_target(body: bytes) -> tuple[bytes, bytes]:
    """The kind (b"S" statement or b"P" portal) and name of a Close ('C') message."""
    return body[:1], read_cstring(body, 1)[0]


def decode_parameter_status(body: bytes) -> tuple[bytes, bytes]:
    name, offset = read_cstring(body)
    value, _ = read_cstring(body, offset)
    return name, value


def parameter_status(name: bytes, value: bytes) -> Message:
    return Message(b"S", name + b"\0" + value + b"\0")


def copy_data(chunk: bytes) -> Message:
    return Message(b"d", chunk)


def copy_done() -> Message:
    return Message(b"c", b"")


def copy_fail(reason: str) -> Message:
    return Message(b"f", reason.encode("utf-8", "replace").replace(b"\0", b"") + b"\0")


def error_response(message: str, sqlstate: str, severity: str = "ERROR") -> Message:
    """An ErrorResponse, for errors the shim raises itself before a backend is involved."""
    fields = {b"S": severity, b"V": severity, b"C": sqlstate, b"M": message}
    body = b"".join(code + text.encode("utf-8").replace(b"\0", b"") + b"\0"
                    for code, text in fields.items())
    return Message(b"E", body + b"\0")
