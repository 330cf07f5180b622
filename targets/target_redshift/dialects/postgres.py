"""PostgreSQL through psycopg 3, loading with ``COPY ... FROM STDIN``."""

from __future__ import annotations

import contextlib
import socket
from typing import Any

import psycopg

from observes_singer.flatten.identifiers import quote
from target_redshift.config import Database
from target_redshift.dialects.base import Dialect, WarehouseError
from target_redshift.sqltypes import SqlType


def copy_statement(target: str, columns: list[str]) -> str:
    """COPY in PostgreSQL's text format, which it reads faster than CSV."""
    cols = ", ".join(quote(c) for c in columns)
    return f"COPY {target} ({cols}) FROM STDIN"


class PostgresDialect(Dialect):
    name = "postgres"

    def __init__(self, database: Database) -> None:
        super().__init__()
        options: dict[str, Any] = dict(database.options)
        # Rows are UTF-8 whatever the database's encoding; PostgreSQL converts them.
        options.setdefault("client_encoding", "UTF8")
        try:
            self.conn = psycopg.connect(
                host=database.host,
                port=database.port,
                user=database.user or None,
                password=database.password or None,
                dbname=database.database,
                application_name="target-redshift",
                autocommit=False,
                **options,
            )
        except psycopg.Error as exc:
            raise WarehouseError(f"cannot connect to PostgreSQL at {database.host}:"
                                 f"{database.port}/{database.database}: "
                                 f"{_first_line(exc)}") from None
        widen_send_buffer(self.conn)

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

    def _commit(self) -> None:
        self.conn.commit()

    def _rollback(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()

    def _close(self) -> None:
        self.conn.close()


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
