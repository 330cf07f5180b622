"""Deterministic sample data shaped like GitLab's REST API v4, for the sample server, the
demo and the benchmarks.

Each factory makes a record with every field GitLab's API documentation lists for the
endpoint (the tests hold it to those lists: ``tests/taps/tap_gitlab/documented.py``),
shaped like the documentation's examples: nested objects, lists, nulls where GitLab leaves
a field empty, dates (``2026-03-31``) where GitLab sends dates and timestamps elsewhere.

``gitlab_job(n)`` is a CI job as ``GET /projects/:id/jobs`` returns it: nested user,
commit, pipeline, runner, runner manager and project objects, a ``tag_list`` of strings
and an ``artifacts`` list of objects, with unicode, tabs and newlines in text; about
2.4 KB as compact JSON. ``gitlab_user(n)`` is a user as GitLab nests one in other records.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from observes_singer.tapkit.fake_api.records import EPOCH, PEOPLE, iso, person, sha

_STATUSES = ("success", "failed", "canceled", "running", "pending", "created", "skipped")
_FINISHED = ("success", "failed", "canceled", "skipped")
_STAGES = ("build", "test", "lint", "deploy")
_SOURCES = ("push", "push", "merge_request_event", "schedule", "web")
_FAILURE_REASONS = ("script_failure", "stuck_or_timeout_failure", "runner_system_failure")
HOST = "https://gitlab.example"
USERS = 4
"""The sample GitLab's users: the first four of the kit's people (ids 101 to 104)."""
CHILD_SOURCE = "parent_pipeline"
"""The ``source`` of a child pipeline, which a parent's trigger job started."""


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _avatar(user_id: int) -> str | None:
    """A Gravatar URL, or null for one of the users (no avatar)."""
    return None if user_id == 103 else \
        f"https://secure.gravatar.com/avatar/{sha(user_id)[:32]}?s=80&d=identicon"


def gitlab_user(n: int, web: str = HOST) -> dict[str, Any]:
    """The n-th sample user as GitLab nests one in merge requests and issues."""
    who = person(n, people=USERS)
    return {"id": who["id"], "username": who["username"],
            "public_email": who["email"] if who["id"] % 2 == 0 else "",
            "name": who["name"], "state": "active", "locked": False,
            "avatar_url": _avatar(who["id"]), "web_url": f"{web}/{who['username']}"}


def _job_user(n: int) -> dict[str, Any]:
    """A job's user, with the profile fields the job endpoints add."""
    who = person(n, people=USERS)
    return {"id": who["id"], "name": who["name"], "username": who["username"],
            "state": "active", "avatar_url": _avatar(who["id"]),
            "web_url": f"https://gitlab.com/{who['username']}",
            "created_at": "2019-03-04T15:06:07.000Z",
            "bio": "Data engineer\tand\nrunner wrangler" if who["id"] == 102 else "",
            "location": "Medellín" if who["id"] % 2 else None,
            "public_email": who["email"] if who["id"] % 2 == 0 else "",
            "linkedin": "", "twitter": "", "website_url": "",
            "organization": "Fluid Attacks" if who["id"] == 101 else ""}


def _commit(n: int, created: datetime) -> dict[str, Any]:
    """The commit of the n-th sample job (three jobs a commit)."""
    who = person(n, people=USERS)
    commit = sha(n // 3)
    return {"author_email": who["email"], "author_name": who["name"],
            "created_at": iso(created - timedelta(minutes=3)), "id": commit,
            "message": f"Fix flaky test #{n % 97}\n\nRetry with a\tlonger budget.",
            "short_id": commit[:8], "title": f"Fix flaky test #{n % 97}",
            "parent_ids": [sha(n // 3 - 1)],
            "authored_date": iso(created - timedelta(minutes=4)),
            "committer_name": who["name"], "committer_email": who["email"],
            "committed_date": iso(created - timedelta(minutes=3)),
            "web_url": f"https://gitlab.com/fluidattacks/universe/-/commit/{commit}"}


def _pipeline_basic(pipeline: Mapping[str, Any]) -> dict[str, Any]:
    """A pipeline as GitLab nests one in a job (``pipeline``, ``downstream_pipeline``)."""
    return {key: pipeline[key] for key in ("id", "iid", "project_id", "sha", "ref", "status",
                                           "source", "created_at", "updated_at", "web_url")}


def set_job_status(job: dict[str, Any], status: str) -> None:
    """A job (or trigger job) now in ``status``, and its pipeline with it; a failed one
    says why, as GitLab's ``failure_reason`` does, and only a failed one."""
    job["status"] = status
    job["pipeline"]["status"] = status
    job.pop("failure_reason", None)
    if status == "failed":
        job["failure_reason"] = _FAILURE_REASONS[job["id"] % len(_FAILURE_REASONS)]


def gitlab_job(n: int, project_id: int = 20741933) -> dict[str, Any]:
    """The n-th sample CI job of a project, with every field ``GET
    /projects/:id/pipelines/:pipeline_id/jobs`` documents: ``artifacts_file`` only when the
    job kept an artifacts archive, ``failure_reason`` only when it failed, no runner (nor
    runner manager) before it was picked up."""
    created = EPOCH + timedelta(minutes=7 * n)
    status = _STATUSES[n % len(_STATUSES)]
    finished = status in _FINISHED
    started = created + timedelta(seconds=5 + n % 50) if status != "created" else None
    duration = 60.0 + (n * 37 % 900) + (n % 1000) / 1000 if finished else None
    pipeline_id = 900_000 + n // 3
    source = "push" if n % 5 else "schedule"
    archive = n % 3 == 0
    job_id = 5_000_000 + n
    job: dict[str, Any] = {
        "commit": _commit(n, created),
        "coverage": round(50 + (n % 500) / 10, 1) if n % 3 == 0 else None,
        "archived": False,
        "source": source,
        "allow_failure": n % 11 == 0,
        "created_at": iso(created),
        "started_at": iso(started) if started else None,
        "finished_at": iso(started + timedelta(seconds=duration))
        if started and duration
        else None,
        "erased_at": None,
        "duration": duration,
        "queued_duration": round(0.5 + (n % 90) / 7, 3),
    }
    if archive:
        job["artifacts_file"] = {"filename": "artifacts.zip", "size": 1_000 + n % 90_000}
    job.update({
        "artifacts": [
            *(
                [{"file_type": "archive", "size": 1_000 + n % 90_000,
                  "filename": "artifacts.zip", "file_format": "zip"},
                 {"file_type": "metadata", "size": 186 + n % 40, "filename": "metadata.gz",
                  "file_format": "gzip"}]
                if archive
                else []
            ),
            {"file_type": "trace", "size": 2_000 + n % 70_000, "filename": "job.log",
             "file_format": "raw"},
            *(
                [{"file_type": "junit", "size": 300 + n % 9_000, "filename": "junit.xml.gz",
                  "file_format": "gzip"}]
                if n % 2 == 0
                else []
            ),
        ],
        "artifacts_expire_at": iso(created + timedelta(days=30)) if n % 2 == 0 else None,
        "tag_list": ["docker", "linux", "x86_64"][: 1 + n % 3],
        "id": job_id,
        "name": f"{_STAGES[n % len(_STAGES)]}:{n % 5}",
        "pipeline": {
            "id": pipeline_id,
            "iid": pipeline_id - 899_000,
            "project_id": project_id,
            "sha": sha(n // 3),
            "ref": "main",
            "status": status,
            "source": source,
            "created_at": iso(created - timedelta(seconds=30)),
            "updated_at": iso(created + timedelta(minutes=10)),
            "web_url": f"https://gitlab.com/fluidattacks/universe/-/pipelines/{pipeline_id}",
        },
        "ref": "main" if n % 4 else f"feature/ñ-{n % 17}",
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
        "runner_manager": {
            "id": 24_719_000 + n % 40,
            "system_id": f"s_{sha(n % 40)[:12]}",
            "version": "18.4.0",
            "revision": "139a0ac0",
            "platform": "linux",
            "architecture": "amd64",
            "created_at": "2025-10-01T08:00:00.000Z",
            "contacted_at": iso(created + timedelta(seconds=4)),
            "ip_address": f"10.0.{n % 40}.7",
            "status": "online" if n % 13 else "offline",
        }
        if status != "created"
        else None,
        "stage": _STAGES[n % len(_STAGES)],
        "status": status,
        "tag": False,
        "web_url": f"https://gitlab.com/fluidattacks/universe/-/jobs/{job_id}",
        "project": {"ci_job_token_scope_enabled": n % 2 == 0},
        "user": _job_user(n),
    })
    if status == "failed":
        job["failure_reason"] = _FAILURE_REASONS[job_id % len(_FAILURE_REASONS)]
    return job


def _namespace_id(full_path: str) -> int:
    return 70 + zlib.crc32(full_path.encode()) % 9_000


_USERNAMES = {username: index for index, (_, username) in enumerate(PEOPLE[:USERS])}


def gitlab_namespace(full_path: str) -> dict[str, Any]:
    """A group (``observes``, ``observes/sub``) or, for one of the sample users' usernames,
    that user's personal namespace, as GitLab nests it in a project."""
    if full_path in _USERNAMES:
        who = person(_USERNAMES[full_path], people=USERS)
        return {"id": _namespace_id(full_path), "name": who["name"], "path": full_path,
                "kind": "user", "full_path": full_path, "parent_id": None,
                "avatar_url": _avatar(who["id"]), "web_url": f"{HOST}/{full_path}"}
    parent, _, path = full_path.rpartition("/")
    return {"id": _namespace_id(full_path), "name": path.capitalize(), "path": path,
            "kind": "group", "full_path": full_path,
            "parent_id": _namespace_id(parent) if parent else None, "avatar_url": None,
            "web_url": f"{HOST}/groups/{full_path}"}


_ACCESS_LEVELS = ("disabled", "private", "enabled")


def gitlab_project(project_id: int, path: str, open_issues: int, *,
                   statistics: bool = True, license: bool = True,
                   forked_from: Mapping[str, Any] | None = None,
                   shared_with: Sequence[str] = ()) -> dict[str, Any]:
    """A project as ``GET /projects/:id?statistics=true&license=true`` returns it to its
    owner (who also sees the CI/CD settings only owners see). ``statistics`` and
    ``license`` are left out when not asked for; ``owner`` is there only for a project in
    a user's namespace, ``forked_from_project`` (the upstream, ``forked_from``) and
    ``mr_default_target_self`` only for a fork. ``shared_with`` are the full paths of
    the groups the project is shared with."""
    namespace_path, name = path.rsplit("/", 1)
    namespace = gitlab_namespace(namespace_path)
    in_group = namespace["kind"] == "group"
    web_url = f"{HOST}/{path}"
    api = f"{HOST}/api/v4/projects/{project_id}"
    title = name.replace("-", " ").capitalize()
    level = _ACCESS_LEVELS[project_id % 3]
    mit = project_id % 2 == 0
    created = datetime(2020, 2, 3, 4, 5, 6, tzinfo=EPOCH.tzinfo) + timedelta(
        days=project_id % 400)
    project: dict[str, Any] = {
        "id": project_id,
        "description": f"The {name} project: ñandú\tand more",
        "description_html": f"<p data-sourcepos=\"1:1-1:30\" dir=\"auto\">The {name} "
                            "project: ñandú\tand more</p>",
        "name": title,
        "name_with_namespace": f"{namespace['name']} / {title}",
        "path": name,
        "path_with_namespace": path,
        "created_at": iso(created),
        "default_branch": "main",
        "tag_list": ["security", "ñandú"],
        "topics": ["security", "ñandú"],
        "ssh_url_to_repo": f"git@gitlab.example:{path}.git",
        "http_url_to_repo": f"{web_url}.git",
        "web_url": web_url,
        "readme_url": f"{web_url}/-/blob/main/README.md",
        "forks_count": 0 if forked_from else 1,
        "avatar_url": None if project_id % 2 else f"{HOST}/uploads/-/system/project/avatar/"
                                                  f"{project_id}/logo.png",
        "star_count": 3,
        "last_activity_at": iso(EPOCH + timedelta(days=300)),
        "visibility": "private",
        "namespace": namespace,
        "container_registry_image_prefix": f"registry.gitlab.example/{path}",
        "_links": {
            "self": api,
            "issues": f"{api}/issues",
            "merge_requests": f"{api}/merge_requests",
            "repo_branches": f"{api}/repository/branches",
            "labels": f"{api}/labels",
            "events": f"{api}/events",
            "members": f"{api}/members",
            "cluster_agents": f"{api}/cluster_agents",
        },
        "marked_for_deletion_at": None,
        "marked_for_deletion_on": None,
        "packages_enabled": True,
        "empty_repo": False,
        "archived": False,
    }
    if not in_group:
        who = person(_USERNAMES[namespace_path], people=USERS)
        project["owner"] = {"id": who["id"], "username": who["username"],
                            "public_email": who["email"], "name": who["name"],
                            "state": "active", "locked": False,
                            "avatar_url": _avatar(who["id"]),
                            "web_url": f"{HOST}/{who['username']}",
                            "created_at": "2019-03-04T15:06:07.000Z"}
    project.update({
        "resolve_outdated_diff_discussions": False,
        "container_expiration_policy": {
            "cadence": "7d", "enabled": project_id % 2 == 0, "keep_n": 10,
            "older_than": "90d", "name_regex": ".*", "name_regex_delete": ".*",
            "name_regex_keep": None, "next_run_at": iso(EPOCH + timedelta(days=7)),
        },
        "repository_object_format": "sha1",
        "issues_enabled": True,
        "merge_requests_enabled": True,
        "wiki_enabled": level != "disabled",
        "jobs_enabled": True,
        "snippets_enabled": False,
        "container_registry_enabled": True,
        "service_desk_enabled": project_id % 2 == 0,
        "service_desk_address": f"contact-project+{path.replace('/', '-')}-{project_id}-"
                                "issue-@incoming.gitlab.example" if project_id % 2 == 0
        else None,
        "can_create_merge_request_in": True,
        "issues_access_level": "enabled",
        "repository_access_level": "enabled",
        "merge_requests_access_level": "enabled",
        "forking_access_level": "enabled",
        "wiki_access_level": level,
        "builds_access_level": "private",
        "snippets_access_level": "disabled",
        "pages_access_level": "private",
        "analytics_access_level": "enabled",
        "container_registry_access_level": "enabled",
        "security_and_compliance_access_level": "private",
        "releases_access_level": "enabled",
        "environments_access_level": "enabled",
        "feature_flags_access_level": "enabled",
        "infrastructure_access_level": "enabled",
        "monitor_access_level": "enabled",
        "model_experiments_access_level": "disabled",
        "model_registry_access_level": "disabled",
        "package_registry_access_level": "enabled",
        "emails_disabled": False,
        "emails_enabled": True,
        "show_diff_preview_in_email": True,
        "shared_runners_enabled": True,
        "lfs_enabled": True,
        "creator_id": 101,
        "import_url": None,
        "import_type": "github" if project_id % 3 == 1 else None,
        "import_status": "finished" if project_id % 3 == 1 else "none",
        "import_error": None,
        "open_issues_count": open_issues,
        "updated_at": iso(EPOCH + timedelta(days=300, minutes=5)),
        "ci_default_git_depth": 20,
        "ci_delete_pipelines_in_seconds": 31_536_000 if project_id % 2 else None,
        "ci_forward_deployment_enabled": True,
        "ci_forward_deployment_rollback_allowed": True,
        "ci_job_token_scope_enabled": False,
        "ci_separated_caches": True,
        "ci_allow_fork_pipelines_to_run_in_parent_project": True,
        "ci_id_token_sub_claim_components": ["project_path", "ref_type", "ref"],
        "build_git_strategy": "fetch",
        "keep_latest_artifact": True,
        "restrict_user_defined_variables": True,
        "ci_pipeline_variables_minimum_override_role": "maintainer",
        "runner_token_expiration_interval": None,
        "group_runners_enabled": in_group,
        "resource_group_default_process_mode": "unordered",
        "auto_cancel_pending_pipelines": "enabled",
        "build_timeout": 3_600,
        "auto_devops_enabled": False,
        "auto_devops_deploy_strategy": "continuous",
        "ci_push_repository_for_job_token_allowed": False,
        "runners_token": f"GR1348941{sha(project_id)[:20]}",
        "ci_config_path": ".gitlab-ci.yml" if project_id % 2 else None,
        "public_jobs": True,
        "shared_with_groups": [
            {"group_id": _namespace_id(group), "group_name": group.rsplit("/", 1)[-1]
             .capitalize(), "group_full_path": group, "group_access_level": 30,
             "expires_at": "2026-12-31" if index % 2 else None}
            for index, group in enumerate(shared_with)
        ],
        "only_allow_merge_if_pipeline_succeeds": True,
        "allow_merge_on_skipped_pipeline": False,
        "request_access_enabled": False,
        "only_allow_merge_if_all_discussions_are_resolved": True,
        "remove_source_branch_after_merge": True,
        "printing_merge_request_link_enabled": True,
        "printing_merge_requests_link_enabled": True,
        "merge_method": ("merge", "rebase_merge", "ff")[project_id % 3],
        "merge_request_title_regex": None,
        "merge_request_title_regex_description": None,
        "squash_option": "default_off",
        "enforce_auth_checks_on_uploads": True,
        "suggestion_commit_message": None,
        "merge_commit_template": None,
        "mr_default_title_template": None,
        "squash_commit_template": "%{title} (%{reference})",
        "issue_branch_template": "issue/%{id}-%{title}",
        "warn_about_potentially_unwanted_characters": True,
        "autoclose_referenced_issues": True,
        "max_artifacts_size": None,
        "approvals_before_merge": 0,
        "mirror": False,
        "external_authorization_classification_label": "",
        "requirements_enabled": False,
        "requirements_access_level": "enabled",
        "security_and_compliance_enabled": True,
        "secret_push_protection_enabled": project_id % 2 == 0,
        "pre_receive_secret_detection_enabled": project_id % 2 == 0,
        "compliance_frameworks": ["SOC 2"] if project_id % 2 == 0 else [],
        "issues_template": None,
        "merge_requests_template": "## What\n\n## Why\n",
        "ci_restrict_pipeline_cancellation_role": "developer",
        "merge_pipelines_enabled": True,
        "merge_trains_enabled": False,
        "merge_trains_skip_train_allowed": False,
        "max_pipelines_per_merge_train": 20,
        "only_allow_merge_if_all_status_checks_passed": False,
        "allow_pipeline_trigger_approve_deployment": False,
        "prevent_merge_without_jira_issue": False,
        "duo_remote_flows_enabled": False,
        "duo_foundational_flows_enabled": False,
        "duo_sast_fp_detection_enabled": False,
        "duo_sast_vr_workflow_enabled": False,
        "web_based_commit_signing_enabled": False,
        "spp_repository_pipeline_access": False,
        "permissions": {
            "project_access": {"access_level": 40 if in_group else 50,
                               "notification_level": 3},
            "group_access": {"access_level": 50, "notification_level": 3} if in_group
            else None,
        },
    })
    if license:
        project["license_url"] = f"{web_url}/-/blob/main/LICENSE" if mit else None
        project["license"] = {"key": "mit", "name": "MIT License", "nickname": None,
                              "html_url": "http://choosealicense.com/licenses/mit/",
                              "source_url": "https://opensource.org/licenses/MIT"} \
            if mit else None
    project.update({
        "repository_storage": "default",
        "mirror_user_id": None,
        "mirror_trigger_builds": False,
        "only_mirror_protected_branches": None,
        "mirror_overwrites_diverged_branches": None,
    })
    if statistics:
        size = 1_038_090 + project_id % 100_000
        project["statistics"] = {
            "commit_count": 1_200 + project_id % 1_000, "storage_size": size * 3,
            "repository_size": size, "wiki_size": 0, "lfs_objects_size": size // 2,
            "job_artifacts_size": size // 4, "pipeline_artifacts_size": 0,
            "packages_size": 0, "snippets_size": 0, "uploads_size": 2_048,
            "container_registry_size": size // 4 + size // 4,
        }
    if forked_from is not None:
        project["forked_from_project"] = {
            key: forked_from[key]
            for key in ("id", "description", "name", "name_with_namespace", "path",
                        "path_with_namespace", "created_at", "default_branch", "tag_list",
                        "topics", "ssh_url_to_repo", "http_url_to_repo", "web_url",
                        "readme_url", "forks_count", "avatar_url", "star_count",
                        "last_activity_at", "visibility", "namespace")
        }
        project["mr_default_target_self"] = False
    return project


def gitlab_pipeline(project_id: int, path: str, n: int, minutes: int) -> dict[str, Any]:
    """The n-th pipeline of a project, last updated ``minutes`` after the epoch; its
    status cycles through success, failed, running and canceled, its source through
    push, merge request events, schedules and the web (never a parent pipeline)."""
    updated = EPOCH + timedelta(minutes=minutes)
    pipeline_id = project_id * 1000 + n
    source = _SOURCES[n % len(_SOURCES)]
    return {
        "id": pipeline_id, "iid": n + 1, "project_id": project_id,
        "status": ["success", "failed", "running", "canceled"][n % 4],
        "source": source,
        "ref": f"refs/merge-requests/{n % 7 + 1}/head" if source == "merge_request_event"
        else "main",
        "sha": f"{pipeline_id:040x}",
        "name": "Nightly build" if source == "schedule" else None,
        "web_url": f"{HOST}/{path}/-/pipelines/{pipeline_id}",
        "created_at": iso(updated - timedelta(minutes=5)),
        "updated_at": iso(updated),
    }


def gitlab_child_pipeline(parent: Mapping[str, Any]) -> dict[str, Any]:
    """The child pipeline a parent's trigger job started: source ``parent_pipeline``,
    created a minute after its parent, last updated 30 seconds before it (a parent is
    updated when its child finishes)."""
    child_id = parent["id"] * 10 + 7
    return {
        "id": child_id, "iid": 10_000 + parent["iid"], "project_id": parent["project_id"],
        "status": parent["status"], "source": CHILD_SOURCE, "ref": parent["ref"],
        "sha": parent["sha"], "name": None,
        "web_url": parent["web_url"].rsplit("/", 1)[0] + f"/{child_id}",
        "created_at": iso(_instant(parent["created_at"]) + timedelta(minutes=1)),
        "updated_at": iso(_instant(parent["updated_at"]) - timedelta(seconds=30)),
    }


def gitlab_pipeline_job(pipeline: Mapping[str, Any]) -> dict[str, Any]:
    """The one job of a sample pipeline, in the pipeline's status."""
    job = gitlab_job(pipeline["id"] % 100_000, pipeline["project_id"])
    job_id = pipeline["id"] * 10
    job.update({"id": job_id, "source": pipeline["source"], "ref": pipeline["ref"],
                "pipeline": _pipeline_basic(pipeline),
                "web_url": pipeline["web_url"].split("/-/pipelines/")[0] +
                f"/-/jobs/{job_id}"})
    set_job_status(job, pipeline["status"])
    return job


def gitlab_bridge(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """The trigger job (bridge) of ``parent`` that started ``child``, as ``GET
    /projects/:id/pipelines/:pipeline_id/bridges`` returns it."""
    n = parent["id"] % 100_000
    bridge_id = parent["id"] * 10 + 1
    created = _instant(parent["created_at"]) + timedelta(seconds=20)
    started = created + timedelta(seconds=25)
    finished = _instant(child["updated_at"]) if parent["status"] in _FINISHED else None
    bridge: dict[str, Any] = {
        "commit": _commit(n, created),
        "coverage": None,
        "archived": False,
        "source": parent["source"],
        "allow_failure": False,
        "created_at": iso(created),
        "started_at": iso(started),
        "finished_at": iso(finished) if finished else None,
        "erased_at": None,
        "duration": (finished - started).total_seconds() if finished else None,
        "queued_duration": 0.123,
        "id": bridge_id,
        "name": "trigger:deploy",
        "pipeline": _pipeline_basic(parent),
        "ref": parent["ref"],
        "stage": "deploy",
        "status": parent["status"],
        "tag": False,
        "web_url": parent["web_url"].split("/-/pipelines/")[0] + f"/-/jobs/{bridge_id}",
        "project": {"ci_job_token_scope_enabled": False},
        "user": _job_user(n),
        "downstream_pipeline": _pipeline_basic(child),
    }
    return bridge


def _milestone(project_id: int, path: str, k: int) -> dict[str, Any]:
    return {"id": 500 + k, "iid": k + 1, "project_id": project_id, "title": f"v{k + 1}.0",
            "description": None if k % 2 else "Ducimus nam enim ex consequatur.",
            "state": "closed" if k == 0 else "active",
            "created_at": iso(EPOCH - timedelta(days=30 - k)),
            "updated_at": iso(EPOCH - timedelta(days=20 - k)),
            "due_date": f"2026-0{k % 9 + 1}-28" if k % 3 else None,
            "start_date": f"2026-0{k % 9 + 1}-01", "expired": k == 0,
            "web_url": f"{HOST}/{path}/-/milestones/{k + 1}"}


def _references(path: str, prefix: str, iid: int) -> dict[str, str]:
    return {"short": f"{prefix}{iid}", "relative": f"{prefix}{iid}",
            "full": f"{path}{prefix}{iid}"}


def _time_stats(n: int) -> dict[str, Any]:
    estimate = 3_600 * (n % 4)
    spent = 1_800 * (n % 3)
    return {"time_estimate": estimate, "total_time_spent": spent,
            "human_time_estimate": f"{n % 4}h" if estimate else None,
            "human_total_time_spent": (None, "30m", "1h")[n % 3]}


def gitlab_merge_request(project_id: int, path: str, n: int) -> dict[str, Any]:
    """The n-th merge request of a project, updated ``n`` hours and 3 minutes after the
    epoch; opened, merged and closed in turn."""
    updated = EPOCH + timedelta(hours=n, minutes=3)
    created = updated - timedelta(hours=1)
    state = ["opened", "merged", "closed"][n % 3]
    merged = state == "merged"
    merger = gitlab_user(n + 2) if merged else None
    assignees = [gitlab_user(n + 1)] if n % 4 else []
    draft = state == "opened" and n % 6 == 0
    return {
        "id": project_id * 100 + n, "iid": n + 1, "project_id": project_id,
        "title": f"Fix flaky test #{n}",
        "description": None if n % 7 == 3 else "Longer\ttext\nwith lines — ñ",
        "state": state, "imported": False, "imported_from": "none",
        "merged_by": merger, "merge_user": merger,
        "merged_at": iso(updated) if merged else None,
        "merge_after": iso(created + timedelta(minutes=30)) if n % 5 == 4 else None,
        "prepared_at": iso(created + timedelta(seconds=17)),
        "closed_by": gitlab_user(n) if state == "closed" else None,
        "closed_at": iso(updated) if state == "closed" else None,
        "created_at": iso(created), "updated_at": iso(updated),
        "target_branch": "main", "source_branch": f"fix-{n}",
        "upvotes": n % 3, "downvotes": 0,
        "author": gitlab_user(n),
        "assignee": assignees[0] if assignees else None, "assignees": assignees,
        "reviewers": [gitlab_user(n + 3)] if n % 2 else [],
        "source_project_id": project_id, "target_project_id": project_id,
        "labels": ["bug", "ñandú"] if n % 2 else [],
        "draft": draft, "work_in_progress": draft,
        "milestone": _milestone(project_id, path, n % 3) if n % 4 != 1 else None,
        "merge_when_pipeline_succeeds": state == "opened" and n % 5 == 0,
        "merge_status": "can_be_merged" if state == "opened" else "unchecked",
        "detailed_merge_status": "mergeable" if state == "opened" else "not_open",
        "sha": f"{n:040x}",
        "merge_commit_sha": sha(project_id + n) if merged else None,
        "squash_commit_sha": None,
        "user_notes_count": n % 5,
        "discussion_locked": None,
        "should_remove_source_branch": True if merged else None,
        "force_remove_source_branch": True,
        "web_url": f"{HOST}/{path}/-/merge_requests/{n + 1}",
        "reference": f"!{n + 1}",
        "references": _references(path, "!", n + 1),
        "time_stats": _time_stats(n),
        "squash": False, "squash_on_merge": False,
        "task_completion_status": {"count": n % 4, "completed_count": n % 4 // 2},
        "has_conflicts": state == "opened" and n % 9 == 3,
        "blocking_discussions_resolved": True,
        "approvals_before_merge": None,
    }


def gitlab_issue(project_id: int, path: str, n: int) -> dict[str, Any]:
    """The n-th issue of a project, updated ``n`` hours and 7 minutes after the epoch; as
    a Premium or Ultimate GitLab returns it (``weight``, ``epic``, ``iteration``,
    ``health_status``)."""
    updated = EPOCH + timedelta(hours=n, minutes=7)
    state = "opened" if n % 2 else "closed"
    incident = n % 5 == 4
    assignees = [gitlab_user(n + 1)] if n % 3 else []
    iid = n + 1
    api = f"{HOST}/api/v4/projects/{project_id}/issues/{iid}"
    epic = {"id": 40 + n % 3, "iid": n % 3 + 1, "title": f"Epic {n % 3}: ñandú",
            "url": f"/groups/{path.split('/')[0]}/-/epics/{n % 3 + 1}",
            "group_id": _namespace_id(path.split("/")[0])} if n % 2 == 0 else None
    return {
        "project_id": project_id,
        "milestone": _milestone(project_id, path, n % 3) if n % 3 != 2 else None,
        "author": gitlab_user(n),
        "description": None if n % 4 == 0 else "Steps:\n1. run\t2. see ñ",
        "state": state, "iid": iid,
        "assignees": assignees, "assignee": assignees[0] if assignees else None,
        "type": "INCIDENT" if incident else "ISSUE",
        "labels": ["ops"] if n % 2 else ["ops", "bug"],
        "upvotes": n % 4, "downvotes": n % 2, "merge_requests_count": n % 3,
        "id": project_id * 100 + 50 + n,
        "title": f"Issue {n}: ñ",
        "updated_at": iso(updated), "created_at": iso(updated - timedelta(days=1)),
        "closed_at": None if n % 2 else iso(updated),
        "closed_by": None if n % 2 else gitlab_user(n + 2),
        "user_notes_count": n % 6,
        "due_date": f"2026-02-{n % 28 + 1:02d}" if n % 3 == 0 else None,
        "imported": False, "imported_from": "none",
        "web_url": f"{HOST}/{path}/-/issues/{iid}",
        "references": _references(path, "#", iid),
        "time_stats": _time_stats(n),
        "has_tasks": n % 4 == 1,
        "task_status": "1 of 3 checklist items completed" if n % 4 == 1 else "",
        "confidential": n % 10 == 9,
        "discussion_locked": None if n % 3 else False,
        "issue_type": "incident" if incident else "issue",
        "severity": "MEDIUM" if incident else "UNKNOWN",
        "_links": {"self": api, "notes": f"{api}/notes", "award_emoji": f"{api}/award_emoji",
                   "project": f"{HOST}/api/v4/projects/{project_id}",
                   "closed_as_duplicate_of": f"{HOST}/api/v4/projects/{project_id}/issues/1"
                   if n % 8 == 7 else None},
        "task_completion_status": {"count": 3 if n % 4 == 1 else 0,
                                   "completed_count": 1 if n % 4 == 1 else 0},
        "weight": n % 5 if n % 3 else None,
        "epic_iid": epic["iid"] if epic else None,
        "epic": epic,
        "health_status": ("on_track", "needs_attention", "at_risk", None)[n % 4],
        "iteration": {
            "id": 90 + n % 2, "iid": n % 2 + 4, "sequence": n % 2 + 2,
            "group_id": _namespace_id(path.split("/")[0]), "title": None,
            "description": None, "state": 2,
            "created_at": iso(EPOCH - timedelta(days=14)),
            "updated_at": iso(EPOCH - timedelta(days=14)),
            "start_date": "2026-01-05", "due_date": "2026-01-18",
            "web_url": f"{HOST}/groups/{path.split('/')[0]}/-/iterations/{90 + n % 2}",
        } if n % 3 == 1 else None,
    }


def gitlab_member(n: int) -> dict[str, Any]:
    """The n-th member of a project, inherited ones included, as ``GET
    /projects/:id/members/all`` returns it: ``expires_at`` is a date; ``email`` is there
    only for an enterprise user (the fourth)."""
    who = person(n, people=USERS)
    creator = person(n + 1, people=USERS)
    member: dict[str, Any] = {
        "id": who["id"], "username": who["username"], "name": who["name"],
        "state": "active", "avatar_url": _avatar(who["id"]),
        "web_url": f"{HOST}/{who['username']}",
        "created_at": iso(EPOCH - timedelta(days=400 - 30 * n)),
        "created_by": {"id": creator["id"], "username": creator["username"],
                       "name": creator["name"], "state": "active",
                       "avatar_url": _avatar(creator["id"]),
                       "web_url": f"{HOST}/{creator['username']}"},
        "expires_at": "2026-12-31" if n % 3 == 2 else None,
        "access_level": 30 + 10 * (n % 2),
        "group_saml_identity": None if n % 2 else {
            "extern_uid": f"saml-{who['id']}", "provider": "group_saml",
            "saml_provider_id": 10},
    }
    if n % 4 == 3:
        member["email"] = who["email"]
    return member
