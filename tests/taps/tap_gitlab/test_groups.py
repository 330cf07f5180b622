"""The configured groups' projects, as a stream: own and subgroups' projects, shared ones
only when asked, every field kept, and bounded runs that go on where they stopped."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tap_gitlab.sample.server import GitLabServer, SampleGitLab

from observes_singer.tapkit import testing
from observes_singer.tapkit.testing import assert_schemas_cover

TOKEN = "glpat-groups"


def settings(server: GitLabServer, **more: Any) -> dict[str, Any]:
    return {"api_url": server.url, "private_token": TOKEN, "projects": [],
            "groups": ["observes"], **more}


def only(stream: str, config: dict[str, Any]) -> dict[str, Any]:
    """The tap's catalog with only ``stream`` selected."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        path.write_text(json.dumps(config))
        found = subprocess.run([sys.executable, "-m", "tap_gitlab.tap", "--config", str(path),
                                "--discover"], capture_output=True, text=True, timeout=120,
                               check=True)
    catalog: dict[str, Any] = json.loads(found.stdout)
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] == stream
    return catalog


def test_a_groups_own_projects_and_shared_ones_only_when_asked() -> None:
    data = SampleGitLab(projects=3, pipelines=2, token=TOKEN)
    data.add_project("observes/sub/deep", 1)
    data.add_project("other/shared", 1, shared_with=["observes"])
    with GitLabServer(data) as server:
        own = testing.run_tap("tap_gitlab.tap", settings(server))
        shared = testing.run_tap("tap_gitlab.tap", settings(server,
                                                            include_shared_projects=True))
    assert own.exit_code == 0 and shared.exit_code == 0, own.stderr[-2000:]
    listed = [(r["group_path"], r["path_with_namespace"]) for r in own.records("group_projects")]
    assert listed == [("observes", "observes/project-0"), ("observes", "observes/project-1"),
                      ("observes", "observes/project-2"), ("observes", "observes/sub/deep")]
    assert ("observes", "other/shared") in [
        (r["group_path"], r["path_with_namespace"]) for r in shared.records("group_projects")]
    # Every field GitLab returns for a group's project has a column.
    assert_schemas_cover(own.messages)


def test_without_groups_the_stream_is_empty_and_asks_nothing() -> None:
    with GitLabServer(SampleGitLab(projects=1, pipelines=1, token=TOKEN)) as server:
        run = testing.run_tap("tap_gitlab.tap", settings(server, groups=[],
                                                         projects=["observes/project-0"]))
        assert run.exit_code == 0, run.stderr[-2000:]
        assert run.records("group_projects") == []
        assert server.calls("/groups/") == 0


def test_bounded_runs_read_a_large_group_once_then_start_over() -> None:
    with GitLabServer(SampleGitLab(projects=250, pipelines=0, token=TOKEN)) as server:
        config = settings(server, max_pages=1)
        catalog = only("group_projects", config)
        seen: list[int] = []
        state = None
        for _ in range(3):
            run = testing.run_tap("tap_gitlab.tap", config, state, catalog=catalog)
            assert run.exit_code == 0, run.stderr[-2000:]
            seen += [r["id"] for r in run.records("group_projects")]
            state = run.last_state()
        assert sorted(seen) == sorted(p.id for p in server.data.projects)
        again = testing.run_tap("tap_gitlab.tap", config, state, catalog=catalog)
    assert [r["id"] for r in again.records("group_projects")] == seen[:100]
