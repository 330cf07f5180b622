"""tap-gitlab waits as long as GitLab's rate limit says, read the way GitLab writes it."""

from __future__ import annotations

import re
import time

from tap_gitlab.sample.server import GitLabServer, SampleGitLab

from observes_singer.tapkit import testing

TOKEN = "glpat-sample"


def test_a_429_with_only_a_reset_time_waits_until_then_not_the_cap() -> None:
    """GitLab's ``RateLimit-Reset`` is the Unix time the window resets, not a number of
    seconds: a 429 carrying only it waits a few seconds, not the 60 s cap."""
    with GitLabServer(SampleGitLab(projects=1, pipelines=5, token=TOKEN)) as server:
        reset = int(time.time()) + 8
        server.throttle(1, "/pipelines", headers={"RateLimit-Reset": str(reset)})
        started = time.monotonic()
        run = testing.run_tap("tap_gitlab.tap", {
            "api_url": server.url, "private_token": TOKEN, "projects": ["observes/project-0"]})
        elapsed = time.monotonic() - started
    assert run.exit_code == 0, run.stderr[-2000:]
    assert len(run.records("pipelines")) == 5
    waits = [float(w) for w in re.findall(r"429 from GitLab .*retrying in ([\d.]+) s",
                                           run.stderr)]
    assert len(waits) == 1 and 1 <= waits[0] <= 8, run.stderr[-2000:]
    assert time.time() >= reset - 1  # it did wait for the window
    assert elapsed < 30


def test_a_429_with_retry_after_as_a_date_waits_until_then() -> None:
    from email.utils import formatdate

    with GitLabServer(SampleGitLab(projects=1, pipelines=5, token=TOKEN)) as server:
        until = time.time() + 6
        server.throttle(1, "/merge_requests", headers={"Retry-After": formatdate(until,
                                                                                 usegmt=True)})
        run = testing.run_tap("tap_gitlab.tap", {
            "api_url": server.url, "private_token": TOKEN, "projects": ["observes/project-0"]})
    assert run.exit_code == 0, run.stderr[-2000:]
    waits = [float(w) for w in re.findall(r"429 from GitLab .*retrying in ([\d.]+) s",
                                           run.stderr)]
    assert len(waits) == 1 and 0 < waits[0] <= 6, run.stderr[-2000:]
    assert time.time() >= until - 1.5
