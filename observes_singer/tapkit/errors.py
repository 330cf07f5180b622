"""What went wrong at a source, said without its secrets.

Messages name the source ("GitLab"), what was being read (a stream, a project, a
resource), the HTTP status and a hint for it. A request appears as its method and path
only: never a query string (some APIs take keys there), a header or a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

import requests
from singer_sdk.exceptions import FatalAPIError

DEFAULT_HINTS: Mapping[int, str] = {
    401: "the credentials are missing, expired or revoked",
    403: "the credentials lack access to this resource",
    404: "no such resource, or the credentials cannot see it",
    429: "rate limited, and still so after every retry",
    500: "the source failed on its side; try again later",
    502: "a gateway in front of the source failed; try again later",
    503: "the source is unavailable; try again later",
    504: "a gateway in front of the source timed out; try again later",
}


class SourceError(FatalAPIError):
    """A source refused or failed a request, or could not be reached.

    A :class:`~singer_sdk.exceptions.FatalAPIError`, so that singer-sdk stops the sync
    on it rather than retrying. ``status`` is ``None`` when no answer came.
    """

    def __init__(self, message: str, *, source: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.status = status


class NotJSONError(SourceError, ValueError):
    """A source answered with a body that is not JSON where JSON was expected (an HTML
    page from a proxy, an answer cut off). A ``ValueError`` too, as ``response.json()``'s
    own error is, so that code that takes a body that is not JSON as no body still does."""


class ForeignHostError(SourceError):
    """A request would have carried a credential to another origin; it was not sent."""


def safe_path(url: str) -> str:
    """The path of ``url``: no scheme, host, user info, query string or fragment."""
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return "(an invalid URL)"


def hint_for(status: int, hints: Mapping[int, str], reason: str = "") -> str:
    """The tap's hint for ``status``, else the kit's, else the HTTP reason phrase."""
    return hints.get(status) or DEFAULT_HINTS.get(status) or reason or "unexpected answer"


def status_error(source: str, where: str, status: int, hints: Mapping[int, str],
                 reason: str = "", tries: int = 1) -> SourceError:
    """``503 from GitLab for project a/b (issues): <hint>``, with the tries when retried."""
    message = f"{status} from {source} for {where}: {hint_for(status, hints, reason)}"
    if tries > 1:
        message += f" (gave up after {tries} tries)"
    return SourceError(message, source=source, status=status)


def no_answer_error(source: str, where: str, error: BaseException, tries: int) -> SourceError:
    """The source did not answer: the kind of failure, never the exception's text (which
    requests writes with the whole URL, query string included)."""
    message = (f"no answer from {source} for {where}: {failure_kind(error)} "
               f"(gave up after {tries} tries)")
    return SourceError(message, source=source)


SHOWN_BYTES = 60
"""How much of a body that is not JSON a message quotes."""


def not_json_error(source: str, response: requests.Response) -> NotJSONError:
    """``200 from GitLab for GET /api/v4/projects: the answer is not JSON (text/html, 1234
    bytes: '<!DOCTYPE html>...')``: what answered what, and the first bytes."""
    request = response.request
    method = request.method if request is not None else "GET"
    where = f"{method} {safe_path(response.url or '')}"
    content_type = response.headers.get("Content-Type") or "no content type"
    body = response.content or b""
    first = body[:SHOWN_BYTES].decode("utf-8", "replace")
    more = "..." if len(body) > SHOWN_BYTES else ""
    return NotJSONError(
        f"{response.status_code} from {source} for {where}: the answer is not JSON, or is "
        f"cut off ({content_type}, {len(body)} bytes: {first!r}{more})",
        source=source, status=response.status_code)


def failure_kind(error: BaseException) -> str:
    if isinstance(error, requests.Timeout):
        return "it timed out"
    if isinstance(error, requests.exceptions.ChunkedEncodingError | ConnectionResetError):
        return "the connection dropped in the middle of the answer"
    if isinstance(error, requests.exceptions.ContentDecodingError):
        return "the answer could not be decoded (cut off?)"
    return "the connection failed or dropped"
