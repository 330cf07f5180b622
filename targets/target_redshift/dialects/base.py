"""What the loader needs from a SQL warehouse, with the SQL the three dialects share.

Every identifier goes through :func:`quote`; values only ever travel as CSV data
or bound parameters, never spliced into SQL.
"""

from __future__ import annotations

import gzip
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, TypeVar

from observes_singer.flatten.identifiers import quote
from observes_singer.flatten.limits import TableLimit
from observes_singer.flatten.plan import Kind
from observes_singer.store.storage import BlobStore
from target_redshift.dialects.grants import POSTGRES_PRIVILEGES, grants_of, parse_acl
from target_redshift.dialects.layout import Layout
from target_redshift.dialects.strategies import (
    DEFAULT_STRATEGIES,
    ActivateVersion,
    LoadStrategy,
)
from target_redshift.dialects.threads import BackgroundLoads, StatementWatch
from target_redshift.sqltypes import SqlType, varchar_size

T = TypeVar("T")


class WarehouseError(Exception):
    """A database operation failed; the message names the table and never a secret."""


class ConflictError(WarehouseError):
    """The database cancelled the transaction because a concurrent one made it not
    serializable (Redshift's error 1023); running the transaction again may succeed."""


@dataclass(frozen=True)
class CsvObjects:
    """Objects of flattened rows as target-s3 writes them (``format: csv``): a header
    line, then rows in the flattener's CSV (every string quoted, ``\\N`` for NULL),
    whole objects or gzipped ones, all with the same columns.

    ``manifest_url`` is a Redshift COPY manifest listing exactly ``urls``, when there
    is one."""

    urls: list[str]
    gzip: bool
    blobs: BlobStore
    manifest_url: str | None = None

    def chunks(self, url: str, size: int = 1 << 20) -> Iterator[bytes]:
        """The object's bytes, uncompressed, a chunk at a time (memory stays flat)."""
        with self.blobs.open_read(url) as body:
            stream: Any = gzip.GzipFile(fileobj=body) if self.gzip else body
            while chunk := stream.read(size):
                yield chunk


_VARCHAR = re.compile(r"(?:character varying|varchar)(?:\((\d+)\))?", re.IGNORECASE)
_DECIMAL = re.compile(r"(?:numeric|decimal)\((\d+)(?:,\s*(\d+))?\)", re.IGNORECASE)


def parse_type(data_type: str, length: int | None = None, precision: int | None = None,
               scale: int | None = None) -> SqlType:
    """Our type for a column as information_schema describes it: its name, and the
    length, precision and scale it lists beside it (``numeric`` has its precision and
    scale only there)."""
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
        return SqlType(Kind.DECIMAL, scale=int(decimal.group(2) or 0),
                       precision=int(decimal.group(1)))
    if text in ("numeric", "decimal"):
        return SqlType(Kind.DECIMAL, scale=scale or 0, precision=precision or 38)
    varchar = _VARCHAR.fullmatch(text)
    if varchar or text in ("text", "character", "char", "bpchar"):
        size = length or (int(varchar.group(1)) if varchar and varchar.group(1) else 65535)
        return SqlType(Kind.STRING, min(size, 65535))
    return SqlType(Kind.STRING, 65535)








def _int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class ColumnDefinition:
    """A column as the catalogue describes it: what a rebuilt table must keep."""

    name: str
    type: SqlType
    default: str | None = None  # the default's SQL expression
    nullable: bool = True
    encoding: str | None = None  # Redshift's compression encoding (``ENCODE``)


#: Who blocks a backend, in PostgreSQL (9.6 and later; also what the tests' Redshift
#: stand-in runs on).
PG_LOCK_WAIT = """
SELECT w.relation::regclass::text, w.mode, b.pid, b.usename, b.application_name, b.state
FROM pg_locks w
LEFT JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS blocker(pid) ON true
LEFT JOIN pg_stat_activity b ON b.pid = blocker.pid
WHERE w.pid = %s AND NOT w.granted
"""








def describe_lock_wait(rows: list[tuple[Any, ...]]) -> str | None:
    """The rows of :data:`PG_LOCK_WAIT` (or the same columns) as one phrase."""
    if not rows:
        return None
    relation, mode = rows[0][0], rows[0][1]
    what = f"a lock on {relation} ({mode})" if relation else f"a lock ({mode})"
    holders = [f"backend {pid} (user {user}, application {app or '-'}, {state or '-'})"
               for _, _, pid, user, app, state in rows if pid is not None]
    return f"{what} held by {', '.join(holders)}" if holders else what


class Dialect(ABC):
    """One warehouse connection and the statements the loader runs on it."""

    name = "sql"
    #: whether VARCHAR sizes matter (DuckDB ignores them)
    sized_varchar = True
    #: the longest identifier the database keeps whole
    max_identifier_bytes = 127
    #: the database's bound on the bytes of a row, which the plan keeps tables within
    #: (PostgreSQL's page, heap_rows.HeapRowLimit); None when only the column count binds
    row_limit: TableLimit | None = None
    #: the longest input row the load takes (Redshift's COPY); None: no bound of its own
    max_input_row_bytes: int | None = None
    #: the rows' format: "csv", or "text" (PostgreSQL's tab-separated COPY format)
    row_format = "csv"
    #: whether the database applies ``lock_timeout`` itself (else the watch cancels)
    native_lock_timeout = False
    #: the load strategies by load method; a dialect may give its own (strategies.py)
    strategies: dict[str, type[LoadStrategy]] = DEFAULT_STRATEGIES
    activate_version: type[ActivateVersion] = ActivateVersion
    #: the GRANT keyword of each privilege letter of the catalogue's ACLs
    privileges: dict[str, str] = POSTGRES_PRIVILEGES

    def __init__(self, lock_timeout: float | None = None, log: IO[str] | None = None) -> None:
        self.statements = 0
        self._loads = BackgroundLoads()
        self.lock_timeout = lock_timeout
        self.watch = StatementWatch(self, log if log is not None else sys.stderr, lock_timeout)
        #: the layout of each table the run writes, by name (kept when one is rebuilt)
        self.layouts: dict[str, Layout] = {}
        #: what the run could not do as asked, for its summary
        self.notes: list[str] = []

    # -- lock waits (see StatementWatch) ---------------------------------------------------

    def lock_wait(self) -> str | None:
        """What the run's statement waits for ("a lock on s.t (Mode) held by backend
        N (user, application, state)"), or None when it is not a lock wait or the
        database cannot tell. Called from the watch thread."""
        return None

    def cancel(self) -> None:  # noqa: B027 - a database without a side connection
        """Cancel the run's statement (from the watch thread)."""

    def scrub(self, message: str) -> str:
        """The message without any secret this connection knows of."""
        return message

    def error(self, exc: BaseException, sql: str) -> WarehouseError:
        text = str(exc).strip() or type(exc).__name__
        statement = " ".join(sql.split())
        if len(statement) > 200:
            statement = statement[:197] + "..."
        conflict = self.conflict(exc)
        if conflict is not None:
            return ConflictError(self.scrub(f"{self.name}: {conflict} (in: {statement})"))
        return WarehouseError(self.scrub(f"{self.name}: {text} (in: {statement})"))

    def conflict(self, exc: BaseException) -> str | None:
        """What the driver's error says, when it is a serialization conflict; else None."""
        return None

    # -- connection ------------------------------------------------------------------------
    #
    # Loads run on a background thread so that the database ingests one batch while the
    # next is being flattened; every other use of the connection waits for them first.

    def execute(self, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement; returns its rows (empty for statements without)."""
        self._loads.drain()
        self.statements += 1
        with self.watch.running(sql):
            return self._checked(lambda: self._execute(sql, params))

    def _checked(self, run: Callable[[], T]) -> T:
        try:
            return run()
        except WarehouseError as exc:
            if self.watch.cancelled or (self.lock_timeout and "lock timeout" in str(exc)):
                raise WarehouseError(f"{exc}; stopped: it waited on a lock held by another "
                                     f"session longer than lock_timeout "
                                     f"({self.lock_timeout:g} s)") from None
            raise

    def load_rows(self, schema: str, table: str, columns: list[str], types: list[SqlType],
                  data: bytes, rows: int) -> None:
        """Append ``rows`` CSV rows (UTF-8, ``\\N`` is NULL) to a table, in the open transaction.

        An empty ``schema`` names a temporary table. The rows are loaded in the background.
        """
        self.statements += 1

        def load() -> None:
            with self.watch.running(f"load of {rows} rows into {table}"):
                self._checked(lambda: self._load(schema, table, columns, types, data, rows))

        self._loads.submit(load, len(data))

    def load_objects(self, schema: str, table: str, columns: list[str],
                     objects: CsvObjects) -> None:
        """Append the rows of CSV objects (:class:`CsvObjects`) to a table, in the open
        transaction; ``columns`` name the objects' columns in the table, in their order."""
        self._loads.drain()
        for url in objects.urls:
            self.statements += 1
            with self.watch.running(f"load of {url} into {table}"):
                self._checked(partial(self._load_object, schema, table, columns, objects,
                                      url))

    def _load_object(self, schema: str, table: str, columns: list[str],
                     objects: CsvObjects, url: str) -> None:
        raise WarehouseError(f"{self.name}: cannot load objects")

    def commit(self) -> None:
        self._loads.drain()
        self._commit()

    def rollback(self) -> None:
        self._loads.drain(raise_error=False)
        self._rollback()

    def close(self) -> None:
        self._loads.drain(raise_error=False)
        self._loads.stop()
        self.watch.stop()
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
            return f"DECIMAL({sql_type.precision}, {sql_type.scale})"
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
        columns = self.column_definitions(schema, table)
        if columns is None:
            return None
        return {column.name: column.type for column in columns}

    def column_definitions(self, schema: str, table: str) -> list[ColumnDefinition] | None:
        """A table's columns in order, each with its whole type (length, precision and
        scale), default and nullability; None when the table does not exist."""
        rows = self.execute(
            "SELECT column_name, data_type, character_maximum_length, numeric_precision, "
            "numeric_scale, column_default, is_nullable "
            "FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY ordinal_position",
            (schema, table),
        )
        if not rows:
            return None
        return [ColumnDefinition(str(name), parse_type(str(kind), _int(length),
                                                        _int(precision), _int(scale)),
                                 None if default is None else str(default),
                                 str(nullable).upper() != "NO")
                for name, kind, length, precision, scale, default, nullable in rows]

    # -- DDL -------------------------------------------------------------------------------

    def create_schema(self, schema: str) -> None:
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")

    def create_table(self, schema: str, table: str, columns: dict[str, SqlType],
                     temporary: bool = False, layout: Layout | None = None) -> None:
        body = ", ".join(f"{quote(c)} {self.type_sql(t)}" for c, t in columns.items())
        tail = self.layout_sql(layout, columns)
        if temporary:
            self.execute(f"CREATE TEMPORARY TABLE {quote(table)} ({body}){tail}")
        else:
            self.execute(f"CREATE TABLE {self.qualified(schema, table)} ({body}){tail}")

    def layout_sql(self, layout: Layout | None, columns: dict[str, SqlType]) -> str:
        """Where the database places a table's rows (Redshift's keys); nothing elsewhere."""
        return ""

    def add_column(self, schema: str, table: str, column: str, sql_type: SqlType) -> None:
        self.execute(f"ALTER TABLE {self.qualified(schema, table)} ADD COLUMN {quote(column)} "
                     f"{self.type_sql(sql_type)}")

    #: whether ``ALTER TABLE ... ADD UNIQUE (...)`` declares a key on an existing table
    adds_constraints = True

    #: whether a VARCHAR can grow in place only outside a transaction block, which the
    #: sink then does before a batch's transaction begins (:meth:`widen_in_place`)
    widens_outside_transaction = False

    def widen_in_place(self, schema: str, table: str, column: str, sql_type: SqlType) -> bool:
        """Widen a committed table's VARCHAR outside any transaction block; False when it
        was not done (the column is then changed inside the transaction instead)."""
        return False

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

    # -- what a replaced table carries over ----------------------------------------------

    def table_acl(self, schema: str, table: str) -> tuple[str, list[str]] | None:
        """The owner and access-privilege items (``grantee=arwd/grantor``) of a table, as
        PostgreSQL's and Redshift's catalogues keep them; None where there are none."""
        rows = self.execute(
            "SELECT pg_get_userbyid(c.relowner), array_to_string(c.relacl, ','), "
            "current_user "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s", (schema, table))
        if not rows:
            return None
        owner, acl, _ = rows[0]
        return str(owner), parse_acl(acl)

    def carry_over(self, schema: str, table: str, acl: tuple[str, list[str]] | None) -> None:
        """Give a table built anew the owner and grants the one it replaces had."""
        if acl is None:
            return
        owner, items = acl
        target = self.qualified(schema, table)
        grants = grants_of(items, owner, self.privileges)
        for grantee, privileges in grants.grants:
            self.execute(f"GRANT {', '.join(privileges)} ON {target} TO {grantee}")
        if grants.not_carried:
            self.notes.append(f"{schema}.{table} was built anew without "
                              f"{'; '.join(grants.not_carried)}: grant them again")
        current = self.execute("SELECT current_user")[0][0]
        if owner != current and self.may_give_to(owner):
            self.execute(f"ALTER TABLE {target} OWNER TO {quote(owner)}")

    def may_give_to(self, owner: str) -> bool:
        """Whether this session may make ``owner`` a table's owner (a member of it)."""
        rows = self.execute("SELECT pg_has_role(%s, 'MEMBER')", (owner,))
        return bool(rows and rows[0][0])

    def dependent_views(self, schema: str, table: str) -> list[str]:
        """Views that read the table (they make ``DROP TABLE`` fail)."""
        rows = self.execute(
            "SELECT DISTINCT vn.nspname || '.' || v.relname FROM pg_depend d "
            "JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class "
            "JOIN pg_namespace vn ON vn.oid = v.relnamespace "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "JOIN pg_namespace tn ON tn.oid = t.relnamespace "
            "WHERE tn.nspname = %s AND t.relname = %s AND v.oid <> t.oid ORDER BY 1",
            (schema, table))
        return [str(r[0]) for r in rows]

    def rename_table(self, schema: str, table: str, new_name: str) -> None:
        self.execute(f"ALTER TABLE {self.qualified(schema, table)} RENAME TO {quote(new_name)}")

    def qualified(self, schema: str, table: str) -> str:
        return f"{quote(schema)}.{quote(table)}"

    def temp_name(self, table: str) -> str:
        """How a temporary table is referred to in DML."""
        return quote(table)
