"""How tap-checkly talks to Checkly: the credentials, the hints, the retries and the pace.

Checkly authenticates a request with the API key as a Bearer token and the account with
``X-Checkly-Account`` (https://www.checklyhq.com/docs/api-reference/overview/); the kit's
origin-bound session sends both to ``api_url``'s scheme, host and port only.

Checkly publishes its rate limits but sends no header saying how close a client is to
them, and answers a 429 without ``Retry-After``: "600 requests every 60 seconds" for most
routes, 60 every 60 seconds for ``/v2/check-results`` and 5 every 10 seconds for
``/v1/alert-notifications`` (the API reference, per route). The tap therefore paces itself
below each (:func:`checkly_pacing`), and a 429 that comes
anyway (another client of the same account) is retried with the kit's capped exponential
backoff, with more tries than the kit's default so that the waits outlast a 60-second
window: 1, 2, 4, 8, 16, 32 and 60 s at most, about two minutes in all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from observes_singer.env import positive_number
from observes_singer.tapkit.pacing import Pacer, Pacing
from observes_singer.tapkit.retry import RetryPolicy

SOURCE = "Checkly"
DEFAULT_API_URL = "https://api.checklyhq.com"
ACCOUNT_HEADER = "X-Checkly-Account"
CREDENTIAL_HEADERS = ("Authorization", ACCOUNT_HEADER)
RESULTS_ROUTE = "/check-results/"
NOTIFICATIONS_ROUTE = "/alert-notifications"

DEFAULT_RATE_LIMIT = {"requests": 500, "seconds": 60}
"""Below Checkly's 600 requests every 60 seconds."""
DEFAULT_RESULTS_RATE_LIMIT = {"requests": 50, "seconds": 60}
"""Below Checkly's 60 requests every 60 seconds on ``/v2/check-results``."""
DEFAULT_NOTIFICATIONS_RATE_LIMIT = {"requests": 4, "seconds": 10}
"""Below Checkly's 5 requests every 10 seconds on ``/v1/alert-notifications``."""
RETRY_TRIES = 8

HINTS: Mapping[int, str] = {
    400: "Checkly refused the query; a setting (start_date?) may be out of range",
    401: "the API key is wrong, expired or revoked, or not a key of account_id's account; "
         "check api_key and account_id",
    402: "the account's plan does not include this",
    403: "the API key lacks access to this; a read-only key is enough, of a member of the "
         "account",
    404: "no such resource in the account; check account_id",
}


def checkly_retry_policy() -> RetryPolicy:
    """The kit's policy (``OBSERVES_HTTP_*``) with :data:`RETRY_TRIES` tries unless
    ``OBSERVES_HTTP_TRIES`` says otherwise."""
    policy = RetryPolicy.from_environment()
    tries = int(positive_number("OBSERVES_HTTP_TRIES", RETRY_TRIES))
    return dataclasses.replace(policy, max_tries=tries)


def checkly_pacing(rate_limit: Mapping[str, Any] | None,
                   results_rate_limit: Mapping[str, Any] | None,
                   notifications_rate_limit: Mapping[str, Any] | None = None,
                   log: Callable[[str], None] | None = None) -> Pacing:
    """Every request under ``rate_limit``, those to ``/v2/check-results`` under
    ``results_rate_limit`` too, and those to ``/v1/alert-notifications`` under
    ``notifications_rate_limit`` ({"requests": N, "seconds": W}: at most N in any W
    seconds); ``log`` is told of long waits."""
    every = _pacer(rate_limit or DEFAULT_RATE_LIMIT)
    results = _pacer(results_rate_limit or DEFAULT_RESULTS_RATE_LIMIT)
    notifications = _pacer(notifications_rate_limit or DEFAULT_NOTIFICATIONS_RATE_LIMIT)
    return Pacing(every, [(RESULTS_ROUTE, results), (NOTIFICATIONS_ROUTE, notifications)],
                  log=log)


def _pacer(limit: Mapping[str, Any]) -> Pacer:
    return Pacer(int(limit["requests"]), float(limit["seconds"]))
