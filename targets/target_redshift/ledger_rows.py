"""Reading the run ledger back: every ``observes_runs`` table of a warehouse, for
``observes report`` (its ``observes.run_ledger_readers`` entry point).

Only the columns every ledger has had since the first one are read, so a ledger written
by an older or newer target-redshift reads alike.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from target_redshift.cli import open_dialect
from target_redshift.config import load_config
from target_redshift.dialects.base import WarehouseError
from target_redshift.ledger import LEDGER_TABLE

READ_COLUMNS = ("job", "run_id", "shard", "started_at", "finished_at", "duration_seconds",
                "table_name", "rows")


def read_ledger_rows(settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of every ``observes_runs`` in the warehouse of target-redshift's
    ``settings`` (``url``, ...), each a dict of :data:`READ_COLUMNS` plus ``schema``.
    Raises ``WarehouseError`` or ``ConfigError`` naming the warehouse."""
    config = load_config({**settings, "run_ledger": False})
    if config.database.dialect == "duckdb" and not Path(config.database.path).is_file():
        # Opening it would make an empty one: a mistyped path would read as no runs.
        raise WarehouseError(f"no DuckDB file at {config.database.path}")
    log = io.StringIO()
    dialect = open_dialect(config, datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-report"), log)
    try:
        schemas = [str(row[0]) for row in dialect.execute(
            "SELECT DISTINCT table_schema FROM information_schema.tables "
            "WHERE table_name = %s ORDER BY 1", (LEDGER_TABLE,))]
        found: list[dict[str, Any]] = []
        columns = ", ".join(f'"{column}"' for column in READ_COLUMNS)
        for schema in schemas:
            rows = dialect.execute(
                f"SELECT {columns} FROM {dialect.qualified(schema, LEDGER_TABLE)}")
            found += [{"schema": schema, **dict(zip(READ_COLUMNS, row, strict=True))}
                      for row in rows]
        dialect.rollback()
        return found
    except WarehouseError as exc:
        raise WarehouseError(f"reading {LEDGER_TABLE} in {config.url_shown}: {exc}") from None
    finally:
        dialect.close()

