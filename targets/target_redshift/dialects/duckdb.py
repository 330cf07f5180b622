"""DuckDB, the embedded default: a local file, loaded with its CSV reader.

Rows reach DuckDB through a CSV spool file. It holds row data, so it lives in a private
folder (mode 0700, the file 0600) named with the process id; a run killed before it
could clean up leaves that folder behind, and the next run removes every such folder
whose process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from observes_singer.flatten.identifiers import quote
from target_redshift.config import Database
from target_redshift.dialects.base import CsvObjects, Dialect, WarehouseError
from target_redshift.sqltypes import SqlType

#: DuckDB's memory cap (MB) for tables of up to ``MEMORY_BASE_MB`` columns.
DUCKDB_MEMORY_MB = 256
#: What a COMMIT needs besides the table's columns (MB), and what each column needs.
MEMORY_BASE_MB = 128
MEMORY_PER_COLUMN_MB = 1
SPOOL_PREFIX = "target-redshift-spool-"
#: How DuckDB reads the flattener's CSV. Rows end in \n; said, not sniffed: a \r\n
#: inside the first row's quoted text would otherwise make DuckDB take \r\n for the row
#: separator.
CSV_OPTIONS = ("FORMAT csv, NULLSTR '\\N', ALLOW_QUOTED_NULLS false, QUOTE '\"', "
               "ESCAPE '\"', NEW_LINE '\\n', AUTO_DETECT false")
_SPOOL_FOLDER = re.compile(re.escape(SPOOL_PREFIX) + r"(\d+)-")


def quiet(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``conn`` without DuckDB's progress bar, which it draws on standard output for a
    statement that runs over 2 s, terminal or not: on the target's stdout, which carries
    its STATE messages, it would mix into them. A connection's own setting."""
    conn.execute("SET enable_progress_bar = false")
    conn.execute("SET enable_progress_bar_print = false")
    return conn


def duckdb_threads() -> int:
    """DuckDB's threads: every core this process may run on but one, which the target's
    own thread needs to parse and flatten the input while DuckDB loads. On 2 cores, one
    DuckDB thread loads 1M GitLab job records in 21.4-22.4 s where two take 24.3-25.1 s:
    a second thread only takes turns with the flattener."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's live process
        return False
    return False


def remove_leftover_spools(parent: Path) -> list[Path]:
    """Remove the spool folders of runs that were killed; returns what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            match = _SPOOL_FOLDER.match(entry.name)
            if match is None or not entry.is_dir() or entry.is_symlink():
                continue
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == os.getuid() and _process_gone(int(match.group(1))):
                    shutil.rmtree(entry)
                    removed.append(entry)
    return removed


def private_spool() -> tuple[Path, Path]:
    """A new private folder and the path of the spool file inside it."""
    parent = Path(tempfile.gettempdir())
    remove_leftover_spools(parent)
    folder = Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-", dir=parent))
    spool = folder / "rows.csv"
    os.close(os.open(spool, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return folder, spool


class DuckDBDialect(Dialect):
    name = "duckdb"
    sized_varchar = False
    adds_constraints = False  # ALTER TABLE cannot add a key to an existing DuckDB table

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
                                       config={"memory_limit": f"{DUCKDB_MEMORY_MB}MB",
                                               "threads": duckdb_threads()})
            quiet(self.conn)
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open DuckDB file {database.path}: {exc}") from None
        self.conn.execute("BEGIN TRANSACTION")
        self._memory_mb = DUCKDB_MEMORY_MB
        self._spool_folder, self._spool = private_spool()

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

    def _fit_memory(self, columns: int) -> None:
        """Raise DuckDB's memory cap so that a table of ``columns`` columns can commit.

        A COMMIT compresses and writes the rows a transaction added to a table that fill
        no whole row group yet, all its columns at once, in memory the cap bounds: with
        256 MB, a full refresh of 1,000 text columns and 3,000 rows fails to commit
        ("could not allocate block"), and so does one of 400 columns and 15,000 rows.
        Measured on DuckDB 2.0, about 0.75 MB a column is enough at any row
        count; the cap grows by ``MEMORY_PER_COLUMN_MB`` a column past ``MEMORY_BASE_MB``,
        and never shrinks within a run, so memory is bounded by the widest table, not by
        the input's length."""
        wanted = MEMORY_BASE_MB + MEMORY_PER_COLUMN_MB * columns
        if wanted > self._memory_mb:
            self._execute(f"SET memory_limit = '{wanted}MB'")
            self._memory_mb = wanted

    def error(self, exc: BaseException, sql: str) -> WarehouseError:
        """DuckDB's message on one line: its first paragraph (what failed, and where in a
        CSV spool), without the hints and reader options it adds after a blank line
        (``SET threads``, ``SET memory_limit``: settings of a connection the target
        owns)."""
        first = str(exc).strip().split("\n\n", 1)[0]
        return super().error(RuntimeError("; ".join(first.splitlines())), sql)

    def _load(self, schema: str, table: str, columns: list[str], types: list[SqlType],
              data: bytes, rows: int) -> None:
        self._fit_memory(len(columns))
        with open(self._spool, "wb") as handle:
            handle.write(data)
        self._copy_spool(schema, table, columns, header=False)

    def _load_object(self, schema: str, table: str, columns: list[str],
                     objects: CsvObjects, url: str) -> None:
        self._fit_memory(len(columns))
        with open(self._spool, "wb") as handle:
            for chunk in objects.chunks(url):
                handle.write(chunk)
        self._copy_spool(schema, table, columns, header=True)

    def _copy_spool(self, schema: str, table: str, columns: list[str], header: bool) -> None:
        target = self.qualified(schema, table) if schema else quote(table)
        cols = ", ".join(quote(c) for c in columns)
        path = str(self._spool).replace("'", "''")
        try:
            self.conn.execute(f"COPY {target} ({cols}) FROM '{path}' "
                              f"(HEADER {str(header).lower()}, {CSV_OPTIONS})")
        except duckdb.Error as exc:
            raise self.error(exc, f"COPY {target}") from None

    def _commit(self) -> None:
        try:
            self.conn.execute("COMMIT")
        except duckdb.Error as exc:
            raise self.error(exc, "COMMIT") from None
        self.conn.execute("BEGIN TRANSACTION")

    def _rollback(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.conn.execute("ROLLBACK")
            self.conn.execute("BEGIN TRANSACTION")

    def _close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.conn.execute("ROLLBACK")
        self.conn.close()
        shutil.rmtree(self._spool_folder, ignore_errors=True)

    def widen_varchar(self, schema: str, table: str, column: str, sql_type: Any) -> None:
        """VARCHAR has no size in DuckDB: nothing to widen."""

    def table_acl(self, schema: str, table: str) -> tuple[str, list[str]] | None:
        """DuckDB has no owners nor grants."""
        return None

    def dependent_views(self, schema: str, table: str) -> list[str]:
        """DuckDB binds a view when it is read: dropping a table it reads is allowed."""
        return []
