"""Deterministic sample data for the delivery streams, shaped like the example responses of
GitLab's REST API documentation (gitlabhq/gitlabhq ``doc/api``): ``commits.md``,
``deployments.md``, ``environments.md``, ``releases/_index.md``, ``tags.md``,
``branches.md``, ``milestones.md`` and ``labels.md``.

:class:`DeliveryData` holds one project's records, built by :meth:`DeliveryData.sample`:
a linear history of commits on ``main`` (newest last here; GitLab lists them newest first),
some committed in the same second as their parent (as a rebase does) and in the
committer's time zone (``+02:00``, ``-05:00``), with stats and Git trailers; deployments
of those commits to the environments, most with their CI job (``deployable``), some
without (created through the API), with approvals (Premium); releases with their
milestones, assets and evidence; annotated tags for the releases and lightweight ones
(``message``, ``created_at`` and ``release`` null); branches; milestones with dates
(``YYYY-MM-DD``) or none; project labels and the group's labels, which every project of
the group lists with the same id. Names carry accents, CJK and emoji; text has ``\\r\\n``.

The records are complete (``stats``, trailers, label counts): the sample server leaves out
what GitLab sends only on request (``with_stats``, ``trailers``, ``with_counts``).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from observes_singer.tapkit.fake_api.records import EPOCH, iso, person

Record = dict[str, Any]

WEB = "https://gitlab.example"
STREAMS = ("commits", "deployments", "environments", "releases", "tags", "branches",
           "milestones", "labels")
"""The delivery streams, in the order tap-gitlab reads them."""

_ZONES = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5)))
_COMMIT_STEP = timedelta(minutes=17)
_TITLES = (
    "Añade validación del «ñandú» en el formulario #{n}",
    "修复流水线缓存 #{n}",
    "Fix flaky test #{n}",
    "Merge branch 'feature/zoë-{n}' into 'main'",
    "Déploiement : corrige l'URL d'environnement #{n}",
)
_ENVIRONMENTS = (
    ("production", "production", "https://app.example.com"),
    ("staging", "staging", "https://staging.example.com"),
    ("review/feature-ñandú", "development", "https://review-feature-nandu.example.com"),
    ("testing/qa-ü", "testing", None),
)
_DEPLOYMENT_STATUSES = ("success", "success", "failed", "success", "running", "canceled",
                        "created", "success", "blocked")
_LABELS = (
    ("bug", "#d9534f", "#FFFFFF", "Algo está roto"),
    ("feature", "#228B22", "#FFFFFF", None),
    ("needs review 👀", "#f0ad4e", "#333333", "Esperando revisión\r\nde código"),
    ("área::backend", "#5843AD", "#FFFFFF", "Backend: API y base de datos"),
    ("priority::1", "#FF0000", "#FFFFFF", None),
    ("documentación", "#5cb85c", "#FFFFFF", "Issue about documentation"),
)
GROUP_LABELS = 3
"""The first labels of each project's list are the group's: same id in every project."""


def sha(seed: object) -> str:
    """A 40-hex-digit Git object id, the same for the same seed."""
    return hashlib.sha1(str(seed).encode()).hexdigest()  # noqa: S324 - not for security


def project_number(project_id: int) -> int:
    """A small number unique to each sample project (its id's last digits), for ids."""
    return project_id % 10_000


# -- people and commits -------------------------------------------------------------------

def user(n: int) -> Record:
    """A user as GitLab nests one in deployments, releases and approvals."""
    who = person(n)
    return {"id": who["id"], "username": who["username"], "name": who["name"],
            "state": "active",
            "avatar_url": f"https://secure.gravatar.com/avatar/{sha(who['id'])[:32]}"
                          "?s=80&d=identicon",
            "web_url": f"{WEB}/{who['username']}"}


def job_user(n: int) -> Record:
    """A user as a CI job nests one (the deployments and environments examples)."""
    return {**user(n), "created_at": "2015-12-21T13:14:24.077Z",
            "bio": None if n % 2 else "Data engineer\tand\nrunner wrangler",
            "location": None if n % 3 else "Medellín", "public_email": "", "skype": "",
            "linkedin": "", "twitter": "", "website_url": "",
            "organization": None if n % 2 else ""}


def commit_time(n: int) -> datetime:
    """When the n-th commit was committed: 17 minutes after its parent, except every fifth,
    committed in the same second as its parent."""
    return EPOCH + _COMMIT_STEP * (n - n // 5)


def git_time(moment: datetime, n: int) -> str:
    """``2026-01-01T02:17:00.000+02:00``: as GitLab writes Git dates, in the committer's
    time zone."""
    local = moment.astimezone(_ZONES[n % len(_ZONES)])
    return local.strftime("%Y-%m-%dT%H:%M:%S.000") + local.strftime("%z")[:3] + ":" + \
        local.strftime("%z")[3:]


def commit_sha(project_id: int, n: int) -> str:
    return sha(f"{project_id}/commit/{n}")


def commit(project_id: int, path: str, n: int) -> Record:
    """The n-th commit of a project's ``main`` (0 is the root), as ``GET
    /projects/:id/repository/commits?with_stats=true&trailers=true`` returns it."""
    moment = commit_time(n)
    author = person(n)
    committer = person(n + 1)
    title = _TITLES[n % len(_TITLES)].format(n=n)
    co_author = person(n + 2)
    trailers: dict[str, str] = {}
    extended: dict[str, list[str]] = {}
    body = ""
    if n % 3 == 0:
        signed = f"{author['name']} <{author['email']}>"
        trailers = {"Signed-off-by": signed}
        extended = {"Signed-off-by": [signed]}
        body = f"\r\n\r\nSigned-off-by: {signed}"
        if n % 6 == 0:
            pair = f"{co_author['name']} <{co_author['email']}>"
            trailers["Co-authored-by"] = pair
            extended["Co-authored-by"] = [pair, f"{committer['name']} <{committer['email']}>"]
            body += f"\r\nCo-authored-by: {pair}\r\nCo-authored-by: {committer['name']} " \
                    f"<{committer['email']}>"
    message = f"{title}\n\nRetry with a\tlonger budget." + body if n % 2 else title
    identifier = commit_sha(project_id, n)
    additions = 3 + n * 7 % 120
    deletions = n * 3 % 40
    return {
        "id": identifier,
        "short_id": identifier[:8],
        "created_at": git_time(moment, n),
        "parent_ids": [commit_sha(project_id, n - 1)] if n else [],
        "title": title,
        "message": message,
        "author_name": author["name"],
        "author_email": author["email"],
        "authored_date": git_time(moment - timedelta(hours=n % 4), n),
        "committer_name": committer["name"],
        "committer_email": committer["email"],
        "committed_date": git_time(moment, n),
        "trailers": trailers,
        "extended_trailers": extended,
        "web_url": f"{WEB}/{path}/-/commit/{identifier}",
        "stats": {"additions": additions, "deletions": deletions,
                  "total": additions + deletions},
    }


def nested_commit(history: list[Record], n: int) -> Record:
    """A commit as branches, releases and jobs nest one: without ``stats``."""
    found = copy.deepcopy(history[n % len(history)])
    found.pop("stats", None)
    return found


def tag_commit(history: list[Record], n: int) -> Record:
    """A commit as tags nest one (the fields doc/api/tags.md lists)."""
    found = nested_commit(history, n)
    for extra in ("trailers", "extended_trailers", "web_url"):
        found.pop(extra, None)
    return found


# -- environments and deployments ---------------------------------------------------------

def environment(project_id: int, path: str, k: int) -> Record:
    """The k-th environment of a project (``GET /projects/:id/environments``)."""
    name, tier, url = _ENVIRONMENTS[k % len(_ENVIRONMENTS)]
    if k >= len(_ENVIRONMENTS):
        name, tier, url = f"review/ñ-{k}", "development", f"https://review-{k}.example.com"
    review = name.startswith("review/")
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower())[:17]
    created = EPOCH + timedelta(hours=k)
    identifier = 3_000_000 + project_number(project_id) * 10_000 + k
    return {
        "id": identifier,
        "name": name,
        "slug": f"{slug}-{sha(identifier)[:6]}" if review else slug,
        "description": None if k % 2 else f"Entorno «{name}»",
        "external_url": url,
        "state": "stopped" if k % 5 == 4 else "available",
        "tier": tier,
        "created_at": iso(created),
        "updated_at": iso(created + timedelta(days=2, minutes=k)),
        "enable_advanced_logs_querying": False,
        "logs_api_path": f"/{path}/-/logs/k8s.json?environment_name={name.replace('/', '%2F')}",
        "auto_stop_at": iso(created + timedelta(days=7)) if review else None,
        "kubernetes_namespace": "flux-system" if k == 0 else None,
        "flux_resource_path": "HelmRelease/flux-system" if k == 0 else None,
        "auto_stop_setting": "with_action" if review else "always",
    }


def deployable(project_id: int, path: str, n: int, history: list[Record],
               deployment: Record) -> Record:
    """The CI job of a deployment."""
    status = deployment["status"]
    job_status = {"blocked": "manual", "created": "created"}.get(status, status)
    created = datetime.fromisoformat(deployment["created_at"].replace("Z", "+00:00"))
    started = created + timedelta(seconds=20 + n % 40) if job_status not in (
        "created", "manual") else None
    finished = started + timedelta(seconds=90 + n * 13 % 600) if started and status in (
        "success", "failed", "canceled") else None
    identifier = 9_100_000 + project_number(project_id) * 100_000 + n
    pipeline = 800_000 + project_number(project_id) * 10_000 + n
    job: Record = {
        "id": identifier,
        "status": job_status,
        "stage": "deploy",
        "name": f"deploy:{deployment['environment']['name']}",
        "ref": deployment["ref"],
        "tag": deployment["ref"].startswith("v"),
        "coverage": None,
        "allow_failure": False,
        "created_at": iso(created - timedelta(minutes=1)),
        "started_at": iso(started) if started else None,
        "finished_at": iso(finished) if finished else None,
        "erased_at": None,
        "duration": (finished - started).total_seconds() + 0.123 if started and finished
        else None,
        "queued_duration": round(0.5 + n % 30 / 7, 3),
        "user": job_user(n),
        "commit": nested_commit(history, n * 2),
        "pipeline": {"id": pipeline, "iid": n + 1, "project_id": project_id,
                     "sha": deployment["sha"], "ref": deployment["ref"],
                     "status": "success" if status == "success" else "running",
                     "source": "push", "created_at": iso(created - timedelta(minutes=3)),
                     "updated_at": iso(created), "web_url": f"{WEB}/{path}/-/pipelines/"
                                                            f"{pipeline}"},
        "web_url": f"{WEB}/{path}/-/jobs/{identifier}",
        "project": {"ci_job_token_scope_enabled": False},
        "artifacts": [{"file_type": "trace", "size": 1305 + n, "filename": "job.log",
                       "file_format": None}] if started else [],
        "runner": {"id": 12_270_000 + n % 4, "description": f"runner-ñ-{n % 4}",
                   "ip_address": None, "active": True, "paused": False, "is_shared": True,
                   "runner_type": "instance_type", "name": "gitlab-runner", "online": True,
                   "status": "online"} if started else None,
        "artifacts_expire_at": None,
        "archived": False,
        "tag_list": ["docker", "deploy"][: n % 3],
    }
    if job_status == "failed":
        job["failure_reason"] = "script_failure"
    return job


def deployment(project_id: int, path: str, n: int, history: list[Record],
               environments: list[Record]) -> Record:
    """The n-th deployment of a project (``GET /projects/:id/deployments``), updated two
    minutes after it was created; every fourth is updated in the same second as the one
    before it."""
    created = EPOCH + timedelta(hours=3 * n, minutes=5)
    updated = created + timedelta(minutes=2)
    if n % 4 == 3:
        updated = EPOCH + timedelta(hours=3 * (n - 1), minutes=7)
        created = updated - timedelta(seconds=30)
    target = environments[n % min(3, len(environments))]
    status = _DEPLOYMENT_STATUSES[n % len(_DEPLOYMENT_STATUSES)]
    release_tag = f"v1.{n % 7}.0"
    record: Record = {
        "id": 410_000_000 + project_number(project_id) * 100_000 + n,
        "iid": n + 1,
        "ref": release_tag if n % 6 == 5 else "main",
        "sha": history[(n * 2) % len(history)]["id"],
        "created_at": iso(created),
        "updated_at": iso(updated),
        "status": status,
        "user": user(n),
        "environment": {"id": target["id"], "name": target["name"],
                        "external_url": target["external_url"]},
        "deployable": None,
        "approvals": [{"user": user(n + 1), "status": "approved",
                       "created_at": iso(created + timedelta(minutes=1)),
                       "comment": "Se ve bien 👍" if n % 2 else None}]
        if target["tier"] == "production" and status != "blocked" else [],
        "pending_approval_count": 1 if status == "blocked" else 0,
    }
    if n % 9 != 4:  # deployments created through the API have no job
        record["deployable"] = deployable(project_id, path, n, history, record)
    return record


# -- releases, tags, branches, milestones, labels -----------------------------------------

def milestone(project_id: int, path: str, k: int) -> Record:
    """The k-th milestone of a project (``GET /projects/:id/milestones``)."""
    created = EPOCH + timedelta(days=k, hours=1)
    start = (EPOCH + timedelta(days=14 * k)).date()
    due = start + timedelta(days=13)
    closed = k % 3 == 0
    return {
        "id": 5_000_000 + project_number(project_id) * 10_000 + k,
        "iid": k + 1,
        "project_id": project_id,
        "title": f"Sprint {k} — «Hito» 里程碑",
        "description": None if k % 3 == 1 else f"Objetivos del sprint {k}:\r\n- ñandú\t✅",
        "due_date": None if k % 4 == 3 else due.isoformat(),
        "start_date": None if k % 4 == 3 else start.isoformat(),
        "state": "closed" if closed else "active",
        "updated_at": iso(created + timedelta(days=1, minutes=k)),
        "created_at": iso(created),
        "expired": closed,
    }


def release(project_id: int, path: str, k: int, history: list[Record],
            milestones: list[Record]) -> Record:
    """The k-th release of a project (``GET /projects/:id/releases``)."""
    tag = f"v1.{k}.0"
    created = EPOCH + timedelta(days=2 * k, hours=5)
    upcoming = k % 10 == 9
    historical = k % 10 == 4
    released = created + timedelta(days=30) if upcoming else \
        created - timedelta(days=3) if historical else created
    archive = f"{WEB}/{path}/-/archive/{tag}/{path.rsplit('/', 1)[-1]}-{tag}"
    links = [{"id": 7_000_000 + project_number(project_id) * 10_000 + k * 3 + j,
              "name": name, "url": f"{WEB}/{path}/-/jobs/artifacts/{tag}/{name}",
              "direct_asset_url": f"{WEB}/{path}/-/releases/{tag}/downloads/bin/{name}",
              "link_type": kind}
             for j, (name, kind) in enumerate((("app-linux-amd64", "package"),
                                               ("runbook.md", "runbook")))
             if j < k % 3]
    in_release = [milestones[(k + j) % len(milestones)] for j in range(k % 3)] \
        if milestones else []
    return {
        "tag_name": tag,
        "description": f"## Cambios\r\n\r\n- Corrige «ñandú» en producción\r\n- 修复 #{k}",
        "name": f"Versión 1.{k} — «ñandú»",
        "created_at": iso(created),
        "released_at": iso(released),
        "upcoming_release": upcoming,
        "historical_release": historical,
        "author": user(k),
        "commit": nested_commit(history, 5 * k + 4),
        "milestones": [{**m, "web_url": f"{WEB}/{path}/-/milestones/{m['iid']}",
                        "issue_stats": {"total": 10 + k, "closed": k}} for m in in_release],
        "commit_path": f"/{path}/-/commit/{history[(5 * k + 4) % len(history)]['id']}",
        "tag_path": f"/{path}/-/tags/{tag}",
        "assets": {
            "count": 4 + len(links),
            "sources": [{"format": kind, "url": f"{archive}.{kind}"}
                        for kind in ("zip", "tar.gz", "tar.bz2", "tar")],
            "links": links,
            "evidence_file_path": f"{WEB}/{path}/-/releases/{tag}/evidence.json",
        },
        "evidences": [{"sha": sha(f"{project_id}/evidence/{k}")[:36] + "c6cde4d4",
                       "filepath": f"{WEB}/{path}/-/releases/{tag}/evidence.json",
                       "collected_at": iso(created + timedelta(seconds=2))}],
        "_links": {
            "closed_issues_url": f"{WEB}/{path}/-/issues?release_tag={tag}&scope=all&"
                                 "state=closed",
            "closed_merge_requests_url": f"{WEB}/{path}/-/merge_requests?release_tag={tag}&"
                                         "scope=all&state=closed",
            "edit_url": f"{WEB}/{path}/-/releases/{tag}/edit",
            "merged_merge_requests_url": f"{WEB}/{path}/-/merge_requests?release_tag={tag}&"
                                         "scope=all&state=merged",
            "opened_issues_url": f"{WEB}/{path}/-/issues?release_tag={tag}&scope=all&"
                                 "state=opened",
            "opened_merge_requests_url": f"{WEB}/{path}/-/merge_requests?release_tag={tag}&"
                                         "scope=all&state=opened",
            "self": f"{WEB}/{path}/-/releases/{tag}",
        },
    }


def release_tag(project_id: int, history: list[Record], found: Record, k: int) -> Record:
    """The annotated tag of release ``found`` (``GET /projects/:id/repository/tags``)."""
    return {
        "commit": tag_commit(history, 5 * k + 4),
        "release": {"tag_name": found["tag_name"], "description": found["description"]},
        "name": found["tag_name"],
        "target": sha(f"{project_id}/tag/{found['tag_name']}"),
        "message": f"Versión {found['tag_name']}\n",
        "protected": True,
        "created_at": found["created_at"],
    }


def lightweight_tag(history: list[Record], j: int) -> Record:
    """A lightweight tag: no message, no creation time, its target the commit itself."""
    found = tag_commit(history, 3 * j + 1)
    return {"commit": found, "release": None, "name": f"build/ñ-{j:03d}",
            "target": found["id"], "message": None, "protected": False, "created_at": None}


def branch(path: str, k: int, history: list[Record]) -> Record:
    """The k-th branch of a project (0 is ``main``, the default, at the newest commit)."""
    name = "main" if k == 0 else (f"feature/ñandú-{k:03d}" if k % 2 else f"fix/zoë-{k:03d}")
    head = nested_commit(history, len(history) - 1 if k == 0 else 7 * k)
    return {
        "name": name,
        "merged": k % 3 == 1,
        "protected": k == 0,
        "default": k == 0,
        "developers_can_push": False,
        "developers_can_merge": k == 0,
        "can_push": True,
        "web_url": f"{WEB}/{path}/-/tree/{name}",
        "commit": head,
    }


def label(project_id: int, k: int) -> Record:
    """The k-th label a project lists (``GET /projects/:id/labels?with_counts=true``): the
    first :data:`GROUP_LABELS` are its group's, listed by every project with the same id."""
    name, color, text_color, description = _LABELS[k % len(_LABELS)]
    group = k < GROUP_LABELS
    if k >= len(_LABELS):
        name = f"{name} {k}"
    return {
        "id": 6_900_000 + k if group else 6_000_000 + project_number(project_id) * 10_000 + k,
        "name": name,
        "color": color,
        "text_color": text_color,
        "description": description,
        "description_html": description.replace("\r\n", "<br>") if description else None,
        "open_issues_count": k % 4,
        "closed_issues_count": k * 3 % 11,
        "open_merge_requests_count": k % 2,
        "subscribed": k == 2,
        "priority": 10 if k == 0 else None,
        "is_project_label": not group,
        "archived": False,
    }


# -- one project's data -------------------------------------------------------------------

@dataclass
class DeliveryData:
    """One sample project's delivery records, by stream; ``repository`` False is a project
    whose repository is missing or disabled (GitLab answers ``404 Repository Not Found``)."""

    project_id: int = 0
    path: str = ""
    commits: list[Record] = field(default_factory=list)
    deployments: list[Record] = field(default_factory=list)
    environments: list[Record] = field(default_factory=list)
    releases: list[Record] = field(default_factory=list)
    tags: list[Record] = field(default_factory=list)
    branches: list[Record] = field(default_factory=list)
    milestones: list[Record] = field(default_factory=list)
    labels: list[Record] = field(default_factory=list)
    repository: bool = True

    @classmethod
    def sample(cls, project_id: int, path: str, *, commits: int = 30,
               deployments: int | None = None, environments: int | None = None,
               releases: int | None = None, lightweight_tags: int | None = None,
               branches: int | None = None, milestones: int | None = None,
               labels: int | None = None) -> DeliveryData:
        """A project's data; the counts not given follow ``commits``."""
        commits = max(1, commits)
        data = cls(project_id, path)
        data.commits = [commit(project_id, path, n) for n in range(commits)]
        data.environments = [environment(project_id, path, k) for k in range(
            environments if environments is not None else 4 + commits // 100)]
        data.deployments = [deployment(project_id, path, n, data.commits, data.environments)
                            for n in range(deployments if deployments is not None
                                           else commits // 2)]
        data.milestones = [milestone(project_id, path, k) for k in range(
            milestones if milestones is not None else 1 + commits // 10)]
        data.releases = [release(project_id, path, k, data.commits, data.milestones)
                         for k in range(releases if releases is not None
                                        else 1 + commits // 25)]
        data.tags = [release_tag(project_id, data.commits, found, k)
                     for k, found in enumerate(data.releases)]
        data.tags += [lightweight_tag(data.commits, j) for j in range(
            lightweight_tags if lightweight_tags is not None else 1 + commits // 50)]
        data.branches = [branch(path, k, data.commits) for k in range(
            branches if branches is not None else 2 + commits // 25)]
        data.labels = [label(project_id, k) for k in range(
            labels if labels is not None else len(_LABELS) + commits // 50)]
        return data

    def records(self) -> dict[str, list[Record]]:
        """The records by stream, as GitLab returns them with tap-gitlab's parameters."""
        return {name: getattr(self, name) for name in STREAMS}

    # -- changes, for tests of differential runs ----------------------------------------------

    def push(self, count: int, after: timedelta = timedelta(hours=1)) -> list[Record]:
        """``count`` new commits on ``main``, the first ``after`` the newest (the default
        branch's head moves to the last)."""
        first = len(self.commits)
        pushed = [commit(self.project_id, self.path, n) for n in range(first, first + count)]
        for found in pushed:
            shift_dates(found, after)
        self.commits += pushed
        if self.branches and self.branches[0]["default"]:
            self.branches[0]["commit"] = nested_commit(self.commits, len(self.commits) - 1)
        return pushed

    def finish_deployment(self, index: int, status: str, at: datetime) -> Record:
        """A deployment that finished (or changed otherwise) at ``at``."""
        found = self.deployments[index]
        found["status"] = status
        found["updated_at"] = iso(at)
        job = found["deployable"]
        if job is not None:
            job["status"] = status
            job["finished_at"] = iso(at)
        return found

    def add_deployment(self) -> Record:
        n = len(self.deployments)
        found = deployment(self.project_id, self.path, n, self.commits, self.environments)
        newest = max((d["updated_at"] for d in self.deployments), default=iso(EPOCH))
        later = datetime.fromisoformat(newest.replace("Z", "+00:00")) + timedelta(minutes=5)
        found["created_at"] = found["updated_at"] = iso(later)
        self.deployments.append(found)
        return found

    def touch_milestone(self, index: int, at: datetime, state: str = "closed") -> Record:
        found = self.milestones[index]
        found["state"] = state
        found["expired"] = state == "closed"
        found["updated_at"] = iso(at)
        return found


def shift_dates(found: Record, by: timedelta) -> None:
    """Move a commit's dates ``by`` later, keeping their time zones."""
    for key in ("created_at", "authored_date", "committed_date"):
        moment = datetime.fromisoformat(found[key])
        found[key] = (moment + by).isoformat(timespec="milliseconds")


def delivery_records(projects: list[Any]) -> dict[str, list[Record]]:
    """Every sample project's delivery records by stream (projects with a ``delivery``
    attribute, the sample server's)."""
    return {name: [r for p in projects for r in p.delivery.records()[name]]
            for name in STREAMS}


def parse_time(text: str) -> datetime:
    """An ISO 8601 instant as GitLab writes it (``Z`` or an offset) or as a client sends it,
    timezone-aware (UTC when it has no zone)."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
