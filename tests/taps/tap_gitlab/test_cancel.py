"""`gitlab-cancel-stuck-jobs` (tap_gitlab.cancel) against the loopback GitLab."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tap_gitlab.cancel import parse_duration
from tap_gitlab.sample.server import GitLabServer, SampleGitLab

TOKEN = "glpat-cancel"


@pytest.fixture
def gitlab() -> Iterator[GitLabServer]:
    with GitLabServer(SampleGitLab(projects=1, pipelines=12, token=TOKEN)) as server:
        project = server.data.projects[0]
        fresh = dict(project.jobs[2])  # a running job that started a minute ago
        a_minute_ago = (datetime.now(UTC) - timedelta(minutes=1)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z")
        fresh.update({"id": 1, "created_at": a_minute_ago, "started_at": a_minute_ago})
        project.jobs.append(fresh)
        yield server


def cancel(server: GitLabServer, *args: str, token: str = TOKEN,
           command: tuple[str, ...] = (sys.executable, "-m", "tap_gitlab.cancel")
           ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITLAB_TOKEN": token, "OBSERVES_HTTP_BACKOFF": "0.1"}
    return subprocess.run([*command, "--api-url", server.url, "--project",
                           "observes/project-0", *args],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def statuses(server: GitLabServer) -> dict[int, str]:
    return {job["id"]: job["status"] for job in server.data.projects[0].jobs}


def test_dry_run_lists_without_cancelling(gitlab: GitLabServer) -> None:
    before = statuses(gitlab)
    result = cancel(gitlab, "--dry-run")
    assert result.returncode == 0, result.stderr
    running_old = [i for i, s in before.items() if s == "running" and i != 1]
    assert len(result.stdout.splitlines()) == len(running_old) == 3
    assert all(line.startswith("would cancel observes/project-0 job ")
               for line in result.stdout.splitlines())
    assert statuses(gitlab) == before
    assert not any(path.startswith("POST") for path, _ in gitlab.requests)


def test_cancels_only_jobs_older_than_the_threshold(gitlab: GitLabServer) -> None:
    script = Path(sys.executable).with_name("gitlab-cancel-stuck-jobs")  # the console script
    result = cancel(gitlab, "--older-than", "8h", command=(str(script),))
    assert result.returncode == 0, result.stderr
    after = statuses(gitlab)
    assert after[1] == "running"  # a minute old: left alone
    assert [s for i, s in after.items() if i != 1].count("running") == 0
    assert len([line for line in result.stdout.splitlines() if "-> canceled" in line]) == 3
    assert "gitlab-cancel-stuck-jobs: cancelled 3 job(s) older than 8h" in result.stderr
    assert TOKEN not in result.stdout + result.stderr


def test_answers_that_fail_for_a_while_are_retried(gitlab: GitLabServer) -> None:
    gitlab.failures.extend([("/jobs", 502), ("/jobs", 0), ("/cancel", 503)])
    result = cancel(gitlab)
    assert result.returncode == 0, result.stderr
    assert gitlab.failures == []
    assert "cancelled 3 job(s)" in result.stderr
    assert "502 from GitLab for project observes/project-0" in result.stderr


def test_a_missing_token_is_named() -> None:
    result = subprocess.run([sys.executable, "-m", "tap_gitlab.cancel", "--project", "a/b"],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={k: v for k, v in os.environ.items() if k != "GITLAB_TOKEN"})
    assert result.returncode == 1
    assert result.stderr == ("gitlab-cancel-stuck-jobs: error: set GITLAB_TOKEN to a token "
                             "with the api scope\n")


def test_wrong_token_and_bad_duration(gitlab: GitLabServer) -> None:
    denied = cancel(gitlab, token="glpat-nope")
    assert denied.returncode == 1
    assert denied.stderr.startswith(
        "gitlab-cancel-stuck-jobs: error: 401 from GitLab for project observes/project-0 "
        "(GET /api/v4/projects/observes%2Fproject-0/jobs): the token is missing, expired or "
        "revoked; check GITLAB_TOKEN"), denied.stderr
    assert "glpat-nope" not in denied.stderr
    bad = cancel(gitlab, "--older-than", "soon")
    assert bad.returncode == 2
    assert "'soon' is not a duration" in bad.stderr


def test_durations() -> None:
    assert parse_duration("8h") == timedelta(hours=8)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    with pytest.raises(ValueError):
        parse_duration("8 hours")


def later_stage_job(server: GitLabServer, job_id: int, *, started: timedelta | None) -> None:
    """A running job its pipeline created 20 hours ago, which started ``started`` ago
    (None: GitLab gives no ``started_at``)."""
    now = datetime.now(UTC)
    job = dict(server.data.projects[0].jobs[2])
    job.update({"id": job_id, "status": "running",
                "created_at": (now - timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "started_at": (now - started).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                if started is not None else None})
    server.data.projects[0].jobs.append(job)


def test_a_running_job_is_aged_from_when_it_started(gitlab: GitLabServer) -> None:
    later_stage_job(gitlab, 2, started=timedelta(hours=1))
    later_stage_job(gitlab, 3, started=timedelta(hours=9))
    later_stage_job(gitlab, 4, started=None)  # no started_at: aged from its creation
    dry = cancel(gitlab, "--older-than", "8h", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert " job 2 " not in dry.stdout  # started an hour ago: healthy
    (line,) = [line for line in dry.stdout.splitlines() if " job 3 " in line]
    assert "running for 9.0 h" in line
    assert "running for 20.0 h" in next(line for line in dry.stdout.splitlines()
                                        if " job 4 " in line)
    result = cancel(gitlab, "--older-than", "8h")
    assert result.returncode == 0, result.stderr
    assert statuses(gitlab)[2] == "running" and statuses(gitlab)[3] == "canceled"
    assert "job 3 (" in result.stdout and "running for 9.0 h) -> canceled" in result.stdout


def test_a_job_that_finished_before_its_cancel_is_not_counted(gitlab: GitLabServer) -> None:
    old_running = [job["id"] for job in gitlab.data.projects[0].jobs
                   if job["status"] == "running" and job["id"] != 1]
    gitlab.finish_before_cancel[old_running[0]] = "success"
    result = cancel(gitlab, "--older-than", "8h")
    assert result.returncode == 0, result.stderr
    assert statuses(gitlab)[old_running[0]] == "success"
    cancelled = result.stdout.splitlines()
    assert len(cancelled) == 2 and all("-> canceled" in line for line in cancelled)
    assert f"job {old_running[0]} " not in result.stdout
    assert f"not cancelled observes/project-0 job {old_running[0]} " in result.stderr
    assert "it ended success meanwhile" in result.stderr
    assert "gitlab-cancel-stuck-jobs: cancelled 2 job(s) older than 8h" in result.stderr
