"""tap-gitlab against the loopback GitLab: paging, bookmarks, limits, retries, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tap_gitlab.sample.delivery_data import STREAMS as DELIVERY_STREAMS
from tap_gitlab.sample.server import GitLabServer, SampleGitLab

from observes_singer.tapkit import testing
from observes_singer.tapkit.testing import TapRun, last_state, records

TOKEN = "glpat-sample"
FAST_RETRIES = {"OBSERVES_HTTP_BACKOFF": "0.1"}  # backoff from 0.1 s, not 1 s; Retry-After holds


@pytest.fixture
def gitlab() -> Iterator[GitLabServer]:
    with GitLabServer(SampleGitLab(projects=2, pipelines=250, token=TOKEN)) as server:
        yield server


def run_tap(server: GitLabServer, state: dict[str, Any] | None = None,
            streams: list[str] | None = None, **config: Any) -> TapRun:
    """tap-gitlab on ``server``, reading two projects unless ``config`` says otherwise, and
    only ``streams`` when given; unpacks as ``code, messages, stderr``."""
    settings = {"api_url": server.url, "private_token": TOKEN,
                "projects": ["observes/project-0", "20000001"], **config}
    return testing.run_tap("tap_gitlab.tap", settings, state, streams=streams,
                           env=FAST_RETRIES)


def test_every_stream_with_paging(gitlab: GitLabServer) -> None:
    code, messages, stderr = run_tap(gitlab)
    assert code == 0, stderr[-2000:]
    counts = Counter(m["stream"] for m in messages if m["type"] == "RECORD"  # delivery streams:
                     and m["stream"] not in DELIVERY_STREAMS)  # test_delivery.py
    assert counts == {"projects": 2, "pipelines": 500, "jobs": 500, "merge_requests": 166,
                      "issues": 166, "members": 8}
    # 250 pipelines a project are three pages of 100, and one more query for its child
    # pipelines (none here); then one call per pipeline for jobs
    assert sum(1 for path, _ in gitlab.requests if path.endswith("/pipelines")) == 8
    assert sum(1 for path, _ in gitlab.requests if path.endswith("/jobs")) == 500
    first = [m["type"] for m in messages if m.get("stream") == "pipelines"]
    assert first[0] == "SCHEMA"
    pipelines = records(messages, "pipelines")
    assert len({p["id"] for p in pipelines}) == 500
    job = records(messages, "jobs")[0]
    assert job["project_path"] in ("observes/project-0", "20000001")
    assert isinstance(job["commit"], dict) and isinstance(job["tag_list"], list)
    assert "PRIVATE-TOKEN" not in stderr and TOKEN not in stderr


def test_bounded_runs_resume_without_gaps(gitlab: GitLabServer) -> None:
    seen: list[int] = []
    state = None
    for _ in range(3):
        code, messages, stderr = run_tap(gitlab, state=state, streams=["pipelines"],
                                         max_pages=1)
        assert code == 0, stderr[-2000:]
        seen += [p["id"] for p in records(messages, "pipelines")]
        state = last_state(messages)
    assert sorted(set(seen)) == sorted(p["id"] for project in gitlab.data.projects
                                       for p in project.pipelines)
    bookmarks = state["bookmarks"]["pipelines"]["partitions"]
    assert {b["replication_key_value"] for b in bookmarks
            if "source" not in b["context"]} == {"2026-01-02T17:30:00.000Z"}


def test_second_run_fetches_only_what_changed(gitlab: GitLabServer) -> None:
    streams = ["pipelines", "jobs"]
    code, messages, _ = run_tap(gitlab, streams=streams)
    assert code == 0
    project = gitlab.data.projects[0]
    gitlab.data.touch_pipeline(project, 3, "success", minutes=100_000)
    gitlab.data.add_pipeline(project, 999, minutes=100_001)
    code, messages, _ = run_tap(gitlab, state=last_state(messages), streams=streams)
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


def test_state_is_read_in_every_form_a_pipeline_hands_over() -> None:
    with GitLabServer(SampleGitLab(projects=1, pipelines=20, token=TOKEN)) as server:
        code, messages, stderr = run_tap(server, streams=["pipelines"],
                                         projects=["observes/project-0"])
        assert code == 0, stderr[-2000:]
        state = last_state(messages)
        project = server.data.projects[0]
        server.data.add_pipeline(project, 999, minutes=100_001)
        message = {"type": "STATE", "value": state}  # a whole STATE message
        for form in (state,  # the bare state, as targets write it and Meltano hands it over
                     message,
                     {"singer_state": state},  # Meltano's envelope (`meltano state get`)
                     {"singer_state": message}):  # what Meltano kept from earlier targets
            code, messages, stderr = run_tap(server, state=form, streams=["pipelines"],
                                             projects=["observes/project-0"])
            assert code == 0, stderr[-2000:]
            changed = [p["id"] for p in records(messages, "pipelines")]
            assert changed == [project.pipelines[-1]["id"]], list(form)
            assert "bookmarks" in last_state(messages)


def test_a_bookmark_in_the_future_stops_the_run_naming_it(gitlab: GitLabServer) -> None:
    ahead = {"context": {"project_path": "observes/project-0"}, "replication_key": "updated_at",
             "replication_key_value": "2099-01-01T00:00:00.000Z"}
    code, messages, stderr = run_tap(gitlab, state={"bookmarks": {"pipelines": {
        "partitions": [ahead]}}}, streams=["pipelines"])
    assert code != 0
    assert "allowed): pipelines (project_path=observes/project-0) " \
           "updated_at=2099-01-01T00:00:00.000Z. The state runs ahead of the source" in stderr
    assert messages == []
    assert gitlab.calls("/pipelines") == 0


def test_rate_limit_is_honoured() -> None:
    with GitLabServer(SampleGitLab(projects=1, pipelines=10, token=TOKEN),
                      rate_limit=4) as server:
        code, messages, stderr = run_tap(server, streams=["pipelines", "jobs"],
                                         projects=["observes/project-0"])
    assert code == 0, stderr[-2000:]
    assert len(records(messages, "pipelines")) == 10
    assert "429" in stderr


def test_server_errors_are_retried_then_fail_clearly(gitlab: GitLabServer) -> None:
    gitlab.failures.append(("/merge_requests", 502))
    code, messages, stderr = run_tap(gitlab, streams=["merge_requests"])
    assert code == 0, stderr[-2000:]
    assert len(records(messages, "merge_requests")) == 166
    gitlab.failures.extend([("/issues", 500)] * 10)
    code, _, stderr = run_tap(gitlab, streams=["issues"])
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
def test_auth_and_missing_projects_are_named(gitlab: GitLabServer, token: str,
                                             projects: list[str], message: str) -> None:
    code, _, stderr = run_tap(gitlab, private_token=token, projects=projects)
    assert code != 0
    assert message in stderr
    hint = "expired or revoked" if token != TOKEN else "no such project"
    assert hint in stderr
    assert token not in stderr


def test_groups_expand_to_their_projects(gitlab: GitLabServer) -> None:
    code, messages, stderr = run_tap(gitlab, streams=["projects"], projects=[],
                                     groups=["observes"])
    assert code == 0, stderr[-2000:]
    assert sorted(p["path_with_namespace"] for p in records(messages, "projects")) == [
        "observes/project-0", "observes/project-1"]
    code, _, stderr = run_tap(gitlab, streams=["projects"], projects=[], groups=["nobody"])
    assert code != 0
    assert "404 from GitLab for group nobody" in stderr


def test_dropped_connections_are_retried(gitlab: GitLabServer) -> None:
    gitlab.failures.extend([("/issues", 0), ("/pipelines", 0)])
    code, messages, stderr = run_tap(gitlab, streams=["issues", "pipelines"])
    assert code == 0, stderr[-2000:]
    assert len(records(messages, "issues")) == 166
    assert len(records(messages, "pipelines")) == 500
    assert gitlab.failures == []


def test_long_queries_restart_before_the_offset_cap(gitlab: GitLabServer) -> None:
    code, messages, stderr = run_tap(gitlab, streams=["pipelines"], offset_page_limit=1)
    assert code == 0, stderr[-2000:]
    pipelines = records(messages, "pipelines")
    assert {p["id"] for p in pipelines} == {p["id"] for project in gitlab.data.projects
                                            for p in project.pipelines}
    pages = [query for path, query in gitlab.requests if path.endswith("/pipelines")]
    assert all(int(q.get("page", 1)) == 1 for q in pages)  # never past the first offset
    assert sum(1 for q in pages if "updated_after" in q) >= 4


# -- secrets and settings ---------------------------------------------------------------------

SECRET = "glpat-S3cretValue42"


def run_tap_config(tmp_path: Path, settings: dict[str, Any]
                   ) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "tap.json"
    path.write_text(json.dumps(settings))
    return subprocess.run([sys.executable, "-m", "tap_gitlab.tap", "--config", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)


def error_lines(stderr: str) -> list[str]:
    """The messages of the tap's ERROR log lines (``time | ERROR | tap-gitlab | message``)."""
    return [line.split("|", 3)[3].strip() for line in stderr.splitlines() if "| ERROR" in line]


@pytest.mark.parametrize(
    ("token", "shown_as", "kind"),
    [
        (918273645501, "918273645501", "an integer"),
        (9182736455.25, "9182736455.25", "a number"),
        ([SECRET], SECRET, "a list"),
        ({"token": SECRET}, SECRET, "an object"),
        ({"nested": [{"deeper": SECRET}]}, SECRET, "an object"),
        (True, "True", "a boolean"),
    ],
)
def test_a_token_of_the_wrong_type_is_never_shown(tmp_path: Path, token: Any, shown_as: str,
                                                  kind: str) -> None:
    result = run_tap_config(tmp_path, {"api_url": "http://127.0.0.1:1/api/v4",
                                       "private_token": token, "projects": ["a/b"]})
    assert result.returncode != 0
    assert shown_as not in result.stdout and shown_as not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert error_lines(result.stderr) == [
        f"private_token: must be a string, got {kind} (not shown: a secret)",
        "Config validation failed"]


def test_a_token_pasted_into_another_setting_is_not_shown_either(tmp_path: Path) -> None:
    result = run_tap_config(tmp_path, {"api_url": "http://127.0.0.1:1/api/v4",
                                       "private_token": SECRET, "projects": SECRET})
    assert result.returncode != 0
    assert SECRET not in result.stdout + result.stderr
    assert "projects: must be a list (or null, to leave it unset), got a string (not shown: " \
        "a secret)" in error_lines(result.stderr)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("max_pages", 0, "must be 1 or more, got 0"),
        ("max_pages", -3, "must be 1 or more, got -3"),
        ("max_pages", True, "must be an integer (or null, to leave it unset), got true"),
        ("max_pages", "5", "must be an integer (or null, to leave it unset), got '5'"),
        ("max_pages", 2.5, "must be an integer (or null, to leave it unset), got 2.5"),
        ("max_duration", 0, "must be more than 0, got 0"),
        ("max_duration", -0.5, "must be more than 0, got -0.5"),
        ("max_duration", False, "must be a number (or null, to leave it unset), got false"),
        ("max_duration", "60", "must be a number (or null, to leave it unset), got '60'"),
        ("max_duration", 1e999, "must be a finite number"),
        ("offset_page_limit", 0, "must be 1 or more, got 0"),
        ("offset_page_limit", -400, "must be 1 or more, got -400"),
        ("offset_page_limit", True, "must be an integer (or null, to leave it unset), got true"),
        ("offset_page_limit", [400], "must be an integer (or null, to leave it unset), got [400]"),
    ],
)
def test_numeric_settings_are_checked(tmp_path: Path, setting: str, value: Any,
                                      message: str) -> None:
    settings = {"api_url": "http://127.0.0.1:1/api/v4", "private_token": SECRET,
                "projects": ["a/b"], setting: value}
    path = tmp_path / "tap.json"
    # json.dumps writes 1e999 as Infinity, which JSON does not have: write it by hand.
    path.write_text(json.dumps(settings).replace("Infinity", "1e999"))
    result = subprocess.run([sys.executable, "-m", "tap_gitlab.tap", "--config", str(path)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    errors = error_lines(result.stderr)
    assert errors[0].startswith(f"{setting}: {message}"), result.stderr
    assert errors[1:] == ["Config validation failed"]
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr


# -- the token stays with api_url's host --------------------------------------------------------

@pytest.fixture
def elsewhere() -> Iterator[GitLabServer]:
    """Another loopback server (another port, so another origin), taking the same token."""
    with GitLabServer(SampleGitLab(projects=2, pipelines=3, token=TOKEN)) as server:
        yield server


def assert_never_reached(server: GitLabServer) -> None:
    assert not any(name.lower() == "private-token" or TOKEN in value
                   for _, _, headers in server.headers_seen
                   for name, value in headers.items())
    assert server.headers_seen == []  # the tap refuses: nothing at all is sent there


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_gets_no_token(gitlab: GitLabServer,
                                                  elsewhere: GitLabServer, status: int) -> None:
    gitlab.redirects.append(("/merge_requests", status, elsewhere.origin))
    code, _, stderr = run_tap(gitlab, streams=["merge_requests"])
    assert code != 0
    assert f"with a redirect ({status}) to {elsewhere.origin}" in stderr
    assert f"another host than api_url's ({gitlab.origin})" in stderr
    assert TOKEN not in stderr
    assert_never_reached(elsewhere)
    assert gitlab.redirects == []  # the redirect was served


def test_group_listing_keeps_the_token_home(gitlab: GitLabServer,
                                            elsewhere: GitLabServer) -> None:
    gitlab.redirects.append(("/groups/", 302, elsewhere.origin))
    code, _, stderr = run_tap(gitlab, projects=[], groups=["observes"])
    assert code != 0
    assert "another host than api_url's" in stderr
    assert_never_reached(elsewhere)


def test_a_next_page_link_to_another_host_gets_no_token(elsewhere: GitLabServer) -> None:
    with GitLabServer(SampleGitLab(projects=101, pipelines=0, token=TOKEN)) as server:
        server.link_origin = elsewhere.origin
        code, _, stderr = run_tap(server, projects=[], groups=["observes"])
    assert code != 0
    assert f"a request to {elsewhere.origin}" in stderr
    assert "would have carried the token; it was not sent" in stderr
    assert_never_reached(elsewhere)


def test_a_redirect_within_the_host_is_followed(gitlab: GitLabServer) -> None:
    gitlab.redirects.append(("/members/all", 301, gitlab.origin))
    gitlab.redirects.append(("/projects/20000001", 307, f"{gitlab.origin}/"))
    code, messages, stderr = run_tap(gitlab, streams=["members", "projects"])
    assert code == 0, stderr[-2000:]
    assert gitlab.redirects == []
    assert len(records(messages, "members")) == 8
    assert len(records(messages, "projects")) == 2


def cancel_stuck_jobs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tap_gitlab.cancel", *args],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, **FAST_RETRIES, "GITLAB_TOKEN": TOKEN})


@pytest.mark.parametrize(("part", "status", "method"),
                         [("/jobs", 302, "GET"), ("/cancel", 307, "POST"),
                          ("/cancel", 308, "POST")])
def test_cancel_stuck_jobs_keeps_the_token_home(gitlab: GitLabServer, elsewhere: GitLabServer,
                                                part: str, status: int, method: str) -> None:
    before = {job["id"]: job["status"] for job in gitlab.data.projects[0].jobs}
    gitlab.redirects.append((part, status, elsewhere.origin))
    result = cancel_stuck_jobs("--api-url", gitlab.url, "--project", "observes/project-0")
    assert result.returncode == 1
    assert result.stderr.startswith("gitlab-cancel-stuck-jobs: error: project "
                                    f"observes/project-0: GitLab answered {method} "
                                    "/api/v4/projects/"), result.stderr
    assert f"with a redirect ({status}) to {elsewhere.origin}" in result.stderr
    assert TOKEN not in result.stderr + result.stdout
    assert_never_reached(elsewhere)
    after = {job["id"]: job["status"] for job in gitlab.data.projects[0].jobs}
    assert after == before


@pytest.mark.parametrize("value", ["0h", "0s", "0d0h", "-1h", "8", "99999999999d", "36501d"])
def test_cancel_stuck_jobs_refuses_a_nonsense_threshold(value: str) -> None:
    result = cancel_stuck_jobs("--api-url", "http://127.0.0.1:1/api/v4", "--project",
                               "observes/project-0", f"--older-than={value}")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"gitlab-cancel-stuck-jobs: error: --older-than: {value!r} "), line
