"""tap-git's clones: a token over git's smart HTTP (a real git http-backend on loopback),
never shown nor stored; force-pushed remotes; a clone cache that is new or lost."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tap_git.credentials import token_origin

from observes_singer.tapkit.testing import TapRun, run_tap
from tests.support.git_http import GitHttpServer
from tests.support.git_repos import BOB, Repo, git

TAP = "tap_git.tap"
TOKEN = "glpat-FAKE-t0k3n-5ecr3t-9f8e7d"  # a fake, looked for in everything the tap leaves
USERNAME = "x-access-token"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def hashes(result: TapRun) -> list[str]:
    return [record["hash"] for record in result.records("commits")]


def files_under(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if path.is_file():
            yield path


def assert_no_token(result: TapRun, *folders: Path) -> None:
    import json

    assert TOKEN not in result.stderr
    assert TOKEN not in json.dumps(result.messages)
    for folder in folders:
        for path in files_under(folder):
            assert TOKEN.encode() not in path.read_bytes(), path


@pytest.fixture
def remote(tmp_path: Path) -> tuple[Repo, Path]:
    """A working repository and the bare repository it pushes to (the "remote")."""
    work = Repo(tmp_path / "work")
    work.commit("one", {"a.txt": "1\n"})
    work.commit("two", {"a.txt": "1\n2\n"}, author=BOB)
    bare = tmp_path / "served" / "app.git"
    git(tmp_path, "init", "--quiet", "--bare", str(bare), env=work.env)
    work.git("push", "--quiet", str(bare), "main")
    return work, bare


@pytest.fixture
def logging_git(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A ``git`` first on PATH that logs each command line the tap runs, then runs git."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "git-commands.log"
    wrapper = folder / "git"
    wrapper.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$*\" >> {log}\nexec {shutil.which('git')} "
                       "\"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}, log


def test_a_token_is_used_for_its_host_and_never_shown_nor_kept(
        tmp_path: Path, remote: tuple[Repo, Path],
        logging_git: tuple[dict[str, str], Path]) -> None:
    work, bare = remote
    env, commands = logging_git
    home = tmp_path / "home"
    home.mkdir()
    # A machine whose git keeps every credential that worked, in plain text.
    (home / ".gitconfig").write_text("[credential]\n\thelper = store\n")
    env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    clones = tmp_path / "clones"
    with GitHttpServer(bare.parent, USERNAME, TOKEN) as server:
        config = {"repositories": [{"url": server.url("app.git"), "group": "g"}],
                  "token": TOKEN, "clone_dir": str(clones), "files": True}
        first = run_tap(TAP, config, env=env)
        assert first.exit_code == 0, first.stderr[-2000:]
        assert sorted(hashes(first)) == sorted(work.git("rev-list", "main").split())
        # git asked without credentials, got a 401, then sent the token (and only then)
        sent = [request.credentials for request in server.requests]
        assert sent[0] is None and set(sent[1:]) == {f"{USERNAME}:{TOKEN}"}
        server.requests.clear()

        work.commit("three", {"b.txt": "x\n"})
        work.git("push", "--quiet", str(bare), "main")
        second = run_tap(TAP, config, first.last_state(), env=env)
        assert second.exit_code == 0, second.stderr[-2000:]
        assert hashes(second) == [work.head()]

    assert_no_token(first, clones, home)
    assert_no_token(second)
    assert not (home / ".git-credentials").exists()
    logged = commands.read_text()
    assert "fetch --quiet" in logged and "log --stdin" in logged
    assert TOKEN not in logged
    clone = next(clones.iterdir())
    assert "url" not in (clone / "config").read_text()
    assert "remote" not in (clone / "config").read_text()


def test_a_wrong_or_missing_token_and_a_missing_repository_are_named(
        tmp_path: Path, remote: tuple[Repo, Path]) -> None:
    _, bare = remote
    clones = tmp_path / "clones"
    with GitHttpServer(bare.parent, USERNAME, TOKEN) as server:
        wrong = "glpat-WRONG-0123456789"
        result = run_tap(TAP, {"repositories": [{"url": server.url("app.git"), "group": "g"}],
                               "token": wrong, "clone_dir": str(clones)})
        assert result.exit_code != 0
        assert (f"repository 'app': fetching (git fetch) failed: fatal: Authentication failed "
                f"for '{server.url('app.git')}/'; check token and token_username") \
            in result.stderr
        assert wrong not in result.stderr and TOKEN not in result.stderr

        result = run_tap(TAP, {"repositories": [{"url": server.url("app.git"), "group": "g"}],
                               "clone_dir": str(clones)})
        assert result.exit_code != 0
        assert "repository 'app': fetching (git fetch) failed: fatal: could not read Username" \
            in result.stderr

        result = run_tap(TAP, {"repositories": [{"url": server.url("gone.git"), "group": "g"}],
                               "token": TOKEN, "clone_dir": str(clones)})
        assert result.exit_code != 0
        assert f"repository 'gone': fetching (git fetch) failed: fatal: repository " \
            f"'{server.url('gone.git')}/' not found" in result.stderr
        assert TOKEN not in result.stderr


def test_a_url_with_a_password_is_refused_without_showing_it() -> None:
    result = run_tap(TAP, {"repositories": [
        {"url": f"https://oauth2:{TOKEN}@gitlab.example.com/g/app.git", "group": "g"}]})
    assert result.exit_code != 0
    assert "repositories[0].url: holds a password (not shown); give it as token instead" \
        in result.stderr
    assert TOKEN not in result.stderr


def test_the_token_goes_to_https_and_loopback_http_only() -> None:
    assert token_origin("https://github.com/org/app.git") == "https://github.com"
    assert token_origin("https://gitlab.example:8443/g/app.git") == "https://gitlab.example:8443"
    assert token_origin("http://127.0.0.1:8080/app.git") == "http://127.0.0.1:8080"
    assert token_origin("http://localhost/app.git") == "http://localhost"
    assert token_origin("http://[::1]:9000/app.git") == "http://[::1]:9000"
    assert token_origin("http://git.example.com/app.git") is None
    assert token_origin("ssh://git@github.com/org/app.git") is None
    assert token_origin("git@github.com:org/app.git") is None
    assert token_origin("file:///srv/app.git") is None


def config_for(bare: Path, clones: Path, **settings: Any) -> dict[str, Any]:
    return {"repositories": [{"url": bare.as_uri(), "group": "g"}], "clone_dir": str(clones),
            "token": TOKEN, **settings}


def run(config: dict[str, Any], state: dict[str, Any] | None = None) -> TapRun:
    result = run_tap(TAP, config, state)
    assert result.exit_code == 0, result.stderr[-3000:]
    return result


def force_push(work: Repo, bare: Path, keep: str) -> str:
    """Rewrite main to ``keep`` plus a new commit, force-pushed; the new tip."""
    work.git("reset", "--quiet", "--hard", keep)
    tip = work.commit("rewritten", {"a.txt": "rewritten\n"})
    work.git("push", "--quiet", "--force", str(bare), "main")
    return tip


def test_a_force_pushed_remote(tmp_path: Path, remote: tuple[Repo, Path]) -> None:
    work, bare = remote
    clones = tmp_path / "clones"
    config = config_for(bare, clones)
    first = run(config)
    old_tip = work.head()
    one = work.head("HEAD~1")
    new_tip = force_push(work, bare, one)
    second = run(config, first.last_state())
    assert hashes(second) == [new_tip]
    seen = second.last_state()["bookmarks"]["commits"]["repositories"]["app"]["seen"]
    assert seen == sorted([new_tip, old_tip])
    # The clone keeps the replaced tip by a ref: git gc does not drop it.
    clone = next(clones.iterdir())
    git(clone, "gc", "--quiet", "--prune=now")
    assert git(clone, "cat-file", "-t", old_tip).strip() == "commit"
    assert git(clone, "for-each-ref", "--format=%(refname)", "refs/tap-git/").split() == \
        sorted(f"refs/tap-git/seen/{c}" for c in (new_tip, old_tip))
    assert git(clone, "for-each-ref", "--format=%(refname)", "refs/heads/").split() == \
        ["refs/heads/main"]
    # The remote back to the old history: nothing new.
    work.git("reset", "--quiet", "--hard", old_tip)
    work.git("push", "--quiet", "--force", str(bare), "main")
    assert hashes(run(config, second.last_state())) == []


def test_a_new_clone_dir_asks_the_remote_for_the_commits_already_read(
        tmp_path: Path, remote: tuple[Repo, Path]) -> None:
    work, bare = remote
    first = run(config_for(bare, tmp_path / "clones-1"))
    one = work.head("HEAD~1")
    new_tip = force_push(work, bare, one)
    # A new clone lacks the replaced tip; the remote still has it, and gives it by hash.
    second = run(config_for(bare, tmp_path / "clones-2"), first.last_state())
    assert hashes(second) == [new_tip]
    assert "not in the repository any more" not in second.stderr


def test_a_lost_commit_is_said_and_its_history_may_come_again(
        tmp_path: Path, remote: tuple[Repo, Path]) -> None:
    work, bare = remote
    first = run(config_for(bare, tmp_path / "clones-1"))
    old_tip, one = work.head(), work.head("HEAD~1")
    new_tip = force_push(work, bare, one)
    # The remote forgets the replaced commit, and the clone cache is new: the tap can no
    # longer leave out the history it shared with the new one.
    git(bare, "reflog", "expire", "--expire=now", "--all")
    git(bare, "gc", "--quiet", "--prune=now")
    second = run(config_for(bare, tmp_path / "clones-2"), first.last_state())
    assert sorted(hashes(second)) == sorted([new_tip, one])
    assert "repository 'app': 1 commits the state says were read are not in the " \
        f"repository any more ({old_tip})" in second.stderr
    seen = second.last_state()["bookmarks"]["commits"]["repositories"]["app"]["seen"]
    assert seen == [new_tip]
