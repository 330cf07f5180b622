"""tap-gitlab reading several projects at once (max_concurrent_requests) emits exactly what
it emits reading one request at a time: records, their order, bookmarks and STATE, and on a
failure the same line and nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from tap_gitlab.sample.delivery_data import STREAMS as DELIVERY
from tap_gitlab.sample.delivery_data import DeliveryData
from tap_gitlab.sample.server import GitLabServer, SampleGitLab

from observes_singer.tapkit import testing
from observes_singer.tapkit.fake_api.records import EPOCH
from observes_singer.tapkit.testing import TapRun, last_state, records, same_output

TOKEN = "glpat-sample"
PROJECTS = 6
PIPELINES = 120  # two pages a project


@pytest.fixture
def gitlab() -> Iterator[GitLabServer]:
    data = SampleGitLab(projects=PROJECTS, pipelines=PIPELINES, token=TOKEN, trigger_every=9)
    with GitLabServer(data) as server:
        server.latency = 0.002  # answers overlap, and come back in another order
        yield server


def run_tap(server: GitLabServer, concurrency: int, state: dict[str, Any] | None = None,
            streams: list[str] | None = None, **config: Any) -> TapRun:
    settings = {"api_url": server.url, "private_token": TOKEN,
                "projects": [p.path for p in server.data.projects],
                "max_concurrent_requests": concurrency, **config}
    return testing.run_tap("tap_gitlab.tap", settings, state, streams=streams,
                           env={"OBSERVES_HTTP_BACKOFF": "0.1"})


def test_concurrent_runs_emit_what_the_sequential_run_emits(gitlab: GitLabServer) -> None:
    sequential = run_tap(gitlab, 1)
    concurrent = run_tap(gitlab, 4)
    same_output([sequential, concurrent])
    assert len(records(sequential.messages, "pipelines")) == PROJECTS * (PIPELINES + 14)
    assert last_state(concurrent.messages) == last_state(sequential.messages)

    # a second run from that state: each project's reader starts from its own bookmark
    state = last_state(sequential.messages)
    project = gitlab.data.projects[3]
    gitlab.data.touch_pipeline(project, 5, "failed", minutes=100_000)
    gitlab.log.clear()
    again = ["projects", "pipelines"]
    again_concurrent = run_tap(gitlab, 4, state, streams=again)
    same_output([run_tap(gitlab, 1, state, streams=again), again_concurrent])
    changed = records(again_concurrent.messages, "pipelines")
    assert [(p["project_path"], p["id"]) for p in changed] == [
        (project.path, project.pipelines[5]["id"])]


@pytest.mark.parametrize(("stream", "part"), [
    ("merge_requests", "project-3/merge_requests"),
    ("commits", "project-3/repository/commits"),  # a delivery stream, with its own state
])
def test_a_failing_project_ends_the_run_as_the_sequential_run_does(
        gitlab: GitLabServer, stream: str, part: str) -> None:
    """A 404 on the fourth project's merge requests (or commits): the records before it,
    the bookmarks of the projects read, the same one line; nothing of the projects after
    it, though they were being read meanwhile."""
    runs = []
    for concurrency in (1, 4):
        gitlab.failures.clear()
        gitlab.fail(404, times=50, part=part)
        runs.append(run_tap(gitlab, concurrency, streams=["projects", "pipelines", stream]))
    same_output(runs, code=1)
    sequential, concurrent = runs
    line = sequential.stderr.strip().splitlines()[-1]
    assert line.startswith("tap-gitlab: error:") and "project-3" in line
    assert concurrent.stderr.strip().splitlines()[-1] == line
    emitted = {r["project_path"] for r in records(concurrent.messages, stream)}
    assert emitted == {f"observes/project-{n}" for n in range(3)}
    states = [m["value"]["bookmarks"] for m in concurrent.messages if m["type"] == "STATE"]
    assert all(stream not in bookmarks for bookmarks in states)  # none ahead


def test_one_request_at_a_time_reads_one_project_at_a_time(gitlab: GitLabServer) -> None:
    gitlab.latency = 0
    run = run_tap(gitlab, 1, streams=["members"])
    assert run.exit_code == 0, run.stderr[-2000:]
    paths = [path for path, _ in gitlab.requests if path.endswith("/members/all")]
    assert paths == sorted(paths) and len(paths) == PROJECTS


def test_the_delivery_streams_read_at_once_emit_what_they_emit_in_turn() -> None:
    """Commits, deployments, milestones and the streams read whole keep where a project's
    reading is in its own state: read four projects at a time, a first run, a run after
    changes, and runs stopped by ``max_pages`` (each leaving a ``resume``) emit the same
    records, in the same order, and the same STATE as one project at a time."""
    data = SampleGitLab(projects=5, pipelines=0, token=TOKEN)
    for n, project in enumerate(data.projects):
        project.delivery = DeliveryData.sample(
            project.id, project.path, commits=150 + 20 * n, deployments=120, environments=101,
            releases=30, lightweight_tags=2, branches=110, milestones=105, labels=40)
    with GitLabServer(data) as server:
        server.latency = 0.002  # answers overlap, and come back in another order

        def both(state: dict[str, Any] | None, **config: Any) -> dict[str, Any]:
            runs = [run_tap(server, n, state, streams=list(DELIVERY), **config)
                    for n in (1, 4)]
            output = same_output(runs)
            assert any(m["type"] == "RECORD" for m in output)
            return last_state(runs[1].messages)

        state = both(None)
        first, third = data.projects[0].delivery, data.projects[2].delivery
        first.push(3)
        running = next(n for n, d in enumerate(first.deployments) if d["status"] == "running")
        first.finish_deployment(running, "success", EPOCH + timedelta(days=90))
        third.add_deployment()
        third.touch_milestone(4, EPOCH + timedelta(days=200))
        state = both(state)
        for run in range(3):  # bounded: each leaves where to go on, per project
            state = both(state, max_pages=1)
            stopped = [p for stream in ("commits", "branches")
                       for p in state["bookmarks"][stream]["partitions"] if "resume" in p]
            assert len(stopped) == (0 if run == 1 else 5), run  # branches: two pages

