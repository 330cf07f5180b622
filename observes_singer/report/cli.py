"""``observes report``: the arguments, and writing the page where ``--out`` says."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import IO, Any

from observes_singer.jobs.files import JobError, all_jobs, jobs_dir, load_job
from observes_singer.report.build import HISTORY_RUNS
from observes_singer.store.storage import BlobStore

PROG = "observes report"


def add_command(commands: Any) -> None:
    """Add ``observes report`` to the ``observes`` subparsers."""
    parser = commands.add_parser(
        "report", help="write the jobs' health as one self-contained HTML page",
        description="Write one HTML page (inline CSS and SVG, nothing fetched, readable "
        "from a file or a bucket) with every job (or the JOBs named): its status against "
        "its max_age (fresh, stale, never ran, unknown, as observes freshness judges it), "
        "its last success, its last runs as a strip (duration and outcome), the records "
        "and the rows per table of each run as charts, and its last error where one is "
        "known. Stale and failing jobs come first, in red. Runs come from the run ledger "
        "in each job's state store, with --config from the warehouse's observes_runs "
        "tables too, and with --batch the failures observes batch report-failures lists. "
        "Exits 0 once the page is written; 1 when a source asked for (the warehouse, "
        "Batch) could not be read, after writing the page, which says so.")
    parser.add_argument("jobs", metavar="JOB", nargs="*")
    parser.add_argument("--out", required=True, metavar="PATH_OR_URL",
                        help="where the page goes: a path, file:///path or s3://bucket/key")
    parser.add_argument("--max-age", metavar="JOB=AGE", action="append", default=[],
                        help="override a job's max_age, e.g. gitlab=26h (repeatable)")
    parser.add_argument("--history", metavar="N", type=_positive, default=HISTORY_RUNS,
                        help=f"runs per job read and charted (default {HISTORY_RUNS})")
    parser.add_argument("--config", metavar="FILE", action="append",
                        help="the warehouse, as target-redshift's settings in a JSON file "
                        "(url, ...; repeatable, later files win): its observes_runs "
                        "tables add runs and rows per table; an empty url reads none")
    parser.add_argument("--batch", metavar="QUEUE", help="the AWS Batch job queue whose "
                        "failures to show, as observes batch report-failures QUEUE lists "
                        "them")
    parser.add_argument("--last-hours", metavar="N", type=float, default=24.0,
                        help="with --batch: failures of jobs created in the last N hours "
                        "(default 24)")
    parser.add_argument("--prefix", default="observes", help="with --batch: the jobs' "
                        "Batch name prefix (default observes)")
    parser.add_argument("--region", help="with --batch: the AWS region (default: boto3's)")
    parser.add_argument("--endpoint-url", metavar="URL", help="S3 endpoint for the state "
                        "stores and --out")


def run_command(args: argparse.Namespace, out: IO[str]) -> int:
    from observes_singer.jobs.freshness import parse_overrides
    from observes_singer.report.build import build_report
    from observes_singer.report.html import render

    jobs = [load_job(name) for name in args.jobs] if args.jobs else all_jobs()
    if not jobs:
        raise JobError(f"no jobs in {jobs_dir()}")
    overrides = parse_overrides(args.max_age)
    problems: list[str] = []
    warehouse, sources = None, ["the run ledger"]
    settings = _settings(args.config)
    if settings.get("url"):
        from observes_singer.report.warehouse import WarehouseLedgerError, read_warehouse_ledger

        try:
            warehouse = read_warehouse_ledger(settings)
            sources.append("observes_runs")
        except WarehouseLedgerError as exc:
            problems.append(f"the warehouse's observes_runs could not be read: {exc}")
    failures = None
    if args.batch:
        failures = _failures(args, problems)
        if failures is not None:
            sources.append(f"AWS Batch queue {args.batch}")
    blobs = BlobStore(endpoint_url=args.endpoint_url)
    report = build_report(jobs, blobs, datetime.now(UTC), overrides=overrides,
                          history=args.history, warehouse=warehouse, failures=failures,
                          sources=sources, notes=problems)
    page = render(report).encode()
    blobs.write_bytes(args.out, page, content_type="text/html; charset=utf-8")
    alerts = sum(job.alert for job in report.jobs)
    print(f"observes report: wrote {args.out} ({len(report.jobs)} jobs, {alerts} needing "
          f"attention, {len(page):,} bytes)", file=out)
    for problem in problems:
        print(f"observes report: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _settings(files: list[str] | None) -> dict[str, Any]:
    if not files:
        return {}
    from observes_singer.target.program import read_settings

    return read_settings(files)


def _failures(args: argparse.Namespace, problems: list[str]) -> list[Any] | None:
    from observes_singer.batch.aws import BatchError
    from observes_singer.batch.failures import find_failures
    from observes_singer.batch.options import schedule_dlq

    try:
        return list(find_failures(args.batch, args.last_hours, args.prefix or None,
                                  region=args.region, dead_letter_arn=schedule_dlq(None)))
    except BatchError as exc:
        problems.append(f"AWS Batch could not be read: {exc}")
        return None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
