"""tap-git and shallow repositories: a clone the tap keeps is made complete, a shallow
local repository or remote is refused, so no commit is read with its parents cut off."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tap_git.clones import clone_folder

from observes_singer.tapkit.testing import TapRun, run_tap
from tests.support.git_repos import BOB, Repo, git

TAP = "tap_git.tap"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def three_commits(path: Path) -> Repo:
    repo = Repo(path)
    repo.commit("one", {"a.txt": "1\n"})
    repo.commit("two", {"a.txt": "1\n2\n", "b.txt": "b\nb\nb\n"}, author=BOB)
    repo.commit("three", {"a.txt": "1\n2\n3\n"})
    return repo


def shallow_clone(source: Path, into: Path, *bare: str) -> Path:
    """A clone of ``source`` holding its last commit only (``git clone --depth 1``)."""
    git(into.parent, "clone", "--quiet", *bare, "--depth", "1", source.as_uri(), str(into))
    assert git(into, "rev-parse", "--is-shallow-repository").strip() == "true"
    return into


def is_shallow(repository: Path) -> bool:
    return git(repository, "rev-parse", "--is-shallow-repository").strip() == "true"


def parents_and_lines(result: TapRun, name: str) -> dict[str, tuple[list[str], int, int]]:
    return {r["hash"]: (r["parents"], r["lines_added"], r["lines_removed"])
            for r in result.records("commits") if r["repository"] == name}


def expected(repo: Repo) -> dict[str, tuple[list[str], int, int]]:
    """Each commit's parents and line counts, from the complete repository."""
    found = {}
    for line in repo.git("rev-list", "--parents", "--all").splitlines():
        commit, *parents = line.split()
        numstat = repo.git("show", "--format=", "--numstat", commit).split()
        counts = [int(n) for n in numstat[0::3]], [int(n) for n in numstat[1::3]]
        found[commit] = (parents, sum(counts[0]), sum(counts[1]))
    return found


def url_config(url: str, clones: Path) -> dict[str, Any]:
    return {"repositories": [{"url": url, "group": "g", "name": "app"}],
            "clone_dir": str(clones)}


def test_a_shallow_local_repository_is_refused_and_read_once_complete(
        tmp_path: Path) -> None:
    repo = three_commits(tmp_path / "full")
    shallow = shallow_clone(repo.path, tmp_path / "shallow")
    config = {"repositories": [{"path": str(shallow), "group": "g"},
                               {"path": str(repo.path), "group": "g"}]}
    refused = run_tap(TAP, config)
    assert refused.exit_code != 0
    assert f"repository 'shallow': {shallow} is a shallow clone (its history is cut " \
        "short: the oldest commits it holds would be read with no parents and every line " \
        "of their files counted as added); make it complete with: git -C " \
        f"{shallow} fetch --unshallow" in refused.stderr
    assert "1 of 2 repositories could not be read" in refused.stderr
    assert parents_and_lines(refused, "shallow") == {}
    assert parents_and_lines(refused, "full") == expected(repo)
    assert list(refused.last_state()["bookmarks"]["commits"]["repositories"]) == ["full"]

    git(shallow, "fetch", "--quiet", "--unshallow")
    complete = run_tap(TAP, config, refused.last_state())
    assert complete.exit_code == 0, complete.stderr[-3000:]
    assert parents_and_lines(complete, "shallow") == expected(repo)
    assert parents_and_lines(complete, "full") == {}


def test_a_shallow_clone_in_clone_dir_is_made_complete(tmp_path: Path) -> None:
    repo = three_commits(tmp_path / "work")
    url = repo.path.as_uri()
    clones = tmp_path / "clones"
    clones.mkdir()
    # A clone cut to its last commit, where the tap keeps this URL's clone (made by
    # another tool, or copied from a CI checkout).
    clone = shallow_clone(repo.path, clone_folder(clones, "app", url), "--bare")

    result = run_tap(TAP, url_config(url, clones))
    assert result.exit_code == 0, result.stderr[-3000:]
    assert parents_and_lines(result, "app") == expected(repo)
    assert not is_shallow(clone)
    assert "repository 'app': its clone was shallow; its whole history is fetched now " \
        "(git fetch --unshallow)" in result.stderr


def test_a_shallow_remote_is_refused(tmp_path: Path) -> None:
    repo = three_commits(tmp_path / "work")
    remote = shallow_clone(repo.path, tmp_path / "remote.git", "--bare")
    clones = tmp_path / "clones"
    config = url_config(remote.as_uri(), clones)
    for _ in range(2):  # a new clone, then the clone the first run left
        result = run_tap(TAP, config)
        assert result.exit_code != 0
        assert "repository 'app': its remote is a shallow repository (its history is cut " \
            "short: the oldest commits it holds would be read with no parents and every " \
            "line of their files counted as added); make the remote complete (git fetch " \
            "--unshallow in it) or give the URL of a complete one" in result.stderr
        assert result.records("commits") == []
