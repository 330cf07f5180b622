"""The one HTTP session of tap-gitlab and its tools: the token never leaves api_url's host.

GitLab authenticates with a ``PRIVATE-TOKEN`` header. requests, following a redirect to
another host, drops only ``Authorization`` (``Session.rebuild_auth``): a custom header
such as ``PRIVATE-TOKEN`` would go along. :class:`GitLabSession` therefore refuses any
request that carries a credential to an origin (scheme, host and port) other than
``api_url``'s: a redirect there (301, 302, 303, 307, 308) is an error naming both
origins, and so is a ``Link: rel="next"`` pointing there. Redirects within the origin
are followed as usual.

Refusing, rather than following without the token as curl does, is deliberate: a GitLab
API that sends its clients elsewhere has moved (or is reached over ``http://`` and
upgrades to ``https://``), and the request sent on without a token would only come back
as a 401 that blames the token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from singer_sdk.exceptions import FatalAPIError

CREDENTIAL_HEADERS = ("PRIVATE-TOKEN", "Authorization")
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


class ForeignHostError(FatalAPIError):
    """A request would have carried the token to another host; it was not sent."""


class GitLabSession(requests.Session):
    """A session bound to ``api_url``'s origin; ``token``, if given, is sent as
    ``PRIVATE-TOKEN`` (on every request, and only to that origin)."""

    def __init__(self, api_url: str, token: str | None = None) -> None:
        super().__init__()
        self.api_url = api_url
        self.origin = origin(api_url)
        if token is not None:
            self.headers["PRIVATE-TOKEN"] = token

    def rebuild_auth(self, prepared_request: requests.PreparedRequest,
                     response: requests.Response) -> None:
        """Called by requests before it follows a redirect: refuse to leave the origin."""
        target = origin(prepared_request.url or "")
        if target != self.origin and _carries_credentials(prepared_request):
            source = urlsplit(response.url or "").path
            raise ForeignHostError(
                f"GitLab answered {prepared_request.method} {source} with a redirect "
                f"({response.status_code}) to {target}, another host than api_url's "
                f"({self.origin}); the token is only sent to api_url's host, so nothing "
                "was sent there. If GitLab has moved, set api_url to its new address")
        super().rebuild_auth(prepared_request, response)

    def send(self, request: requests.PreparedRequest,
             **kwargs: Any) -> requests.Response:
        """Every request, redirects included, passes here: none with a credential leaves
        the origin."""
        target = origin(request.url or "")
        if target != self.origin and _carries_credentials(request):
            raise ForeignHostError(
                f"a request to {target} (another host than api_url's, {self.origin}) would "
                "have carried the token; it was not sent. If GitLab has moved, set api_url "
                "to its new address")
        return super().send(request, **kwargs)


def _carries_credentials(request: requests.PreparedRequest) -> bool:
    return any(name in request.headers for name in CREDENTIAL_HEADERS)
