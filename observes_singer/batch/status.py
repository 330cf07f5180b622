"""``observes batch status [JOB]``: the recent runs of a job (or of every job) on AWS Batch,
newest first, with their status, times, duration and the reason Batch gives."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from observes_singer.batch.aws import BatchError, aws_errors, client
from observes_singer.batch.options import QUEUE_ENV, add_prefix_and_region, aws_name, from_env
from observes_singer.jobs.durations import format_duration
from observes_singer.jobs.files import CommandJob, Job, all_jobs, load_job

_COLUMNS = ("JOB", "JOB ID", "STATUS", "CREATED", "DURATION", "REASON")


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("job", metavar="JOB", nargs="?", help="the job (default: every job "
                        "of this prefix)")
    parser.add_argument("--queue", metavar="NAME", action="append", default=[],
                        help="a queue to look in as well as the job files' queues (repeat "
                        f"for more; default: ${QUEUE_ENV})")
    add_prefix_and_region(parser)
    parser.add_argument("--limit", metavar="N", type=int, default=20,
                        help="show at most N runs (default: %(default)s)")


def command(args: argparse.Namespace, out: IO[str]) -> int:
    if args.limit < 1:
        raise BatchError("--limit: a number of runs of at least 1")
    jobs = [load_job(args.job)] if args.job else all_jobs()
    pattern = aws_name(args.prefix, jobs[0].name) if args.job else f"{args.prefix}-*"
    queues = _queues(jobs, args.queue)
    batch = client("batch", region=args.region)
    summaries: dict[str, dict[str, Any]] = {}
    for queue in queues:
        for summary in _listed(batch, queue, pattern, args.limit):
            summaries.setdefault(summary["jobId"], summary)
    newest = sorted(summaries.values(), key=lambda s: s.get("createdAt", 0),
                    reverse=True)[:args.limit]
    if not newest:
        print(f"observes: no runs of {pattern} in {', '.join(queues)}", file=sys.stderr)
        return 3
    described = _described(batch, [s["jobId"] for s in newest])
    rows = [_row(described.get(s["jobId"], s)) for s in newest]
    _table(out, [_COLUMNS, *rows])
    return 0


def _queues(jobs: list[Job | CommandJob], given: list[str]) -> list[str]:
    queues: list[str] = []
    candidates = [*(job.batch.queue for job in jobs if job.batch is not None), *given]
    if not given:
        candidates.append(from_env(None, QUEUE_ENV))
    for queue in candidates:
        if queue and queue not in queues:
            queues.append(queue)
    if not queues:
        raise BatchError("no queue to look in: the job files name none; give --queue NAME or "
                         f"set {QUEUE_ENV}")
    return queues


def _listed(batch: Any, queue: str, pattern: str, limit: int) -> list[dict[str, Any]]:
    """The jobs named ``pattern`` in ``queue``, any status (a name filter returns them
    all, newest first); children of array jobs left out."""
    found: list[dict[str, Any]] = []
    with aws_errors(f"list the jobs in the queue {queue}"):
        pages = batch.get_paginator("list_jobs").paginate(
            jobQueue=queue, filters=[{"name": "JOB_NAME", "values": [pattern]}])
        for page in pages:
            found += [s for s in page.get("jobSummaryList", []) if ":" not in s["jobId"]]
            if len(found) >= limit:
                break
    return found


def _described(batch: Any, ids: list[str]) -> dict[str, dict[str, Any]]:
    described: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 100):
        with aws_errors("describe the jobs"):
            for job in batch.describe_jobs(jobs=ids[start:start + 100]).get("jobs", []):
                described[job["jobId"]] = job
    return described


def _row(job: dict[str, Any]) -> tuple[str, ...]:
    status = job.get("status", "?")
    array = job.get("arrayProperties") or {}
    if array.get("size"):
        counts = ", ".join(f"{n} {state}" for state, n in
                           sorted((array.get("statusSummary") or {}).items()) if n)
        status += f" (array of {array['size']}{': ' + counts if counts else ''})"
    reasons = [job["statusReason"]] if job.get("statusReason") else []
    exit_code = (job.get("container") or {}).get("exitCode")
    if exit_code is not None:
        reasons.append(f"exit code {exit_code}")
    return (job.get("jobName", "?"), job["jobId"], status, _time(job.get("createdAt")),
            _duration(job), "; ".join(reasons))


def _time(milliseconds: int | None) -> str:
    if not milliseconds:
        return "-"
    moment = datetime.fromtimestamp(milliseconds / 1000, UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _duration(job: dict[str, Any]) -> str:
    started, stopped = job.get("startedAt"), job.get("stoppedAt")
    if not started:
        return "-"
    if not stopped:
        now = datetime.now(UTC).timestamp() * 1000
        return f"{format_duration(timedelta(milliseconds=now - started))} so far"
    return format_duration(timedelta(milliseconds=max(0, stopped - started)))


def _table(out: IO[str], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                  .rstrip() + "\n")
