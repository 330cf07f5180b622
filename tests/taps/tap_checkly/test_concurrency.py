"""tap-checkly reading several checks' results at once (max_concurrent_requests) emits
exactly what it emits reading one request at a time: results, their order, bookmarks and
STATE, and on a failure the same line and nothing more; the pacing stays one for all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tap_checkly.sample.account import SampleAccount
from tap_checkly.sample.server import RATE_LIMITS, ChecklyServer
from tap_checkly.session import NOTIFICATIONS_ROUTE

from observes_singer.tapkit import testing
from observes_singer.tapkit.testing import TapRun, last_state, records, same_output

CHECKS = 7
LIMITS = {**{part: limit for part, limit in RATE_LIMITS.items()
             if part != NOTIFICATIONS_ROUTE}, "/check-results/": (10_000, 60.0)}
"""Checkly's limits, but an account with more requests a minute on the results."""
STREAMS = ["checks", "check_results"]


@pytest.fixture
def checkly() -> Iterator[ChecklyServer]:
    account = SampleAccount(api_checks=CHECKS, browser_checks=1, runs=230)
    with ChecklyServer(account, rate_limits=LIMITS) as server:
        server.latency = 0.002  # answers overlap, and come back in another order
        yield server


def run_tap(server: ChecklyServer, concurrency: int, state: dict[str, Any] | None = None,
            **more: Any) -> TapRun:
    config = {"api_url": server.url, "api_key": server.account.api_key,
              "account_id": server.account.account_id,
              "check_results_rate_limit": {"requests": 10_000, "seconds": 60},
              "max_concurrent_requests": concurrency, **more}
    return testing.run_tap("tap_checkly.tap", config, state, streams=STREAMS,
                           env={"OBSERVES_HTTP_BACKOFF": "0.1", "OBSERVES_HTTP_TRIES": "2"})


def test_concurrent_runs_emit_what_the_sequential_run_emits(checkly: ChecklyServer) -> None:
    sequential = run_tap(checkly, 1)
    concurrent = run_tap(checkly, 4)
    same_output([sequential, concurrent])
    assert len(records(concurrent.messages, "check_results")) == (CHECKS + 1) * 230

    # a second run from that state, with new results for one check: each check's reader
    # asks from its own bookmark, and only the new results come
    state = last_state(sequential.messages)
    added = checkly.account.add_results(checkly.account.checks[4].id, 3)
    again_concurrent = run_tap(checkly, 4, state)
    same_output([run_tap(checkly, 1, state), again_concurrent])
    assert sorted(r["id"] for r in records(again_concurrent.messages, "check_results")) == \
        sorted(r["id"] for r in added)


def test_a_failing_check_ends_the_run_as_the_sequential_run_does(
        checkly: ChecklyServer) -> None:
    """A 500 that lasts on the fifth check's results: the results of the checks before it,
    the same one line, nothing of the checks after it (read meanwhile) and no bookmark
    ahead of what was emitted."""
    failing = checkly.account.checks[4].id
    runs = []
    for concurrency in (1, 4):
        with checkly.lock:
            checkly.refusals.clear()
        checkly.refuse(500, 40, f"/v2/check-results/{failing}")
        runs.append(run_tap(checkly, concurrency))
    same_output(runs, code=1)
    sequential, concurrent = runs
    line = sequential.stderr.strip().splitlines()[-1]
    assert line.startswith("tap-checkly: error:") and failing in line
    assert concurrent.stderr.strip().splitlines()[-1] == line
    read = [c.id for c in checkly.account.checks[:4]]
    assert {r["checkId"] for r in records(concurrent.messages, "check_results")} == set(read)
    for message in concurrent.messages:
        if message["type"] == "STATE":
            partitions = message["value"]["bookmarks"].get("check_results", {})
            assert {p["context"]["checkId"] for p in partitions.get("partitions", [])
                    if "replication_key_value" in p} <= set(read)


def test_the_readers_keep_to_one_pace_together() -> None:
    """Four checks read at once go no faster than the results' limit: the pacing is one
    for the run, shared by every reader."""
    account = SampleAccount(api_checks=CHECKS, browser_checks=1, runs=230)
    limits = {**LIMITS, "/check-results/": (12, 2.0)}
    with ChecklyServer(account, rate_limits=limits) as server:
        server.latency = 0.002
        run = run_tap(server, 4, check_results_rate_limit={"requests": 10, "seconds": 2.4})
    assert run.exit_code == 0, run.stderr[-2000:]
    assert server.refused == 0 and "429 from Checkly" not in run.stderr
    assert len(records(run.messages, "check_results")) == (CHECKS + 1) * 230
