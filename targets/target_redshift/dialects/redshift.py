"""Amazon Redshift through redshift_connector.

Two load paths: with ``s3_staging`` each batch is gzipped to S3 and loaded with
``COPY ... FROM 's3://...' CSV GZIP`` (the fast path; the objects are deleted once
loaded); without it, large multi-row INSERTs with bound parameters.
"""

from __future__ import annotations

import contextlib
import gzip
from dataclasses import replace
from typing import IO, Any

import redshift_connector
from redshift_connector.error import Error as DriverError

from observes_singer.flatten.identifiers import fit_length, quote
from observes_singer.flatten.plan import Kind
from observes_singer.store.storage import BlobStore, StorageError
from target_redshift.config import Database, S3Staging
from target_redshift.dialects.base import (
    PG_LOCK_WAIT,
    ColumnDefinition,
    CsvObjects,
    Dialect,
    WarehouseError,
    describe_lock_wait,
)
from target_redshift.dialects.csv_rows import parse_csv_rows, split_quoted_markers
from target_redshift.dialects.grants import REDSHIFT_PRIVILEGES
from target_redshift.dialects.heap_rows import HeapRowLimit
from target_redshift.dialects.layout import Layout
from target_redshift.input_rows import MAX_INPUT_ROW_BYTES
from target_redshift.sqltypes import SqlType

MAX_PARAMETERS = 32_000  # the protocol's bound is 32767
MAX_INSERT_ROWS = 5_000
#: Redshift's error for a transaction it cancelled as not serializable with another
SERIALIZABLE_VIOLATION = "1023"
#: Who blocks a session, from Redshift's own view of transactions and their locks.
REDSHIFT_LOCK_WAIT = """
SELECT COALESCE(n.nspname || '.' || c.relname, w.relation::varchar), w.lock_mode, h.pid,
       h.txn_owner, NULL, 'in a transaction since ' || h.txn_start::varchar
FROM svv_transactions w
JOIN svv_transactions h ON h.relation = w.relation AND h.granted AND h.pid <> w.pid
LEFT JOIN pg_class c ON c.oid = w.relation
LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE w.pid = %s AND NOT w.granted
"""


def literal(text: str) -> str:
    """A Redshift string literal (backslashes are escapes there, as in PostgreSQL 8)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


class RedshiftDialect(Dialect):
    name = "redshift"
    privileges = REDSHIFT_PRIVILEGES

    def __init__(self, database: Database, staging: S3Staging | None, run_id: str,
                 endpoint_url: str | None = None, lock_timeout: float | None = None,
                 log: IO[str] | None = None) -> None:
        super().__init__(lock_timeout, log)
        options = dict(database.options)
        sslmode = options.pop("sslmode", "verify-ca")
        timeout = options.pop("connect_timeout", None)
        ssl = sslmode not in ("disable", "allow", "prefer")
        kwargs: dict[str, Any] = {
            "host": database.host,
            "port": database.port,
            "database": database.database,
            "user": database.user,
            "password": database.password,
            "ssl": ssl,
            "application_name": "target-redshift",
        }
        if ssl:
            kwargs["sslmode"] = "verify-full" if sslmode == "verify-full" else "verify-ca"
        if timeout:
            kwargs["timeout"] = int(timeout)
        self._secrets = [s for s in (database.password,) if s]
        if staging and staging.credentials:
            self._secrets += [v for v in staging.credentials.values() if v]
        try:
            self.conn = redshift_connector.connect(**kwargs)
        except Exception as exc:  # the driver raises many unrelated types
            raise WarehouseError(self.scrub(
                f"cannot connect to Redshift at {database.host}:{database.port}/"
                f"{database.database}: {exc}")) from None
        self.conn.autocommit = False
        self._connect_kwargs = kwargs
        self._side: Any = None
        self.max_identifier_bytes = self._identifier_limit()
        self.row_limit = self._row_limit()
        self._pid = int(self.execute("SELECT pg_backend_pid()")[0][0])
        self.commit()
        self.staging = staging
        if staging is not None:
            self.max_input_row_bytes = MAX_INPUT_ROW_BYTES
        self.run_id = run_id
        self._objects = 0
        self._blobs = BlobStore(endpoint_url=(staging.endpoint_url if staging else None)
                                or endpoint_url)

    def _identifier_limit(self) -> int:
        """Redshift keeps 127 bytes; an engine that reports a smaller limit gets that."""
        try:
            rows = self.execute("SHOW max_identifier_length")
            self.commit()
            return min(127, int(rows[0][0]))
        except (WarehouseError, ValueError, IndexError):
            self.rollback()
            return 127

    def _row_limit(self) -> HeapRowLimit | None:
        """Redshift stores columns, not rows: within its 1,600 columns no row is too big
        (its bound on fixed-width columns, 64 KB, is past 1,600 of 16 bytes). An engine
        whose ``version()`` does not name Redshift keeps PostgreSQL's rows in pages, and
        gets their limit."""
        try:
            version = str(self.execute("SELECT version()")[0][0])
            if "redshift" in version.lower():
                self.commit()
                return None
            page = int(self.execute("SHOW block_size")[0][0])
            self.commit()
            return HeapRowLimit(page)
        except (WarehouseError, ValueError, IndexError):
            self.rollback()
            return None

    def _side_query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """A query on a second connection (the lock watch's), opened on first use."""
        if self._side is None:
            self._side = redshift_connector.connect(
                **{**self._connect_kwargs, "application_name": "target-redshift (lock watch)"})
            self._side.autocommit = True
        cursor = self._side.cursor()
        try:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
        finally:
            with contextlib.suppress(Exception):
                cursor.close()

    def lock_wait(self) -> str | None:
        for query in (REDSHIFT_LOCK_WAIT, PG_LOCK_WAIT):
            try:
                return describe_lock_wait(self._side_query(query, (self._pid,)))
            except Exception:  # noqa: S112 - the next query, then nothing to tell
                continue
        return None

    def cancel(self) -> None:
        with contextlib.suppress(Exception):
            self._side_query("SELECT pg_cancel_backend(%s)", (self._pid,))

    def conflict(self, exc: BaseException) -> str | None:
        """Redshift's serializable isolation violation, which redshift_connector raises as
        ``{'S': 'ERROR', 'C': 'XX000', 'M': '1023', 'D': 'Serializable isolation violation
        on table - 119371, transactions forming the cycle are: ...'}`` ("Troubleshooting
        serializable isolation errors")."""
        fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
        detail = str(fields.get("D", ""))
        if str(fields.get("M", "")).strip() == SERIALIZABLE_VIOLATION or \
                "serializable isolation violation" in detail.lower():
            return f"error {SERIALIZABLE_VIOLATION}: {detail or fields.get('M')}"
        return None

    def scrub(self, message: str) -> str:
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return message

    def _execute(self, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql, params)
            if cursor.description is None:
                return []
            return [tuple(row) for row in cursor.fetchall()]
        except DriverError as exc:
            raise self.error(exc, sql) from None
        finally:
            with contextlib.suppress(DriverError):
                cursor.close()

    def _load(self, schema: str, table: str, columns: list[str], types: list[SqlType],
              data: bytes, rows: int) -> None:
        target = self.qualified(schema, table) if schema else quote(table)
        if self.staging is None:
            self._insert(target, columns, types, data)
            return
        data, marked = split_quoted_markers(data)
        if marked:
            # COPY would load the string \N as NULL ("NULL AS"): those rows are bound.
            self._insert(target, columns, types, marked)
        if data:
            self._copy_from_s3(target, columns, data)

    def _copy_from_s3(self, target: str, columns: list[str], data: bytes) -> None:
        assert self.staging is not None
        self._objects += 1
        url = f"{self.staging.url}/{self.run_id}/part-{self._objects:06d}.csv.gz"
        try:
            self._blobs.write_bytes(url, gzip.compress(data, compresslevel=1))
        except StorageError as exc:
            raise WarehouseError(f"cannot stage rows for {target} in S3: {exc}") from None
        try:
            self._copy(target, columns, url, "GZIP")
        finally:
            with contextlib.suppress(StorageError):
                self._blobs.delete(url)

    def _copy(self, target: str, columns: list[str], url: str, options: str) -> None:
        """``COPY`` from S3 with the staging settings' credentials (never logged: the
        statement in an error is scrubbed of them)."""
        assert self.staging is not None
        if self.staging.iam_role:
            auth = f"IAM_ROLE {literal(self.staging.iam_role)}"
        else:
            creds = self.staging.credentials or {}
            auth = (f"ACCESS_KEY_ID {literal(creds['aws_access_key_id'])} "
                    f"SECRET_ACCESS_KEY {literal(creds['aws_secret_access_key'])}")
            if creds.get("aws_session_token"):
                auth += f" SESSION_TOKEN {literal(creds['aws_session_token'])}"
        region = f" REGION {literal(self.staging.region)}" if self.staging.region else ""
        cols = ", ".join(quote(c) for c in columns)
        self._execute(
            f"COPY {target} ({cols}) FROM {literal(url)} {auth}{region} "
            f"CSV {options} NULL AS {literal(chr(92) + 'N')} TIMEFORMAT 'auto' "
            "DATEFORMAT 'auto' COMPUPDATE OFF STATUPDATE OFF"
        )

    def load_objects(self, schema: str, table: str, columns: list[str],
                     objects: CsvObjects) -> None:
        """One ``COPY ... MANIFEST`` for the objects: Redshift reads them from S3 itself,
        in parallel across its slices, with the staging settings' credentials."""
        if self.staging is None:
            raise WarehouseError("redshift: loading objects from S3 needs s3_staging's "
                                 "iam_role or credentials (or load-parts --iam-role), "
                                 "which COPY reads them with")
        if objects.manifest_url is None:
            raise WarehouseError(f"redshift: no COPY manifest for the objects of {table}")
        self._loads.drain()
        target = self.qualified(schema, table)
        options = "GZIP IGNOREHEADER 1 MANIFEST" if objects.gzip else \
            "IGNOREHEADER 1 MANIFEST"
        self.statements += 1
        with self.watch.running(f"COPY into {table} from {objects.manifest_url}"):
            self._checked(lambda: self._copy(target, columns, objects.manifest_url or "",
                                             options))

    def _insert(self, target: str, columns: list[str], types: list[SqlType],
                data: bytes) -> None:
        casts = [("%s" if t.kind in (Kind.STRING, Kind.JSON) else
                  f"CAST(%s AS {self.type_sql(t)})") for t in types]
        row_sql = "(" + ", ".join(casts) + ")"
        per_statement = max(1, min(MAX_INSERT_ROWS, MAX_PARAMETERS // max(1, len(columns))))
        head = f"INSERT INTO {target} ({', '.join(quote(c) for c in columns)}) VALUES "
        chunk: list[str | None] = []
        count = 0
        for row in parse_csv_rows(data.decode("utf-8")):
            chunk += row
            count += 1
            if count == per_statement:
                self._execute(head + ", ".join([row_sql] * count), tuple(chunk))
                chunk, count = [], 0
        if count:
            self._execute(head + ", ".join([row_sql] * count), tuple(chunk))

    widens_outside_transaction = True

    def widen_in_place(self, schema: str, table: str, column: str, sql_type: SqlType) -> bool:
        """``ALTER TABLE ... ALTER COLUMN ... TYPE VARCHAR(n)``, which Redshift runs only
        outside a transaction block: in its own autocommit statement, on a connection with
        no transaction open (the sink calls it between a commit and the next batch).

        A wider column loses nothing and is harmless if the batch that needed it then
        rolls back, so the run stays atomic. What Redshift refuses ("ALTER TABLE": a
        column with a default, a key column, some encodings, a column a bound view reads)
        is not tried or, once refused, left to :meth:`widen_varchar`'s rebuild, with a
        note."""
        if self.conn.in_transaction:
            return False
        layout = self.layouts.get(table)
        if layout is not None and (column == layout.distkey or column in layout.sortkey):
            return False
        self.conn.autocommit = True
        try:
            columns = self.column_definitions(schema, table) or []
            if any(c.name == column and c.default is not None for c in columns):
                return False
            self.execute(f"ALTER TABLE {self.qualified(schema, table)} ALTER COLUMN "
                         f"{quote(column)} TYPE {self.type_sql(sql_type)}")
            return True
        except WarehouseError as exc:
            self.notes.append(f"{schema}.{table}.{column} was widened by rebuilding the "
                              f"table: {exc}")
            return False
        finally:
            self.conn.autocommit = False

    def widen_varchar(self, schema: str, table: str, column: str, sql_type: SqlType) -> None:
        """Inside a transaction block, which refuses ``ALTER COLUMN ... TYPE``: a staging
        table that exists only in the run's transaction, or a column whose in-place
        widening was refused, is widened by rebuilding the table."""
        self.change_type(schema, table, column, sql_type)

    def change_type(self, schema: str, table: str, column: str, sql_type: SqlType) -> None:
        """A deep copy: a new table with the wider column, filled from the old one, then
        renamed over it; all of it transactional on Redshift, column order kept.

        The copy keeps every other column's whole type, default and nullability, the
        table's keys, comments, grants and owner, and its compression encodings
        (:meth:`copy_encodings`). A view bound to the table would make its ``DROP`` fail
        (or, with CASCADE, go): the rebuild is refused before anything changes, naming the
        views."""
        columns = self.column_definitions(schema, table)
        if columns is None or column not in {c.name for c in columns}:
            raise WarehouseError(f"{self.name}: no column {column!r} in {schema}.{table}")
        views = self.dependent_views(schema, table)
        if views:
            old = next(c.type for c in columns if c.name == column)
            raise WarehouseError(
                f"{self.name}: cannot change column {column} of {schema}.{table} from "
                f"{self.type_sql(old)} to {self.type_sql(sql_type)}: Redshift changes it by "
                f"rebuilding the table, which the views that read it forbid "
                f"({', '.join(views)}); recreate them as late-binding views (WITH NO "
                "SCHEMA BINDING) or drop them, then run again")
        old_types = {c.name: c.type for c in columns}
        columns, encode_auto = self.copy_encodings(schema, table, columns)
        columns = [replace(c, type=sql_type,
                           encoding=c.encoding if c.type.kind is sql_type.kind else None)
                   if c.name == column else c for c in columns]
        comments = self.comments(schema, table)
        copy = fit_length(f"{table}__observes_copy", table, self.max_identifier_bytes)
        self.drop_table(schema, copy)
        body = ", ".join(self.column_sql(c) for c in columns)
        types = {c.name: c.type for c in columns}
        self.execute(f"CREATE TABLE {self.qualified(schema, copy)} ({body})"
                     f"{self.layout_sql(self.layouts.get(table), types)}"
                     f"{' ENCODE AUTO' if encode_auto else ''}")
        names = ", ".join(quote(c.name) for c in columns)
        values = ", ".join(
            self.converted(quote(c.name), old_types[c.name], c.type) if c.name == column
            else quote(c.name) for c in columns)
        self.execute(f"INSERT INTO {self.qualified(schema, copy)} ({names}) "
                     f"SELECT {values} FROM {self.qualified(schema, table)}")
        acl = self.table_acl(schema, table)
        self.drop_table(schema, table)
        self.rename_table(schema, copy, table)
        self.carry_over(schema, table, acl)
        self.set_comments(schema, table, comments)

    def converted(self, value: str, old: SqlType, new: SqlType) -> str:
        """``value`` (of type ``old``) as ``new``. Redshift cannot cast a BOOLEAN to a
        character type ("Type compatibility and conversion"): it is spelled out as the
        flattener writes booleans, true or false."""
        if old.kind is Kind.BOOLEAN and new.is_text:
            return (f"CASE WHEN {value} THEN 'true' WHEN NOT {value} THEN 'false' END")
        return f"CAST({value} AS {self.type_sql(new)})"

    def column_sql(self, column: ColumnDefinition) -> str:
        """A column's definition in ``CREATE TABLE``: default, encoding and NOT NULL
        included, in the order of "CREATE TABLE"'s column attributes and constraints."""
        sql = f"{quote(column.name)} {self.type_sql(column.type)}"
        if column.default is not None:
            sql += f" DEFAULT {column.default}"
        if column.encoding is not None:
            sql += f" ENCODE {column.encoding}"
        return sql if column.nullable else sql + " NOT NULL"

    def copy_encodings(self, schema: str, table: str, columns: list[ColumnDefinition]
                       ) -> tuple[list[ColumnDefinition], bool]:
        """The columns of a rebuilt copy of ``schema.table`` with the encodings it gives
        them, and whether it is ``ENCODE AUTO``: one or the other, never both.

        The Database Developer Guide's "CREATE TABLE" gives a statement with both two
        meanings. Under ``ENCODE encoding``: "If you specify compression encoding for any
        column in the table, the table is no longer set to ENCODE AUTO." Under ``ENCODE
        AUTO``: "ENCODE AUTO preserves the initial encode types that you specify in
        creating the table." So a table that is ``ENCODE AUTO`` is copied ``ENCODE AUTO``
        with no column's encoding ("ENCODE AUTO is the default if you don't specify an
        encoding type on any column in the table"), and Redshift manages them again; any
        other keeps each column's encoding (:meth:`encodings`), and the copy is not
        ``ENCODE AUTO`` either. A column whose type changes keeps its encoding only while
        its kind stays (a VARCHAR that grows): AZ64, say, takes no VARCHAR or DOUBLE
        PRECISION ("AZ64 encoding"). A table whose setting cannot be read
        (:meth:`encode_auto`) is taken to be ``ENCODE AUTO``, Redshift's default and how
        the target creates tables."""
        if self.encode_auto(schema, table) is not False:
            return [replace(c, encoding=None) for c in columns], True
        encodings = self.encodings(schema, table)
        return [replace(c, encoding=encodings.get(c.name)) for c in columns], False

    def encode_auto(self, schema: str, table: str) -> bool | None:
        """Whether the table is ``ENCODE AUTO``, as ``SVV_TABLE_INFO.encoded`` says it
        (``Y, AUTO(ENCODE)``); None when it does not say: that view "doesn't return any
        information for empty tables" and "is visible only to superusers" and to users
        granted SELECT on it ("SVV_TABLE_INFO"), which is asked first, since a refused
        query would end the transaction. The table is found by the view's own columns
        (``"schema"``, ``"table"``), as the guide's sample queries find it."""
        [(allowed,)] = self.execute("SELECT has_table_privilege('svv_table_info', 'SELECT')")
        if not allowed:
            return None
        rows = self.execute('SELECT encoded FROM svv_table_info WHERE "schema" = %s '
                            'AND "table" = %s', (schema, table))
        if not rows or rows[0][0] is None:
            return None
        return "AUTO(ENCODE)" in str(rows[0][0]).upper()

    def encodings(self, schema: str, table: str) -> dict[str, str]:
        """Each column's compression encoding as ``ENCODE`` takes it (``RAW`` for none),
        read as AWS's ``v_generate_tbl_ddl`` reads it (amazon-redshift-utils), from
        ``pg_attribute.attencodingtype``, whatever the search path (``pg_table_def``
        lists only the tables on it)."""
        rows = self.execute(
            "SELECT a.attname, format_encoding(a.attencodingtype::integer) "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 "
            "AND NOT a.attisdropped", (schema, table))
        return {str(name): "RAW" if str(encoding).strip().lower() == "none"
                else str(encoding).strip().upper()
                for name, encoding in rows if encoding is not None}

    def comments(self, schema: str, table: str) -> dict[str | None, str]:
        """The table's comment (under None) and its columns' comments, by column name
        (``COMMENT ON``, kept in PG_DESCRIPTION)."""
        rows = self.execute(
            "SELECT a.attname, d.description FROM pg_description d "
            "JOIN pg_class c ON c.oid = d.objoid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid "
            "WHERE n.nspname = %s AND c.relname = %s AND (d.objsubid = 0 OR a.attnum > 0)",
            (schema, table))
        return {None if name is None else str(name): str(text) for name, text in rows}

    def set_comments(self, schema: str, table: str, comments: dict[str | None, str]) -> None:
        target = self.qualified(schema, table)
        for name, text in comments.items():
            what = f"TABLE {target}" if name is None else f"COLUMN {target}.{quote(name)}"
            self.execute(f"COMMENT ON {what} IS {literal(text)}")

    def layout_sql(self, layout: Layout | None, columns: dict[str, SqlType]) -> str:
        """The layout's keys, or ``DISTSTYLE AUTO`` and ``SORTKEY AUTO`` where it sets
        none (CREATE TABLE); nothing without a layout (temporary tables, which automatic
        table optimization leaves alone)."""
        if layout is None:
            return ""
        distkey = layout.distkey
        tail = f" DISTKEY({quote(distkey)})" if distkey and distkey in columns \
            else " DISTSTYLE AUTO"
        sort = [c for c in layout.sortkey if c in columns]
        return tail + (f" SORTKEY({', '.join(quote(c) for c in sort)})" if sort
                       else " SORTKEY AUTO")

    def may_give_to(self, owner: str) -> bool:
        """Only a superuser may give a table away on Redshift."""
        rows = self.execute("SELECT usesuper FROM pg_user WHERE usename = current_user")
        return bool(rows and rows[0][0])

    def _commit(self) -> None:
        """Redshift may cancel a transaction at its COMMIT (error 1023 among others)."""
        try:
            self.conn.commit()
        except DriverError as exc:
            raise self.error(exc, "COMMIT") from None

    def _rollback(self) -> None:
        # A dropped connection has nothing left to roll back.
        with contextlib.suppress(Exception):
            self.conn.rollback()

    def _close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        if self._side is not None:
            with contextlib.suppress(Exception):
                self._side.close()
