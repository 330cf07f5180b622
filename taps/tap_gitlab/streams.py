"""GitLab REST API v4 streams, one partition (and one bookmark) per project."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import requests
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.pagination import HeaderLinkPaginator

from observes_singer.tapkit.budget import RunBudget
from observes_singer.tapkit.rest import SourceStream
from tap_gitlab.session import (
    CREDENTIAL_HEADERS,
    DEFAULT_API_URL,
    GROUP_HINTS,
    HINTS,
    SOURCE,
    gitlab_client,
)


class BoundedPaginator(HeaderLinkPaginator):
    """Follows GitLab's ``Link: rel="next"``, stopping once ``budget`` (one partition's)
    has read ``max_pages`` pages."""

    def __init__(self, budget: RunBudget) -> None:
        super().__init__()
        self.budget = budget

    @property
    def pages(self) -> int:
        return self.budget.pages

    def has_more(self, response: requests.Response) -> bool:
        self.budget.page_read()
        if self.budget.out_of_pages():
            return False
        return super().has_more(response)


@dataclass(frozen=True)
class Restart:
    """Start the query again from this ``updated_after`` instead of turning the page."""

    updated_after: str


class UpdatedPaginator(BoundedPaginator):
    """GitLab stops offset pagination past a point (50,000 records on GitLab.com): before
    that, every ``restart_after`` pages, the query starts again from the last record's
    ``updated_at`` (less a second, so that ties at the boundary are read again, not lost;
    the target's upsert folds the repeats)."""

    def __init__(self, budget: RunBudget, restart_after: int) -> None:
        super().__init__(budget)
        self.restart_after = restart_after
        self.query_pages = 0

    def get_next(self, response: requests.Response) -> Any:
        following = super().get_next(response)
        self.query_pages += 1
        if following is None or self.query_pages < self.restart_after:
            return following
        rows = response.json()
        if not rows:
            return following
        last = datetime.fromisoformat(rows[-1]["updated_at"].replace("Z", "+00:00"))
        self.query_pages = 0
        return Restart((last - timedelta(seconds=1)).isoformat())


class GitLabStream(SourceStream):
    """Retries, waits and errors are the tap kit's (:class:`SourceStream`); errors name
    the project and the stream, with GitLab's hint for 401, 403 and 404.

    Every stream with a partition per project reads up to ``max_concurrent_requests``
    projects at once (``prefetch_partitions``): nothing of a project's reading is kept on
    the stream (the delivery streams keep theirs on the reading thread, and write the
    project's state through its ``PartitionReading``); ``jobs`` and ``bridges`` read the
    pipelines' as the pipelines are read (``prefetch_contexts``)."""

    source = SOURCE
    credential_headers = CREDENTIAL_HEADERS
    hints = HINTS
    default_url = DEFAULT_API_URL
    schema_package = "tap_gitlab"
    records_jsonpath = "$[*]"
    resource = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget.start()  # max_duration counts from the stream's making, at discovery

    @property
    def path(self) -> str:  # type: ignore[override]
        base = "/projects/{project_path}"
        return f"{base}/{self.resource}" if self.resource else base

    @property
    def authenticator(self) -> APIKeyAuthenticator:
        return APIKeyAuthenticator(key="PRIVATE-TOKEN",
                                   value=str(self.config["private_token"]), location="header")

    @property
    def partitions(self) -> list[dict[str, Any]]:
        """One per project; singer-sdk adds ``project_path`` to each record, and encodes it
        in the URL."""
        return [{"project_path": p} for p in self._tap.project_paths()]  # type: ignore[attr-defined]

    def get_new_paginator(self) -> BoundedPaginator:
        return BoundedPaginator(self.budget.part())

    def get_url_params(self, context: Mapping[str, Any] | None,
                       next_page_token: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"per_page": 100}
        if next_page_token:
            params.update(parse_qsl(next_page_token.query))
        return params

    def describe(self, request: requests.PreparedRequest | None) -> str:
        """``project group/app (pipelines)`` or ``group g (group_projects)``: what the
        request's path reads, the first of a group or a project."""
        path = (request.path_url if request is not None else "").split("?")[0]
        for kind in ("groups", "projects"):
            parts = path.split(f"/{kind}/", 1)
            if len(parts) > 1:
                return f"{kind[:-1]} {unquote(parts[1].split('/')[0])} ({self.name})"
        return f"project ? ({self.name})"

    def request_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        for record in super().request_records(context):
            yield record
            if self.budget.out_of_time():
                self.logger.info("max_duration reached for %s; the next run resumes here",
                                 self.name)
                return


class StatisticsRefused(Exception):
    """GitLab answered a project's ``statistics=true`` with 401 or 403."""

    def __init__(self, status: int) -> None:
        super().__init__(f"GitLab answered {status} to statistics=true")
        self.status = status


class ProjectsStream(GitLabStream):
    """``GET /projects/:id`` with ``license=true`` and ``statistics=true``. Statistics need
    the Reporter role or more: GitLab leaves them out for a token with less, but should it
    answer ``statistics=true`` with 401 or 403 instead, that project is read once more
    without them, with a warning, rather than failing (a 401 or 403 without statistics
    fails as any other does).
    ``runners_token`` (a runner registration secret GitLab shows to owners) is always
    written as null."""

    name = "projects"
    primary_keys = ("id",)
    records_jsonpath = "$"
    prefetch_partitions = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._without_statistics: set[str] = set()

    def get_url_params(self, context: Mapping[str, Any] | None,
                       next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        params["license"] = "true"
        if (context or {}).get("project_path") not in self._without_statistics:
            params["statistics"] = "true"
        return params

    def validate_response(self, response: requests.Response) -> None:
        if response.status_code in (401, 403) and _asks_statistics(response.request):
            raise StatisticsRefused(response.status_code)
        super().validate_response(response)

    def get_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        project = str((context or {}).get("project_path"))
        try:
            yield from super().get_records(context)
        except StatisticsRefused as refused:
            self.logger.warning("project %s: GitLab answered %s to statistics=true "
                                "(statistics need the Reporter role or more); reading the "
                                "project without them", project, refused.status)
            self._without_statistics.add(project)
            yield from super().get_records(context)

    def post_process(self, row: dict[str, Any],
                     context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if "runners_token" in row:
            row["runners_token"] = None
        return row


def _asks_statistics(request: requests.PreparedRequest | None) -> bool:
    query = urlsplit(request.url or "").query if request is not None else ""
    return ("statistics", "true") in parse_qsl(query)


class UpdatedStream(GitLabStream):
    """Pipelines, merge requests, issues: ``updated_after``, oldest change first."""

    primary_keys = ("id",)
    replication_key = "updated_at"
    is_sorted = True
    check_sorted = False  # a restarted query reads the last second again

    def get_new_paginator(self) -> UpdatedPaginator:
        return UpdatedPaginator(self.budget.part(),
                                int(self.config.get("offset_page_limit") or 400))

    def get_url_params(self, context: Mapping[str, Any] | None,
                       next_page_token: Any) -> dict[str, Any]:
        if isinstance(next_page_token, Restart):
            return {"per_page": 100, "order_by": "updated_at", "sort": "asc",
                    "updated_after": next_page_token.updated_after}
        params = super().get_url_params(context, next_page_token)
        if not next_page_token:
            params.update({"order_by": "updated_at", "sort": "asc"})
            start = self.get_starting_replication_key_value(context) or \
                self.config.get("start_date")
            if start:
                params["updated_after"] = start
        return params


CHILD_PIPELINES = "parent_pipeline"
"""The ``source`` of child pipelines, which GitLab lists only when asked for by it."""


class PipelinesStream(UpdatedStream):
    """A project's pipelines, in two partitions with a bookmark each: those GitLab lists
    by default (the partition ``{"project_path": ...}``, as before child pipelines were
    read, so that those bookmarks resume where they were), then its child pipelines,
    which GitLab lists only with ``source=parent_pipeline`` (the partition
    ``{"project_path": ..., "source": "parent_pipeline"}``). The jobs and trigger jobs
    of both are read."""

    name = "pipelines"
    resource = "pipelines"
    prefetch_partitions = True

    @property
    def partitions(self) -> list[dict[str, Any]]:
        return [partition for path in self._tap.project_paths()  # type: ignore[attr-defined]
                for partition in ({"project_path": path},
                                  {"project_path": path, "source": CHILD_PIPELINES})]

    def get_url_params(self, context: Mapping[str, Any] | None,
                       next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        if (context or {}).get("source"):
            params["source"] = (context or {})["source"]
        return params

    def get_child_context(self, record: dict[str, Any],
                          context: Mapping[str, Any] | None) -> dict[str, Any]:
        return {"project_path": (context or {})["project_path"], "pipeline_id": record["id"]}


class MergeRequestsStream(UpdatedStream):
    name = "merge_requests"
    resource = "merge_requests"
    prefetch_partitions = True

    def get_url_params(self, context: Mapping[str, Any] | None,
                       next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        params.setdefault("state", "all")
        return params


class IssuesStream(MergeRequestsStream):
    name = "issues"
    resource = "issues"


class MembersStream(GitLabStream):
    name = "members"
    resource = "members/all"
    primary_keys = ("project_path", "id")
    prefetch_partitions = True


class PipelineChildStream(GitLabStream):
    """What a changed pipeline (parent or child) holds, fetched again each time the
    pipeline changes.

    GitLab bumps a pipeline's ``updated_at`` whenever one of its jobs changes status,
    so a job that was running at the last run is fetched again once it finishes,
    and the pipelines' bookmarks are the only ones these streams need.
    """

    primary_keys = ("id",)
    parent_stream_type = PipelinesStream
    state_partitioning_keys: list[str] = []
    prefetch_contexts = True  # a pipeline's jobs and bridges are read as pipelines come

    def get_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        _, records = self.reading(context)
        yield from records

    def post_process(self, row: dict[str, Any],
                     context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        # No state partition here (the pipelines' bookmarks cover these), so singer-sdk
        # does not add the context to the records: do it.
        row.setdefault("project_path", (context or {}).get("project_path"))
        row.setdefault("pipeline_id", (context or {}).get("pipeline_id"))
        return row

    @property
    def partitions(self) -> None:  # type: ignore[override]
        return None


class JobsStream(PipelineChildStream):
    """A changed pipeline's jobs, retried ones included."""

    name = "jobs"
    resource = "pipelines/{pipeline_id}/jobs"

    def get_url_params(self, context: Mapping[str, Any] | None,
                       next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        params["include_retried"] = "true"
        return params


class BridgesStream(PipelineChildStream):
    """A changed pipeline's trigger jobs (bridges), each with the ``downstream_pipeline``
    it started."""

    name = "bridges"
    resource = "pipelines/{pipeline_id}/bridges"


STREAMS = [ProjectsStream, PipelinesStream, JobsStream, BridgesStream, MergeRequestsStream,
           IssuesStream, MembersStream]


def list_group_projects(config: Mapping[str, Any], group: str) -> list[str]:
    """The paths of a group's projects, subgroups included, archived ones left out.

    GitLab pages this listing by offset only (it ignores ``pagination=keyset`` here), so
    the pages are followed by their ``Link: rel="next"``, oldest project first, so that
    one created meanwhile only adds to the end. GitLab also lists the projects other
    namespaces share with the group unless ``with_shared=false``: they are left out
    unless ``include_shared_projects``.
    """
    api = str(config.get("api_url") or DEFAULT_API_URL)
    shared = "true" if config.get("include_shared_projects") else "false"
    params = {"include_subgroups": "true", "with_shared": shared, "archived": "false",
              "order_by": "id", "sort": "asc", "per_page": 100}
    with gitlab_client(api, str(config["private_token"]), hints=GROUP_HINTS) as client:
        return [project["path_with_namespace"]
                for page in client.pages(f"/groups/{quote(group, safe='')}/projects",
                                         params=params, resource=f"group {group}")
                for project in page.json()]
