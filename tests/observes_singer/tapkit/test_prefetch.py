"""OrderedPrefetch: units read on threads, handed over in their order, bounded, failures
raised where a sequential read would raise them."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import pytest

from observes_singer.tapkit.prefetch import OrderedPrefetch, concurrency


def test_units_and_items_come_in_order_whatever_the_readers_timing() -> None:
    def read(key: int, prepared: object) -> Iterator[tuple[int, int]]:
        for n in range(5):
            time.sleep(random.random() / 500)
            yield key, n

    prefetch = OrderedPrefetch(list(range(30)), read, workers=4, buffered=2)
    taken = [(key, list(items)) for key, items in prefetch]
    assert taken == [(key, [(key, n) for n in range(5)]) for key in range(30)]


def test_reads_several_units_at_once_and_no_more_than_ahead() -> None:
    lock = threading.Lock()
    running, most, started = 0, 0, []

    def read(key: int, prepared: object) -> Iterator[int]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            started.append(key)
        time.sleep(0.02)
        with lock:
            running -= 1
        yield key

    prefetch = OrderedPrefetch(list(range(12)), read, workers=3, ahead=5)
    for key, items in prefetch:
        assert list(items) == [key]
        with lock:
            assert max(started) <= key + 5  # never more than 5 started and not taken
    assert most == 3


def test_a_reader_ahead_waits_for_the_caller() -> None:
    """A unit's items are queued up to ``buffered``: memory does not hold a whole
    listing."""
    produced = [0, 0]

    def read(key: int, prepared: object) -> Iterator[int]:
        for n in range(1000):
            produced[key] = n + 1
            yield n

    prefetch = OrderedPrefetch([0, 1], read, workers=2, buffered=10)
    iterator = iter(prefetch)
    _, items = next(iterator)
    assert next(items) == 0
    time.sleep(0.2)
    assert produced[0] <= 12 and produced[1] <= 11
    prefetch.close()


def test_a_failure_comes_after_the_items_read_before_it_and_ends_the_units() -> None:
    taken: list[tuple[int, int]] = []

    def read(key: int, prepared: object) -> Iterator[int]:
        for n in range(3):
            if key == 2 and n == 2:
                raise ValueError("page 3 of unit 2 failed")
            yield n

    prefetch = OrderedPrefetch(list(range(6)), read, workers=3)
    with pytest.raises(ValueError, match="page 3 of unit 2 failed"):
        for key, items in prefetch:
            for n in items:
                taken.append((key, n))
    assert taken == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1)]
    assert prefetch.closed.is_set()


def test_leaving_early_stops_the_readers() -> None:
    def read(key: int, prepared: object) -> Iterator[int]:
        yield from range(10_000)

    prefetch = OrderedPrefetch(list(range(8)), read, workers=2, buffered=5)
    for _, items in prefetch:
        next(items)
        break
    deadline = time.monotonic() + 5
    while any(t.is_alive() for t in prefetch._threads) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.is_alive() for t in prefetch._threads)


def test_setup_runs_on_the_callers_thread_before_each_unit_is_read() -> None:
    caller = threading.get_ident()
    ready: set[int] = set()

    def setup(key: int) -> int:
        assert threading.get_ident() == caller
        ready.add(key)
        return key * 10

    def read(key: int, prepared: object) -> Iterator[int]:
        assert key in ready and prepared == key * 10
        yield key

    assert [list(items) for _, items in
            OrderedPrefetch(list(range(9)), read, workers=3, setup=setup)] == \
        [[key] for key in range(9)]


def test_concurrency_setting() -> None:
    assert concurrency({}) == 4
    assert concurrency({"max_concurrent_requests": 1}) == 1
    assert concurrency({"max_concurrent_requests": 0}) == 1


def test_keys_offered_as_they_come_and_taken_or_skipped() -> None:
    """A child stream's keys: offered as the parent's records are read; one never taken
    (a record filtered out) is dropped, and one never offered is read on the caller's
    thread."""
    caller = threading.get_ident()
    threads: dict[str, int] = {}

    def read(key: str, prepared: object) -> Iterator[str]:
        threads[key] = threading.get_ident()
        yield from (key + "1", key + "2")

    prefetch: OrderedPrefetch[str, str] = OrderedPrefetch((), read, workers=2)
    for key in "abcd":
        prefetch.offer(key)
    assert list(prefetch.take("a")[1]) == ["a1", "a2"]
    assert list(prefetch.take("c")[1]) == ["c1", "c2"]  # b skipped
    assert list(prefetch.take("x")[1]) == ["x1", "x2"]  # never offered: d dropped too
    assert threads["x"] == caller and threads["a"] != caller
    prefetch.close()
