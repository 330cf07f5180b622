"""The GitLab job (jobs/gitlab.toml) run twice against the sample GitLab, with changes in
between: every stream lands once per record, in one row per key, and stays so."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from tap_gitlab.sample.server import GitLabServer, SampleGitLab

from tests.support.repo_jobs import run_repo_job

TOKEN = "glpat-job"


def run_job(tmp_path: Path, server: GitLabServer, warehouse: Path
            ) -> subprocess.CompletedProcess[str]:
    return run_repo_job("gitlab", tmp_path, {
        "GITLAB_API_URL": server.url, "GITLAB_TOKEN": TOKEN,
        "GITLAB_PROJECT": "observes/project-0",
        "WAREHOUSE_URL": f"duckdb://{warehouse}", "WAREHOUSE_SCHEMA": "main",
        "OBSERVES_STATE_URL": str(tmp_path / "state" / "gitlab.json")})


def tables(warehouse: Path) -> dict[str, Any]:
    """Per table: rows, distinct row ids, and distinct (parent, index) for child tables."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [r[0] for r in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()]
        found = {}
        for name in names:
            if name == "observes_runs":  # the run ledger, not a stream
                continue
            columns = {r[0] for r in connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [name]).fetchall()}
            child = "_sdc_parent_id" in columns
            key = "_sdc_parent_id, _sdc_index" if child else "_sdc_id"
            row = connection.execute(
                f'SELECT count(*), count(DISTINCT ({key})) FROM "{name}"').fetchone()
            assert row is not None
            found[name] = (int(row[0]), int(row[1]), child)
        return found
    finally:
        connection.close()


def test_the_gitlab_job_twice_keeps_one_row_per_record_in_every_stream(tmp_path: Path) -> None:
    warehouse = tmp_path / "gitlab.duckdb"
    data = SampleGitLab(projects=1, pipelines=60, token=TOKEN, trigger_every=4)
    with GitLabServer(data) as server:
        first = run_job(tmp_path, server, warehouse)
        assert first.returncode == 0, first.stderr[-3000:]
        project = data.projects[0]
        # Changes in every kind of stream: a pipeline finished and a new one (with its jobs
        # and trigger jobs), new commits, a deployment finished and a new one, a milestone
        # closed.
        data.touch_pipeline(project, 5, "success", minutes=300_000)
        data.add_pipeline(project, 500, minutes=300_001)
        delivery = project.delivery
        delivery.push(3)
        delivery.finish_deployment(0, "success", datetime(2027, 1, 1, tzinfo=UTC))
        delivery.add_deployment()
        if delivery.milestones:
            delivery.touch_milestone(0, datetime(2027, 1, 2, tzinfo=UTC))
        second = run_job(tmp_path, server, warehouse)
        assert second.returncode == 0, second.stderr[-3000:]
        expected = {stream: len(rows) for stream, rows in data.records().items()}
    loaded = tables(warehouse)
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        runs = connection.execute("SELECT count(DISTINCT run_id) FROM observes_runs "
                                  "WHERE job = 'gitlab'").fetchone()
    finally:
        connection.close()
    assert runs == (2,)  # each run recorded in the run ledger
    for name, (rows, distinct, _) in loaded.items():
        assert rows == distinct, f"{name}: {rows} rows, {distinct} distinct"
    for stream, count in expected.items():
        assert count > 0, f"the sample has no {stream}"
        assert stream in loaded, f"stream {stream} did not land"
        assert loaded[stream][0] == count, f"{stream}: {loaded[stream][0]} rows, {count} in GitLab"
