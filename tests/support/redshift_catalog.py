"""The shim's own objects in each database it serves, schema ``redshift_shim``: what
stands in for Redshift's catalogue and behaviours PostgreSQL lacks
(:mod:`tests.support.redshift_encodings`, :mod:`tests.support.redshift_conflicts`)."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg

from tests.support import redshift_conflicts, redshift_encodings

CATALOG = ("CREATE SCHEMA IF NOT EXISTS redshift_shim;\n" + redshift_encodings.CATALOG
           + redshift_conflicts.CATALOG)

_installed: set[tuple[str, str]] = set()
_install_lock = threading.Lock()


def install_catalog(upstream: Path | tuple[str, int], database: str, user: str) -> None:
    """Create the shim's objects in ``database``, once per database."""
    key = (str(upstream), database)
    with _install_lock:
        if key in _installed:
            return
        if isinstance(upstream, tuple):
            host, port = upstream[0], upstream[1]
        else:
            host, port = str(upstream.parent), int(upstream.name.rsplit(".", 1)[1])
        with psycopg.connect(host=host, port=port, dbname=database, user=user,
                             autocommit=True) as connection:
            connection.execute("SELECT pg_advisory_lock(27)")
            connection.execute(CATALOG.encode())
            connection.execute("SELECT pg_advisory_unlock(27)")
        _installed.add(key)


