"""Time Doctor's streams: what they share, and the company's users, projects and tasks.

Every request carries ``Authorization: JWT <token>`` (to ``api_url``'s origin only) and
the company as the ``company`` query parameter (:mod:`tap_timedoctor.session`). Answers
are ``{"data": [...]}``; listings are paged by ``limit`` and ``page``, pages counted from
0, with no total nor link: a page shorter than ``limit`` is the last.

``users`` (``GET /users``, archived users included), ``projects`` (``GET /projects``,
``all=true``: every project, not only the caller's) and ``tasks`` (``GET /tasks``) are
read whole each run: the target replaces them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

import requests

from observes_singer.tapkit.paging import NumberedPaginator
from observes_singer.tapkit.rest import SourceStream
from tap_timedoctor.periods import Period
from tap_timedoctor.session import DEFAULT_API_URL, HINTS, SOURCE, timedoctor_retry_policy

if TYPE_CHECKING:
    from tap_timedoctor.tap import TapTimeDoctor

Record = dict[str, Any]
Context = Mapping[str, Any]
PAGE_SIZE = 200
"""Records asked for per page."""


def rows(response: requests.Response) -> int:
    """How many records a page holds: ``data`` is a list of records, or of one list of
    records per user asked for (``/activity/...``)."""
    data = response.json().get("data")
    if not isinstance(data, list):
        return 0
    if data and all(isinstance(item, list) for item in data):
        return sum(len(item) for item in data)
    return len(data)


class PagePaginator(NumberedPaginator):
    """Pages 0, 1, 2, ... until one holds fewer than ``size`` records."""

    def __init__(self, size: int = PAGE_SIZE) -> None:
        super().__init__(size=size, first=0, rows=rows)


class TimeDoctorStream(SourceStream):
    """A stream of one Time Doctor company: its token, company, hints and retries."""

    source: ClassVar[str] = SOURCE
    credential_headers: ClassVar[tuple[str, ...]] = ("Authorization",)
    hints: ClassVar[Mapping[int, str]] = HINTS
    default_url = DEFAULT_API_URL
    schema_package = "tap_timedoctor"
    retry_policy = timedoctor_retry_policy()
    records_jsonpath = "$.data[*]"

    @property
    def timedoctor(self) -> TapTimeDoctor:
        return cast("TapTimeDoctor", self._tap)

    @property
    def http_headers(self) -> dict[str, Any]:
        headers = dict(super().http_headers)
        headers["Authorization"] = self.timedoctor.access.authorization
        return headers

    @property
    def period(self) -> Period:
        return self.timedoctor.period

    def company_params(self) -> dict[str, Any]:
        return {"company": self.timedoctor.access.company_id}


class CompanyListing(TimeDoctorStream):
    """A listing of the company's, read whole each run, page by page."""

    primary_keys = ("id",)
    extra_params: ClassVar[Mapping[str, str]] = {}

    def get_new_paginator(self) -> PagePaginator:
        return PagePaginator()

    def get_url_params(self, context: Context | None, next_page_token: Any
                       ) -> dict[str, Any]:
        return {**self.company_params(), **self.extra_params, "limit": PAGE_SIZE,
                "page": next_page_token or 0}


class UsersStream(CompanyListing):
    """``GET /users``: the company's users, archived ones too (their worklogs stay)."""

    name = "users"
    path = "/users"
    extra_params = {"include-archived-users": "true"}


class ProjectsStream(CompanyListing):
    """``GET /projects?all=true``: every project of the company."""

    name = "projects"
    path = "/projects"
    extra_params = {"all": "true"}


class TasksStream(CompanyListing):
    """``GET /tasks``: every task; ``project.id`` names its project."""

    name = "tasks"
    path = "/tasks"


COMPANY_STREAMS: list[type[CompanyListing]] = [UsersStream, ProjectsStream, TasksStream]
