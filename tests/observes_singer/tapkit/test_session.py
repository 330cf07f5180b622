"""RequestSlots: the tap's one bound on requests in flight, across threads and sessions."""

from __future__ import annotations

import threading
import time

from observes_singer.tapkit.fake_api.server import FakeAPI, Reply
from observes_singer.tapkit.session import OriginSession, RequestSlots


def test_no_more_requests_in_flight_than_slots_across_sessions() -> None:
    lock = threading.Lock()
    running, most = 0, 0

    def answer(request: object) -> Reply:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.03)
        with lock:
            running -= 1
        return Reply(200, {"ok": True})

    slots = RequestSlots(3)
    with FakeAPI() as server:
        server.route("GET", "/thing", answer)
        sessions = [OriginSession(server.url, source="S", slots=slots) for _ in range(2)]

        def ask(session: OriginSession) -> None:
            for _ in range(4):
                assert session.get(server.url + "/thing", timeout=10).status_code == 200

        threads = [threading.Thread(target=ask, args=(sessions[n % 2],)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert most == 3


def test_a_thread_keeps_its_slot_through_the_redirects_it_follows() -> None:
    slots = RequestSlots(1)
    with FakeAPI() as server:
        server.route("GET", "/new", lambda request: Reply(200, {"ok": True}))
        server.route("GET", "/old", lambda request: Reply(302, {}, {"Location": "/new"}))
        session = OriginSession(server.url, source="S", slots=slots)
        assert session.get(server.url + "/old", timeout=5).json() == {"ok": True}
        assert session.get(server.url + "/old", timeout=5).json() == {"ok": True}


def test_a_hold_stops_every_sessions_next_request_until_it_ends() -> None:
    arrivals: list[float] = []

    def answer(request: object) -> Reply:
        arrivals.append(time.monotonic())
        return Reply(200, {"ok": True})

    slots = RequestSlots(4)
    with FakeAPI() as server:
        server.route("GET", "/thing", answer)
        sessions = [OriginSession(server.url, source="S", slots=slots) for _ in range(3)]
        assert sessions[0].get(server.url + "/thing", timeout=10).status_code == 200
        held_at = time.monotonic()
        slots.hold(0.6)  # as a reader answered 429 does, before it waits
        threads = [threading.Thread(target=lambda s=s: s.get(server.url + "/thing",
                                                            timeout=10))
                   for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(arrivals) == 4
    assert all(moment >= held_at + 0.6 for moment in arrivals[1:])
    assert slots.waited >= 0.6 * 3 - 0.1
