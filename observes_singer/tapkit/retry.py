"""The one retry policy of every tap: what is retried, how long to wait, how often.

Retried: 429, 500, 502, 503, 504 and answers that never came (a refused or dropped
connection, a timeout, an answer cut off). The wait before the next try is, in order:

- ``Retry-After``, in seconds or as an HTTP date;
- on a 429, a reset header (``RateLimit-Reset``, ``X-RateLimit-Reset``), which sources
  write either as seconds to wait or as the Unix time the limit resets (GitLab): a value
  past 10^9 is a time in seconds, past 10^12 one in milliseconds. Only on a 429: GitLab
  sends it on every answer, and a 502 is no reason to wait for the next window;
- else exponential backoff with jitter: ``base * factor ** (try - 1)``, between half
  and all of it.

Every wait is capped at ``max_wait`` (60 s by default) and never negative; after
``max_tries`` tries the last failure stands. ``sleep``, ``clock`` (wall-clock seconds,
to read dates and reset times) and ``random`` can be replaced in tests.

:meth:`RetryPolicy.from_environment` (the default of the kit's client and streams) reads
``OBSERVES_HTTP_TRIES``, ``OBSERVES_HTTP_BACKOFF`` (the first backoff, seconds) and
``OBSERVES_HTTP_MAX_WAIT``, for operators and for tests that run taps as processes.
"""

from __future__ import annotations

import math
import random as _random
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from observes_singer.env import positive_number

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NO_ANSWER: tuple[type[Exception], ...] = (
    requests.ConnectionError,  # refused, reset, dropped before the answer; connect timeouts
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,  # dropped in the middle of the body
    requests.exceptions.ContentDecodingError,  # a compressed body cut off
    ConnectionResetError,
)
RESET_HEADERS = ("RateLimit-Reset", "X-RateLimit-Reset")
TRIES_ENV = "OBSERVES_HTTP_TRIES"
"""Tries of one request before a tap gives up (default 5; tap-checkly and tap-zoho-crm 8).
Read by every tap on the tap kit, gitlab-cancel-stuck-jobs, and tap-dynamo after boto3's
own retries."""
BACKOFF_ENV = "OBSERVES_HTTP_BACKOFF"
"""Seconds of the first backoff between two tries, doubled at each try (default 1). Read
where ``OBSERVES_HTTP_TRIES`` is."""
MAX_WAIT_ENV = "OBSERVES_HTTP_MAX_WAIT"
"""The longest wait between two tries in seconds, ``Retry-After`` and reset headers
included (default 60). Read where ``OBSERVES_HTTP_TRIES`` is."""
_EPOCH_SECONDS = 10**9
_EPOCH_MILLISECONDS = 10**12


@dataclass(frozen=True)
class RetryPolicy:
    max_tries: int = 5
    max_wait: float = 60.0
    base: float = 1.0
    factor: float = 2.0
    statuses: frozenset[int] = RETRY_STATUSES
    reset_headers: tuple[str, ...] = RESET_HEADERS
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    random: Callable[[], float] = _random.random

    @classmethod
    def from_environment(cls, **fields: Any) -> RetryPolicy:
        """The defaults, changed by the ``OBSERVES_HTTP_*`` variables, then by ``fields``."""
        tuned: dict[str, Any] = {
            "max_tries": int(positive_number(TRIES_ENV, cls.max_tries)),
            "base": positive_number(BACKOFF_ENV, cls.base),
            "max_wait": positive_number(MAX_WAIT_ENV, cls.max_wait),
        }
        return cls(**{**tuned, **fields})

    def retries(self, status: int) -> bool:
        return status in self.statuses

    def wait(self, tries: int, response: requests.Response | None = None) -> float:
        """Seconds to wait after ``tries`` failed tries, the last one answered by
        ``response`` (``None`` when no answer came)."""
        told = (self.told_wait(response.headers, throttled=response.status_code == 429)
                if response is not None else None)
        if told is None:
            exponential = self.base * self.factor ** max(0, tries - 1)
            told = exponential * (0.5 + self.random() / 2)
        return max(0.0, min(told, self.max_wait))

    def told_wait(self, headers: Mapping[str, str], throttled: bool = True) -> float | None:
        """The wait the source asked for, uncapped, or ``None`` when it said nothing
        readable; reset headers count only when ``throttled`` (a 429)."""
        retry_after = (headers.get("Retry-After") or "").strip()
        if retry_after:
            seconds = _number(retry_after)
            if seconds is not None:
                return seconds
            try:
                moment = parsedate_to_datetime(retry_after)
            except (TypeError, ValueError, IndexError):
                moment = None
            if moment is not None and moment.tzinfo is not None:
                return moment.timestamp() - self.clock()
        for name in self.reset_headers if throttled else ():
            value = _number((headers.get(name) or "").strip())
            if value is None:
                continue
            if value >= _EPOCH_MILLISECONDS:
                return value / 1000 - self.clock()
            if value >= _EPOCH_SECONDS:
                return value - self.clock()
            return value
        return None

    def wait_generator(self) -> Generator[float, BaseException | None, None]:
        """This policy as a wait generator for the ``backoff`` package (what singer-sdk's
        ``RESTStream.backoff_wait_generator`` returns): it is sent each failure, and
        yields the wait before the next try."""
        failure = yield 0.0
        tries = 0
        while True:
            tries += 1
            response = getattr(failure, "response", None)
            if not isinstance(response, requests.Response):
                response = None
            failure = yield self.wait(tries, response)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
