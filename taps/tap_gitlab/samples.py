"""Deterministic sample data shaped like GitLab's REST API v4, for the sample server, the
demo and the benchmarks.

``gitlab_job(n)`` is a CI job as ``GET /projects/:id/jobs`` returns it: nested user,
commit, pipeline and runner objects, a ``tag_list`` of strings and an ``artifacts``
list of objects, with unicode, tabs and newlines in text and nulls where GitLab
leaves fields empty; about 1.3 KB as JSON. ``gitlab_user(n)`` is a user as GitLab
nests one in other records.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from observes_singer.tapkit.fake_api.records import EPOCH, iso, person, sha

_STATUSES = ("success", "failed", "canceled", "running", "pending", "created", "skipped")
_STAGES = ("build", "test", "lint", "deploy")
USERS = 4
"""The sample GitLab's users: the first four of the kit's people (ids 101 to 104)."""


def gitlab_user(n: int, web: str = "https://gitlab.example") -> dict[str, Any]:
    who = person(n, people=USERS)
    return {"id": who["id"], "username": who["username"], "name": who["name"],
            "state": "active", "web_url": f"{web}/{who['username']}"}


def gitlab_job(n: int, project_id: int = 20741933) -> dict[str, Any]:
    """The n-th sample CI job of a project."""
    created = EPOCH + timedelta(minutes=7 * n)
    status = _STATUSES[n % len(_STATUSES)]
    finished = status in ("success", "failed", "canceled", "skipped")
    started = created + timedelta(seconds=5 + n % 50) if status != "created" else None
    duration = 60.0 + (n * 37 % 900) + (n % 1000) / 1000 if finished else None
    who = person(n, people=USERS)
    user_id, name = who["id"], who["name"]
    commit = sha(n // 3)
    pipeline_id = 900_000 + n // 3
    return {
        "id": 5_000_000 + n,
        "status": status,
        "stage": _STAGES[n % len(_STAGES)],
        "name": f"{_STAGES[n % len(_STAGES)]}:{n % 5}",
        "ref": "main" if n % 4 else f"feature/ñ-{n % 17}",
        "tag": False,
        "coverage": round(50 + (n % 500) / 10, 1) if n % 3 == 0 else None,
        "allow_failure": n % 11 == 0,
        "created_at": iso(created),
        "started_at": iso(started) if started else None,
        "finished_at": iso(started + timedelta(seconds=duration))
        if started and duration
        else None,
        "erased_at": None,
        "duration": duration,
        "queued_duration": round(0.5 + (n % 90) / 7, 3),
        "user": {
            **gitlab_user(n, "https://gitlab.com"),
            "created_at": "2019-03-04T15:06:07.000Z",
            "bio": "Data engineer\tand\nrunner wrangler" if user_id == 102 else "",
            "location": "Medellín" if user_id % 2 else None,
        },
        "commit": {
            "id": commit,
            "short_id": commit[:8],
            "created_at": iso(created - timedelta(minutes=3)),
            "parent_ids": [sha(n // 3 - 1)],
            "title": f"Fix flaky test #{n % 97}",
            "message": f"Fix flaky test #{n % 97}\n\nRetry with a\tlonger budget.",
            "author_name": name,
            "author_email": who["email"],
        },
        "pipeline": {
            "id": pipeline_id,
            "iid": pipeline_id - 899_000,
            "project_id": project_id,
            "sha": commit,
            "ref": "main",
            "status": status,
            "source": "push" if n % 5 else "schedule",
            "created_at": iso(created - timedelta(seconds=30)),
            "updated_at": iso(created + timedelta(minutes=10)),
        },
        "web_url": f"https://gitlab.com/fluidattacks/universe/-/jobs/{5_000_000 + n}",
        "artifacts": [
            {"file_type": "trace", "size": 2_000 + n % 70_000, "filename": "job.log",
             "file_format": None},
            *(
                [{"file_type": "junit", "size": 300 + n % 9_000, "filename": "junit.xml.gz",
                  "file_format": "gzip"}]
                if n % 2 == 0
                else []
            ),
        ],
        "artifacts_expire_at": iso(created + timedelta(days=30)) if n % 2 == 0 else None,
        "tag_list": ["docker", "linux", "x86_64"][: 1 + n % 3],
        "runner": {
            "id": 12_270_000 + n % 40,
            "description": f"shared-runners-manager-{n % 40}.gitlab.com",
            "ip_address": None,
            "active": True,
            "paused": False,
            "is_shared": True,
            "runner_type": "instance_type",
            "name": "gitlab-runner",
            "online": n % 13 != 0,
            "status": "online" if n % 13 else "offline",
        }
        if status != "created"
        else None,
    }


def gitlab_project(project_id: int, path: str, open_issues: int) -> dict[str, Any]:
    """A project as ``GET /projects/:id`` returns it."""
    group, name = path.rsplit("/", 1)
    return {
        "id": project_id, "name": name, "path": name, "path_with_namespace": path,
        "name_with_namespace": f"{group} / {name}", "description": f"The {name} project",
        "default_branch": "main", "visibility": "private",
        "web_url": f"https://gitlab.example/{path}",
        "created_at": "2020-02-03T04:05:06.000Z",
        "last_activity_at": iso(EPOCH + timedelta(days=300)), "archived": False,
        "star_count": 3, "forks_count": 0, "open_issues_count": open_issues,
        "namespace": {"id": 77, "name": group, "path": group, "kind": "group",
                      "full_path": group},
        "topics": ["security", "ñandú"],
    }


def gitlab_pipeline(project_id: int, path: str, n: int, minutes: int) -> dict[str, Any]:
    """The n-th pipeline of a project, last updated ``minutes`` after the epoch; its
    status cycles through success, failed, running and canceled."""
    updated = EPOCH + timedelta(minutes=minutes)
    pipeline_id = project_id * 1000 + n
    return {
        "id": pipeline_id, "iid": n + 1, "project_id": project_id,
        "sha": f"{pipeline_id:040x}", "ref": "main",
        "status": ["success", "failed", "running", "canceled"][n % 4],
        "source": "push", "created_at": iso(updated - timedelta(minutes=5)),
        "updated_at": iso(updated),
        "web_url": f"https://gitlab.example/{path}/-/pipelines/{pipeline_id}",
    }


def gitlab_pipeline_job(pipeline: dict[str, Any]) -> dict[str, Any]:
    """The one job of a sample pipeline, in the pipeline's status."""
    job = gitlab_job(pipeline["id"] % 100_000, pipeline["project_id"])
    job.update({"id": pipeline["id"] * 10, "status": pipeline["status"],
                "pipeline": {**job["pipeline"], "id": pipeline["id"],
                             "project_id": pipeline["project_id"]}})
    return job


def gitlab_merge_request(project_id: int, path: str, n: int) -> dict[str, Any]:
    updated = EPOCH + timedelta(hours=n, minutes=3)
    return {
        "id": project_id * 100 + n, "iid": n + 1, "project_id": project_id,
        "title": f"Fix flaky test #{n}", "description": "Longer\ttext\nwith lines",
        "state": ["opened", "merged", "closed"][n % 3],
        "created_at": iso(updated - timedelta(hours=1)), "updated_at": iso(updated),
        "merged_at": iso(updated) if n % 3 == 1 else None, "closed_at": None,
        "target_branch": "main", "source_branch": f"fix-{n}", "author": gitlab_user(n),
        "assignees": [gitlab_user(n + 1)], "reviewers": [],
        "labels": ["bug"] if n % 2 else [], "draft": False,
        "merge_status": "can_be_merged", "sha": f"{n:040x}",
        "web_url": f"https://gitlab.example/{path}/-/merge_requests/{n + 1}",
        "user_notes_count": n % 5,
    }


def gitlab_issue(project_id: int, path: str, n: int) -> dict[str, Any]:
    updated = EPOCH + timedelta(hours=n, minutes=7)
    return {
        "id": project_id * 100 + 50 + n, "iid": n + 1, "project_id": project_id,
        "title": f"Issue {n}: ñ", "description": None,
        "state": "opened" if n % 2 else "closed",
        "created_at": iso(updated - timedelta(days=1)), "updated_at": iso(updated),
        "closed_at": None if n % 2 else iso(updated), "labels": ["ops"],
        "author": gitlab_user(n), "assignees": [],
        "web_url": f"https://gitlab.example/{path}/-/issues/{n + 1}",
        "user_notes_count": 0, "due_date": None, "confidential": False, "milestone": None,
    }


def gitlab_member(n: int) -> dict[str, Any]:
    return {**gitlab_user(n), "access_level": 30 + 10 * (n % 2), "expires_at": None,
            "created_at": "2021-01-01T00:00:00.000Z"}
