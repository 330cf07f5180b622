"""DuckDB, the embedded default: a local file, loaded with its CSV reader."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any

import duckdb

from observes_singer.flatten.identifiers import quote
from target_redshift.config import Database
from target_redshift.dialects.base import Dialect, WarehouseError
from target_redshift.sqltypes import SqlType

DUCKDB_MEMORY_LIMIT = "256MB"


class DuckDBDialect(Dialect):
    name = "duckdb"
    sized_varchar = False

    def __init__(self, database: Database) -> None:
        super().__init__()
        try:
            os.makedirs(os.path.dirname(database.path) or ".", exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot create the folder of DuckDB file {database.path}: "
                                 f"{exc.strerror}") from None
        try:
            # DuckDB keeps every block it writes cached up to 80% of the machine's
            # memory; a cap keeps the target's memory flat as the input grows.
            self.conn = duckdb.connect(database.path,
                                       config={"memory_limit": DUCKDB_MEMORY_LIMIT})
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open DuckDB file {database.path}: {exc}") from None
        self.conn.execute("BEGIN TRANSACTION")
        self._spool = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives with the dialect
            prefix="target-redshift-", suffix=".csv", delete=False
        )
        self._spool.close()

    def _execute(self, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        if params:
            sql = sql.replace("%s", "?")
        try:
            cursor = self.conn.execute(sql, params or ())
            if cursor.description is None:
                return []
            return cursor.fetchall()
        except duckdb.Error as exc:
            raise self.error(exc, sql) from None

    def _load(self, schema: str, table: str, columns: list[str], types: list[SqlType],
              data: bytes, rows: int) -> None:
        with open(self._spool.name, "wb") as handle:
            handle.write(data)
        target = self.qualified(schema, table) if schema else quote(table)
        cols = ", ".join(quote(c) for c in columns)
        path = self._spool.name.replace("'", "''")
        try:
            self.conn.execute(
                f"COPY {target} ({cols}) FROM '{path}' (FORMAT csv, HEADER false, "
                "NULLSTR '\\N', ALLOW_QUOTED_NULLS false, QUOTE '\"', ESCAPE '\"', "
                "AUTO_DETECT false)"
            )
        except duckdb.Error as exc:
            raise self.error(exc, f"COPY {target}") from None

    def _commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN TRANSACTION")

    def _rollback(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.conn.execute("ROLLBACK")
            self.conn.execute("BEGIN TRANSACTION")

    def _close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.conn.execute("ROLLBACK")
        self.conn.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._spool.name)

    def widen_varchar(self, schema: str, table: str, column: str, sql_type: Any) -> None:
        """VARCHAR has no size in DuckDB: nothing to widen."""
