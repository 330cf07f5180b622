"""Cancel a project's CI jobs that have been created, pending or running for too long.

A job stuck for hours holds a runner and blocks its pipeline. This lists the jobs in
those states (GitLab's ``scope[]`` filter), keeps those in their state since before the
threshold (a running job since it started, a created or pending one since it was created),
and cancels each one (``POST /projects/:id/jobs/:job_id/cancel``), printing a line per
job; only what GitLab answers as cancelled is counted (a job may finish between the listing
and the cancel). ``--dry-run`` prints without cancelling. Requests go through the tap kit: 429, 5xx
and dropped connections are retried under its one policy, the token is sent as
``PRIVATE-TOKEN``, never printed, and never sent to another host than ``--api-url``'s
(a redirect there is an error).

Run as ``gitlab-cancel-stuck-jobs --project group/app [--older-than 8h] [--dry-run]``
with the token in ``GITLAB_TOKEN`` (``jobs/cancel-ci-jobs.toml`` runs it as a job).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any
from urllib.parse import quote

from observes_singer.command import run_main
from observes_singer.tapkit.errors import SourceError
from observes_singer.tapkit.http import Client
from observes_singer.tapkit.moments import instant
from tap_gitlab.session import DEFAULT_API_URL, gitlab_client

PROG = "gitlab-cancel-stuck-jobs"
STUCK_STATES = ("created", "pending", "running")
CANCELLED = ("canceled", "canceling")  # what GitLab answers a cancel that took
_DURATION = re.compile(r"(\d+)\s*([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_SECONDS = 36500 * 86400
HINTS = {
    401: "the token is missing, expired or revoked; check GITLAB_TOKEN",
    403: "the token lacks access; it needs the api scope and the Developer role (or more) "
         "in the project",
    404: "no such project or job, or the token cannot see it; check --project",
}


def parse_duration(text: str) -> timedelta:
    """``8h``, ``90m``, ``2d``, ``1h30m``: longer than zero (a zero threshold would cancel
    jobs that have just started) and at most 100 years."""
    parts = _DURATION.findall(text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != re.sub(r"\s+", "", text.lower()):
        raise ValueError(f"{text!r} is not a duration like 8h, 90m or 2d")
    seconds = sum(int(n) * _SECONDS[unit] for n, unit in parts)
    if not 0 < seconds <= MAX_DURATION_SECONDS:
        raise ValueError(f"{text!r} must be longer than 0s and at most 36500d")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class StuckJob:
    id: int
    name: str
    status: str
    since: datetime  # when it entered its state: started_at when running, else created_at
    web_url: str

    def age(self, now: datetime) -> str:
        return f"{self.status} for {(now - self.since).total_seconds() / 3600:.1f} h"


def in_state_since(job: dict[str, Any]) -> datetime:
    """When a job entered its stuck state. A pipeline creates all its jobs at once, so a
    later stage's job is created hours before it runs: a running job is aged from
    ``started_at`` (``created_at`` if GitLab gives none), a created or pending one from
    ``created_at``."""
    started = instant(job.get("started_at")) if job["status"] == "running" else None
    since = started or instant(job["created_at"])
    assert since is not None
    return since


def stuck_jobs(client: Client, project: str, older_than: timedelta,
               now: datetime) -> Iterator[StuckJob]:
    """The project's jobs that have been in a stuck state since before ``now -
    older_than``."""
    cutoff = now - older_than
    params = [*(("scope[]", s) for s in STUCK_STATES), ("per_page", "100")]
    for page in client.pages(f"/projects/{quote(project, safe='')}/jobs", params=params,
                             resource=f"project {project}"):
        for job in page.json():
            if job["status"] not in STUCK_STATES:
                continue
            since = in_state_since(job)
            if since < cutoff:
                yield StuckJob(job["id"], job.get("name", ""), job["status"], since,
                               job.get("web_url", ""))


def cancel_job(client: Client, project: str, job_id: int) -> str:
    """Ask GitLab to cancel one job; returns the status it answers: ``canceled`` (or
    ``canceling`` while the job stops), or the final status of a job that finished
    meanwhile."""
    response = client.request("POST", f"/projects/{quote(project, safe='')}/jobs/{job_id}"
                              "/cancel", resource=f"project {project}")
    return str(response.json().get("status", "?"))


def cancel_stuck_jobs(client: Client, projects: list[str], older_than: timedelta,
                      dry_run: bool, out: IO[str], now: datetime | None = None,
                      log: IO[str] = sys.stderr) -> int:
    """Cancel (or, dry, list) the stuck jobs, one line each on ``out``; returns how many
    GitLab cancelled (dry: how many it would be asked to). A job that ended before its
    cancel is named on ``log``, not counted."""
    now = now or datetime.now(UTC)
    count = 0
    for project in projects:
        # Collect first: cancelling while paging would shift the pages under us.
        for job in list(stuck_jobs(client, project, older_than, now)):
            what = f"{project} job {job.id} ({job.name}, {job.age(now)})"
            if dry_run:
                count += 1
                print(f"would cancel {what} {job.web_url}", file=out)
                continue
            status = cancel_job(client, project, job.id)
            if status in CANCELLED:
                count += 1
                print(f"cancelled {what} -> {status} {job.web_url}", file=out)
            else:
                print(f"{PROG}: not cancelled {what}: it ended {status} meanwhile "
                      f"{job.web_url}", file=log)
    return count


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Cancel the CI jobs of GitLab projects that have been created, pending "
        "or running for longer than --older-than (default 8h), printing each. The token "
        "comes from GITLAB_TOKEN.")
    parser.add_argument("--project", action="append", required=True, metavar="PATH_OR_ID",
                        help="project to look at (repeatable)")
    parser.add_argument("--older-than", default="8h", metavar="DURATION",
                        help="how long a job has been in its state: a running one since "
                        "it started, a created or pending one since it was created: 8h, "
                        "90m, 2d (default 8h)")
    parser.add_argument("--dry-run", action="store_true", help="list, do not cancel")
    parser.add_argument("--api-url", default=DEFAULT_API_URL, metavar="URL",
                        help=f"GitLab's API root (default {DEFAULT_API_URL})")
    return parser


def _cancel(args: argparse.Namespace) -> int:
    token = os.environ.get("GITLAB_TOKEN")
    if not token:
        print(f"{PROG}: error: set GITLAB_TOKEN to a token with the api scope",
              file=sys.stderr)
        return 1
    try:
        older_than = parse_duration(args.older_than)
    except ValueError as exc:
        print(f"{PROG}: error: --older-than: {exc}", file=sys.stderr)
        return 2
    with gitlab_client(args.api_url, token, hints=HINTS, log=_say) as client:
        count = cancel_stuck_jobs(client, args.project, older_than, args.dry_run, sys.stdout)
    verb = "would cancel" if args.dry_run else "cancelled"
    print(f"{PROG}: {verb} {count} job(s) older than {args.older_than}", file=sys.stderr)
    return 0


def _say(line: str) -> None:
    print(f"{PROG}: {line}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_main(PROG, lambda: _cancel(args), (SourceError,))


if __name__ == "__main__":
    sys.exit(main())
