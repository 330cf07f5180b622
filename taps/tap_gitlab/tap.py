"""tap-gitlab: projects, pipelines, jobs, merge requests, issues and members."""

from __future__ import annotations

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from observes_singer.tapkit.budget import budget_settings
from observes_singer.tapkit.cli import tap_main
from observes_singer.tapkit.prefetch import concurrency_setting
from observes_singer.tapkit.tap import SourceTap
from tap_gitlab.delivery_streams import DELIVERY_STREAMS
from tap_gitlab.group_streams import GroupProjectsStream
from tap_gitlab.session import DEFAULT_API_URL
from tap_gitlab.streams import STREAMS, GitLabStream, list_group_projects


class TapGitLab(SourceTap):
    """GitLab projects, pipelines (child pipelines too), jobs, trigger jobs, merge requests,
    issues, members, commits, deployments, environments, releases, tags, branches,
    milestones, labels and group projects, read differentially where GitLab allows."""

    name = "tap-gitlab"
    config_jsonschema = th.PropertiesList(
        th.Property("api_url", th.StringType, default=DEFAULT_API_URL,
                    description="GitLab's REST API v4 root; any self-hosted instance works"),
        th.Property("private_token", th.StringType, required=True, secret=True,
                    description="A token with read_api, sent as PRIVATE-TOKEN"),
        th.Property("projects", th.ArrayType(th.StringType),
                    description="Project paths (group/project) or ids"),
        th.Property("groups", th.ArrayType(th.StringType),
                    description="Groups whose projects (subgroups included) are extracted"),
        th.Property("include_shared_projects", th.BooleanType, default=False,
                    description="Also extract the projects other groups and users share "
                    "with the groups (GitLab's with_shared); by default only the groups' "
                    "own projects and their subgroups' are read"),
        th.Property("start_date", th.DateTimeType,
                    description="Only what changed since then, on a first run"),
        *budget_settings(
            "Pages per stream and project in one run",
            "Seconds a stream may run before it stops cleanly"),
        th.Property("offset_page_limit", th.IntegerType(minimum=1), default=400,
                    description="Pages of one offset-paged query before it restarts from the "
                    "last record's updated_at (GitLab caps offset paging)"),
        concurrency_setting("projects (every stream read per project; the pipelines' "
                            "jobs and bridges as the pipelines come)"),
    ).to_dict()

    _projects: list[str] | None = None

    def discover_streams(self) -> list[GitLabStream]:
        kinds: list[type[GitLabStream]] = [*STREAMS, *DELIVERY_STREAMS, GroupProjectsStream]
        return [stream(tap=self) for stream in kinds]

    def project_paths(self) -> list[str]:
        """The configured projects, then every project of the configured groups, once."""
        if self._projects is None:
            found = [str(p) for p in self.config.get("projects") or []]
            for group in self.config.get("groups") or []:
                found += [p for p in list_group_projects(self.config, group) if p not in found]
            if not found:
                raise ConfigValidationError("tap-gitlab needs projects or groups to read")
            self._projects = found
        return self._projects


def main() -> None:
    tap_main(TapGitLab)


if __name__ == "__main__":
    main()
