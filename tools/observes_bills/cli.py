"""``observes bills --month YYYY-MM``: one CSV per group of the actors billed that month.

The commits come from the warehouse (``tap-git | target-redshift``, jobs/code.toml) on
any dialect: target-redshift's settings (``url``, ``schema``) in ``--config``, DuckDB's
``observes.duckdb`` by default. See :mod:`observes_bills.bill` for who is billed.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import IO, Any

from observes_singer import __version__
from observes_singer.command import run_main

PROG = "observes bills"
CONFIG_KEYS = {
    "url": "the warehouse: target-redshift's url (default: the DuckDB file observes.duckdb "
    "in the working directory)",
    "schema": "the schema of the commits (default: code)",
    "table": "the commits table (default: commits)",
    "bills_url": "where the bills go: <bills_url>/YYYY/MM/<group>.csv (default: the local "
    "folder observes-data/bills)",
    "organizations": "a group-to-organisation mapping (JSON object or CSV with group and "
    "organization columns) at a storage or https URL; adds the organization column",
    "endpoint_url": "S3 endpoint (default: AWS_ENDPOINT_URL)",
}


def build_parser() -> argparse.ArgumentParser:
    width = max(map(len, CONFIG_KEYS)) + 2
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Compute a month's bills from the warehouse's commits: for each group, "
        "the actors (author name <email>) with at least one commit whose hash was first seen "
        "that month in any repository, one row each with the groups they contributed to, a "
        "representative commit and its repository. Writes <bills_url>/YYYY/MM/<group>.csv, "
        "each object whole; a rerun replaces exactly that month.",
        epilog="Settings (in the --config JSON file, or as options):\n" + "\n".join(
            f"  {key:<{width}} {text}" for key, text in CONFIG_KEYS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--month", required=True, metavar="YYYY-MM",
                        help="the month (UTC), or current or previous")
    parser.add_argument("--config", metavar="FILE", action="append",
                        help="JSON settings (repeatable; later files win)")
    parser.add_argument("--url", dest="bills_url", metavar="URL", help="bills_url")
    parser.add_argument("--organizations", metavar="URL", help="organizations")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def settings(args: argparse.Namespace) -> dict[str, Any]:
    from observes_singer.command import check_settings
    from observes_singer.target.errors import ConfigError
    from observes_singer.target.program import read_settings

    raw = check_settings(read_settings(args.config), CONFIG_KEYS, ConfigError)
    for key in ("bills_url", "organizations"):
        if getattr(args, key):
            raw[key] = getattr(args, key)
    return raw


def compute(args: argparse.Namespace, log: IO[str]) -> int:
    from target_redshift.cli import open_dialect
    from target_redshift.config import load_config
    from target_redshift.dialects.base import WarehouseError

    from observes_bills.bill import COLUMNS, bills, check_groups, counting_commits_sql
    from observes_bills.month import parse_month
    from observes_bills.organizations import read_organizations
    from observes_bills.output import month_folder, write_month
    from observes_singer.defaults import local_bucket
    from observes_singer.store.storage import BlobStore
    from observes_singer.target.program import new_run_id

    raw = settings(args)
    month = parse_month(args.month)
    blobs = BlobStore(endpoint_url=raw.get("endpoint_url"))
    organizations = read_organizations(raw["organizations"], blobs) \
        if raw.get("organizations") else None
    config = load_config({k: raw[k] for k in ("url",) if k in raw} |
                         {"schema": raw.get("schema", "code"), "run_ledger": False})
    schema, table = config.schema, raw.get("table", "commits")
    dialect = open_dialect(config, new_run_id(datetime.now(UTC)), log)
    try:
        if dialect.table_columns(schema, table) is None:
            raise WarehouseError(f"no table {schema}.{table} in {config.url_shown}: load the "
                                 "commits first (tap-git | target-redshift, jobs/code.toml)")
        rows = dialect.execute(counting_commits_sql(schema, table),
                               (month.start, month.end, month.start, month.end))
        dialect.rollback()
    finally:
        dialect.close()
    check_groups(rows, month)
    by_group, groups_of = bills(rows)
    columns = COLUMNS + (("organization",) if organizations is not None else ())
    files = {}
    unmapped = set()
    for group, bill in by_group.items():
        lines = bill.rows(groups_of)
        if organizations is not None:
            if group not in organizations:
                unmapped.add(group)
            for line in lines:
                line["organization"] = organizations.get(group, "")
        files[group] = lines
    bills_url = raw.get("bills_url") or str(local_bucket("bills"))
    written, stale = write_month(blobs, bills_url, month, files, columns)
    actors = len(groups_of)
    print(f"{PROG}: {month}: {actors} actors billed in {len(files)} groups "
          f"({sum(len(rows) for rows in files.values())} rows) from {len(rows)} commits first "
          f"seen that month, written to {month_folder(bills_url, month)} ({len(written)} "
          f"objects; {len(stale)} of an earlier run removed)", file=log)
    if unmapped:
        print(f"{PROG}: warning: no organisation for the groups {', '.join(sorted(unmapped))}; "
              "their organization column is empty", file=log)
    return 0


def main(argv: list[str] | None = None) -> int:
    """compute a month's bills from the warehouse's commits into a bucket"""
    from target_redshift.dialects.base import WarehouseError

    from observes_bills.bill import GroupError
    from observes_bills.month import MonthError
    from observes_bills.organizations import OrganizationsError
    from observes_singer.store.storage import StorageError
    from observes_singer.target.errors import ConfigError

    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    return run_main(PROG, lambda: compute(args, sys.stderr),
                    (ConfigError, StorageError, WarehouseError, OrganizationsError,
                     MonthError, GroupError))
