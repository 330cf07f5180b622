"""``target-redshift``: load Singer messages into Redshift, PostgreSQL or DuckDB."""

from __future__ import annotations

import sys
from typing import IO

from observes_singer.flatten import native
from observes_singer.jobs.environment import job_env
from observes_singer.target.program import RunContext, TargetProgram
from target_redshift.config import CONFIG_KEYS, TargetConfig, load_config
from target_redshift.dialects.base import Dialect, WarehouseError
from target_redshift.ledger import RunLedger
from target_redshift.sink import WarehouseSink

PROG = "target-redshift"
DESCRIPTION = (
    "Singer target that flattens nested records (objects into columns, lists and maps into "
    "child tables) and loads them into Amazon Redshift, PostgreSQL or a local DuckDB file, "
    "with full-refresh swaps, upserts by key and state emitted only after commit."
)


def open_dialect(config: TargetConfig, run_id: str, log: IO[str] | None = None) -> Dialect:
    dialect = config.database.dialect
    if dialect == "duckdb":
        from target_redshift.dialects.duckdb import DuckDBDialect

        return DuckDBDialect(config.database)
    if dialect == "postgres":
        from target_redshift.dialects.postgres import PostgresDialect

        return PostgresDialect(config.database, config.lock_timeout, log)
    from target_redshift.dialects.redshift import RedshiftDialect

    return RedshiftDialect(config.database, config.s3_staging, run_id, config.endpoint_url,
                           config.lock_timeout, log)


def open_sink(config: TargetConfig, run: RunContext) -> WarehouseSink:
    if config.default_url:
        print(f"{PROG}: no url configured: loading the local DuckDB file "
              f"{config.database.path}", file=run.log)
    if not native.AVAILABLE:
        print(f"{PROG}: {native.MISSING_NOTE}", file=run.log)
    ledger = RunLedger.for_run(config, job_env(), run.run_id, run.started)
    return WarehouseSink(config, open_dialect(config, run.run_id, run.log), run.run_id,
                         log=run.log, ledger=ledger)


PROGRAM = TargetProgram(
    prog=PROG, description=DESCRIPTION, settings=CONFIG_KEYS,
    load_config=load_config, open_sink=open_sink,
    default_config="a local DuckDB file observes.duckdb in the working directory",
    capabilities=["about", "stream-maps-free", "activate-version", "schema-flattening",
                  "validate-records"],
    example="tap-gitlab --config gitlab.json | target-redshift --config warehouse.json\n"
    "  target-redshift load-parts s3://bucket/run/ --parts 4 --config warehouse.json   "
    "(a sharded run's parts, written by target-s3 format csv, as one replace: "
    "target-redshift load-parts --help)",
    errors=(WarehouseError,),
    after_error="nothing of this run was committed after the last STATE it emitted",
    after_interrupt="interrupted; the open transaction was rolled back",
)
ABOUT = PROGRAM.about


def main(argv: list[str] | None = None) -> int:
    """The target, or ``target-redshift load-parts ...`` (a sharded run's final phase)."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["load-parts"]:
        from target_redshift import load_parts

        return load_parts.main(args[1:])
    return PROGRAM.main(args)


if __name__ == "__main__":
    sys.exit(main())
