"""Deterministic sample data shaped like GitLab's REST API v4, for demos and benchmarks.

``gitlab_job(n)`` is a CI job as ``GET /projects/:id/jobs`` returns it: nested user,
commit, pipeline and runner objects, a ``tag_list`` of strings and an ``artifacts``
list of objects, with unicode, tabs and newlines in text and nulls where GitLab
leaves fields empty; about 1.3 KB as JSON.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_STATUSES = ("success", "failed", "canceled", "running", "pending", "created", "skipped")
_STAGES = ("build", "test", "lint", "deploy")
_USERS = (
    (101, "ana.garcia", "Ana García"),
    (102, "jlopez", "Jorge López"),
    (103, "mchen", "Mei Chen 陈美"),
    (104, "o.brien", "Siobhán O'Brien"),
)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def gitlab_job(n: int, project_id: int = 20741933) -> dict[str, Any]:
    """The n-th sample CI job of a project."""
    created = _EPOCH + timedelta(minutes=7 * n)
    status = _STATUSES[n % len(_STATUSES)]
    finished = status in ("success", "failed", "canceled", "skipped")
    started = created + timedelta(seconds=5 + n % 50) if status != "created" else None
    duration = 60.0 + (n * 37 % 900) + (n % 1000) / 1000 if finished else None
    user_id, username, name = _USERS[n % len(_USERS)]
    sha = hashlib.sha1(str(n // 3).encode()).hexdigest()  # noqa: S324 - a fake commit id
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
        "created_at": _iso(created),
        "started_at": _iso(started) if started else None,
        "finished_at": _iso(started + timedelta(seconds=duration))
        if started and duration
        else None,
        "erased_at": None,
        "duration": duration,
        "queued_duration": round(0.5 + (n % 90) / 7, 3),
        "user": {
            "id": user_id,
            "username": username,
            "name": name,
            "state": "active",
            "web_url": f"https://gitlab.com/{username}",
            "created_at": "2019-03-04T15:06:07.000Z",
            "bio": "Data engineer\tand\nrunner wrangler" if user_id == 102 else "",
            "location": "Medellín" if user_id % 2 else None,
        },
        "commit": {
            "id": sha,
            "short_id": sha[:8],
            "created_at": _iso(created - timedelta(minutes=3)),
            "parent_ids": [hashlib.sha1(str(n // 3 - 1).encode()).hexdigest()],  # noqa: S324
            "title": f"Fix flaky test #{n % 97}",
            "message": f"Fix flaky test #{n % 97}\n\nRetry with a\tlonger budget.",
            "author_name": name,
            "author_email": f"{username}@example.com",
        },
        "pipeline": {
            "id": pipeline_id,
            "iid": pipeline_id - 899_000,
            "project_id": project_id,
            "sha": sha,
            "ref": "main",
            "status": status,
            "source": "push" if n % 5 else "schedule",
            "created_at": _iso(created - timedelta(seconds=30)),
            "updated_at": _iso(created + timedelta(minutes=10)),
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
        "artifacts_expire_at": _iso(created + timedelta(days=30)) if n % 2 == 0 else None,
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
