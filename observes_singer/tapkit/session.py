"""A requests session bound to one origin: credentials never leave it.

requests, following a redirect to another host, drops only ``Authorization``
(``Session.rebuild_auth``): a custom credential header (GitLab's ``PRIVATE-TOKEN``, an
``X-Api-Key``) would go along. :class:`OriginSession` therefore refuses any request that
carries one of the source's credential headers to an origin (scheme, host and port)
other than its base URL's: a redirect there (301, 302, 303, 307, 308, ``http://`` to
``https://`` included) is an error naming both origins, and so is a next-page link
pointing there. Redirects within the origin are followed as usual.

Refusing, rather than following without the credential as curl does, is deliberate: an
API that sends its clients elsewhere has moved, and the request sent on without the
credential would only come back as a 401 that blames the credential.

Given a :class:`~observes_singer.tapkit.pacing.Pacing`, the session waits as it says
before sending each request (a retry and a redirect followed included), so that the
source never sees more requests than its rate limit allows.

Every answer is a :class:`SourceResponse`: its ``json()`` raises a
:class:`~observes_singer.tapkit.errors.NotJSONError` naming the source, the request, the
content type and the first bytes, where requests' own error says only where the parser
stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import urlsplit

import requests

from observes_singer.tapkit.errors import ForeignHostError, not_json_error, safe_path
from observes_singer.tapkit.pacing import Pacing

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, the port always written (default by scheme)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "(an invalid URL)"
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port or _DEFAULT_PORTS.get(scheme, 0)}"


class SourceResponse(requests.Response):
    """An answer of ``source``, whose body is JSON or a :class:`NotJSONError`."""

    source = "the source"

    def json(self, **kwargs: Any) -> Any:
        try:
            return super().json(**kwargs)
        except ValueError:
            raise not_json_error(self.source, self) from None


class RequestSlots:
    """At most ``size`` requests in flight at once, across every thread and session that
    shares this object. A thread takes one slot for a request and the redirects it
    follows.

    :meth:`hold` stops every thread's next request until a moment: a source's rate limit
    counts the whole account, so when one reader is answered 429 and waits, the others
    wait too, rather than each running into the limit on its own and spending its tries.
    """

    def __init__(self, size: int, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if size < 1:
            raise ValueError(f"requests in flight: 1 or more, not {size}")
        self.size = size
        self._slots = threading.BoundedSemaphore(size)
        self._held = threading.local()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._not_before = 0.0
        self.waited = 0.0
        """Seconds requests spent waiting on :meth:`hold`, all threads together."""

    def hold(self, seconds: float) -> None:
        """No request of any thread sharing these slots goes out before ``seconds`` from
        now (a later hold already asked for stands)."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def _wait_for_hold(self) -> None:
        while True:
            with self._lock:
                due = self._not_before - self._clock()
                if due <= 0:
                    return
                self.waited += due
            self._sleep(due)

    @contextmanager
    def slot(self) -> Iterator[None]:
        depth = getattr(self._held, "depth", 0)
        if depth == 0:
            self._slots.acquire()
        self._held.depth = depth + 1
        try:
            if depth == 0:
                self._wait_for_hold()
            yield
        finally:
            self._held.depth = depth
            if depth == 0:
                self._slots.release()


class OriginSession(requests.Session):
    """A session bound to ``base_url``'s origin.

    ``credentials`` are headers sent on every request (and only to that origin);
    ``credential_headers`` names every header that counts as a credential, whoever set
    it (a singer-sdk authenticator adds its own). ``url_setting`` is the setting the
    user changes when the source moves, named in the errors. ``slots``, shared by the
    sessions of a tap, bounds the requests in flight at once. ``pacing`` paces every
    request sent.
    """

    def __init__(self, base_url: str, *, source: str,
                 credentials: Mapping[str, str] | None = None,
                 credential_headers: Sequence[str] = ("Authorization",),
                 url_setting: str = "api_url", pacing: Pacing | None = None,
                 slots: RequestSlots | None = None) -> None:
        super().__init__()
        self.base_url = base_url
        self.pacing = pacing
        self.slots = slots
        self.origin = origin(base_url)
        self.source = source
        self.url_setting = url_setting
        self.credential_headers = tuple(credential_headers)
        for name, value in (credentials or {}).items():
            self.headers[name] = value

    def rebuild_auth(self, prepared_request: requests.PreparedRequest,
                     response: requests.Response) -> None:
        """Called by requests before it follows a redirect: refuse to leave the origin."""
        target = origin(prepared_request.url or "")
        if target != self.origin and self.carries_credentials(prepared_request):
            setting = self.url_setting
            raise ForeignHostError(
                f"{self.source} answered {prepared_request.method} "
                f"{safe_path(response.url or '')} with a redirect ({response.status_code}) "
                f"to {target}, another host than {setting}'s ({self.origin}); the token is "
                f"only sent to {setting}'s host, so nothing was sent there. If "
                f"{self.source} has moved, set {setting} to its new address",
                source=self.source)
        super().rebuild_auth(prepared_request, response)

    def send(self, request: requests.PreparedRequest,
             **kwargs: Any) -> requests.Response:
        """Every request, redirects included, passes here: none with a credential leaves
        the origin."""
        target = origin(request.url or "")
        if target != self.origin and self.carries_credentials(request):
            setting = self.url_setting
            raise ForeignHostError(
                f"a request to {target} (another host than {setting}'s, {self.origin}) "
                f"would have carried the token; it was not sent. If {self.source} has "
                f"moved, set {setting} to its new address", source=self.source)
        if self.slots is None:
            return self._send(request, **kwargs)
        with self.slots.slot():  # taken before the pace: a request counts when it goes
            return self._send(request, **kwargs)

    def _send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.pacing is not None:
            self.pacing.before(request)
        response = super().send(request, **kwargs)
        response.__class__ = SourceResponse  # the same object, with SourceResponse.json
        cast(SourceResponse, response).source = self.source
        return response

    def carries_credentials(self, request: requests.PreparedRequest) -> bool:
        return any(name in request.headers for name in self.credential_headers)
