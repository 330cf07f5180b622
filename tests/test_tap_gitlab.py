"""tap-gitlab against the loopback GitLab: paging, bookmarks, limits, retries, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tap_gitlab.sample_server import GitLabServer, SampleGitLab

TOKEN = "glpat-sample"


@pytest.fixture
def gitlab() -> Iterator[GitLabServer]:
    with GitLabServer(SampleGitLab(projects=2, pipelines=250, token=TOKEN)) as server:
        yield server


def run_tap(tmp_path: Path, server: GitLabServer, state: dict[str, Any] | None = None,
            **config: Any) -> tuple[int, list[dict[str, Any]], str]:
    settings = {"api_url": server.url, "private_token": TOKEN,
                "projects": ["observes/project-0", "20000001"], **config}
    path = tmp_path / "tap.json"
    path.write_text(json.dumps(settings))
    command = [sys.executable, "-m", "tap_gitlab.tap", "--config", str(path)]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        command += ["--state", str(tmp_path / "state.json")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    return result.returncode, messages, result.stderr


def records(messages: list[dict[str, Any]], stream: str) -> list[dict[str, Any]]:
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]


def last_state(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return next(m["value"] for m in reversed(messages) if m["type"] == "STATE")


def test_every_stream_with_paging(tmp_path: Path, gitlab: GitLabServer) -> None:
    code, messages, stderr = run_tap(tmp_path, gitlab)
    assert code == 0, stderr[-2000:]
    counts = Counter(m["stream"] for m in messages if m["type"] == "RECORD")
    assert counts == {"projects": 2, "pipelines": 500, "jobs": 500, "merge_requests": 166,
                      "issues": 166, "members": 8}
    # 250 pipelines a project are three pages of 100; then one call per pipeline for jobs
    assert sum(1 for path, _ in gitlab.requests if path.endswith("/pipelines")) == 6
    assert sum(1 for path, _ in gitlab.requests if path.endswith("/jobs")) == 500
    first = [m["type"] for m in messages if m.get("stream") == "pipelines"]
    assert first[0] == "SCHEMA"
    pipelines = records(messages, "pipelines")
    assert len({p["id"] for p in pipelines}) == 500
    job = records(messages, "jobs")[0]
    assert job["project_path"] in ("observes/project-0", "20000001")
    assert isinstance(job["commit"], dict) and isinstance(job["tag_list"], list)
    assert "PRIVATE-TOKEN" not in stderr and TOKEN not in stderr


def test_bounded_runs_resume_without_gaps(tmp_path: Path, gitlab: GitLabServer) -> None:
    seen: list[int] = []
    state = None
    for _ in range(3):
        code, messages, stderr = run_tap(tmp_path, gitlab, state=state, max_pages=1)
        assert code == 0, stderr[-2000:]
        seen += [p["id"] for p in records(messages, "pipelines")]
        state = last_state(messages)
    assert sorted(set(seen)) == sorted(p["id"] for project in gitlab.data.projects
                                       for p in project.pipelines)
    bookmarks = state["bookmarks"]["pipelines"]["partitions"]
    assert {b["replication_key_value"] for b in bookmarks} == {"2026-01-02T17:30:00.000Z"}


def test_second_run_fetches_only_what_changed(tmp_path: Path, gitlab: GitLabServer) -> None:
    code, messages, _ = run_tap(tmp_path, gitlab)
    assert code == 0
    project = gitlab.data.projects[0]
    gitlab.data.touch_pipeline(project, 3, "success", minutes=100_000)
    gitlab.data.add_pipeline(project, 999, minutes=100_001)
    code, messages, _ = run_tap(tmp_path, gitlab, state=last_state(messages))
    assert code == 0
    changed = records(messages, "pipelines")
    assert sorted(p["id"] for p in changed) == sorted([project.pipelines[3]["id"],
                                                       project.pipelines[-1]["id"]])
    # The job of the pipeline that changed is fetched again, with its new status.
    jobs = {j["pipeline"]["id"]: j for j in records(messages, "jobs")}
    assert set(jobs) == {p["id"] for p in changed}
    assert jobs[project.pipelines[3]["id"]]["status"] == "success"
    state = last_state(messages)
    assert len(json.dumps(state["bookmarks"].get("jobs", {}))) < 200  # no per-pipeline state


def test_rate_limit_is_honoured(tmp_path: Path) -> None:
    with GitLabServer(SampleGitLab(projects=1, pipelines=10, token=TOKEN),
                      rate_limit=4) as server:
        code, messages, stderr = run_tap(tmp_path, server, projects=["observes/project-0"])
    assert code == 0, stderr[-2000:]
    assert len(records(messages, "pipelines")) == 10
    assert "429" in stderr


def test_server_errors_are_retried_then_fail_clearly(tmp_path: Path,
                                                     gitlab: GitLabServer) -> None:
    gitlab.failures.append(("/merge_requests", 502))
    code, messages, stderr = run_tap(tmp_path, gitlab)
    assert code == 0, stderr[-2000:]
    assert len(records(messages, "merge_requests")) == 166
    gitlab.failures.extend([("/issues", 500)] * 10)
    code, _, stderr = run_tap(tmp_path, gitlab)
    assert code != 0
    assert "500 from GitLab for project observes/project-0 (issues)" in stderr


@pytest.mark.parametrize(
    ("token", "projects", "message"),
    [
        ("glpat-WRONG-9x8y", ["observes/project-0"], "401 from GitLab for project "
         "observes/project-0"),
        (TOKEN, ["observes/nope"], "404 from GitLab for project observes/nope"),
    ],
)
def test_auth_and_missing_projects_are_named(tmp_path: Path, gitlab: GitLabServer, token: str,
                                             projects: list[str], message: str) -> None:
    code, _, stderr = run_tap(tmp_path, gitlab, private_token=token, projects=projects)
    assert code != 0
    assert message in stderr
    hint = "expired or revoked" if token != TOKEN else "no such project"
    assert hint in stderr
    assert token not in stderr


def test_groups_expand_to_their_projects(tmp_path: Path, gitlab: GitLabServer) -> None:
    code, messages, stderr = run_tap(tmp_path, gitlab, projects=[], groups=["observes"])
    assert code == 0, stderr[-2000:]
    assert sorted(p["path_with_namespace"] for p in records(messages, "projects")) == [
        "observes/project-0", "observes/project-1"]
    code, _, stderr = run_tap(tmp_path, gitlab, projects=[], groups=["nobody"])
    assert code != 0
    assert "404 from GitLab for group nobody" in stderr


def test_dropped_connections_are_retried(tmp_path: Path, gitlab: GitLabServer) -> None:
    gitlab.failures.extend([("/issues", 0), ("/pipelines", 0)])
    code, messages, stderr = run_tap(tmp_path, gitlab)
    assert code == 0, stderr[-2000:]
    assert len(records(messages, "issues")) == 166
    assert len(records(messages, "pipelines")) == 500
    assert gitlab.failures == []


def test_long_queries_restart_before_the_offset_cap(tmp_path: Path, gitlab: GitLabServer) -> None:
    code, messages, stderr = run_tap(tmp_path, gitlab, offset_page_limit=1)
    assert code == 0, stderr[-2000:]
    pipelines = records(messages, "pipelines")
    assert {p["id"] for p in pipelines} == {p["id"] for project in gitlab.data.projects
                                            for p in project.pipelines}
    pages = [query for path, query in gitlab.requests if path.endswith("/pipelines")]
    assert all(int(q.get("page", 1)) == 1 for q in pages)  # never past the first offset
    assert sum(1 for q in pages if "updated_after" in q) >= 4
