"""Cancel a project's CI jobs that have been created, pending or running for too long.

A job stuck for hours holds a runner and blocks its pipeline. This lists the jobs in
those states (GitLab's ``scope[]`` filter), keeps those created before the threshold,
and cancels each one (``POST /projects/:id/jobs/:job_id/cancel``), printing a line per
job. ``--dry-run`` prints without cancelling. Requests go through the tap kit: 429, 5xx
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
from typing import IO
from urllib.parse import quote

from observes_singer.command import run_main
from observes_singer.tapkit.errors import SourceError
from observes_singer.tapkit.http import Client
from tap_gitlab.session import DEFAULT_API_URL, gitlab_client

PROG = "gitlab-cancel-stuck-jobs"
STUCK_STATES = ("created", "pending", "running")
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
    created_at: datetime
    web_url: str


def stuck_jobs(client: Client, project: str, older_than: timedelta,
               now: datetime | None = None) -> Iterator[StuckJob]:
    """The project's jobs in a stuck state created before ``now - older_than``."""
    cutoff = (now or datetime.now(UTC)) - older_than
    params = [*(("scope[]", s) for s in STUCK_STATES), ("per_page", "100")]
    for page in client.pages(f"/projects/{quote(project, safe='')}/jobs", params=params,
                             resource=f"project {project}"):
        for job in page.json():
            created = datetime.fromisoformat(job["created_at"].replace("Z", "+00:00"))
            if job["status"] in STUCK_STATES and created < cutoff:
                yield StuckJob(job["id"], job.get("name", ""), job["status"], created,
                               job.get("web_url", ""))


def cancel_job(client: Client, project: str, job_id: int) -> str:
    """Cancel one job; returns its status after (``canceled``)."""
    response = client.request("POST", f"/projects/{quote(project, safe='')}/jobs/{job_id}"
                              "/cancel", resource=f"project {project}")
    return str(response.json().get("status", "?"))


def cancel_stuck_jobs(client: Client, projects: list[str], older_than: timedelta,
                      dry_run: bool, out: IO[str]) -> int:
    """Cancel (or, dry, list) the stuck jobs; returns how many there were."""
    count = 0
    for project in projects:
        # Collect first: cancelling while paging would shift the pages under us.
        for job in list(stuck_jobs(client, project, older_than)):
            count += 1
            age = datetime.now(UTC) - job.created_at
            hours = age.total_seconds() / 3600
            if dry_run:
                print(f"would cancel {project} job {job.id} ({job.name}, {job.status} for "
                      f"{hours:.1f} h) {job.web_url}", file=out)
            else:
                status = cancel_job(client, project, job.id)
                print(f"cancelled {project} job {job.id} ({job.name}, {job.status} for "
                      f"{hours:.1f} h) -> {status} {job.web_url}", file=out)
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
                        help="age since the job was created: 8h, 90m, 2d (default 8h)")
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
