"""The HTTP layer every tap shares, for code outside singer-sdk's streams.

:class:`Client` sends requests to one source's API through an
:class:`~observes_singer.tapkit.session.OriginSession` (credentials stay on its origin),
retries under the one :class:`~observes_singer.tapkit.retry.RetryPolicy`, and turns
what fails for good into a :class:`~observes_singer.tapkit.errors.SourceError` whose
message names the source, what was read, the status and a hint.
:func:`send_with_retries` is the same loop around any function that sends one request.
singer-sdk streams get the same policy and errors from
:class:`~observes_singer.tapkit.rest.SourceStream`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import requests

from observes_singer.tapkit.errors import (
    ForeignHostError,
    no_answer_error,
    safe_path,
    status_error,
)
from observes_singer.tapkit.pacing import Pacing
from observes_singer.tapkit.paging import RepeatGuard
from observes_singer.tapkit.retry import NO_ANSWER, RetryPolicy
from observes_singer.tapkit.session import OriginSession

__all__ = ["Client", "send_with_retries"]

_logger = logging.getLogger("observes.tapkit")


def send_with_retries(send: Callable[[], requests.Response], *, source: str, where: str,
                      policy: RetryPolicy | None = None,
                      hints: Mapping[int, str] | None = None,
                      log: Callable[[str], None] | None = None) -> requests.Response:
    """Call ``send`` until it gets an answer that is not retried, waiting as ``policy``
    says in between. Returns a 2xx or 3xx response; raises :class:`SourceError` for any
    other status, or when the tries run out."""
    policy = policy or RetryPolicy.from_environment()
    hints = hints or {}
    say = log or _logger.warning
    tries = 0
    while True:
        tries += 1
        try:
            response = send()
        except NO_ANSWER as exc:
            if tries >= policy.max_tries:
                raise no_answer_error(source, where, exc, tries) from None
            wait = policy.wait(tries)
            say(f"no answer from {source} for {where}; retrying in {wait:.1f} s "
                f"(try {tries} of {policy.max_tries})")
            policy.sleep(wait)
            continue
        status = response.status_code
        if policy.retries(status) and tries < policy.max_tries:
            wait = policy.wait(tries, response)
            say(f"{status} from {source} for {where}; retrying in {wait:.1f} s "
                f"(try {tries} of {policy.max_tries})")
            policy.sleep(wait)
            continue
        if status >= 400:
            raise status_error(source, where, status, hints, response.reason or "", tries)
        return response


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class Client:
    """Requests to one source's API: ``base_url`` is its root (``api_url``).

    ``credentials`` are headers sent on every request, only to ``base_url``'s origin;
    ``hints`` say what to do about a status (401, 403, 404...) in this source's terms;
    ``pacing`` paces every request.
    """

    def __init__(self, base_url: str, *, source: str,
                 credentials: Mapping[str, str] | None = None,
                 credential_headers: Sequence[str] = (),
                 hints: Mapping[int, str] | None = None,
                 policy: RetryPolicy | None = None, timeout: float = 60,
                 url_setting: str = "api_url", pacing: Pacing | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.source = source
        self.hints = dict(hints or {})
        self.policy = policy or RetryPolicy.from_environment()
        self.timeout = timeout
        self.log = log
        names = ("Authorization", *(credentials or {}), *credential_headers)
        self.session = OriginSession(self.base_url, source=source, credentials=credentials,
                                     credential_headers=tuple(dict.fromkeys(names)),
                                     url_setting=url_setting, pacing=pacing)

    def url(self, path_or_url: str) -> str:
        """A path under ``base_url``, or an absolute URL (a next-page link) as it is."""
        if "://" in path_or_url:
            return path_or_url
        return self.base_url + "/" + path_or_url.lstrip("/")

    def request(self, method: str, path_or_url: str, *, resource: str = "",
                hints: Mapping[int, str] | None = None, **kwargs: Any) -> requests.Response:
        """One request, retried under the policy. ``resource`` says what is read, in the
        user's terms ("project group/app"); errors name it, then the method and path."""
        url = self.url(path_or_url)
        request_line = f"{method} {safe_path(url)}"
        where = f"{resource} ({request_line})" if resource else request_line
        kwargs.setdefault("timeout", self.timeout)
        try:
            return send_with_retries(
                lambda: self.session.request(method, url, **kwargs), source=self.source,
                where=where, policy=self.policy, hints={**self.hints, **(hints or {})},
                log=self.log)
        except ForeignHostError as exc:
            if not resource:
                raise
            raise ForeignHostError(f"{resource}: {exc}", source=self.source) from None

    def get(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path_or_url, **kwargs)

    def pages(self, path_or_url: str, *, params: Any = None, keys: Sequence[str] = ("id",),
              **kwargs: Any) -> Iterator[requests.Response]:
        """Each page of a listing, following ``Link: rel="next"`` (the next link carries
        the query, so ``params`` go with the first request only). A page whose JSON
        array repeats the page before (its records' ``keys`` the same) is a
        :class:`~observes_singer.tapkit.paging.RepeatedPageError`, not yielded."""
        url: str | None = path_or_url
        guard = RepeatGuard(self.source, keys)
        resource = kwargs.get("resource") or ""
        while url:
            response = self.request("GET", url, params=params, **kwargs)
            body = _json_or_none(response)
            if isinstance(body, list):
                path = safe_path(response.url or url)
                guard.check(body, f"{resource} ({path})" if resource else path)
            yield response
            url, params = response.links.get("next", {}).get("url"), None

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
