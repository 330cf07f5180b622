"""Requests to Zoho CRM's API: the access token, its refresh, the retries and the errors.

Every request carries ``Authorization: Zoho-oauthtoken <access token>`` (the CRM API
guide's request headers), through the tap kit's origin-bound session: the token goes to
``api_url``'s scheme, host and port only, and a redirect or a download URL elsewhere is
an error with nothing sent there. The token is refreshed before it expires
(:class:`~tap_zoho_crm.oauth.TokenSource`), and once more when the API answers 401 with
``INVALID_TOKEN`` (revoked early, or the clocks disagree): the request is sent again with
the new token; a second refusal stands.

Retries are the kit's (429, 5xx, dropped connections; capped exponential backoff, since
Zoho documents no ``Retry-After``), with 8 tries so that the waits outlast a one-minute
window (1, 2, 4, 8, 16, 32, 60 s). Downloads of bulk results are paced below Zoho's "10
requests for download ... for one-minute interval" (9 a minute by default; the Download
Bulk Read Result page,
https://www.zoho.com/crm/developer/docs/api/v5/bulk-read/download-result.html), and a
download cut off in the middle of its body is downloaded again from the start.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import IO, Any

import requests

from observes_singer.env import positive_number
from observes_singer.tapkit.errors import SourceError, no_answer_error, safe_path
from observes_singer.tapkit.http import Client, send_with_retries
from observes_singer.tapkit.pacing import Pacer, Pacing
from observes_singer.tapkit.retry import NO_ANSWER, RetryPolicy
from observes_singer.tapkit.session import origin
from tap_zoho_crm.answers import HINTS, SOURCE, error_code, error_summary
from tap_zoho_crm.oauth import TokenSource, bearer

RETRY_TRIES = 8
DOWNLOAD_ROUTE = "/result"
DEFAULT_DOWNLOAD_RATE_LIMIT = "9/60"
"""At most 9 downloads in any 60 seconds, below Zoho's documented 10 (the two clocks
never agree to the millisecond)."""
_RATE = re.compile(r"\s*([1-9][0-9]*)\s*/\s*([0-9]*\.?[0-9]+)\s*")
CHUNK = 1 << 20


def zoho_retry_policy() -> RetryPolicy:
    """The kit's policy (``OBSERVES_HTTP_*``) with :data:`RETRY_TRIES` tries unless
    ``OBSERVES_HTTP_TRIES`` says otherwise."""
    policy = RetryPolicy.from_environment()
    tries = int(positive_number("OBSERVES_HTTP_TRIES", RETRY_TRIES))
    return dataclasses.replace(policy, max_tries=tries)


def parse_rate(text: str) -> tuple[int, float] | None:
    """``"10/60"`` -> (10, 60.0): at most 10 requests in any 60 seconds; None if invalid."""
    found = _RATE.fullmatch(text)
    if found is None or float(found.group(2)) <= 0:
        return None
    return int(found.group(1)), float(found.group(2))


def download_pacing(rate: str | None, log: Callable[[str], None] | None = None) -> Pacing:
    requests_, seconds = parse_rate(rate or DEFAULT_DOWNLOAD_RATE_LIMIT) or (9, 60.0)
    return Pacing(None, [(DOWNLOAD_ROUTE, Pacer(requests_, seconds))], log=log)


class ZohoApi:
    """Zoho CRM's API at ``api_url`` with the access tokens of ``tokens``."""

    def __init__(self, api_url: str, tokens: TokenSource, *,
                 policy: RetryPolicy | None = None, pacing: Pacing | None = None,
                 log: Callable[[str], None] | None = None, timeout: float = 120) -> None:
        self.policy = policy or zoho_retry_policy()
        self.client = Client(api_url, source=SOURCE, hints=HINTS, policy=self.policy,
                             pacing=pacing, log=log, timeout=timeout)
        self.tokens = tokens
        self.log = log
        self.timeout = timeout
        self._domain_checked = False

    @property
    def api_url(self) -> str:
        return self.client.base_url

    def request(self, method: str, path_or_url: str, *, resource: str,
                hints: Mapping[int, str] | None = None, **kwargs: Any) -> requests.Response:
        """One request, retried under the policy; a 2xx or 3xx answer, else a
        :class:`SourceError` naming ``resource``, the status, Zoho's error code and a
        hint."""
        url = self.client.url(path_or_url)
        where = f"{resource} ({method} {safe_path(url)})"
        kwargs.setdefault("timeout", self.timeout)
        refused: list[str] = []

        def send() -> requests.Response:
            token = self.tokens.access_token()
            self._check_domain()
            response = self.client.session.request(method, url, headers=bearer(token),
                                                   **kwargs)
            if response.status_code == 401 and error_code(response) == "INVALID_TOKEN":
                response.close()
                token = self.tokens.refresh(refused=token)
                response = self.client.session.request(method, url, headers=bearer(token),
                                                       **kwargs)
            if response.status_code >= 400 and not self.policy.retries(response.status_code):
                refused[:] = [error_summary(response) or ""]
            return response

        try:
            return send_with_retries(send, source=SOURCE, where=where, policy=self.policy,
                                     hints={**self.client.hints, **(hints or {})},
                                     log=self.log)
        except SourceError as exc:
            if refused and refused[0]:
                raise SourceError(f"{exc} (Zoho CRM said {refused[0]})", source=SOURCE,
                                  status=exc.status) from None
            raise

    def get_json(self, path: str, *, resource: str, **kwargs: Any) -> Any:
        """The JSON body of a GET, or None for a 204 (Zoho's "no content")."""
        response = self.request("GET", path, resource=resource, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise SourceError(f"{SOURCE} answered {resource} with something other than "
                              "JSON", source=SOURCE, status=response.status_code) from None

    def download(self, path_or_url: str, into: IO[bytes], *, resource: str) -> int:
        """Write the body of a GET into ``into`` (from its start), streamed; the bytes
        written. A body cut off is downloaded again from the start."""
        tries = 0
        while True:
            tries += 1
            response = self.request("GET", path_or_url, resource=resource, stream=True)
            try:
                into.seek(0)
                into.truncate()
                size = 0
                for chunk in response.iter_content(CHUNK):
                    into.write(chunk)
                    size += len(chunk)
                into.flush()
                into.seek(0)
                return size
            except NO_ANSWER as exc:
                if tries >= self.policy.max_tries:
                    raise no_answer_error(SOURCE, resource, exc, tries) from None
                wait = self.policy.wait(tries)
                if self.log is not None:
                    self.log(f"the download of {resource} was cut off; downloading it again "
                             f"in {wait:.1f} s (try {tries} of {self.policy.max_tries})")
                self.policy.sleep(wait)
            finally:
                response.close()

    def _check_domain(self) -> None:
        """Say once when the token's ``api_domain`` is not ``api_url``'s: Zoho sends the
        API calls of the account to that domain."""
        if self._domain_checked or self.tokens.api_domain is None:
            return
        self._domain_checked = True
        if origin(self.tokens.api_domain) != origin(self.api_url) and self.log is not None:
            self.log(f"{SOURCE}: the access token is for {self.tokens.api_domain}, but "
                     f"api_url is {self.api_url}; if requests are refused, set api_url (or "
                     "data_centre) to the account's API domain")

    def close(self) -> None:
        self.client.close()
