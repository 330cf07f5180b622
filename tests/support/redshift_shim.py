"""A loopback proxy that lets the real ``redshift_connector`` driver use PostgreSQL as Redshift.

Each client connection gets its own PostgreSQL connection and two relay threads, one per
direction. Messages are relayed unchanged except where Redshift and PostgreSQL differ:

* encryption requests (SSLRequest, GSSENCRequest) are refused with ``N``, so clients must
  connect with ``ssl=False``;
* the StartupMessage keeps only the parameters PostgreSQL accepts, dropping what the driver
  adds for Redshift (``client_protocol_version``, ``driver_version``, ``os_version``, ...);
* what Redshift refuses, or does otherwise, is done as Redshift does it
  (:mod:`tests.support.redshift_refusals`): delimited identifiers are folded to lower
  case, and a statement Redshift refuses fails with Redshift's error instead of running
  (whether a transaction block is open is read from the backend's ReadyForQuery);
* the ``server_version`` the backend reports is replaced by Redshift's, so the driver takes
  its Redshift code paths;
* a Redshift ``COPY ... FROM 's3://...'`` in a Query or a Parse becomes ``COPY ... FROM
  STDIN`` (see :mod:`tests.support.redshift_copy`). When the backend then asks for the data
  (CopyInResponse), the shim answers instead of the client: it streams the S3 objects as
  CopyData and ends with CopyDone, or with CopyFail when S3 cannot supply them, which the
  backend reports to the client as an ordinary error.

Until a COPY's data has been sent, the client's later messages are held back. A driver
using the extended protocol sends Execute, Flush and Sync together, and the backend ignores
a Sync that arrives during COPY mode, so a Sync relayed early would be lost and the client
would wait for ReadyForQuery forever.
"""

from __future__ import annotations

import contextlib
import logging
import re
import select
import selectors
import socket
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, Self

import psycopg

from tests.support.pgwire import (
    ConnectionClosed,
    Message,
    ParseMessage,
    ProtocolViolation,
    StartupPacket,
    bind_target,
    close_target,
    copy_data,
    copy_done,
    copy_fail,
    decode_parameter_status,
    decode_startup_parameters,
    encode_startup_parameters,
    error_response,
    execute_portal,
    parameter_status,
    read_message,
    read_startup_packet,
    rebind,
)
from tests.support.redshift_catalog import install_catalog
from tests.support.redshift_conflicts import Conflicts
from tests.support.redshift_copy import (
    CopyTranslationError,
    S3Load,
    failing_statement,
    translate_copy,
)
from tests.support.redshift_encodings import encoded_statement
from tests.support.redshift_refusals import (
    checked_alter_type,
    code_of,
    fold_identifiers,
    postgres_grant,
    refusal,
    refused_statement,
)
from tests.support.s3 import s3_client
from tests.support.s3_load import DEFAULT_CHUNK_SIZE, S3LoadError, stream_load

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_logger = logging.getLogger(__name__)

REDSHIFT_SERVER_VERSION = "8.0.2"

POSTGRES_STARTUP_PARAMETERS = frozenset({
    "user", "database", "application_name", "options", "client_encoding", "datestyle",
    "timezone", "intervalstyle", "extra_float_digits", "search_path",
    "standard_conforming_strings", "statement_timeout", "lock_timeout",
    "idle_in_transaction_session_timeout",
})
"""Start-up parameters relayed to PostgreSQL (compared case-insensitively); the rest are
Redshift's, and PostgreSQL would refuse the connection over them."""

Upstream = Path | tuple[str, int]
"""PostgreSQL's Unix socket file, or its (host, port)."""


def postgres_startup_parameters(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in pairs
            if name.lower() in POSTGRES_STARTUP_PARAMETERS]


def _connect(upstream: Upstream) -> socket.socket:
    if isinstance(upstream, tuple):
        sock = socket.create_connection(upstream)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(upstream))
    except OSError:
        sock.close()
        raise
    return sock


#: Redshift's table layout clauses, which PostgreSQL does not know: stripped from
#: ``CREATE TABLE`` and remembered here (statement head, clauses) for the tests to read.
_LAYOUT = re.compile(r"(\s+(?:(?:DISTKEY|SORTKEY)\s*\((?:[^()\"]|\"(?:[^\"]|\"\")*\")*\)|"
                     r"DISTSTYLE\s+(?:AUTO|EVEN|ALL|KEY)|SORTKEY\s+AUTO))+\s*$", re.IGNORECASE)
LAYOUTS_SEEN: list[tuple[str, str]] = []
#: Every ``COPY ... FROM 's3://'`` the shim ran, as the client sent it, for the tests to read.
COPIES_SEEN: list[str] = []


def _strip_layout(text: str) -> str:
    if not text.lstrip().upper().startswith("CREATE"):
        return text
    match = _LAYOUT.search(text)
    if match is None:
        return text
    LAYOUTS_SEEN.append((text[:match.start()].split("(", 1)[0].strip(), match.group(0).strip()))
    return text[:match.start()]


def _rewrite_sql(sql: bytes, in_transaction: bool = False, conflicts: Conflicts | None = None,
                 session: object = None) -> tuple[bytes, S3Load | None]:
    """The SQL to send to PostgreSQL instead, and the S3 load it will ask for, if any
    (``in_transaction``: the session is inside a transaction block; ``conflicts``: the
    writes a test has armed to fail with Redshift's error 1023, in ``session``)."""
    try:
        text = sql.decode("utf-8")
    except UnicodeDecodeError:
        return sql, None
    text = fold_identifiers(text)
    conflict = conflicts.statement(text, code_of(text), session) \
        if conflicts is not None else None
    if conflict is not None:
        return conflict.encode(), None
    refused = refusal(text, in_transaction)
    if refused is not None:
        return refused_statement(refused, text).encode(), None
    checked = checked_alter_type(text)
    if checked is not None:
        return checked.encode(), None
    text = postgres_grant(text)
    encoded = encoded_statement(text, code_of(text), _strip_layout)
    if encoded is not None:
        return encoded.encode(), None
    stripped = _strip_layout(text)
    if stripped is not text:
        return stripped.encode(), None
    try:
        translated = translate_copy(text)
    except CopyTranslationError as exc:
        return failing_statement(f"Redshift shim: {exc}", exc.sqlstate).encode(), None
    if translated is None:
        return text.encode(), None
    COPIES_SEEN.append(text)
    return translated.sql.encode(), translated.load


@dataclass(frozen=True, slots=True)
class _Settings:
    upstream: Upstream
    s3: S3Client
    server_version: str
    chunk_size: int
    conflicts: Conflicts


class _Session:
    """One client connection and its PostgreSQL connection."""

    def __init__(self, client: socket.socket, settings: _Settings) -> None:
        self._client = client
        self._settings = settings
        self._upstream: socket.socket | None = None
        self._upstream_lock = threading.Lock()
        self._load_settled = threading.Event()
        self._load_settled.set()
        self._pending_load: S3Load | None = None
        self._statements: dict[bytes, S3Load] = {}
        self._portals: dict[bytes, S3Load] = {}
        self._aborted = False
        #: whether the backend's last ReadyForQuery said a transaction block is open
        self._in_transaction = False
        #: each prepared statement's Parse, by name (conflicts are checked at Bind)
        self._parsed: dict[bytes, ParseMessage] = {}
        #: ParseCompletes of statements the shim parsed, not to be relayed
        self._unseen_parses = 0

    def run(self) -> None:
        backend_relay: threading.Thread | None = None
        client_in = self._client.makefile("rb")
        upstream_in: BinaryIO | None = None
        try:
            if not self._start_up(client_in):
                return
            assert self._upstream is not None
            upstream_in = self._upstream.makefile("rb")
            backend_relay = threading.Thread(target=self._relay_backend, args=(upstream_in,),
                                             name=f"{threading.current_thread().name}-backend",
                                             daemon=True)
            backend_relay.start()
            self._relay_frontend(client_in)
        except (ConnectionClosed, ProtocolViolation, OSError) as exc:
            _logger.debug("client connection ended: %r", exc)
        finally:
            self.abort()
            if backend_relay is not None:
                backend_relay.join()
            for stream in (client_in, upstream_in):
                if stream is not None:
                    stream.close()
            self._client.close()
            if self._upstream is not None:
                self._upstream.close()

    def abort(self) -> None:
        """Cut both connections; the relay threads then see end-of-file and finish."""
        self._aborted = True
        self._load_settled.set()
        for sock in (self._client, self._upstream):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _start_up(self, client_in: BinaryIO) -> bool:
        """Decline encryption, connect upstream and relay the start-up; False if that ends it.

        A CancelRequest is relayed as is and ends the connection, as it does in PostgreSQL.
        """
        packet = read_startup_packet(client_in)
        while packet.is_encryption_request:
            self._client.sendall(b"N")
            packet = read_startup_packet(client_in)
        if not packet.is_cancel_request and packet.protocol_major != 3:
            version = f"{packet.protocol_major}.{packet.code & 0xFFFF}"
            self._refuse(f"unsupported frontend protocol {version}", "08P01")
            return False
        try:
            self._upstream = _connect(self._settings.upstream)
        except OSError as exc:
            self._refuse(f"Redshift shim cannot reach PostgreSQL at {self._settings.upstream}: "
                         f"{exc}", "08001")
            return False
        if packet.is_cancel_request:
            self._send_upstream(packet.encode())
            return False
        parameters = postgres_startup_parameters(decode_startup_parameters(packet.payload))
        self._install_catalog(dict(parameters))
        self._send_upstream(StartupPacket(packet.code, encode_startup_parameters(parameters))
                            .encode())
        return True

    def _install_catalog(self, parameters: dict[str, str]) -> None:
        """Redshift's catalogue of encodings in the client's database (once per database);
        a database that cannot be reached is left to PostgreSQL to refuse."""
        user = parameters.get("user", "")
        try:
            install_catalog(self._settings.upstream, parameters.get("database", user), user)
        except psycopg.Error as exc:
            _logger.debug("no encoding catalogue: %r", exc)

    def _refuse(self, message: str, sqlstate: str) -> None:
        self._client.sendall(error_response(message, sqlstate, severity="FATAL").encode())

    def _send_upstream(self, data: bytes) -> None:
        assert self._upstream is not None
        with self._upstream_lock:
            self._upstream.sendall(data)

    def _relay_frontend(self, client_in: BinaryIO) -> None:
        while (message := read_message(client_in)) is not None:
            self._load_settled.wait()
            if self._aborted:
                return
            self._send_upstream(self._from_client(message))
            if message.type == b"X":
                return

    def _from_client(self, message: Message) -> bytes:
        kind, body = message.type, message.body
        if kind == b"Q":
            sql, load = _rewrite_sql(body[:-1], self._in_transaction,
                                     self._settings.conflicts, self)
            if load is not None:
                self._expect_load(load)
            return Message(b"Q", sql + b"\0").encode()
        if kind == b"P":
            parse = ParseMessage.decode(body)
            sql, load = _rewrite_sql(parse.sql, self._in_transaction)
            self._remember(self._statements, parse.statement, load)
            self._parsed[parse.statement] = parse
            return replace(parse, sql=sql).encode()
        if kind == b"B":
            portal, statement = bind_target(body)
            conflict = self._conflict(statement)
            if conflict is not None:
                self._remember(self._portals, portal, None)
                return conflict.encode() + Message(b"B", rebind(body, b"")).encode()
            self._remember(self._portals, portal, self._statements.get(statement))
        elif kind == b"E":
            load = self._portals.get(execute_portal(body))
            if load is not None:
                self._expect_load(load)
        elif kind == b"C":
            target, name = close_target(body)
            (self._statements if target == b"S" else self._portals).pop(name, None)
        return message.encode()

    def _conflict(self, statement: bytes) -> ParseMessage | None:
        """A write (or commit) the test's conflicts claim, as the unnamed statement to bind
        instead: checked at each Bind, as the driver binds a prepared statement again
        without parsing it again. Its ParseComplete is not the client's to see."""
        parse = self._parsed.get(statement)
        if parse is None:
            return None
        try:
            text = fold_identifiers(parse.sql.decode("utf-8"))
        except UnicodeDecodeError:
            return None
        failing = self._settings.conflicts.statement(text, code_of(text), self)
        if failing is None:
            return None
        self._unseen_parses += 1
        return replace(parse, statement=b"", sql=failing.encode())

    @staticmethod
    def _remember(table: dict[bytes, S3Load], name: bytes, load: S3Load | None) -> None:
        if load is None:
            table.pop(name, None)
        else:
            table[name] = load

    def _expect_load(self, load: S3Load) -> None:
        self._pending_load = load
        self._load_settled.clear()

    def _settle_load(self) -> None:
        self._pending_load = None
        self._load_settled.set()

    def _relay_backend(self, upstream_in: BinaryIO) -> None:
        try:
            while (message := read_message(upstream_in)) is not None:
                if message.type == b"G":
                    self._feed_copy(upstream_in)
                else:
                    self._relay_to_client(message)
        except (ConnectionClosed, ProtocolViolation, OSError) as exc:
            _logger.debug("backend connection ended: %r", exc)
        finally:
            self.abort()

    def _relay_to_client(self, message: Message) -> None:
        kind = message.type
        if kind == b"1" and self._unseen_parses:
            self._unseen_parses -= 1
            return
        if kind == b"S":
            name, _ = decode_parameter_status(message.body)
            if name == b"server_version":
                message = parameter_status(name, self._settings.server_version.encode())
        elif kind in (b"E", b"Z"):
            if kind == b"Z":
                self._in_transaction = message.body[:1] != b"I"
            self._settle_load()
        self._client.sendall(message.encode())

    def _feed_copy(self, upstream_in: BinaryIO) -> None:
        """Answer a CopyInResponse with the pending load's data, or with CopyFail."""
        load = self._pending_load
        try:
            if load is None:
                self._send_upstream(copy_fail(
                    "COPY FROM STDIN is not available through the Redshift shim; "
                    "use COPY ... FROM 's3://...'").encode())
                return
            for chunk in stream_load(self._settings.s3, load, self._settings.chunk_size):
                if not self._relay_while_copying(upstream_in):
                    return
                self._send_upstream(copy_data(chunk).encode())
            self._send_upstream(copy_done().encode())
        except S3LoadError as exc:
            self._send_upstream(copy_fail(f"Redshift shim: {exc}").encode())
        except (ConnectionClosed, ProtocolViolation, OSError):
            raise
        except Exception as exc:
            _logger.exception("loading %s failed", load.source if load else "?")
            self._send_upstream(copy_fail(f"Redshift shim: loading failed: {exc!r}").encode())
        finally:
            self._settle_load()

    def _relay_while_copying(self, upstream_in: BinaryIO) -> bool:
        """Relay what the backend sent during the COPY (notices, say); False once it rejected it.

        After an ErrorResponse the backend discards further copy data, so there is no point
        in sending the rest.
        """
        assert self._upstream is not None
        while select.select([self._upstream], [], [], 0)[0]:
            message = read_message(upstream_in)
            if message is None:
                raise ConnectionClosed("PostgreSQL closed the connection during COPY")
            self._relay_to_client(message)
            if message.type == b"E":
                return False
        return True


class RedshiftShim:
    """Listen on a loopback port and relay each connection to PostgreSQL, Redshift-style.

    ``upstream`` is PostgreSQL's Unix socket file or (host, port); ``s3_endpoint_url`` is the
    S3 service (moto) that COPY reads from.
    """

    def __init__(self, upstream: Upstream, s3_endpoint_url: str, *, host: str = "127.0.0.1",
                 port: int = 0, server_version: str = REDSHIFT_SERVER_VERSION,
                 chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        #: writes a test arms to fail with Redshift's error 1023
        self.conflicts = Conflicts()
        self._settings = _Settings(upstream, s3_client(s3_endpoint_url), server_version,
                                   chunk_size, self.conflicts)
        self._listener = socket.create_server((host, port))
        self.host: str = self._listener.getsockname()[0]
        self.port: int = self._listener.getsockname()[1]
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._lock = threading.Lock()
        self._sessions: dict[_Session, threading.Thread] = {}
        self._acceptor: threading.Thread | None = None
        self._closed = False

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def start(self) -> Self:
        if self._acceptor is None:
            self._acceptor = threading.Thread(target=self._accept_loop,
                                              name=f"redshift-shim-{self.port}", daemon=True)
            self._acceptor.start()
        return self

    def close(self) -> None:
        """Stop listening, cut every live connection and wait for their threads."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            sessions = dict(self._sessions)
        self._wake_writer.send(b"\0")
        if self._acceptor is not None:
            self._acceptor.join()
        self._listener.close()
        self._wake_reader.close()
        self._wake_writer.close()
        for session in sessions:
            session.abort()
        for thread in sessions.values():
            thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_reader:
                        return
                    try:
                        client, peer = self._listener.accept()
                    except OSError as exc:
                        _logger.warning("accept failed: %r", exc)
                        continue
                    self._begin_session(client, peer)

    def _begin_session(self, client: socket.socket, peer: tuple[str, int]) -> None:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = _Session(client, self._settings)
        thread = threading.Thread(target=self._run_session, args=(session,),
                                  name=f"redshift-shim-{self.port}-{peer[1]}", daemon=True)
        with self._lock:
            if self._closed:
                client.close()
                return
            self._sessions[session] = thread
        thread.start()

    def _run_session(self, session: _Session) -> None:
        try:
            session.run()
        finally:
            with self._lock:
                self._sessions.pop(session, None)
