"""Time Doctor's streams: what they share, and the company's users, projects and tasks.

Every request carries ``Authorization: JWT <token>`` (to ``api_url``'s origin only) and
the company as the ``company`` query parameter (:mod:`tap_timedoctor.session`). Answers
are ``{"data": [...]}``; listings are paged by ``limit`` and ``page``: each answer carries
the next page's token in its paging object (``paging.next``, or ``page.next`` on
``/users`` and ``/projects``), which the tap sends back as ``page``; an answer without one
is the last page. The token is no page number (a public client calls ``page`` the number
of results to skip): counting pages instead reads them overlapping. A page holding any
record of the page before (by the stream's key) stops the run with an error naming the
stream and the page, before those records are emitted again.

``users`` (``GET /users``, archived users included), ``projects`` (``GET /projects``,
``all=true``: every project, not only the caller's) and ``tasks`` (``GET /tasks``) are
read whole each run: the target replaces them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

from observes_singer.tapkit.paging import NextTokenPaginator, RepeatGuard
from observes_singer.tapkit.rest import SourceStream
from tap_timedoctor.periods import Period
from tap_timedoctor.session import DEFAULT_API_URL, HINTS, SOURCE, timedoctor_retry_policy

if TYPE_CHECKING:
    from tap_timedoctor.tap import TapTimeDoctor

Record = dict[str, Any]
Context = Mapping[str, Any]
PAGE_SIZE = 200
"""Records asked for per page."""


class PageTokenPaginator(NextTokenPaginator):
    """The token the answer carries in ``paging.next``, else in ``page.next``."""

    def __init__(self) -> None:
        super().__init__("paging.next", "page.next", source=SOURCE)


def page_params(next_page_token: Any) -> dict[str, Any]:
    """``limit``, and ``page`` with the token of every page but the first."""
    page = {} if next_page_token is None else {"page": next_page_token}
    return {"limit": PAGE_SIZE, **page}


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

    def repeat_guard(self) -> RepeatGuard:
        """A page that holds any record of the page before stops the listing."""
        return RepeatGuard(self.source, self.primary_keys or (), empty_pages_repeat=False,
                           overlap=True)

    def company_params(self) -> dict[str, Any]:
        return {"company": self.timedoctor.access.company_id}


class CompanyListing(TimeDoctorStream):
    """A listing of the company's, read whole each run, page by page."""

    primary_keys = ("id",)
    extra_params: ClassVar[Mapping[str, str]] = {}

    def get_new_paginator(self) -> PageTokenPaginator:
        return PageTokenPaginator()

    def get_url_params(self, context: Context | None, next_page_token: Any
                       ) -> dict[str, Any]:
        return {**self.company_params(), **self.extra_params,
                **page_params(next_page_token)}


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
