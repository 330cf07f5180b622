"""``target-redshift``: load Singer messages into Redshift, PostgreSQL or DuckDB."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path
from typing import IO, Any

import orjson

from observes_singer import __version__
from observes_singer.command import About, run_main
from observes_singer.commit_gate import InputIncomplete, gated
from observes_singer.flatten import native
from observes_singer.messages import MessageError
from observes_singer.progress import Progress
from observes_singer.state import StateError, StateStore
from observes_singer.storage import BlobStore, StorageError
from target_redshift.config import CONFIG_KEYS, ConfigError, TargetConfig, load_config
from target_redshift.dialects.base import Dialect, WarehouseError
from target_redshift.loader import Loader, LoadError

PROG = "target-redshift"
DESCRIPTION = (
    "Singer target that flattens nested records (objects into columns, lists and maps into "
    "child tables) and loads them into Amazon Redshift, PostgreSQL or a local DuckDB file, "
    "with full-refresh swaps, upserts by key and state emitted only after commit."
)


ABOUT = About(PROG, DESCRIPTION, CONFIG_KEYS,
              ["about", "stream-maps-free", "activate-version", "schema-flattening",
               "validate-records"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description=DESCRIPTION,
        epilog="Settings (in the --config JSON file):\n" + "\n".join(
            f"  {key:<20} {text}" for key, text in CONFIG_KEYS.items()
        ) + "\n\nExample:\n  tap-gitlab --config gitlab.json | target-redshift --config "
        "warehouse.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", metavar="FILE", help="JSON settings (default: a local "
                        "DuckDB file observes.duckdb in the working directory)")
    parser.add_argument("--input", metavar="FILE", help="read Singer messages from FILE "
                        "instead of stdin")
    parser.add_argument("--about", action="store_true", help="describe the target and exit")
    parser.add_argument("--format", choices=("json", "markdown"), default="json",
                        help="format of --about (default: json)")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


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


def read_config(path: str | None) -> TargetConfig:
    raw: Any = {}
    if path:
        try:
            raw = orjson.loads(Path(path).read_bytes())
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file") from None
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    return load_config(raw)


def run(args: argparse.Namespace, stdin: IO[bytes], stdout: IO[bytes], log: IO[str]) -> int:
    config = read_config(args.config)
    if config.default_url:
        print(f"{PROG}: no url configured: loading the local DuckDB file "
              f"{config.database.path}", file=log)
    if not native.AVAILABLE:
        print(f"{PROG}: {native.MISSING_NOTE}", file=log)
    run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    blobs = BlobStore(endpoint_url=config.endpoint_url)
    state_store = StateStore(config.state_url, blobs) if config.state_url else None
    started = time.monotonic()
    dialect = open_dialect(config, run_id, log)
    loader = Loader(config, dialect, stdout, state_store, run_id,
                    source=args.input or "stdin")
    try:
        with Progress(PROG, loader.progress, log):
            if args.input:
                with open(args.input, "rb") as handle:
                    loader.run(gated(handle))
            else:
                loader.run(gated(stdin))
    except BaseException:
        dialect.rollback()
        dialect.close()
        raise
    dialect.close()
    seconds = time.monotonic() - started
    records = sum(s.records for s in loader.streams.values())
    print(f"{PROG}: loaded {records} records into {config.url_shown} schema {config.schema} "
          f"in {seconds:.1f} s ({loader.states_emitted} STATE emitted)", file=log)
    for line in loader.summary():
        print(line, file=log)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.about:
        return ABOUT.print(args.format)
    return run_main(
        PROG, lambda: run(args, sys.stdin.buffer, sys.stdout.buffer, sys.stderr),
        (ConfigError, MessageError, LoadError, WarehouseError, StateError, StorageError,
         InputIncomplete),
        after_error="nothing of this run was committed after the last STATE it emitted",
        after_interrupt="interrupted; the open transaction was rolled back")


if __name__ == "__main__":
    sys.exit(main())
