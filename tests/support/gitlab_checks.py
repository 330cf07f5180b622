"""What a GitLab job over the sample GitLab leaves in a DuckDB warehouse, checked."""

from __future__ import annotations

from pathlib import Path

import duckdb
from tap_gitlab.sample.server import Project


def assert_gitlab_loaded(warehouse: Path, project: Project, pipelines: int) -> None:
    """One row per pipeline and per job, the job of a finished pipeline up to date, and
    every merge request."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        def count(sql: str) -> int:
            row = connection.execute(sql).fetchone()
            return int(row[0]) if row else -1

        assert count("SELECT count(*) FROM pipelines") == pipelines
        assert count("SELECT count(DISTINCT id) FROM pipelines") == pipelines
        assert count("SELECT count(*) FROM jobs") == pipelines
        assert count("SELECT count(*) FROM jobs WHERE status = 'success' AND "
                     f"pipeline__id = {project.pipelines[5]['id']}") == 1
        assert count("SELECT count(*) FROM merge_requests") == 40
    finally:
        connection.close()
