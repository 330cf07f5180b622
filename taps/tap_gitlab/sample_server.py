"""A GitLab REST API v4 on loopback, with sample data: for the demo and the tests.

Built on the tap kit's fake API, it speaks the parts of GitLab's API that tap-gitlab and
gitlab-cancel-stuck-jobs use, the way GitLab does: ``PRIVATE-TOKEN`` authentication (401
otherwise), projects by id or URL-encoded path (404 otherwise), offset pagination
(``per_page`` up to 100, ``X-Page``/``X-Next-Page``/``X-Total`` and ``Link``
rel="next"), keyset pagination of a group's projects, ``updated_after`` with
``order_by=updated_at&sort=asc``, jobs newest first, ``scope[]`` on jobs, the job cancel
endpoint, and a rate limit answered with 429, ``Retry-After`` and ``RateLimit-Reset`` (a
Unix time, as GitLab sends it). The kit adds the request log, injected failures and
redirects.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from observes_singer.tapkit.fake_api import FakeAPI, Reply, Request, keyset_page, offset_page
from observes_singer.tapkit.fake_api.records import EPOCH, iso
from observes_singer.tapkit.sample_sources import SampleSource
from tap_gitlab.samples import (
    gitlab_issue,
    gitlab_member,
    gitlab_merge_request,
    gitlab_pipeline,
    gitlab_pipeline_job,
    gitlab_project,
)

API = "/api/v4"
STUCK = ("created", "pending", "running")


@dataclass
class Project:
    id: int
    path: str
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    merge_requests: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return gitlab_project(self.id, self.path, len(self.issues))


class SampleGitLab:
    """The sample data, and the operations tests use to change it."""

    def __init__(self, projects: int = 2, pipelines: int = 30,
                 token: str = "glpat-sample") -> None:  # noqa: S107 - a sample server's token
        self.token = token
        self.projects: list[Project] = []
        self.lock = threading.Lock()
        for p in range(projects):
            project = Project(20_000_000 + p, f"observes/project-{p}")
            for n in range(pipelines):
                self.add_pipeline(project, n)
            project.merge_requests = [gitlab_merge_request(project.id, project.path, n)
                                      for n in range(pipelines // 3)]
            project.issues = [gitlab_issue(project.id, project.path, n)
                              for n in range(pipelines // 3)]
            project.members = [gitlab_member(n) for n in range(4)]
            self.projects.append(project)

    def add_pipeline(self, project: Project, n: int, minutes: int | None = None) -> None:
        """The n-th pipeline (updated ``minutes`` after the epoch, by default 10 n) and its
        job."""
        pipeline = gitlab_pipeline(project.id, project.path, n,
                                   minutes if minutes is not None else 10 * n)
        project.pipelines.append(pipeline)
        project.jobs.append(gitlab_pipeline_job(pipeline))

    def touch_pipeline(self, project: Project, index: int, status: str, minutes: int) -> None:
        """A pipeline whose job changed: new status, updated later than everything else."""
        pipeline = project.pipelines[index]
        pipeline["status"] = status
        pipeline["updated_at"] = iso(EPOCH + timedelta(minutes=minutes))
        for job in project.jobs:
            if job["pipeline"]["id"] == pipeline["id"]:
                job["status"] = status
                job["pipeline"]["status"] = status

    def project(self, reference: str) -> Project | None:
        for project in self.projects:
            if reference in (str(project.id), project.path):
                return project
        return None

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Everything the server returns, by tap-gitlab stream."""
        return {"projects": [p.as_dict() for p in self.projects],
                "pipelines": [r for p in self.projects for r in p.pipelines],
                "jobs": [r for p in self.projects for r in p.jobs],
                "merge_requests": [r for p in self.projects for r in p.merge_requests],
                "issues": [r for p in self.projects for r in p.issues],
                "members": [r for p in self.projects for r in p.members]}


class GitLabServer(FakeAPI):
    """The sample GitLab on ``127.0.0.1``; ``url`` is its ``api_url``. ``rate_limit`` is
    how many requests are answered before each 429 (0: never); ``link_origin`` is the
    origin next-page links point to (default: this server)."""

    def __init__(self, data: SampleGitLab | None = None, rate_limit: int = 0) -> None:
        self.data = data or SampleGitLab()
        super().__init__(base_path=API, auth=("PRIVATE-TOKEN", self.data.token),
                         rate_limit=rate_limit)
        self.link_origin: str | None = None
        self.route("GET", "/groups/{group}/projects", self._group_projects)
        self.route("GET", "/projects/{project}", self._project)
        self.route("GET", "/projects/{project}/pipelines/{pipeline}/jobs", self._pipeline_jobs)
        self.route("GET", "/projects/{project}/{resource:path}", self._collection)
        self.route("POST", "/projects/{project}/jobs/{job}/cancel", self._cancel)

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        """Every request in order: ``(path, query)``, or ``("POST path", {})``."""
        with self.lock:
            return [(r.path, r.query) if r.method == "GET" else (f"{r.method} {r.path}", {})
                    for r in self.log]

    @property
    def headers_seen(self) -> list[tuple[str, str, dict[str, str]]]:
        """Every request's ``(method, path and query, headers)``, in order."""
        with self.lock:
            return [(r.method, r.target, r.headers) for r in self.log]

    def calls(self, part: str = "", method: str | None = None) -> int:
        """Requests whose path (``POST path`` for a POST) contains ``part``."""
        if method is not None:
            return super().calls(part, method)
        return sum(1 for path, _ in self.requests if part in path)

    def throttle_headers(self) -> dict[str, str]:
        return {"Retry-After": "1", "RateLimit-Reset": str(int(time.time()) + 1)}

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Reply:
        return offset_page(request, items, link_origin=self.link_origin)

    def _group_projects(self, request: Request, group: str) -> Reply:
        found = [p.as_dict() for p in self.data.projects if p.path.startswith(group + "/")]
        if not found:
            return Reply(404, {"message": "404 Group Not Found"})
        if request.query.get("pagination") == "keyset":
            return keyset_page(request, found, link_origin=self.link_origin)
        return self._page(request, found)

    def _project(self, request: Request, project: str) -> Reply:
        found = self.data.project(project)
        if found is None:
            return Reply(404, {"message": "404 Project Not Found"})
        return Reply(200, found.as_dict())

    def _pipeline_jobs(self, request: Request, project: str, pipeline: str) -> Reply:
        found = self.data.project(project)
        if found is None:
            return Reply(404, {"message": "404 Project Not Found"})
        wanted = int(pipeline) if pipeline.isdigit() else -1
        jobs = [j for j in found.jobs if j["pipeline"]["id"] == wanted]
        return self._page(request, sorted(jobs, key=lambda j: -j["id"]))

    def _collection(self, request: Request, project: str, resource: str) -> Reply:
        found = self.data.project(project)
        if found is None:
            return Reply(404, {"message": "404 Project Not Found"})
        sources = {"pipelines": found.pipelines, "merge_requests": found.merge_requests,
                   "issues": found.issues, "members/all": found.members, "jobs": found.jobs}
        if resource not in sources:
            return Reply(404, {"message": "404 Not Found"})
        items = list(sources[resource])
        if resource == "jobs":  # newest first, as GitLab lists them
            scopes = request.params.get("scope[]", [])
            items = sorted((j for j in items if not scopes or j["status"] in scopes),
                           key=lambda j: -j["id"])
        elif resource != "members/all":
            items = _updated(items, request.query, "id" if resource == "pipelines" else
                             "created_at")
        return self._page(request, items)

    def _cancel(self, request: Request, project: str, job: str) -> Reply:
        found = self.data.project(project)
        for candidate in found.jobs if found else []:
            if str(candidate["id"]) == job:
                if candidate["status"] in STUCK:
                    candidate["status"] = "canceled"
                return Reply(201, candidate)
        return Reply(404, {"message": "404 Job Not Found" if found else "404 Not Found"})


def _updated(items: list[dict[str, Any]], query: dict[str, str], default_order: str
             ) -> list[dict[str, Any]]:
    """``updated_after``, then ``order_by`` (``updated_at``, else ``default_order``) and
    ``sort`` (descending by default)."""
    if "updated_after" in query:
        since = _instant(query["updated_after"])
        items = [i for i in items if _instant(i["updated_at"]) > since]
    key = "updated_at" if query.get("order_by") == "updated_at" else default_order
    return sorted(items, key=lambda i: (i[key], i["id"]),
                  reverse=query.get("sort", "desc") == "desc")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def demo_source(projects: int = 2, pipelines: int = 150,
                token: str = "glpat-demo") -> SampleSource:  # noqa: S107 - the sample's own
    """The ``observes.sample_servers`` entry point: a started sample GitLab and how to
    run tap-gitlab against it, for ``observes demo``."""
    server = GitLabServer(SampleGitLab(projects, pipelines, token)).start()
    names = [p.path for p in server.data.projects]
    return SampleSource(
        name="GitLab", url=server.url,
        tap_command=[sys.executable, "-m", "tap_gitlab.tap"],
        tap_config={"api_url": server.url, "private_token": token, "projects": names},
        calls=lambda: len(server.log), close=server.stop, summary=f"{len(names)} projects",
        real_run="GITLAB_TOKEN=... GITLAB_PROJECT=group/project "
                 "WAREHOUSE_URL=redshift://user:pass@host:5439/db observes run gitlab")
