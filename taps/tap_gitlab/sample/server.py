"""A GitLab REST API v4 on loopback, with sample data: for the demo and the tests.

Built on the tap kit's fake API, it speaks the parts of GitLab's API that tap-gitlab and
gitlab-cancel-stuck-jobs use, the way GitLab does: ``PRIVATE-TOKEN`` authentication (401
otherwise), projects by id or URL-encoded path (404 otherwise), offset pagination
(``per_page`` up to 100, ``X-Page``/``X-Next-Page``/``X-Total`` and ``Link``
rel="next"), ``updated_after`` with ``order_by=updated_at&sort=asc``, jobs newest first,
``scope[]`` on jobs, the job cancel endpoint (which answers a job that finished meanwhile,
``finish_before_cancel``, with its final status), and a rate limit answered with 429,
``Retry-After`` and ``RateLimit-Reset`` (a Unix time, as GitLab sends it). The kit adds
the request log, injected failures and redirects.

As GitLab does, a project has ``statistics`` only with ``statistics=true`` and
``license``/``license_url`` only with ``license=true`` (``refuse_statistics`` makes the
server answer ``statistics=true`` with that status instead, as a GitLab that will not
show them to the token may); a project's pipelines leave out its child pipelines unless
``source=parent_pipeline`` is asked for (``source`` keeps the pipelines of that source
only); ``/pipelines/:id/bridges`` lists a pipeline's trigger jobs; and a group's
projects are paged by offset whatever ``pagination`` says, with the projects shared
into the group unless ``with_shared=false``, subgroups' only with
``include_subgroups=true``, filtered by ``archived`` and ordered by ``order_by`` and
``sort`` (``created_at`` descending by default).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from observes_singer.tapkit.fake_api.paging import offset_page
from observes_singer.tapkit.fake_api.records import EPOCH, iso
from observes_singer.tapkit.fake_api.server import FakeAPI, Reply, Request
from observes_singer.tapkit.sample_sources import SampleSource
from tap_gitlab.sample.data import (
    CHILD_SOURCE,
    gitlab_bridge,
    gitlab_child_pipeline,
    gitlab_issue,
    gitlab_member,
    gitlab_merge_request,
    gitlab_pipeline,
    gitlab_pipeline_job,
    gitlab_project,
    set_job_status,
)
from tap_gitlab.sample.delivery_data import DeliveryData, delivery_records
from tap_gitlab.sample.delivery_routes import add_delivery_routes

API = "/api/v4"
STUCK = ("created", "pending", "running")


@dataclass
class Project:
    """A sample project: ``pipelines`` are those GitLab lists by default,
    ``child_pipelines`` those a trigger job (in ``bridges``) started; ``jobs`` are both's
    jobs. ``shared_with`` are the groups it is shared with."""

    id: int
    path: str
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    merge_requests: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    child_pipelines: list[dict[str, Any]] = field(default_factory=list)
    bridges: list[dict[str, Any]] = field(default_factory=list)
    forked_from: Project | None = None
    shared_with: list[str] = field(default_factory=list)
    archived: bool = False
    delivery: DeliveryData = field(default_factory=DeliveryData)

    @property
    def namespace(self) -> str:
        return self.path.rsplit("/", 1)[0]

    def as_dict(self, statistics: bool = True, license: bool = True) -> dict[str, Any]:
        """The project as ``GET /projects/:id`` returns it (by default with
        ``statistics=true&license=true``, as tap-gitlab asks)."""
        upstream = self.forked_from.as_dict(False, False) if self.forked_from else None
        project = gitlab_project(self.id, self.path, len(self.issues), statistics=statistics,
                                 license=license, forked_from=upstream,
                                 shared_with=self.shared_with)
        project["archived"] = self.archived
        return project


class SampleGitLab:
    """The sample data, and the operations tests use to change it. Every
    ``trigger_every``-th pipeline (0: none) has a trigger job that started a child
    pipeline, with a job of its own."""

    def __init__(self, projects: int = 2, pipelines: int = 30,
                 token: str = "glpat-sample",  # noqa: S107 - a sample server's token
                 trigger_every: int = 0) -> None:
        self.token = token
        self.trigger_every = trigger_every
        self.projects: list[Project] = []
        self.lock = threading.Lock()
        for p in range(projects):
            self.add_project(f"observes/project-{p}", pipelines)

    def add_project(self, path: str, pipelines: int = 0, *,
                    forked_from: Project | None = None,
                    shared_with: Sequence[str] = ()) -> Project:
        """A new project at ``path`` (a group's, or a sample user's such as
        ``ana.garcia/tools``) with ``pipelines`` pipelines, a third as many merge requests
        and issues, and four members."""
        project = Project(20_000_000 + len(self.projects), path, forked_from=forked_from,
                          shared_with=list(shared_with))
        for n in range(pipelines):
            self.add_pipeline(project, n)
        project.merge_requests = [gitlab_merge_request(project.id, project.path, n)
                                  for n in range(pipelines // 3)]
        project.issues = [gitlab_issue(project.id, project.path, n)
                          for n in range(pipelines // 3)]
        project.members = [gitlab_member(n) for n in range(4)]
        project.delivery = DeliveryData.sample(project.id, project.path, commits=pipelines)
        self.projects.append(project)
        return project

    def add_pipeline(self, project: Project, n: int, minutes: int | None = None) -> None:
        """The n-th pipeline (updated ``minutes`` after the epoch, by default 10 n) and its
        job; and, every ``trigger_every``-th, its trigger job, the child pipeline that
        started and the child's job."""
        pipeline = gitlab_pipeline(project.id, project.path, n,
                                   minutes if minutes is not None else 10 * n)
        project.pipelines.append(pipeline)
        project.jobs.append(gitlab_pipeline_job(pipeline))
        if self.trigger_every and n % self.trigger_every == 0:
            child = gitlab_child_pipeline(pipeline)
            project.child_pipelines.append(child)
            project.jobs.append(gitlab_pipeline_job(child))
            project.bridges.append(gitlab_bridge(pipeline, child))

    def touch_pipeline(self, project: Project, index: int, status: str, minutes: int) -> None:
        """A pipeline whose job changed: new status, updated later than everything else."""
        pipeline = project.pipelines[index]
        pipeline["status"] = status
        pipeline["updated_at"] = iso(EPOCH + timedelta(minutes=minutes))
        for job in (*project.jobs, *project.bridges):
            if job["pipeline"]["id"] == pipeline["id"]:
                set_job_status(job, status)

    def project(self, reference: str) -> Project | None:
        for project in self.projects:
            if reference in (str(project.id), project.path):
                return project
        return None

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Everything the server returns, by tap-gitlab stream (projects as tap-gitlab
        asks for them, with statistics and license)."""
        return {"projects": [p.as_dict() for p in self.projects],
                "pipelines": [r for p in self.projects
                              for r in (*p.pipelines, *p.child_pipelines)],
                "jobs": [r for p in self.projects for r in p.jobs],
                "bridges": [r for p in self.projects for r in p.bridges],
                "merge_requests": [r for p in self.projects for r in p.merge_requests],
                "issues": [r for p in self.projects for r in p.issues],
                "members": [r for p in self.projects for r in p.members],
                **delivery_records(self.projects)}


class GitLabServer(FakeAPI):
    """The sample GitLab on ``127.0.0.1``; ``url`` is its ``api_url``. ``rate_limit`` is
    how many requests are answered before each 429 (0: never); ``link_origin`` is the
    origin next-page links point to (default: this server); ``refuse_statistics`` the
    status a project's ``statistics=true`` gets (0: none, the statistics are there)."""

    def __init__(self, data: SampleGitLab | None = None, rate_limit: int = 0) -> None:
        self.data = data or SampleGitLab()
        super().__init__(base_path=API, auth=("PRIVATE-TOKEN", self.data.token),
                         rate_limit=rate_limit)
        self.link_origin: str | None = None
        self.refuse_statistics = 0
        # job id -> the status a job ends in between a listing and its cancel: GitLab then
        # answers the cancel with that final status
        self.finish_before_cancel: dict[int, str] = {}
        self.route("GET", "/groups/{group}/projects", self._group_projects)
        self.route("GET", "/projects/{project}", self._project)
        add_delivery_routes(self, self.data.project)
        self.route("GET", "/projects/{project}/pipelines/{pipeline}/jobs", self._pipeline_jobs)
        self.route("GET", "/projects/{project}/pipelines/{pipeline}/bridges",
                   self._pipeline_bridges)
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
        """The group's projects, by offset pages only (GitLab ignores ``pagination=keyset``
        here): its own, its subgroups' with ``include_subgroups=true``, and those shared
        with it unless ``with_shared=false``."""
        projects = self.data.projects
        if not any(p.namespace == group or p.namespace.startswith(group + "/")
                   or group in p.shared_with for p in projects):
            return Reply(404, {"message": "404 Group Not Found"})
        query = request.query
        subgroups = query.get("include_subgroups") == "true"
        shared = query.get("with_shared", "true") != "false"
        found = [p for p in projects
                 if p.namespace == group
                 or (subgroups and p.namespace.startswith(group + "/"))
                 or (shared and group in p.shared_with)]
        if query.get("archived") in ("true", "false"):
            found = [p for p in found if p.archived == (query["archived"] == "true")]
        listed = [p.as_dict(statistics=query.get("statistics") == "true", license=False)
                  for p in found]
        order = query.get("order_by", "created_at")
        if order not in ("id", "name", "path", "created_at", "updated_at",
                         "last_activity_at", "star_count"):
            return Reply(400, {"error": "order_by does not have a valid value"})
        listed.sort(key=lambda p: (p[order], p["id"]),
                    reverse=query.get("sort", "desc") == "desc")
        return self._page(request, listed)

    def _project(self, request: Request, project: str) -> Reply:
        found = self.data.project(project)
        if found is None:
            return Reply(404, {"message": "404 Project Not Found"})
        statistics = request.query.get("statistics") == "true"
        if statistics and self.refuse_statistics:
            status = self.refuse_statistics
            return Reply(status, {"message": f"{status} " + (
                "Unauthorized" if status == 401 else "Forbidden")})
        return Reply(200, found.as_dict(statistics=statistics,
                                        license=request.query.get("license") == "true"))

    def _pipeline_jobs(self, request: Request, project: str, pipeline: str) -> Reply:
        found = self.data.project(project)
        if found is None:
            return Reply(404, {"message": "404 Project Not Found"})
        wanted = int(pipeline) if pipeline.isdigit() else -1
        jobs = [j for j in found.jobs if j["pipeline"]["id"] == wanted]
        return self._page(request, sorted(jobs, key=lambda j: -j["id"]))

    def _pipeline_bridges(self, request: Request, project: str, pipeline: str) -> Reply:
        found = self.data.project(project)
        if found is None:
            return Reply(404, {"message": "404 Project Not Found"})
        wanted = int(pipeline) if pipeline.isdigit() else -1
        bridges = [b for b in found.bridges if b["pipeline"]["id"] == wanted]
        return self._page(request, sorted(bridges, key=lambda b: -b["id"]))

    def _collection(self, request: Request, project: str, resource: str) -> Reply:
        found = self.data.project(project)
        if found is None:
            return Reply(404, {"message": "404 Project Not Found"})
        sources = {"pipelines": found.pipelines + found.child_pipelines,
                   "merge_requests": found.merge_requests, "issues": found.issues,
                   "members/all": found.members, "jobs": found.jobs}
        if resource not in sources:
            return Reply(404, {"message": "404 Not Found"})
        items = list(sources[resource])
        if resource == "pipelines":  # child pipelines only when asked for by their source
            source = request.query.get("source")
            if source:
                items = [p for p in items if p["source"] == source]
            else:
                items = [p for p in items if p["source"] != CHILD_SOURCE]
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
                if candidate["id"] in self.finish_before_cancel:
                    set_job_status(candidate, self.finish_before_cancel[candidate["id"]])
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
        calls=lambda: len(server.log), close=server.stop, schema="gitlab",
        summary=f"{len(names)} projects",
        real_run="GITLAB_TOKEN=... GITLAB_PROJECT=group/project "
                 "WAREHOUSE_URL=redshift://user:pass@host:5439/db observes run gitlab")
