"""What the loader needs from a SQL warehouse, with the SQL the three dialects share.

Every identifier goes through :func:`quote`; values only ever travel as CSV data
or bound parameters, never spliced into SQL.
"""

from __future__ import annotations

import queue
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from observes_singer.flatten.identifiers import quote
from observes_singer.flatten.plan import Kind
from target_redshift.sqltypes import SqlType, varchar_size


class WarehouseError(Exception):
    """A database operation failed; the message names the table and never a secret."""


_VARCHAR = re.compile(r"(?:character varying|varchar)(?:\((\d+)\))?", re.IGNORECASE)
_DECIMAL = re.compile(r"(?:numeric|decimal)\((\d+),\s*(\d+)\)", re.IGNORECASE)


def parse_type(data_type: str, length: int | None = None) -> SqlType:
    """Our type for a column as information_schema describes it."""
    text = data_type.strip().lower()
    if text in ("bigint", "integer", "int8", "int4", "smallint", "int2", "int", "hugeint"):
        return SqlType(Kind.INTEGER)
    if text in ("double precision", "double", "float8", "real", "float4", "float"):
        return SqlType(Kind.NUMBER)
    if text in ("boolean", "bool"):
        return SqlType(Kind.BOOLEAN)
    if text.startswith("timestamp"):
        return SqlType(Kind.TIMESTAMP)
    if text == "date":
        return SqlType(Kind.DATE)
    decimal = _DECIMAL.fullmatch(text)
    if decimal:
        return SqlType(Kind.DECIMAL, scale=int(decimal.group(2)))
    if text in ("numeric", "decimal"):
        return SqlType(Kind.DECIMAL, scale=0)
    varchar = _VARCHAR.fullmatch(text)
    if varchar or text in ("text", "character", "char", "bpchar"):
        size = length or (int(varchar.group(1)) if varchar and varchar.group(1) else 65535)
        return SqlType(Kind.STRING, min(size, 65535))
    return SqlType(Kind.STRING, 65535)


class BackgroundLoads:
    """One worker thread running load jobs in order; its first error is raised to the caller.

    Jobs waiting or running hold at most ``max_bytes`` of rows (one job may exceed it
    alone), which bounds memory whatever the input size.
    """

    def __init__(self, max_bytes: int = 48 * 1024 * 1024) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], None], int] | None] = queue.Queue()
        self._max_bytes = max_bytes
        self._in_flight = 0
        self._room = threading.Condition()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def submit(self, job: Callable[[], None], size: int) -> None:
        self._raise()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="loads", daemon=True)
            self._thread.start()
        with self._room:
            while self._in_flight and self._in_flight + size > self._max_bytes:
                self._room.wait()
            self._in_flight += size
        self._jobs.put((job, size))

    def drain(self, raise_error: bool = True) -> None:
        if self._thread is not None:
            self._jobs.join()
        if raise_error:
            self._raise()
        else:
            self._error = None

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                self._jobs.task_done()
                return
            job, size = item
            try:
                if self._error is None:
                    job()
            except BaseException as exc:  # handed to the main thread
                self._error = exc
            finally:
                del job, item
                with self._room:
                    self._in_flight -= size
                    self._room.notify_all()
                self._jobs.task_done()


class Dialect(ABC):
    """One warehouse connection and the statements the loader runs on it."""

    name = "sql"
    #: whether VARCHAR sizes matter (DuckDB ignores them)
    sized_varchar = True
    #: the longest identifier the database keeps whole
    max_identifier_bytes = 127
    #: the rows' format: "csv", or "text" (PostgreSQL's tab-separated COPY format)
    row_format = "csv"

    def __init__(self) -> None:
        self.statements = 0
        self._loads = BackgroundLoads()

    def scrub(self, message: str) -> str:
        """The message without any secret this connection knows of."""
        return message

    def error(self, exc: BaseException, sql: str) -> WarehouseError:
        text = str(exc).strip() or type(exc).__name__
        statement = " ".join(sql.split())
        if len(statement) > 200:
            statement = statement[:197] + "..."
        return WarehouseError(self.scrub(f"{self.name}: {text} (in: {statement})"))

    # -- connection ------------------------------------------------------------------------
    #
    # Loads run on a background thread so that the database ingests one batch while the
    # next is being flattened; every other use of the connection waits for them first.

    def execute(self, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement; returns its rows (empty for statements without)."""
        self._loads.drain()
        self.statements += 1
        return self._execute(sql, params)

    def load_rows(self, schema: str, table: str, columns: list[str], types: list[SqlType],
                  data: bytes, rows: int) -> None:
        """Append ``rows`` CSV rows (UTF-8, ``\\N`` is NULL) to a table, in the open transaction.

        An empty ``schema`` names a temporary table. The rows are loaded in the background.
        """
        self.statements += 1
        self._loads.submit(lambda: self._load(schema, table, columns, types, data, rows),
                           len(data))

    def commit(self) -> None:
        self._loads.drain()
        self._commit()

    def rollback(self) -> None:
        self._loads.drain(raise_error=False)
        self._rollback()

    def close(self) -> None:
        self._loads.drain(raise_error=False)
        self._loads.stop()
        self._close()

    @abstractmethod
    def _execute(self, sql: str,
                 params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def _load(self, schema: str, table: str, columns: list[str], types: list[SqlType],
              data: bytes, rows: int) -> None: ...

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def _rollback(self) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...

    # -- types -----------------------------------------------------------------------------

    def type_sql(self, sql_type: SqlType) -> str:
        kind = sql_type.kind
        if kind is Kind.INTEGER:
            return "BIGINT"
        if kind is Kind.NUMBER:
            return "DOUBLE PRECISION"
        if kind is Kind.DECIMAL:
            return f"DECIMAL(38, {sql_type.scale})"
        if kind is Kind.BOOLEAN:
            return "BOOLEAN"
        if kind is Kind.TIMESTAMP:
            return "TIMESTAMP"
        if kind is Kind.DATE:
            return "DATE"
        if not self.sized_varchar:
            return "VARCHAR"
        return f"VARCHAR({varchar_size(sql_type.size)})"

    # -- catalogue -------------------------------------------------------------------------

    def table_columns(self, schema: str, table: str) -> dict[str, SqlType] | None:
        """The columns of a table, or None when it does not exist."""
        rows = self.execute(
            "SELECT column_name, data_type, character_maximum_length "
            "FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY ordinal_position",
            (schema, table),
        )
        if not rows:
            return None
        return {str(name): parse_type(str(kind), length) for name, kind, length in rows}

    # -- DDL -------------------------------------------------------------------------------

    def create_schema(self, schema: str) -> None:
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")

    def create_table(self, schema: str, table: str, columns: dict[str, SqlType],
                     temporary: bool = False) -> None:
        body = ", ".join(f"{quote(c)} {self.type_sql(t)}" for c, t in columns.items())
        if temporary:
            self.execute(f"CREATE TEMPORARY TABLE {quote(table)} ({body})")
        else:
            self.execute(f"CREATE TABLE {self.qualified(schema, table)} ({body})")

    def add_column(self, schema: str, table: str, column: str, sql_type: SqlType) -> None:
        self.execute(f"ALTER TABLE {self.qualified(schema, table)} ADD COLUMN {quote(column)} "
                     f"{self.type_sql(sql_type)}")

    def widen_varchar(self, schema: str, table: str, column: str, sql_type: SqlType) -> None:
        self.execute(f"ALTER TABLE {self.qualified(schema, table)} ALTER COLUMN {quote(column)} "
                     f"TYPE {self.type_sql(sql_type)}")

    def change_type(self, schema: str, table: str, column: str, sql_type: SqlType) -> None:
        """Give a column a wider type, keeping its values (add, copy, drop, rename)."""
        target = self.qualified(schema, table)
        temp = f"{column[:100]}__observes_new"
        self.execute(f"ALTER TABLE {target} ADD COLUMN {quote(temp)} {self.type_sql(sql_type)}")
        self.execute(f"UPDATE {target} SET {quote(temp)} = "
                     f"CAST({quote(column)} AS {self.type_sql(sql_type)})")
        self.execute(f"ALTER TABLE {target} DROP COLUMN {quote(column)}")
        self.execute(f"ALTER TABLE {target} RENAME COLUMN {quote(temp)} TO {quote(column)}")

    def drop_table(self, schema: str, table: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {self.qualified(schema, table)}")

    def drop_temporary(self, table: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {quote(table)}")

    def rename_table(self, schema: str, table: str, new_name: str) -> None:
        self.execute(f"ALTER TABLE {self.qualified(schema, table)} RENAME TO {quote(new_name)}")

    def qualified(self, schema: str, table: str) -> str:
        return f"{quote(schema)}.{quote(table)}"

    def temp_name(self, table: str) -> str:
        """How a temporary table is referred to in DML."""
        return quote(table)
