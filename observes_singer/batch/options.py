"""What the Batch commands share: settings given as flags or environment variables, the
names of a job's AWS resources, and the queue a job runs in."""

from __future__ import annotations

import argparse
import os
import re

from observes_singer.batch.aws import BatchError
from observes_singer.jobs.files import CommandJob, Job

QUEUE_ENV = "OBSERVES_BATCH_QUEUE"
"""The default job queue of ``observes batch deploy``, ``submit`` and ``status`` when
``--queue`` is not given; deploy sets it in the containers, where the batch-stability job
reports on it."""
SCHEDULE_DLQ_ENV = "OBSERVES_SCHEDULE_DLQ_ARN"
"""The SQS queue (ARN) where EventBridge Scheduler puts the submissions it gave up on: set
on the schedules by ``observes batch deploy`` and read by ``observes batch report-failures``
when ``--schedule-dlq-arn`` is not given."""
DEFAULT_PREFIX = "observes"
_QUEUE_ARN = re.compile(r"arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}")
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


def from_env(value: str | None, env: str) -> str | None:
    """The flag's value, else the environment variable's, else None (empty counts as unset)."""
    return value or os.environ.get(env) or None


def add_prefix_and_region(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="the job definitions, Batch "
                        "jobs and schedules are named PREFIX-JOB (default: %(default)s)")
    parser.add_argument("--region", metavar="REGION", help="AWS region (default: boto3's "
                        "chain, e.g. AWS_REGION or the profile's)")


def aws_name(prefix: str, job: str) -> str:
    """The name of ``job``'s job definition, Batch jobs and schedule."""
    if not _PREFIX.fullmatch(prefix):
        raise BatchError(f"--prefix {prefix!r}: letters, digits, - and _ (at most 40), "
                         "starting with a letter or digit")
    name = f"{prefix}-{job}"
    if len(name) > 128:
        raise BatchError(f"job {job}: {name!r} is longer than the 128 characters AWS Batch "
                         "takes for a job or job definition name; use a shorter --prefix")
    return name


def job_queue(job: Job | CommandJob, default: str | None) -> str:
    """The queue ``job`` runs in: its ``[batch] queue``, else ``default``."""
    queue = (job.batch.queue if job.batch is not None else None) or default
    if not queue:
        raise BatchError(f"job {job.name}: no queue: set queue in its [batch] table, or give "
                         f"--queue NAME or {QUEUE_ENV}")
    return queue


def add_schedule_dlq(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--schedule-dlq-arn", metavar="ARN", help=f"{what} (default: "
                        f"${SCHEDULE_DLQ_ENV})")


def schedule_dlq(value: str | None) -> str | None:
    """The dead-letter queue's ARN (the flag's, else the variable's), checked, or None."""
    arn = from_env(value, SCHEDULE_DLQ_ENV)
    if arn is not None and not _QUEUE_ARN.fullmatch(arn):
        raise BatchError(f"--schedule-dlq-arn {arn!r}: an SQS queue ARN "
                         "(arn:aws:sqs:REGION:ACCOUNT:NAME; a standard queue, not FIFO)")
    return arn
