"""The tap kit's pacing, in real time: never more than N requests in any window of W
seconds, from one thread or many, per route and for the whole run; and, against a
loopback server that enforces a limit and answers 429 without any header, a paced
client never meets the limit while an unpaced one does and is retried."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

import pytest
import requests

from observes_singer.tapkit.fake_api.server import FakeAPI, Reply, Request
from observes_singer.tapkit.http import Client
from observes_singer.tapkit.pacing import Pacer, Pacing
from observes_singer.tapkit.retry import RetryPolicy

SLACK = 0.02
"""Between a pacer counting a start and the test reading the clock, a thread may be set
aside for a moment: starts the test measures are counted in windows that much shorter."""


def most_in_any_window(starts: Sequence[float], seconds: float) -> int:
    """The largest number of ``starts`` within any window of ``seconds`` (less
    :data:`SLACK`)."""
    seconds -= SLACK
    ordered = sorted(starts)
    most, first = 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_a_pacer_lets_a_burst_through_then_holds_the_rate() -> None:
    now = [100.0]  # a clock that moves only when the pacer sleeps: no machine's load in it

    def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(5, 0.5, clock=lambda: now[0], sleep=sleep)
    began = now[0]
    starts = []
    for _ in range(15):
        pacer.acquire()
        starts.append(now[0])
    assert starts[4] == began  # the first five at once
    assert now[0] - began == pytest.approx(1.0)  # then five per half second: two more windows
    assert most_in_any_window(starts, 0.5) == 5
    # the sixth and the eleventh wait for the window to pass; those after them do not
    assert pacer.delayed == 2 and pacer.waited == pytest.approx(1.0)


def test_a_pacer_shared_by_threads_holds_the_rate_for_all_of_them() -> None:
    pacer = Pacer(4, 0.4)
    starts: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(5):
            pacer.acquire()
            with lock:
                starts.append(time.monotonic())

    began = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    assert len(starts) == 20
    assert most_in_any_window(starts, 0.4) == 4
    assert 1.6 <= elapsed < 2.2  # 20 requests, 4 per 0.4 s: four full windows after the first


def get(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


def test_a_route_with_its_own_limit_holds_its_rate() -> None:
    every = Pacer(10, 0.6)
    results = Pacer(2, 0.6)
    pacing = Pacing(every, [("/check-results/", results)])
    assert pacing.pacers("/v2/check-results/abc") == [results, every]
    assert pacing.pacers("/v1/checks") == [every]
    began = time.monotonic()
    starts = []
    for _ in range(6):
        pacing.before(get("http://x/v2/check-results/abc"))
        starts.append(time.monotonic())
    assert 1.2 <= time.monotonic() - began < 1.5  # two per 0.6 s on that route
    assert most_in_any_window(starts, 0.6) == 2
    before = time.monotonic()
    pacing.before(get("http://x/v1/checks"))  # the other routes are not held back
    assert time.monotonic() - before < 0.05


def test_a_route_with_its_own_limit_counts_for_the_whole_run_too() -> None:
    every = Pacer(3, 0.6)
    pacing = Pacing(every, [("/check-results/", Pacer(2, 0.6))])
    began = time.monotonic()
    pacing.before(get("http://x/v2/check-results/a"))
    pacing.before(get("http://x/v2/check-results/b"))
    pacing.before(get("http://x/v1/checks"))  # the third of the window
    assert every.delayed == 0
    pacing.before(get("http://x/v1/checks"))  # the fourth waits for the first to leave it
    assert every.delayed == 1 and pacing.delayed == 1
    assert 0.55 <= time.monotonic() - began < 0.8


def test_a_request_held_back_by_one_limit_counts_for_the_others_when_it_goes() -> None:
    """A request the run's limit holds back is not counted by its route's pacer as
    started before it really goes: the route's limit holds at the source."""
    every = Pacer(2, 1.0)
    route = Pacer(2, 0.5)
    pacing = Pacing(every, [("/check-results/", route)])
    starts = []
    for _ in range(6):
        pacing.before(get("http://x/v2/check-results/a"))
        starts.append(time.monotonic())
    assert most_in_any_window(starts, 0.5) <= 2
    assert most_in_any_window(starts, 1.0) <= 2


@pytest.mark.parametrize(("requests_", "seconds"), [(0, 1.0), (1, 0.0), (3, -1.0)])
def test_a_pacer_refuses_a_limit_that_allows_nothing(requests_: int, seconds: float) -> None:
    with pytest.raises(ValueError, match="pacer"):
        Pacer(requests_, seconds)


# -- against a server that enforces a limit ---------------------------------------------------

class LimitedAPI(FakeAPI):
    """Answers at most ``limit`` requests in any ``seconds``-long window, counting every
    request it receives (those it refuses too, as rate limiters do), and 429 with no
    header at all beyond that, as Checkly does."""

    def __init__(self, limit: int, seconds: float) -> None:
        super().__init__()
        self.limit, self.seconds = limit, seconds
        self.arrivals: list[float] = []
        self.refused = 0
        self.route("GET", "/items", self.items)

    def answer(self, request: Request) -> Reply:
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.arrivals if t > now - self.seconds]
            self.arrivals.append(now)
            if len(recent) >= self.limit:
                self.refused += 1
                return Reply(429, {"statusCode": 429, "error": "Too Many Requests",
                                   "message": "Too Many Requests"})
        return super().answer(request)

    @staticmethod
    def items(request: Request) -> Reply:
        return Reply(200, [{"id": 1}])


@pytest.fixture
def limited() -> Iterator[LimitedAPI]:
    with LimitedAPI(limit=10, seconds=1.0) as server:
        yield server


def test_a_paced_client_stays_under_the_limit(limited: LimitedAPI) -> None:
    pacing = Pacing(Pacer(8, 1.0))
    began = time.monotonic()
    with Client(limited.url, source="Limited", pacing=pacing,
                policy=RetryPolicy(max_tries=1)) as client:
        for _ in range(30):
            assert client.get("/items").json() == [{"id": 1}]
    elapsed = time.monotonic() - began
    assert limited.refused == 0
    # the client starts at most 8 a second; the time requests take to arrive may bring
    # a ninth into a server's second, never the eleventh that the limit refuses
    assert most_in_any_window(limited.arrivals, 1.0) < limited.limit
    assert 2.9 <= elapsed < 4.5  # 30 requests at 8 a second


def test_an_unpaced_client_meets_the_limit_and_a_429_without_headers_is_backed_off(
        limited: LimitedAPI) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    policy = RetryPolicy(max_tries=8, base=0.2, sleep=sleep)
    with Client(limited.url, source="Limited", policy=policy,
                log=lambda line: None) as client:
        for _ in range(15):
            assert client.get("/items").json() == [{"id": 1}]
    assert limited.refused >= 1
    assert len(waits) == limited.refused
    # no Retry-After, no reset header: capped exponential backoff with jitter (half to all
    # of 0.2 s, 0.4 s, 0.8 s...), never a busy retry
    assert all(0.1 <= wait <= 60 for wait in waits)
    first_retries = waits[:2]
    assert first_retries[0] <= 0.2
