"""The plugins under Meltano, as custom plugins: `meltano run tap-gitlab target-redshift`
twice over the loopback GitLab into DuckDB, the second run fetching only what changed.

Meltano is heavy and pins its own dependencies, so it lives in a venv of its own, made
by the fixture on first use and kept under ``~/.cache/observes-test-meltano`` (or
``$XDG_CACHE_HOME``), one folder per Meltano and Python version: the first run installs
it from PyPI (about 40 s), later runs reuse it. Where it cannot be installed (no network),
the test is skipped, saying why. The plugins are our venv's own scripts, declared with an
absolute ``executable`` and no ``pip_url``: Meltano installs nothing for them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tap_gitlab.sample.server import GitLabServer, SampleGitLab

from tests.support.gitlab_checks import assert_gitlab_loaded

pytestmark = pytest.mark.slow  # end to end, several seconds each

MELTANO_VERSION = "4.4.1"
TOKEN = "glpat-meltano"
STATE_ID = "dev:tap-gitlab-to-target-redshift"  # <environment>:<tap>-to-<target>


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "observes-test-meltano"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One installer at a time (two test runs may start together)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def meltano() -> Path:
    """The ``meltano`` executable of a venv of its own, installed once and cached."""
    cache = _cache_dir()
    python = f"py{sys.version_info.major}.{sys.version_info.minor}"
    venv = cache / f"meltano-{MELTANO_VERSION}-{python}"
    executable = venv / "bin" / "meltano"
    done = venv / ".installed"  # written last: a venv without it is half made
    if done.exists():
        return executable
    cache.mkdir(parents=True, exist_ok=True)
    with _locked(cache / ".lock"):
        if done.exists():
            return executable
        shutil.rmtree(venv, ignore_errors=True)
        steps = {"python -m venv": [sys.executable, "-m", "venv", str(venv)],
                 "pip install": [str(venv / "bin" / "python"), "-m", "pip", "install",
                                 "--quiet", "--disable-pip-version-check", "--retries", "2",
                                 "--timeout", "30", f"meltano=={MELTANO_VERSION}"]}
        for name, step in steps.items():
            why = ""
            try:
                result = subprocess.run(step, capture_output=True, text=True, timeout=600,
                                        check=False)
            except subprocess.TimeoutExpired:
                why = "took over 600 s"
            else:
                if result.returncode != 0:
                    lines = (result.stderr or result.stdout).strip().splitlines()
                    why = f"exited {result.returncode}: {' / '.join(lines[-3:])}"
            if why:
                shutil.rmtree(venv, ignore_errors=True)
                pytest.skip(f"Meltano {MELTANO_VERSION} could not be installed in its own "
                            f"venv {venv} (no network to PyPI?): {name} {why}")
        done.write_text(f"meltano=={MELTANO_VERSION}\n")
    return executable


def meltano_yml(api_url: str, warehouse: Path, bucket: Path) -> dict[str, Any]:
    """The project: the plugin declarations of docs/meltano.md, pointed at this venv's
    scripts."""
    scripts = Path(sys.executable).parent
    return {
        "default_environment": "dev",
        "environments": [{"name": "dev"}],
        "send_anonymous_usage_stats": False,
        "project_id": "observes-singer-tests",
        "plugins": {
            "extractors": [{
                "name": "tap-gitlab",
                "namespace": "tap_gitlab",
                "executable": str(scripts / "tap-gitlab"),
                "capabilities": ["catalog", "discover", "state", "about"],
                "settings": [{"name": "api_url"},
                             {"name": "private_token", "sensitive": True},
                             {"name": "projects", "kind": "array"},
                             {"name": "groups", "kind": "array"},
                             {"name": "start_date", "kind": "date_iso8601"}],
                "config": {"api_url": api_url, "projects": ["observes/project-0"]},
            }],
            "loaders": [{
                "name": "target-redshift",
                "namespace": "target_redshift",
                "executable": str(scripts / "target-redshift"),
                "settings": [{"name": "url", "sensitive": True},
                             {"name": "schema"},
                             {"name": "load_method"}],
                "config": {"url": f"duckdb://{warehouse}", "schema": "main",
                           "load_method": "upsert"},
            }, {
                "name": "target-s3",
                "namespace": "target_s3",
                "executable": str(scripts / "target-s3"),
                "settings": [{"name": "url"}, {"name": "format"}, {"name": "compression"}],
                "config": {"url": str(bucket), "format": "jsonl", "compression": "gzip"},
            }],
        },
    }


def meltano_env(project: Path) -> dict[str, str]:
    """This environment less any Meltano or plugin settings, with the project's own."""
    prefixes = ("MELTANO_", "TAP_GITLAB_", "TARGET_REDSHIFT_", "TARGET_S3_",
                "OBSERVES_COMMIT_FD")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**environment,
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            "MELTANO_DATABASE_URI": f"sqlite:///{project / '.meltano' / 'meltano.db'}",
            "TAP_GITLAB_PRIVATE_TOKEN": TOKEN}


def run(meltano: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(meltano), *args], cwd=project, env=meltano_env(project),
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-4000:])
    return result


def stored_state(meltano: Path, project: Path, state_id: str = STATE_ID) -> Any:
    """What Meltano keeps as the state it hands the tap: ``singer_state``."""
    return json.loads(run(meltano, project, "state", "get", state_id).stdout)["singer_state"]


@pytest.mark.timeout(900)  # the first use installs Meltano
def test_meltano_runs_the_plugins_and_the_second_run_resumes(tmp_path: Path,
                                                             meltano: Path) -> None:
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    warehouse = tmp_path / "gitlab.duckdb"
    bucket = tmp_path / "bucket"
    with GitLabServer(SampleGitLab(projects=1, pipelines=120, token=TOKEN)) as server:
        # YAML reads JSON: no YAML writer needed
        (project_dir / "meltano.yml").write_text(
            json.dumps(meltano_yml(server.url, warehouse, bucket), indent=2))
        run(meltano, project_dir, "run", "tap-gitlab", "target-redshift")
        state = stored_state(meltano, project_dir)
        # The target wrote the bare state, so that is what Meltano saved.
        assert "type" not in state and "pipelines" in state["bookmarks"], state

        project = server.data.projects[0]
        server.data.touch_pipeline(project, 5, "success", minutes=300_000)
        server.data.add_pipeline(project, 500, minutes=300_001)
        calls_before = len(server.requests)
        run(meltano, project_dir, "run", "tap-gitlab", "target-redshift")
        second_calls = [path for path, _ in server.requests[calls_before:]]

        # A project that ran the earlier targets holds whole STATE messages, and Meltano
        # hands the tap one of those: the tap unwraps it and resumes.
        old_form = {"singer_state": {"type": "STATE", "value": stored_state(meltano,
                                                                            project_dir)}}
        run(meltano, project_dir, "state", "set", "--force", STATE_ID, json.dumps(old_form))
        server.data.add_pipeline(project, 501, minutes=300_002)
        calls_before = len(server.requests)
        run(meltano, project_dir, "run", "tap-gitlab", "target-redshift")
        third_calls = [path for path, _ in server.requests[calls_before:]]

        # target-s3 too writes the bare state, and Meltano keeps it.
        run(meltano, project_dir, "run", "tap-gitlab", "target-s3")
        state = stored_state(meltano, project_dir, "dev:tap-gitlab-to-target-s3")
        assert "type" not in state and "pipelines" in state["bookmarks"], state

    assert_gitlab_loaded(warehouse, project, 122)
    # The second run asked only for what changed: two pipelines, so two job lists (one
    # page of the project's pipelines, one of its child pipelines).
    assert sum(1 for path in second_calls if path.endswith("/jobs")) == 2
    assert sum(1 for path in second_calls if path.endswith("/pipelines")) == 2
    # The third, from the old form of the state: one new pipeline, one job list.
    assert sum(1 for path in third_calls if path.endswith("/jobs")) == 1
    assert sum(1 for path in third_calls if path.endswith("/pipelines")) == 2
    manifests = list((bucket / "_manifests").glob("*.json"))
    assert len(manifests) == 1
    assert json.loads(manifests[0].read_text())["streams"]["pipelines"]["records"] == 122


@pytest.mark.timeout(900)
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_meltano_runs_tap_git_and_the_second_run_reads_only_new_history(
        tmp_path: Path, meltano: Path) -> None:
    """tap-git under Meltano: its state (the branch tips it read) kept by Meltano, so the
    second run loads only the new commit."""
    import duckdb

    from tests.support.git_repos import ALICE, BOB, Repo

    repo = Repo(tmp_path / "repos" / "app")
    repo.commit("one", {"a.txt": "1\n"}, author=ALICE)
    repo.commit("two", {"a.txt": "2\n"}, author=BOB)
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    warehouse = tmp_path / "code.duckdb"
    project = meltano_yml("http://127.0.0.1:9", warehouse, tmp_path / "bucket")
    project["plugins"]["extractors"].append({
        "name": "tap-git", "namespace": "tap_git",
        "executable": str(Path(sys.executable).parent / "tap-git"),
        "capabilities": ["catalog", "discover", "state", "about"],
        "settings": [{"name": "repositories", "kind": "array"},
                     {"name": "token", "sensitive": True}, {"name": "clone_dir"}],
        "config": {"repositories": [{"path": str(repo.path), "group": "alpha"}],
                   "clone_dir": str(tmp_path / "clones")}})
    (project_dir / "meltano.yml").write_text(json.dumps(project, indent=2))
    run(meltano, project_dir, "run", "tap-git", "target-redshift")
    state = stored_state(meltano, project_dir, "dev:tap-git-to-target-redshift")
    assert "type" not in state and state["bookmarks"]["commits"]["repositories"]["app"]
    three = repo.commit("three", {"a.txt": "3\n"}, author=ALICE)
    second = run(meltano, project_dir, "run", "tap-git", "target-redshift")
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = connection.execute("SELECT hash, seen_at FROM main.commits").fetchall()
    finally:
        connection.close()
    assert len(rows) == 3
    seen = dict(rows)
    assert seen[three] >= max(seen[h] for h in seen if h != three)
    # The second run read one commit: the one made since the first.
    assert "target-redshift: 1 records loaded into" in second.stderr + second.stdout, \
        second.stderr[-3000:]
