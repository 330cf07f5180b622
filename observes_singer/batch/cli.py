"""``observes batch COMMAND``: each command is a module of this package with
``add_arguments(parser)`` and ``command(args, out) -> int``, imported only when used."""

from __future__ import annotations

import argparse
import importlib
from typing import IO, Any

# command -> (module, help, description)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "deploy": ("deploy", "register each job's Batch job definition and its schedule",
               "Register one AWS Batch job definition per job (the image, the command "
               "`observes run JOB`, resources, retry strategy, timeout, environment and secret "
               "references) and create or update its EventBridge Scheduler schedule. Running it "
               "twice changes nothing; --dry-run prints what it would change."),
    "submit": ("submit", "submit a job to AWS Batch now",
               "Submit JOB now: an array job for a sharded job, then the jobs that depend on it "
               "(its final phase) with dependsOn on it. Prints the job ids."),
    "status": ("status", "show a job's recent runs on AWS Batch and their outcome",
               "List the recent runs of JOB (or of every job) on AWS Batch, newest first: "
               "status, times, duration and the reason Batch gives."),
    "report-failures": ("failures", "list, classify and report the failed jobs of a queue",
                        "List the project's jobs that failed in QUEUE over the last hours, "
                        "classified (cancelled, never started, application error, timeout, "
                        "infrastructure), with Batch's reason and a link to the log stream; "
                        "send one event per failure to Bugsnag when an API key is set; exit 1 "
                        "when anything failed."),
    "report-cancelled": ("failures", "list and report the cancelled jobs of a queue",
                         "As report-failures, for the jobs that were cancelled."),
}


def add_commands(commands: Any) -> None:
    """Add ``observes batch`` and its commands to the ``observes`` subparsers."""
    batch = commands.add_parser(
        "batch", help="run jobs on AWS Batch: deploy, submit, status, failure reports",
        description="Jobs on AWS Batch. AWS credentials and region come from boto3's usual "
        "chain; AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_BATCH, ...) points it at another "
        "endpoint.")
    actions = batch.add_subparsers(dest="batch_command", metavar="COMMAND", required=True)
    for name, (module, help_text, description) in COMMANDS.items():
        parser = actions.add_parser(name, help=help_text, description=description)
        _module(module).add_arguments(parser, name)


def run(args: argparse.Namespace, out: IO[str]) -> int:
    module = COMMANDS[args.batch_command][0]
    result: int = _module(module).command(args, out)
    return result


def _module(name: str) -> Any:
    return importlib.import_module(f"observes_singer.batch.{name}")
