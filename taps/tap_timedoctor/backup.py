"""``timedoctor-backup``: one month of Time Doctor's work logs and activity (computer
activity, screenshot and video metadata, manual time edits), kept as Singer objects in a
bucket, because Time Doctor keeps them for a limited time.

Each stream of the month goes through ``tap-timedoctor | target-s3`` (format ``singer``,
gzip) into one object, named as the backups always were::

    <url>/timedoctor.<stream>.<first day>.<last day>.singer.gz
    e.g. s3://observes.backups/backup_timedoctor/timedoctor.worklogs.2026-10-01.2026-10-31.singer.gz

The key has no part number, so the object is written whole (target-s3 never splits it)
and appears only once complete; a rerun for the same month replaces exactly that object:
backups are idempotent. ``--month YYYY-MM`` backfills a month; by default the previous
one (the job runs on the 1st). ``observes replay`` / ``tap-singer-replay`` read them back.

The credentials come from the environment, as the job file passes them:
``TIMEDOCTOR_TOKEN`` (or ``TIMEDOCTOR_EMAIL`` and ``TIMEDOCTOR_PASSWORD``),
``TIMEDOCTOR_COMPANY_ID`` and optionally ``TIMEDOCTOR_API_URL``; they reach the tap only
through its in-memory config, never its command line nor a log.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from observes_singer.command import run_main
from observes_singer.jobs.files import Job, JobError, Step
from observes_singer.jobs.pipes import run_job
from observes_singer.jobs.run import JobRun
from observes_singer.store.storage import BlobStore, StorageError
from tap_timedoctor.periods import month_period

URL_ENV = "TIMEDOCTOR_BACKUP_URL"
#: What Time Doctor forgets: every stream read by period. The full reload replaces the
#: warehouse's tables with the backups and the current month, so a stream not backed up
#: would keep only the current month there.
BACKUP_STREAMS = ("worklogs", "computer_activity", "file_activity", "time_edits")
CREDENTIALS = {"token": "TIMEDOCTOR_TOKEN", "email": "TIMEDOCTOR_EMAIL",
               "password": "TIMEDOCTOR_PASSWORD", "company_id": "TIMEDOCTOR_COMPANY_ID",
               "api_url": "TIMEDOCTOR_API_URL"}


class BackupError(Exception):
    """The backup cannot run; the message says why."""


def month_bounds(month: str | None, today: date | None = None) -> tuple[date, date]:
    """The first day of ``month`` (``YYYY-MM``; default the month before ``today``) and
    the first day of the month after it, as the tap's ``month`` setting reads them."""
    now = datetime.combine(today or datetime.now(UTC).date(), time.min, UTC)
    try:
        period = month_period(month or "previous", now)
    except ValueError:
        raise BackupError(f"--month {month!r}: write YYYY-MM, e.g. 2026-10") from None
    if period.start > now:
        raise BackupError(f"--month {month}: the month has not started yet")
    return period.start.date(), period.end.date()


def backup_key(stream: str, first: date, following: date) -> str:
    last = following - timedelta(days=1)
    return f"timedoctor.{stream}.{first:%Y-%m-%d}.{last:%Y-%m-%d}.singer.gz"


def tap_credentials(environ: dict[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    found = {setting: env[name] for setting, name in CREDENTIALS.items() if env.get(name)}
    if "token" not in found and not ("email" in found and "password" in found):
        raise BackupError("set TIMEDOCTOR_TOKEN, or TIMEDOCTOR_EMAIL and TIMEDOCTOR_PASSWORD")
    return found


def backup_month(url: str, first: date, following: date, streams: Sequence[str],
                 endpoint_url: str | None = None, log: Any = sys.stderr) -> int:
    """Back up each stream of the month; returns the exit code."""
    credentials = tap_credentials()
    blobs = BlobStore(endpoint_url=endpoint_url)
    with tempfile.TemporaryDirectory(prefix="timedoctor-backup-") as scratch:
        for stream in streams:
            key = backup_key(stream, first, following)
            target: dict[str, Any] = {"url": url.rstrip("/"), "format": "singer",
                                      "compression": "gzip", "key_template": key}
            if endpoint_url:
                target["endpoint_url"] = endpoint_url
            job = Job(
                name="timedoctor-backup", path=Path("<timedoctor-backup>"),
                description=f"Time Doctor {stream} of {first:%Y-%m} into {url}",
                tap=Step(["tap-timedoctor"], {**credentials, "streams": [stream],
                                              "month": f"{first:%Y-%m}"}),
                target=Step(["target-s3"], target),
                # Each month is read whole every time: no state carries over.
                state_url=str(Path(scratch) / f"{stream}.json"))
            run = JobRun.new()
            code = run_job(job, blobs, log=log, run=run)
            if code != 0:
                print(f"timedoctor-backup: {stream} of {first:%Y-%m} failed (exit {code}); "
                      "objects of earlier runs are untouched", file=log)
                return code
            records = (run.report or {}).get("records", "?")
            print(f"timedoctor-backup: {stream} of {first:%Y-%m}: {records} records in "
                  f"{url.rstrip('/')}/{key}", file=log)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="timedoctor-backup",
        description="Back up one month of Time Doctor's work logs and activity as Singer "
        "objects (timedoctor.<stream>.<first>.<last>.singer.gz) under URL; a rerun "
        "replaces the same objects.")
    parser.add_argument("--url", default=os.environ.get(URL_ENV),
                        help=f"where the objects go, e.g. s3://observes.backups/"
                        f"backup_timedoctor (default: ${URL_ENV})")
    parser.add_argument("--month", metavar="YYYY-MM",
                        help="the month to back up (default: the previous month)")
    parser.add_argument("--streams", default=",".join(BACKUP_STREAMS),
                        help=f"streams to back up (default: {','.join(BACKUP_STREAMS)})")
    parser.add_argument("--endpoint-url", metavar="URL", help="S3 endpoint (tests, "
                        "S3-compatible stores); default AWS_ENDPOINT_URL")
    args = parser.parse_args(argv)

    def body() -> int:
        if not args.url:
            raise BackupError(f"no --url and no {URL_ENV}: say where the backups go")
        first, following = month_bounds(args.month)
        streams = [s.strip() for s in args.streams.split(",") if s.strip()]
        return backup_month(args.url, first, following, streams, args.endpoint_url)

    return run_main("timedoctor-backup", body, (BackupError, JobError, StorageError))


if __name__ == "__main__":
    sys.exit(main())
