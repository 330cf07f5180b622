"""The tap kit in singer-sdk's REST streams: the one retry policy, session and errors,
and what every source's streams otherwise repeat (base URL, schemas, run budget).

:class:`SourceStream` wires :class:`~observes_singer.tapkit.retry.RetryPolicy` into
singer-sdk's own hooks: ``validate_response`` raises ``RetriableAPIError`` for what the
policy retries and a :class:`~observes_singer.tapkit.errors.SourceError` (a
``FatalAPIError``) with the tap's hint for any other failure; ``backoff_max_tries`` and
``backoff_wait_generator`` are the policy's (``Retry-After``, reset headers, capped
exponential backoff with its own jitter, so ``backoff_jitter`` adds none); and
``request_decorator`` turns the failure that outlasts the tries into a ``SourceError``
too, so that a run always ends on one line naming the source, what was read and why.
The session is an :class:`~observes_singer.tapkit.session.OriginSession`: the
credential headers go to ``url_base``'s origin only, and every request waits as
:meth:`SourceStream.request_pacing` says (by default, not at all).

``url_base`` is the ``url_setting`` setting (``api_url``), else the tap's ``default_url``,
without a trailing slash; ``schema`` is ``<schema_package>/schemas/<stream name>.json``
(:mod:`observes_singer.tapkit.schemas`) unless the stream is given one; ``budget`` is the
stream's :class:`~observes_singer.tapkit.budget.RunBudget` (``max_pages``,
``max_duration``).

Every page of a listing is checked against the one before it
(:class:`~observes_singer.tapkit.paging.RepeatGuard`, the records compared by the
stream's primary keys): a source that ignores the page asked for, or keeps saying more
follow, stops the run with an error naming the source, the stream, the path and the
page, before the repeated records are emitted, instead of reading the same page forever.
"""

from __future__ import annotations

import functools
from collections.abc import Generator, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

import requests
from singer_sdk.exceptions import ConfigValidationError, RetriableAPIError
from singer_sdk.streams import RESTStream

from observes_singer.tapkit import schemas
from observes_singer.tapkit.budget import RunBudget
from observes_singer.tapkit.errors import no_answer_error, safe_path, status_error
from observes_singer.tapkit.pacing import Pacing
from observes_singer.tapkit.paging import RepeatGuard
from observes_singer.tapkit.retry import NO_ANSWER, RetryPolicy
from observes_singer.tapkit.session import OriginSession

if TYPE_CHECKING:
    from backoff.types import Details
    from singer_sdk import Tap
    from singer_sdk.helpers.types import RequestFunc

    from observes_singer.tapkit.tap import SourceTap


class SourceStream(RESTStream[Any]):
    """A singer-sdk REST stream of one source. Set ``source`` ("GitLab"),
    ``credential_headers`` (those the authenticator sends), ``hints`` per status,
    ``default_url`` (the API root when ``url_setting`` is not set) and ``schema_package``
    (the package whose ``schemas/`` hold the streams' schemas), and override
    :meth:`describe` to name what a request reads in the user's terms."""

    source: ClassVar[str] = "the source"
    credential_headers: ClassVar[tuple[str, ...]] = ("Authorization",)
    url_setting: ClassVar[str] = "api_url"
    default_url: ClassVar[str | None] = None
    schema_package: ClassVar[str | None] = None
    hints: ClassVar[Mapping[int, str]] = {}
    retry_policy: ClassVar[RetryPolicy] = RetryPolicy.from_environment()

    def __init__(self, tap: Tap, name: str | None = None,
                 schema: dict[str, Any] | None = None, path: str | None = None) -> None:
        if schema is None and self.schema_package is not None:
            schema = schemas.schema(self.schema_package, name or self.name)
        super().__init__(tap, name=name, schema=schema, path=path)
        self.budget = RunBudget.from_config(self.config)
        """This stream's ``max_pages`` and ``max_duration``; its clock starts at the first
        question asked of it, unless the stream starts it earlier."""
        self.pages_read = self.repeat_guard()
        """The pages of the listing being read, each checked against the one before."""

    @property
    def url_base(self) -> str:
        url = self.config.get(self.url_setting) or self.default_url
        if not url:
            raise ConfigValidationError(f"{self.url_setting}: required, the root of "
                                        f"{self.source}'s API")
        return str(url).rstrip("/")

    @property
    def requests_session(self) -> requests.Session:
        if not isinstance(self._requests_session, OriginSession):
            self._requests_session = OriginSession(
                self.url_base, source=self.source, credential_headers=self.credential_headers,
                url_setting=self.url_setting, pacing=self.request_pacing())
        return self._requests_session

    @property
    def run_started(self) -> datetime:
        """The run's "now", the same for every stream (the tap's
        :attr:`~observes_singer.tapkit.tap.SourceTap.run_started`)."""
        return cast("SourceTap", self._tap).run_started

    def request_pacing(self) -> Pacing | None:
        """The pacing of this stream's requests: one object shared by all the streams of a
        tap (the source counts the whole run's requests), or None for none."""
        return None

    def describe(self, request: requests.PreparedRequest | None) -> str:
        """What ``request`` reads, for messages: by default the stream and the path."""
        path = safe_path(request.url or "") if request is not None else self.path
        return f"{self.name} ({path})"

    def repeat_guard(self) -> RepeatGuard:
        """A listing's guard against a page that repeats the previous one. Empty pages
        are not compared: a cursor may lead through several, and page numbers end at
        the first."""
        return RepeatGuard(self.source, self.primary_keys or (), empty_pages_repeat=False)

    def request_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        self.pages_read = self.repeat_guard()
        yield from super().request_records(context)

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        """The page's records, once they are known not to repeat the page before."""
        records = list(super().parse_response(response))
        self.pages_read.check(records, self.describe(response.request))
        return records

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if self.retry_policy.retries(status):
            where = self.describe(response.request)
            raise RetriableAPIError(f"{status} from {self.source} for {where}", response)
        if status >= 400:
            raise status_error(self.source, self.describe(response.request), status,
                               self.hints, response.reason or "")

    def backoff_max_tries(self) -> int:
        return self.retry_policy.max_tries

    def backoff_wait_generator(self) -> Generator[float, None, None]:
        return self.retry_policy.wait_generator()

    def backoff_jitter(self, value: float) -> float:
        """None added: the policy jitters its own backoff, and a wait the source asked
        for is kept as asked."""
        return value

    def backoff_handler(self, details: Details) -> None:
        failure = details.get("exception")
        response = getattr(failure, "response", None)
        what = (f"{response.status_code} from {self.source}"
                if isinstance(response, requests.Response) else f"no answer from {self.source}")
        where = self.describe(response.request if isinstance(response, requests.Response)
                              else None)
        self.logger.warning("%s for %s; retrying in %.1f s (try %d of %d)", what, where,
                            details.get("wait", 0.0), details.get("tries", 0),
                            self.retry_policy.max_tries)

    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        retried = super().request_decorator(func)

        @functools.wraps(func)
        def request(prepared_request: requests.PreparedRequest,
                    context: Mapping[str, Any] | None) -> requests.Response:
            tries = self.retry_policy.max_tries
            try:
                return retried(prepared_request, context)
            except RetriableAPIError as exc:
                response = exc.response
                if response is None:
                    raise
                raise status_error(self.source, self.describe(prepared_request),
                                   response.status_code, self.hints, response.reason or "",
                                   tries) from None
            except NO_ANSWER as exc:
                raise no_answer_error(self.source, self.describe(prepared_request), exc,
                                      tries) from None

        return request
