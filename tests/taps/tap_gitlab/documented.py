"""The top-level fields GitLab's REST API documentation lists for each endpoint tap-gitlab
reads, as data: the sample GitLab's records are held to these lists (and the schemas to
the records), so that a change on either side shows.

Sources, in gitlabhq/gitlabhq's ``doc/api`` (GitLab 18 and 19; the French translation in
``doc-locale/fr-fr`` where it is newer than the English page stored):

- ``projects``: ``projects.md``, "Retrieve a project" (``GET /projects/:id``): the response
  attributes table and its example, with ``statistics=true`` and ``license=true``.
- ``merge_requests``: ``merge_requests.md``, "List project merge requests": the response
  attributes table and the example (which adds ``imported``, ``imported_from`` and
  ``merge_after``).
- ``issues``: ``issues.md``, "List project issues": the example, and the fields it says
  Premium and Ultimate add (``weight``, ``epic_iid``, ``epic``, ``health_status``,
  ``iteration``).
- ``pipelines``: ``pipelines.md``, "List project pipelines".
- ``jobs``: ``jobs.md``, "List pipeline jobs"; ``bridges``: "List pipeline trigger jobs".
- ``members``: ``project_members.md`` (``members.md`` before GitLab 17.9), "List all
  members of a project, including inherited and invited members".

The fields the tap adds (``project_path``; ``pipeline_id`` for jobs and bridges) are not
GitLab's and are not listed. :func:`every_kind_of_record` is a sample GitLab that holds
every kind of record these lists describe.
"""

from __future__ import annotations

from tap_gitlab.sample.server import SampleGitLab

PROJECTS = (
    "id", "description", "description_html", "name", "name_with_namespace", "path",
    "path_with_namespace", "created_at", "default_branch", "tag_list", "topics",
    "ssh_url_to_repo", "http_url_to_repo", "web_url", "readme_url", "forks_count",
    "avatar_url", "star_count", "last_activity_at", "visibility", "namespace",
    "container_registry_image_prefix", "_links", "marked_for_deletion_at",
    "marked_for_deletion_on", "packages_enabled", "empty_repo", "archived", "owner",
    "resolve_outdated_diff_discussions", "container_expiration_policy",
    "repository_object_format", "issues_enabled", "merge_requests_enabled", "wiki_enabled",
    "jobs_enabled", "snippets_enabled", "container_registry_enabled", "service_desk_enabled",
    "service_desk_address", "can_create_merge_request_in", "issues_access_level",
    "repository_access_level", "merge_requests_access_level", "forking_access_level",
    "wiki_access_level", "builds_access_level", "snippets_access_level",
    "pages_access_level", "analytics_access_level", "container_registry_access_level",
    "security_and_compliance_access_level", "releases_access_level",
    "environments_access_level", "feature_flags_access_level", "infrastructure_access_level",
    "monitor_access_level", "model_experiments_access_level", "model_registry_access_level",
    "package_registry_access_level", "emails_disabled", "emails_enabled",
    "show_diff_preview_in_email", "shared_runners_enabled", "lfs_enabled", "creator_id",
    "import_url", "import_type", "import_status", "import_error", "open_issues_count",
    "updated_at", "ci_default_git_depth", "ci_delete_pipelines_in_seconds",
    "ci_forward_deployment_enabled", "ci_forward_deployment_rollback_allowed",
    "ci_job_token_scope_enabled", "ci_separated_caches",
    "ci_allow_fork_pipelines_to_run_in_parent_project", "ci_id_token_sub_claim_components",
    "build_git_strategy", "keep_latest_artifact", "restrict_user_defined_variables",
    "ci_pipeline_variables_minimum_override_role", "runner_token_expiration_interval",
    "group_runners_enabled", "resource_group_default_process_mode",
    "auto_cancel_pending_pipelines", "build_timeout", "auto_devops_enabled",
    "auto_devops_deploy_strategy", "ci_push_repository_for_job_token_allowed",
    "runners_token", "ci_config_path", "public_jobs", "shared_with_groups",
    "only_allow_merge_if_pipeline_succeeds", "allow_merge_on_skipped_pipeline",
    "request_access_enabled", "only_allow_merge_if_all_discussions_are_resolved",
    "remove_source_branch_after_merge", "printing_merge_request_link_enabled",
    "printing_merge_requests_link_enabled", "merge_method", "merge_request_title_regex",
    "merge_request_title_regex_description", "squash_option",
    "enforce_auth_checks_on_uploads", "suggestion_commit_message", "merge_commit_template",
    "mr_default_title_template", "squash_commit_template", "issue_branch_template",
    "warn_about_potentially_unwanted_characters", "autoclose_referenced_issues",
    "max_artifacts_size", "approvals_before_merge", "mirror",
    "external_authorization_classification_label", "requirements_enabled",
    "requirements_access_level", "security_and_compliance_enabled",
    "secret_push_protection_enabled", "pre_receive_secret_detection_enabled",
    "compliance_frameworks", "issues_template", "merge_requests_template",
    "ci_restrict_pipeline_cancellation_role", "merge_pipelines_enabled",
    "merge_trains_enabled", "merge_trains_skip_train_allowed",
    "max_pipelines_per_merge_train", "only_allow_merge_if_all_status_checks_passed",
    "allow_pipeline_trigger_approve_deployment", "prevent_merge_without_jira_issue",
    "duo_remote_flows_enabled", "duo_foundational_flows_enabled",
    "duo_sast_fp_detection_enabled", "duo_sast_vr_workflow_enabled",
    "web_based_commit_signing_enabled", "spp_repository_pipeline_access", "permissions",
    "license_url", "license", "repository_storage", "mirror_user_id", "mirror_trigger_builds",
    "only_mirror_protected_branches", "mirror_overwrites_diverged_branches", "statistics",
    "forked_from_project", "mr_default_target_self",
)

MERGE_REQUESTS = (
    "id", "iid", "project_id", "title", "description", "state", "imported", "imported_from",
    "merged_by", "merge_user", "merged_at", "merge_after", "prepared_at", "closed_by",
    "closed_at", "created_at", "updated_at", "target_branch", "source_branch", "upvotes",
    "downvotes", "author", "assignee", "assignees", "reviewers", "source_project_id",
    "target_project_id", "labels", "draft", "work_in_progress", "milestone",
    "merge_when_pipeline_succeeds", "merge_status", "detailed_merge_status", "sha",
    "merge_commit_sha", "squash_commit_sha", "user_notes_count", "discussion_locked",
    "should_remove_source_branch", "force_remove_source_branch", "web_url", "reference",
    "references", "time_stats", "squash", "squash_on_merge", "task_completion_status",
    "has_conflicts", "blocking_discussions_resolved", "approvals_before_merge",
)

ISSUES = (
    "project_id", "milestone", "author", "description", "state", "iid", "assignees",
    "assignee", "type", "labels", "upvotes", "downvotes", "merge_requests_count", "id",
    "title", "updated_at", "created_at", "closed_at", "closed_by", "user_notes_count",
    "due_date", "imported", "imported_from", "web_url", "references", "time_stats",
    "has_tasks", "task_status", "confidential", "discussion_locked", "issue_type", "severity",
    "_links", "task_completion_status",
)
ISSUES_PAID = ("weight", "epic_iid", "epic", "health_status", "iteration")

PIPELINES = (
    "id", "iid", "project_id", "status", "source", "ref", "sha", "name", "web_url",
    "created_at", "updated_at",
)

JOBS = (
    "commit", "coverage", "archived", "source", "allow_failure", "created_at", "started_at",
    "finished_at", "erased_at", "duration", "queued_duration", "artifacts_file", "artifacts",
    "artifacts_expire_at", "tag_list", "id", "name", "pipeline", "ref", "runner",
    "runner_manager", "stage", "status", "failure_reason", "tag", "web_url", "project", "user",
)

BRIDGES = (
    "commit", "coverage", "archived", "source", "allow_failure", "created_at", "started_at",
    "finished_at", "erased_at", "duration", "queued_duration", "id", "name", "pipeline",
    "ref", "stage", "status", "tag", "web_url", "project", "user", "downstream_pipeline",
)

MEMBERS = (
    "id", "username", "name", "state", "avatar_url", "web_url", "created_at", "created_by",
    "expires_at", "access_level", "group_saml_identity", "email",
)

FIELDS: dict[str, tuple[str, ...]] = {
    "projects": PROJECTS,
    "merge_requests": MERGE_REQUESTS,
    "issues": ISSUES + ISSUES_PAID,
    "pipelines": PIPELINES,
    "jobs": JOBS,
    "bridges": BRIDGES,
    "members": MEMBERS,
}
"""Every documented top-level field, by tap-gitlab stream."""

CONDITIONAL: dict[str, dict[str, str]] = {
    "projects": {
        "owner": "only for a project in a user's namespace, not a group's",
        "forked_from_project": "only for a fork",
        "mr_default_target_self": "only for a fork",
    },
    "jobs": {
        "artifacts_file": "only for a job with an artifacts archive",
        "failure_reason": "only for a failed job",
    },
    "members": {
        "email": "only for a group's enterprise users, shown to the group's owners",
    },
}
"""The documented fields GitLab sends only for some records, and when."""

ALSO_IN_SCHEMAS: dict[str, tuple[str, ...]] = {
    "merge_requests": ("allow_collaboration", "allow_maintainer_to_push", "description_html",
                       "title_html"),
    "issues": ("moved_to_id", "service_desk_reply_to"),
    "bridges": ("failure_reason",),
    "members": ("public_email", "locked", "membership_state"),
}
"""Fields the schemas declare beyond the lists above: documented for the same entity
elsewhere on the page (``allow_collaboration`` of a fork's merge request, the
``render_html`` fields of "List merge requests"; ``moved_to_id`` and
``service_desk_reply_to`` of the other issue examples), or sent by the entity these
endpoints use (a trigger job's ``failure_reason``, like a job's; a member's user fields;
``membership_state`` of earlier versions of the page), so that GitLab sending them loses
nothing."""


def every_kind_of_record(token: str = "glpat-sample") -> SampleGitLab:
    """A sample GitLab with every kind of record GitLab documents: child pipelines and
    the trigger jobs that started them, and a fork in a user's namespace (which has an
    ``owner``) shared with the group ``observes``."""
    data = SampleGitLab(projects=2, pipelines=30, token=token, trigger_every=4)
    data.add_project("ana.garcia/project-0", 6, forked_from=data.projects[0],
                     shared_with=["observes"])
    return data
