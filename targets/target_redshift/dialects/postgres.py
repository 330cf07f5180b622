"""PostgreSQL through psycopg 3, loading with ``COPY ... FROM STDIN``."""

from __future__ import annotations

import contextlib
import socket
from typing import IO, Any

import psycopg

from observes_singer.flatten.identifiers import quote
from target_redshift.config import Database
from target_redshift.dialects.base import (
    PG_LOCK_WAIT,
    CsvObjects,
    Dialect,
    WarehouseError,
    describe_lock_wait,
)
from target_redshift.dialects.heap_rows import HeapRowLimit
from target_redshift.sqltypes import SqlType


def copy_statement(target: str, columns: list[str]) -> str:
    """COPY in PostgreSQL's text format, which it reads faster than CSV."""
    cols = ", ".join(quote(c) for c in columns)
    return f"COPY {target} ({cols}) FROM STDIN"


class PostgresDialect(Dialect):
    name = "postgres"
    native_lock_timeout = True

    def __init__(self, database: Database, lock_timeout: float | None = None,
                 log: IO[str] | None = None) -> None:
        super().__init__(lock_timeout, log)
        options: dict[str, Any] = dict(database.options)
        # Rows are UTF-8 whatever the database's encoding; PostgreSQL converts them.
        options.setdefault("client_encoding", "UTF8")
        self._connect_args: dict[str, Any] = dict(
            host=database.host, port=database.port, user=database.user or None,
            password=database.password or None, dbname=database.database, **options)
        try:
            self.conn = psycopg.connect(application_name="target-redshift", autocommit=False,
                                        **self._connect_args)
        except psycopg.Error as exc:
            raise WarehouseError(f"cannot connect to PostgreSQL at {database.host}:"
                                 f"{database.port}/{database.database}: "
                                 f"{_first_line(exc)}") from None
        widen_send_buffer(self.conn)
        self._pid = self.conn.info.backend_pid
        self._side: psycopg.Connection[Any] | None = None
        if lock_timeout is not None:
            self.execute(f"SET lock_timeout = {int(lock_timeout * 1000)}")
            self.commit()
        self.row_limit = HeapRowLimit(int(self.execute("SHOW block_size")[0][0]))
        self.commit()

    def _side_connection(self) -> psycopg.Connection[Any]:
        if self._side is None or self._side.closed:
            self._side = psycopg.connect(application_name="target-redshift (lock watch)",
                                         autocommit=True, connect_timeout=10,
                                         **self._connect_args)
        return self._side

    def lock_wait(self) -> str | None:
        try:
            rows = self._side_connection().execute(PG_LOCK_WAIT, (self._pid,)).fetchall()
        except psycopg.Error:
            return None
        return describe_lock_wait(rows)

    def cancel(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self._side_connection().execute("SELECT pg_cancel_backend(%s)", (self._pid,))

    max_identifier_bytes = 63
    row_format = "text"

    def _execute(self, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(sql.encode(), params)
                if cursor.description is None:
                    return []
                return list(cursor.fetchall())
        except psycopg.Error as exc:
            raise self.error(exc, sql) from None

    def _load(self, schema: str, table: str, columns: list[str], types: list[SqlType],
              data: bytes, rows: int) -> None:
        target = self.qualified(schema, table) if schema else quote(table)
        try:
            with self.conn.cursor() as cursor, \
                    cursor.copy(copy_statement(target, columns)) as copy:
                copy.write(data)
        except psycopg.Error as exc:
            raise self.error(exc, f"COPY {target}") from None

    def _load_object(self, schema: str, table: str, columns: list[str],
                     objects: CsvObjects, url: str) -> None:
        target = self.qualified(schema, table)
        cols = ", ".join(quote(c) for c in columns)
        try:
            with self.conn.cursor() as cursor, cursor.copy(
                    f"COPY {target} ({cols}) FROM STDIN (FORMAT csv, HEADER true, "
                    "NULL '\\N')") as copy:
                for chunk in objects.chunks(url):
                    copy.write(chunk)
        except psycopg.Error as exc:
            raise self.error(exc, f"COPY {target} from {url}") from None

    def _commit(self) -> None:
        try:
            self.conn.commit()
        except psycopg.Error as exc:  # a dropped connection, a deferred check
            raise self.error(exc, "COMMIT") from None

    def _rollback(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()

    def _close(self) -> None:
        self.conn.close()
        if self._side is not None:
            self._side.close()


SEND_BUFFER_BYTES = 4 * 1024 * 1024


def widen_send_buffer(conn: psycopg.Connection[Any]) -> None:
    """Let the socket take 4 MB of COPY data at a time (where the system allows it).

    The loads thread needs the GIL again each time the socket has room, and the
    flattening thread holds it for up to 5 ms at a time: with the usual 200 KB Unix
    socket buffer, COPY ran at a quarter of its speed (32 against 130 MB/s).
    """
    with contextlib.suppress(OSError, ValueError):
        sock = socket.socket(fileno=conn.pgconn.socket)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        finally:
            sock.detach()


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
