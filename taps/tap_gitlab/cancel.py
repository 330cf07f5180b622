"""Cancel a project's CI jobs that have been created, pending or running for too long.

A job stuck for hours holds a runner and blocks its pipeline. This lists the jobs in
those states (GitLab's ``scope[]`` filter), keeps those created before the threshold,
and cancels each one (``POST /projects/:id/jobs/:job_id/cancel``), printing a line per
job. ``dry_run`` prints without cancelling. 429 and 5xx answers are retried, honouring
``Retry-After``; the token is sent as ``PRIVATE-TOKEN``, never printed, and never sent to
another host than ``api_url``'s (a redirect there is an error).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any
from urllib.parse import quote

import requests

from tap_gitlab.session import ForeignHostError, GitLabSession

STUCK_STATES = ("created", "pending", "running")
_DURATION = re.compile(r"(\d+)\s*([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_SECONDS = 36500 * 86400


class CancelError(Exception):
    """GitLab refused or failed; the message names the project and never the token."""


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


class GitLabClient:
    def __init__(self, api_url: str, token: str, retries: int = 5) -> None:
        self.api_url = api_url.rstrip("/")
        self.session = GitLabSession(self.api_url, token)
        self.retries = retries

    def request(self, method: str, path: str, project: str, **kwargs: Any) -> requests.Response:
        for attempt in range(self.retries + 1):
            try:
                response = self.session.request(method, self.api_url + path, timeout=60,
                                                **kwargs)
            except ForeignHostError as exc:
                raise CancelError(f"project {project}: {exc}") from None
            except requests.ConnectionError:
                if attempt == self.retries:
                    raise CancelError(f"project {project}: GitLab did not answer at "
                                      f"{self.api_url}") from None
                time.sleep(min(2**attempt, 30))
                continue
            if response.status_code == 429 or response.status_code in (500, 502, 503, 504):
                if attempt == self.retries:
                    break
                wait = response.headers.get("Retry-After", "")
                time.sleep(int(wait) if wait.isdigit() else min(2**attempt, 30))
                continue
            if response.status_code >= 400:
                raise CancelError(f"project {project}: GitLab answered {response.status_code} "
                                  f"to {method} {path.split('?')[0]}")
            return response
        raise CancelError(f"project {project}: GitLab kept answering "
                          f"{response.status_code}; gave up after {self.retries} retries")

    def stuck_jobs(self, project: str, older_than: timedelta,
                   now: datetime | None = None) -> Iterator[StuckJob]:
        cutoff = (now or datetime.now(UTC)) - older_than
        path = f"/projects/{quote(project, safe='')}/jobs"
        params: list[tuple[str, str | int]] = [("scope[]", s) for s in STUCK_STATES]
        page = 1
        while page:
            response = self.request("GET", path, project,
                                    params=[*params, ("per_page", 100), ("page", page)])
            for job in response.json():
                created = datetime.fromisoformat(job["created_at"].replace("Z", "+00:00"))
                if job["status"] in STUCK_STATES and created < cutoff:
                    yield StuckJob(job["id"], job.get("name", ""), job["status"], created,
                                   job.get("web_url", ""))
            following = response.headers.get("X-Next-Page", "")
            page = int(following) if following.isdigit() else 0

    def cancel(self, project: str, job_id: int) -> str:
        path = f"/projects/{quote(project, safe='')}/jobs/{job_id}/cancel"
        return str(self.request("POST", path, project).json().get("status", "?"))


def cancel_stuck_jobs(client: GitLabClient, projects: list[str], older_than: timedelta,
                      dry_run: bool, out: IO[str]) -> int:
    """Cancel (or, dry, list) the stuck jobs; returns how many there were."""
    count = 0
    for project in projects:
        # Collect first: cancelling while paging would shift the pages under us.
        for job in list(client.stuck_jobs(project, older_than)):
            count += 1
            age = datetime.now(UTC) - job.created_at
            hours = age.total_seconds() / 3600
            if dry_run:
                print(f"would cancel {project} job {job.id} ({job.name}, {job.status} for "
                      f"{hours:.1f} h) {job.web_url}", file=out)
            else:
                status = client.cancel(project, job.id)
                print(f"cancelled {project} job {job.id} ({job.name}, {job.status} for "
                      f"{hours:.1f} h) -> {status} {job.web_url}", file=out)
    return count
