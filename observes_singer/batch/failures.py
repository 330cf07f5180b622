"""``observes batch report-failures QUEUE`` and ``observes batch report-cancelled QUEUE``.

Both read the project's jobs of QUEUE that failed over the last hours (and those stuck
in RUNNABLE), classify them (:mod:`observes_singer.batch.failure_kinds`) and print one
row each: report-failures every kind but cancelled, report-cancelled the cancelled ones.
With a Bugsnag API key each one is also sent to Bugsnag as an event. Exit 0 when there
is nothing to report, 1 when there is (so that a schedule's alarm fires). Run as a job,
it leaves out the earlier runs of its own job (``OBSERVES_JOB``).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import IO, TYPE_CHECKING

from observes_singer.batch.failure_kinds import CANCELLED
from observes_singer.batch.options import add_schedule_dlq, schedule_dlq
from observes_singer.jobs.durations import DurationError, parse_duration
from observes_singer.jobs.environment import JOB_ENV

if TYPE_CHECKING:
    from observes_singer.batch.failure_jobs import Selection
    from observes_singer.batch.failure_report import Failure

CANCELLED_COMMAND = "report-cancelled"
API_KEY_ENV = "BUGSNAG_API_KEY"
URL_ENV = "OBSERVES_BUGSNAG_URL"
"""Bugsnag's notify endpoint for ``observes batch report-failures`` and
``report-cancelled`` when ``--bugsnag-url`` is not given (default Bugsnag's own)."""
STAGE_ENV = "BUGSNAG_RELEASE_STAGE"


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    what = "cancelled jobs" if name == CANCELLED_COMMAND else "failures"
    parser.set_defaults(report_cancelled=name == CANCELLED_COMMAND)
    parser.add_argument("queue", metavar="QUEUE", help="the Batch job queue (name or ARN)")
    parser.add_argument("--last-hours", type=_hours, default=24.0, metavar="N",
                        help="report jobs created in the last N hours (default 24)")
    parser.add_argument("--prefix", default="observes",
                        help="only jobs whose Batch name starts with PREFIX- (default "
                        "observes); the job column shows the name without it")
    parser.add_argument("--all-jobs", action="store_true",
                        help="every job of the queue, whatever its name")
    parser.add_argument("--stuck-after", type=_duration, default=timedelta(hours=2),
                        metavar="DURATION",
                        help="a job RUNNABLE for longer than this never got compute: it "
                        "counts as never started, however long ago it was created "
                        "(default 2h)")
    parser.add_argument("--region", help="the AWS region (default: boto3's)")
    if name != CANCELLED_COMMAND:
        add_schedule_dlq(parser, "also report the scheduled submissions EventBridge "
                         "Scheduler gave up on, read from this dead-letter queue (left in it)")
    parser.add_argument("--bugsnag-api-key", metavar="KEY",
                        help=f"send each of the {what} to Bugsnag (default: "
                        f"${API_KEY_ENV}; prefer the variable, arguments are visible to "
                        "other processes)")
    parser.add_argument("--bugsnag-url", metavar="URL",
                        help=f"Bugsnag's notify endpoint (default: ${URL_ENV}, else "
                        "https://notify.bugsnag.com/)")
    parser.add_argument("--release-stage", metavar="STAGE",
                        help=f"the events' release stage (default: ${STAGE_ENV}, else "
                        "production)")


def find_failures(queue: str, last_hours: float, prefix: str | None,
                  stuck_after: timedelta = timedelta(hours=2), region: str | None = None,
                  cancelled: bool = False, dead_letter_arn: str | None = None
                  ) -> list[Failure]:
    """The failures report-failures lists (``cancelled``: those report-cancelled lists)
    of the jobs of ``queue`` created in the last hours whose name starts with
    ``prefix-`` (None: every job), and the submissions the schedules left in the
    dead-letter queue ``dead_letter_arn``, if given."""
    from observes_singer.batch.aws import client
    from observes_singer.batch.failure_jobs import Selection, failed_jobs
    from observes_singer.batch.failure_report import failure

    now = datetime.now(UTC)
    selection = Selection(queue=queue, since=now - timedelta(hours=last_hours), now=now,
                          stuck_after=stuck_after, prefix=prefix)
    batch = client("batch", region=region)
    region_asked, region = region, region or batch.meta.region_name or ""
    # The reporting job's own earlier runs exit 1 whenever they found failures: counting
    # them would make every report after one bad day fail again.
    own = os.environ.get(JOB_ENV)
    found = [f for f in (failure(job, prefix or "", region, now)
                         for job in failed_jobs(batch, selection)) if f.job != own]
    reported = [f for f in found if (f.kind == CANCELLED) == cancelled]
    if dead_letter_arn is not None:
        reported += _not_submitted(dead_letter_arn, region_asked, selection, prefix or "",
                                   region)
    return reported


def command(args: argparse.Namespace, out: IO[str]) -> int:
    from observes_singer.batch.failure_report import write_table

    dead_letter_arn = None if args.report_cancelled else schedule_dlq(args.schedule_dlq_arn)
    reported = find_failures(args.queue, args.last_hours,
                             None if args.all_jobs else args.prefix, args.stuck_after,
                             args.region, args.report_cancelled, dead_letter_arn)
    what = "cancelled jobs" if args.report_cancelled else "failed jobs"
    window = f"in queue {args.queue} over the last {args.last_hours:g} h"
    if not reported:
        out.write(f"no {what} {window}\n")
        return 0
    write_table(reported, out)
    out.write(f"{len(reported)} {what} {window}\n")
    out.flush()
    api_key = args.bugsnag_api_key or os.environ.get(API_KEY_ENV, "")
    if not api_key:
        return 1
    from observes_singer.batch.bugsnag import NOTIFY_URL, notify

    problems = notify(
        reported, api_key=api_key, queue=args.queue,
        release_stage=args.release_stage or os.environ.get(STAGE_ENV) or "production",
        url=args.bugsnag_url or os.environ.get(URL_ENV) or NOTIFY_URL, log=_warn)
    for problem in problems:
        _warn(problem)
    if problems:
        _warn(f"{len(problems)} of {len(reported)} events were not sent to Bugsnag")
    return 1


def _not_submitted(arn: str, region_asked: str | None, selection: Selection, prefix: str,
                   region: str) -> list[Failure]:
    """The scheduled submissions in the dead-letter queue ``arn``, sent within the window."""
    from observes_singer.batch import dead_letters
    from observes_singer.batch.aws import client
    from observes_singer.batch.failure_report import not_submitted

    letters = dead_letters.read(client("sqs", region=region_asked), arn)
    return [not_submitted(letter, prefix, region) for letter in letters
            if (letter.sent is None or letter.sent >= selection.since)
            and selection.named({"jobName": letter.schedule})]


def _warn(message: str) -> None:
    print(f"observes batch: {message}", file=sys.stderr)


def _hours(text: str) -> float:
    try:
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if not 0 < hours < float("inf"):
        raise argparse.ArgumentTypeError("the hours must be more than zero")
    return hours


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text, "--stuck-after")
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None

