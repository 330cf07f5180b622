"""tap-gitlab: projects, pipelines, jobs, merge requests, issues and members."""

from __future__ import annotations

from singer_sdk import Tap
from singer_sdk import typing as th

from tap_gitlab.streams import DEFAULT_API_URL, STREAMS, GitLabStream


class TapGitLab(Tap):
    name = "tap-gitlab"
    config_jsonschema = th.PropertiesList(
        th.Property("api_url", th.StringType, default=DEFAULT_API_URL,
                    description="GitLab's REST API v4 root; any self-hosted instance works"),
        th.Property("private_token", th.StringType, required=True, secret=True,
                    description="A token with read_api, sent as PRIVATE-TOKEN"),
        th.Property("projects", th.ArrayType(th.StringType), required=True,
                    description="Project paths (group/project) or ids"),
        th.Property("start_date", th.DateTimeType,
                    description="Only what changed since then, on a first run"),
        th.Property("max_pages", th.IntegerType,
                    description="Pages per stream and project in one run; the next run "
                    "resumes where this one stopped"),
        th.Property("max_duration", th.NumberType,
                    description="Seconds a stream may run before it stops cleanly"),
    ).to_dict()

    def discover_streams(self) -> list[GitLabStream]:
        return [stream(tap=self) for stream in STREAMS]


def main() -> None:
    TapGitLab.cli()


if __name__ == "__main__":
    main()
