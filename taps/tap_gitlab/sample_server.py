"""A GitLab REST API v4 on loopback, with sample data: for the demo and the tests.

It speaks the parts of GitLab's API that tap-gitlab uses, the way GitLab does:
``PRIVATE-TOKEN`` authentication (401 otherwise), projects by id or URL-encoded path
(404 otherwise), offset pagination with ``per_page`` (at most 100), the ``X-Page``,
``X-Next-Page``, ``X-Total`` headers and ``Link`` rel="next", ``updated_after`` with
``order_by=updated_at&sort=asc`` on pipelines, merge requests and issues, jobs newest
first, a rate limit answered with 429 and ``Retry-After``/``RateLimit-Reset``, injected
server errors and redirects. Every request is logged, headers too, so that tests can
count calls and see what was sent.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from observes_singer.samples import gitlab_job

API = "/api/v4"
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _user(n: int) -> dict[str, Any]:
    names = ["Ana García", "Jorge López", "Mei Chen 陈美", "Siobhán O'Brien"]
    username = ["ana.garcia", "jlopez", "mchen", "o.brien"][n % 4]
    return {"id": 101 + n % 4, "username": username, "name": names[n % 4], "state": "active",
            "web_url": f"https://gitlab.example/{username}"}


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
        group, name = self.path.rsplit("/", 1)
        return {
            "id": self.id, "name": name, "path": name, "path_with_namespace": self.path,
            "name_with_namespace": f"{group} / {name}", "description": f"The {name} project",
            "default_branch": "main", "visibility": "private",
            "web_url": f"https://gitlab.example/{self.path}",
            "created_at": "2020-02-03T04:05:06.000Z",
            "last_activity_at": _iso(_EPOCH + timedelta(days=300)), "archived": False,
            "star_count": 3, "forks_count": 0, "open_issues_count": len(self.issues),
            "namespace": {"id": 77, "name": group, "path": group, "kind": "group",
                          "full_path": group},
            "topics": ["security", "ñandú"],
        }


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
            for n in range(pipelines // 3):
                self.add_merge_request(project, n)
                self.add_issue(project, n)
            project.members = [{**_user(n), "access_level": 30 + 10 * (n % 2),
                                "expires_at": None, "created_at": "2021-01-01T00:00:00.000Z"}
                               for n in range(4)]
            self.projects.append(project)

    def add_pipeline(self, project: Project, n: int, minutes: int | None = None) -> None:
        updated = _EPOCH + timedelta(minutes=minutes if minutes is not None else 10 * n)
        pipeline_id = project.id * 1000 + n
        status = ["success", "failed", "running", "canceled"][n % 4]
        project.pipelines.append({
            "id": pipeline_id, "iid": n + 1, "project_id": project.id,
            "sha": f"{pipeline_id:040x}", "ref": "main", "status": status,
            "source": "push", "created_at": _iso(updated - timedelta(minutes=5)),
            "updated_at": _iso(updated), "web_url": f"https://gitlab.example/{project.path}"
                                                    f"/-/pipelines/{pipeline_id}",
        })
        job = gitlab_job(pipeline_id % 100_000, project.id)
        job.update({"id": pipeline_id * 10, "status": status,
                    "pipeline": {**job["pipeline"], "id": pipeline_id,
                                 "project_id": project.id}})
        project.jobs.append(job)

    def add_merge_request(self, project: Project, n: int) -> None:
        updated = _EPOCH + timedelta(hours=n, minutes=3)
        project.merge_requests.append({
            "id": project.id * 100 + n, "iid": n + 1, "project_id": project.id,
            "title": f"Fix flaky test #{n}", "description": "Longer\ttext\nwith lines",
            "state": ["opened", "merged", "closed"][n % 3],
            "created_at": _iso(updated - timedelta(hours=1)), "updated_at": _iso(updated),
            "merged_at": _iso(updated) if n % 3 == 1 else None, "closed_at": None,
            "target_branch": "main", "source_branch": f"fix-{n}", "author": _user(n),
            "assignees": [_user(n + 1)], "reviewers": [], "labels": ["bug"] if n % 2 else [],
            "draft": False, "merge_status": "can_be_merged", "sha": f"{n:040x}",
            "web_url": f"https://gitlab.example/{project.path}/-/merge_requests/{n + 1}",
            "user_notes_count": n % 5,
        })

    def add_issue(self, project: Project, n: int) -> None:
        updated = _EPOCH + timedelta(hours=n, minutes=7)
        project.issues.append({
            "id": project.id * 100 + 50 + n, "iid": n + 1, "project_id": project.id,
            "title": f"Issue {n}: ñ", "description": None,
            "state": "opened" if n % 2 else "closed",
            "created_at": _iso(updated - timedelta(days=1)), "updated_at": _iso(updated),
            "closed_at": None if n % 2 else _iso(updated), "labels": ["ops"],
            "author": _user(n), "assignees": [], "web_url": f"https://gitlab.example/"
                                                          f"{project.path}/-/issues/{n + 1}",
            "user_notes_count": 0, "due_date": None, "confidential": False,
            "milestone": None,
        })

    def touch_pipeline(self, project: Project, index: int, status: str, minutes: int) -> None:
        """A pipeline whose job changed: new status, updated later than everything else."""
        pipeline = project.pipelines[index]
        pipeline["status"] = status
        pipeline["updated_at"] = _iso(_EPOCH + timedelta(minutes=minutes))
        for job in project.jobs:
            if job["pipeline"]["id"] == pipeline["id"]:
                job["status"] = status
                job["pipeline"]["status"] = status

    def project(self, reference: str) -> Project | None:
        for project in self.projects:
            if reference in (str(project.id), project.path):
                return project
        return None


class _Handler(BaseHTTPRequestHandler):
    server: GitLabServer

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are logged on the server object, not on stderr."""

    def do_GET(self) -> None:
        self.server.handle_get(self)

    def do_POST(self) -> None:
        self.server.handle_post(self)

    def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class GitLabServer(ThreadingHTTPServer):
    """The sample GitLab on ``127.0.0.1``; ``url`` is its ``api_url``."""

    daemon_threads = True

    def __init__(self, data: SampleGitLab | None = None, rate_limit: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.data = data or SampleGitLab()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.rate_limit = rate_limit  # requests answered before one 429 (0: never)
        # (path part, status) to answer once each; status 0 drops the connection instead
        self.failures: list[tuple[str, int]] = []
        # (path part, status, origin) to answer once each with that redirect to origin +
        # the request's path and query, as a moved GitLab (or a proxy in front of one) would
        self.redirects: list[tuple[str, int, str]] = []
        # the origin (http://host:port) that Link: rel="next" URLs point to (default: this)
        self.link_origin: str | None = None
        # the headers of every request, in order (method, path, headers)
        self.headers_seen: list[tuple[str, str, dict[str, str]]] = []
        self._served = 0
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"{self.origin}{API}"

    def start(self) -> GitLabServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> GitLabServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def calls(self, part: str = "") -> int:
        return sum(1 for path, _ in self.requests if part in path)

    # -- routing ---------------------------------------------------------------------------

    def _redirected(self, handler: _Handler, method: str) -> bool:
        """Record the request's headers; answer it with a redirect if one is set for it."""
        with self.data.lock:
            self.headers_seen.append((method, handler.path, dict(handler.headers.items())))
        path = urlsplit(handler.path).path
        with self.data.lock:
            found = next((i for i, (part, _, _) in enumerate(self.redirects) if part in path),
                         None)
            if found is None:
                return False
            _, status, target = self.redirects.pop(found)
        handler.reply(status, {"message": "moved"},
                      {"Location": target.rstrip("/") + handler.path})
        return True

    def handle_post(self, handler: _Handler) -> None:
        """``POST /projects/:id/jobs/:job_id/cancel``, the one write the tools use."""
        parts = urlsplit(handler.path)
        with self.data.lock:
            self.requests.append((f"POST {parts.path}", {}))
        if self._redirected(handler, "POST"):
            return
        if handler.headers.get("PRIVATE-TOKEN") != self.data.token:
            handler.reply(401, {"message": "401 Unauthorized"})
            return
        segments = parts.path.removeprefix(API).strip("/").split("/")
        project = self.data.project(unquote(segments[1])) if len(segments) == 5 else None
        if project is None or segments[2] != "jobs" or segments[4] != "cancel":
            handler.reply(404, {"message": "404 Not Found"})
            return
        for job in project.jobs:
            if str(job["id"]) == segments[3]:
                if job["status"] in ("created", "pending", "running"):
                    job["status"] = "canceled"
                handler.reply(201, job)
                return
        handler.reply(404, {"message": "404 Job Not Found"})

    def handle_get(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        raw_query = parse_qs(parts.query)
        query = {k: v[-1] for k, v in raw_query.items()}
        scopes = raw_query.get("scope[]", [])
        with self.data.lock:
            self.requests.append((parts.path, query))
            self._served += 1
            served = self._served
        if self._redirected(handler, "GET"):
            return
        if handler.headers.get("PRIVATE-TOKEN") != self.data.token:
            handler.reply(401, {"message": "401 Unauthorized"})
            return
        if self.rate_limit and served % (self.rate_limit + 1) == 0:
            handler.reply(429, {"message": "Retry later"},
                          {"Retry-After": "1", "RateLimit-Reset": "1"})
            return
        for index, (part, status) in enumerate(self.failures):
            if part in parts.path:
                del self.failures[index]
                if status == 0:  # the connection drops with no answer at all
                    handler.close_connection = True
                    handler.connection.shutdown(socket.SHUT_RDWR)
                    return
                handler.reply(status, {"message": f"{status} Internal Server Error"})
                return
        path = parts.path.removeprefix(API)
        segments = path.strip("/").split("/")
        if len(segments) == 3 and segments[0] == "groups" and segments[2] == "projects":
            group = unquote(segments[1])
            members = [p.as_dict() for p in self.data.projects
                       if p.path.startswith(group + "/")]
            if not members:
                handler.reply(404, {"message": "404 Group Not Found"})
                return
            self._page(handler, parts.path, query, members)
            return
        if len(segments) < 2 or segments[0] != "projects":
            handler.reply(404, {"message": "404 Not Found"})
            return
        project = self.data.project(unquote(segments[1]))
        if project is None:
            handler.reply(404, {"message": "404 Project Not Found"})
            return
        resource = "/".join(segments[2:])
        if len(segments) == 5 and segments[2] == "pipelines" and segments[4] == "jobs":
            pipeline = int(segments[3]) if segments[3].isdigit() else -1
            jobs = [j for j in project.jobs if j["pipeline"]["id"] == pipeline]
            self._page(handler, parts.path, query, sorted(jobs, key=lambda j: -j["id"]))
            return
        if resource == "":
            handler.reply(200, project.as_dict())
            return
        items = self._collection(project, resource, query)
        if items is not None and resource == "jobs" and scopes:
            items = [j for j in items if j["status"] in scopes]
        if items is None:
            handler.reply(404, {"message": "404 Not Found"})
            return
        self._page(handler, parts.path, query, items)

    def _collection(self, project: Project, resource: str, query: dict[str, str]
                    ) -> list[dict[str, Any]] | None:
        sources = {"pipelines": project.pipelines, "merge_requests": project.merge_requests,
                   "issues": project.issues, "members/all": project.members,
                   "jobs": project.jobs}
        if resource not in sources:
            return None
        items = list(sources[resource])
        if resource == "jobs":
            return sorted(items, key=lambda j: -j["id"])  # GitLab: newest first
        if resource == "members/all":
            return items
        if "updated_after" in query:
            since = datetime.fromisoformat(query["updated_after"].replace("Z", "+00:00"))
            items = [i for i in items
                     if datetime.fromisoformat(i["updated_at"].replace("Z", "+00:00")) > since]
        key = "updated_at" if query.get("order_by") == "updated_at" else (
            "id" if resource == "pipelines" else "created_at")
        return sorted(items, key=lambda i: (i[key], i["id"]),
                      reverse=query.get("sort", "desc") == "desc")

    def _page(self, handler: _Handler, path: str, query: dict[str, str],
              items: list[dict[str, Any]]) -> None:
        per_page = max(1, min(100, int(query.get("per_page", 20))))
        page = max(1, int(query.get("page", 1)))
        total = len(items)
        pages = max(1, -(-total // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(total),
                   "X-Total-Pages": str(pages),
                   "X-Next-Page": str(page + 1) if page < pages else ""}
        if page < pages:
            others = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items()
                              if k not in ("page", "per_page"))
            link = (f"{self.link_origin or self.origin}{path}?{others}"
                    f"{'&' if others else ''}page={page + 1}&per_page={per_page}")
            headers["Link"] = f'<{link}>; rel="next"'
        handler.reply(200, chunk, headers)
