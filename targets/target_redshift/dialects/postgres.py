"""PostgreSQL through psycopg 3, loading with ``COPY ... FROM STDIN``."""

from __future__ import annotations

from typing import Any

import psycopg

from observes_singer.flatten.identifiers import quote
from target_redshift.config import Database
from target_redshift.dialects.base import Dialect, WarehouseError
from target_redshift.sqltypes import SqlType


def copy_statement(target: str, columns: list[str]) -> str:
    cols = ", ".join(quote(c) for c in columns)
    return f"COPY {target} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"


class PostgresDialect(Dialect):
    name = "postgres"

    def __init__(self, database: Database) -> None:
        super().__init__()
        options: dict[str, Any] = dict(database.options)
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

    max_identifier_bytes = 63

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


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
