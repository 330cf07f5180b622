"""tap-git on real repositories made with git: fields checked against git's own objects,
differential runs, rewritten history, two repositories of one history, settings, errors."""

from __future__ import annotations

import io
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from tap_git.history import read_commits
from tap_git.repositories import default_name
from tap_git.tap import TapGit

from observes_singer.tapkit.testing import TapRun, run_tap
from tests.support.git_repos import ALICE, BOB, CAROL, Repo, generate_history, git

TAP = "tap_git.tap"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64))

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def run(config: dict[str, Any], state: dict[str, Any] | None = None,
        env: dict[str, str] | None = None) -> TapRun:
    result = run_tap(TAP, config, state, env=env)
    assert result.exit_code == 0, result.stderr[-3000:]
    return result


def hashes(result: TapRun) -> list[str]:
    return [record["hash"] for record in result.records("commits")]


def build_app(path: Path) -> tuple[Repo, dict[str, str]]:
    """main: root (Alice, a binary file), two-line subject (Bob, committed by Alice), a
    rename (Alice), and a merge of feature (Carol: a new file, the binary changed)."""
    repo = Repo(path)
    c: dict[str, str] = {}
    c["root"] = repo.commit("Initial import\n\nWith a body.",
                            {"README.md": "hello\nworld\n", "logo.png": PNG})
    c["two_lines"] = repo.commit("Say hello\nto everyone\n\nThe body\nis not the subject.",
                                 {"README.md": "hello\nthere\nworld\n", "src/app.py": "x = 1\n"},
                                 author=BOB, committer=ALICE)
    repo.checkout("feature", new=True)
    c["feature"] = repo.commit("Feature\twith a tab", {"src/feature.py": "a\nb\nc\n",
                                                       "logo.png": PNG + b"\x00more"},
                               author=CAROL)
    repo.checkout("main")
    c["rename"] = repo.commit("Move app", {"src/app.py": None, "src/main.py": "x = 1\n"})
    c["merge"] = repo.merge("feature", "Merge branch 'feature'", author=BOB)
    return repo, c


def config_for(*entries: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {"repositories": list(entries), **settings}


# -- what git itself says, through other commands than git log ------------------------------

def iso(epoch: str, offset: str) -> str:
    sign = -1 if offset[0] == "-" else 1
    zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    return datetime.fromtimestamp(int(epoch), UTC).astimezone(zone).isoformat()


def person(line: str) -> tuple[str, str, str]:
    """``Name <email> epoch +hhmm`` of a raw commit object's author or committer line."""
    name, rest = line.split(" <", 1)
    email, rest = rest.split("> ", 1)
    epoch, offset = rest.split()
    return name, email, iso(epoch, offset)


def expected_commit(repo: Repo, commit: str, name: str, group: str) -> dict[str, Any]:
    raw = repo.git("cat-file", "commit", commit)
    header, _, message = raw.partition("\n\n")
    lines = header.splitlines()
    parents = [line.split()[1] for line in lines if line.startswith("parent ")]
    author = person(next(line for line in lines if line.startswith("author "))[7:])
    committer = person(next(line for line in lines if line.startswith("committer "))[10:])
    subject = " ".join(message.split("\n\n")[0].split("\n")).strip()
    files = expected_files(repo, commit, parents)
    merge = len(parents) > 1
    return {"repository": name, "group": group, "hash": commit, "parents": parents,
            "is_merge": merge, "author_name": author[0], "author_email": author[1],
            "author_date": author[2], "committer_name": committer[0],
            "committer_email": committer[1], "committer_date": committer[2],
            "subject": subject,
            "files_changed": None if merge else len(files),
            "lines_added": None if merge else sum(f["lines_added"] for f in files),
            "lines_removed": None if merge else sum(f["lines_removed"] for f in files)}


def expected_files(repo: Repo, commit: str, parents: list[str]) -> list[dict[str, Any]]:
    """``git diff-tree --numstat`` against the first parent (the empty tree for a root)."""
    if len(parents) > 1:
        return []
    base = parents[0] if parents else repo.git("hash-object", "-t", "tree", "/dev/null").strip()
    out = repo.git("diff-tree", "-r", "-z", "--numstat", "--no-renames", base, commit)
    files = []
    for entry in filter(None, out.split("\0")):
        added, removed, path = entry.split("\t", 2)
        binary = added == "-"
        files.append({"repository": "app", "hash": commit, "path": path,
                      "lines_added": 0 if binary else int(added),
                      "lines_removed": 0 if binary else int(removed), "binary": binary})
    return files


# -- the tests ------------------------------------------------------------------------------

def test_every_field_is_what_git_recorded(tmp_path: Path) -> None:
    repo, c = build_app(tmp_path / "app")
    result = run(config_for({"path": str(repo.path), "group": "backend"}, files=True))
    commits = {record["hash"]: record for record in result.records("commits")}
    assert set(commits) == set(repo.git("rev-list", "--all").split())
    # seen_at: when the run started, in UTC, the same for every commit it read.
    (seen_at,) = {record.pop("seen_at") for record in commits.values()}
    assert datetime.fromisoformat(seen_at).utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - datetime.fromisoformat(seen_at)) < timedelta(minutes=5)
    for commit in c.values():
        assert commits[commit] == expected_commit(repo, commit, "app", "backend")
    files = result.records("commit_files")
    for commit in c.values():
        parents = commits[commit]["parents"]
        assert [f for f in files if f["hash"] == commit] == \
            expected_files(repo, commit, parents)

    # The same facts, written out: offsets kept, subjects as git joins them, binary files
    # counted as changed with 0 lines, a rename as a deletion and an addition.
    root = commits[c["root"]]
    assert root["author_date"] == "2026-01-01T02:00:30+02:00"
    assert root["committer_date"] == "2026-01-01T02:01:00+02:00"
    assert (root["parents"], root["files_changed"], root["lines_added"]) == ([], 2, 2)
    two = commits[c["two_lines"]]
    assert two["subject"] == "Say hello to everyone"
    assert (two["author_name"], two["author_email"]) == ("Bob Ñandú", "bob@example.org")
    assert two["author_date"] == "2025-12-31T19:01:30-05:00"
    assert (two["committer_name"], two["committer_date"]) == ("Alice Liddell",
                                                              "2026-01-01T02:02:00+02:00")
    assert commits[c["feature"]]["subject"] == "Feature\twith a tab"
    assert commits[c["feature"]]["author_date"] == "2026-01-01T05:32:30+05:30"
    assert [f for f in files if f["hash"] == c["feature"] and f["binary"]] == [
        {"repository": "app", "hash": c["feature"], "path": "logo.png", "lines_added": 0,
         "lines_removed": 0, "binary": True}]
    assert [(f["path"], f["lines_added"], f["lines_removed"]) for f in files
            if f["hash"] == c["rename"]] == [("src/app.py", 0, 1), ("src/main.py", 1, 0)]
    merge = commits[c["merge"]]
    assert merge["parents"] == [c["rename"], c["feature"]] and merge["is_merge"]
    assert (merge["files_changed"], merge["lines_added"], merge["lines_removed"]) == \
        (None, None, None)
    assert not [f for f in files if f["hash"] == c["merge"]]

    schemas = {m["stream"]: m for m in result.messages if m["type"] == "SCHEMA"}
    assert schemas["commits"]["key_properties"] == ["repository", "hash"]
    assert schemas["commit_files"]["key_properties"] == ["repository", "hash", "path"]
    assert result.last_state() == {"bookmarks": {"commits": {"repositories": {"app": {
        "branches": {"feature": c["feature"], "main": c["merge"]},
        "seen": sorted({c["feature"], c["merge"]})}}}, "commit_files": {}}}


def test_file_records_follow_their_commit(tmp_path: Path) -> None:
    repo, _ = build_app(tmp_path / "app")
    result = run(config_for({"path": str(repo.path), "group": "g"}, files=True))
    order = [(m["stream"], m["record"]["hash"]) for m in result.messages
             if m["type"] == "RECORD"]
    current = None
    for stream, commit in order:
        if stream == "commits":
            current = commit
        else:
            assert commit == current
    assert run(config_for({"path": str(repo.path), "group": "g"})).records("commit_files") == []


def test_commit_files_alone_through_the_catalog(tmp_path: Path) -> None:
    repo, c = build_app(tmp_path / "app")
    config = config_for({"path": str(repo.path), "group": "g"}, files=True)
    catalog = TapGit(config=config, validate_config=False).catalog_dict
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] == "commit_files"
    result = run_tap(TAP, config, catalog=catalog)
    assert result.exit_code == 0, result.stderr[-2000:]
    assert {m.get("stream") for m in result.messages if m["type"] != "STATE"} == \
        {"commit_files"}
    assert {f["hash"] for f in result.records("commit_files")} == \
        {c["root"], c["two_lines"], c["feature"], c["rename"]}
    assert list(result.last_state()["bookmarks"]["commits"]["repositories"]) == ["app"]


def test_paths_and_subjects_with_odd_characters(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "odd")
    names = {"tab\there.txt": "1\n", "new\nline.txt": "1\n2\n", "ünïcödé ✓.md": "x\n",
             "-starts-with-dash": "x\n", "9\t9\tlooks like numstat": "y\n"}
    commit = repo.commit("Subject with \x1b escape and 'quotes' \"too\"", names)
    after = repo.commit("", {"tab\there.txt": "1\n2\n"})  # an empty message
    result = run(config_for({"path": str(repo.path), "group": "g"}, files=True))
    files = {f["path"]: f for f in result.records("commit_files") if f["hash"] == commit}
    assert set(files) == set(names)
    assert files["new\nline.txt"]["lines_added"] == 2
    commits = {r["hash"]: r for r in result.records("commits")}
    assert commits[commit]["subject"] == "Subject with \x1b escape and 'quotes' \"too\""
    assert commits[after]["subject"] == "" and commits[after]["lines_added"] == 1


def test_a_second_run_reads_only_the_new_history(tmp_path: Path) -> None:
    repo, c = build_app(tmp_path / "app")
    config = config_for({"path": str(repo.path), "group": "g"}, files=True)
    first = run(config)
    new = [repo.commit("More", {"README.md": "more\n"}, author=CAROL)]
    repo.checkout("hotfix", new=True, start=c["two_lines"])
    new.append(repo.commit("Hotfix", {"src/app.py": "x = 2\n"}, author=BOB))
    repo.checkout("main")
    second = run(config, first.last_state())
    assert sorted(hashes(second)) == sorted(new)
    assert sorted({f["hash"] for f in second.records("commit_files")}) == sorted(new)
    state = second.last_state()["bookmarks"]["commits"]["repositories"]["app"]
    assert state["branches"] == {"main": new[0], "hotfix": new[1], "feature": c["feature"]}
    assert state["seen"] == sorted({new[0], new[1], c["feature"]})
    third = run(config, second.last_state())
    assert hashes(third) == []
    assert third.last_state() == second.last_state()


def test_rewritten_history_is_emitted_once_and_old_commits_never_again(tmp_path: Path
                                                                      ) -> None:
    repo, c = build_app(tmp_path / "app")
    config = config_for({"path": str(repo.path), "group": "g"})
    first = run(config)
    # main loses its last two commits (the rename, the merge) and gets another;
    # feature is rebased onto it: its commit gets a new hash.
    repo.git("reset", "--quiet", "--hard", c["two_lines"])
    after_reset = repo.commit("Instead of the rename", {"src/app.py": "x = 3\n"})
    repo.checkout("feature")
    rebased = repo.rebase("main", author=CAROL)
    repo.checkout("main")
    second = run(config, first.last_state())
    assert sorted(hashes(second)) == sorted([after_reset, rebased])
    assert not set(hashes(second)) & set(hashes(first))
    assert f"branch 'main' was rewritten (force-pushed or reset): its last tip " \
        f"{c['merge'][:12]}" in second.stderr
    seen = second.last_state()["bookmarks"]["commits"]["repositories"]["app"]["seen"]
    # the replaced tips stay: their history was emitted, and may come back
    assert seen == sorted({after_reset, rebased, c["merge"], c["feature"]})

    assert hashes(run(config, second.last_state())) == []
    # main forced back to its first history, feature too: nothing is new
    repo.git("reset", "--quiet", "--hard", c["merge"])
    repo.git("branch", "--quiet", "--force", "feature", c["feature"])
    third = run(config, second.last_state())
    assert hashes(third) == []
    # and the state still keeps the rewritten commits, which may come back in turn
    seen = third.last_state()["bookmarks"]["commits"]["repositories"]["app"]["seen"]
    assert seen == sorted({after_reset, rebased, c["merge"], c["feature"]})


def test_the_same_history_in_two_repositories_of_two_groups(tmp_path: Path) -> None:
    repo, c = build_app(tmp_path / "app")
    mirror = tmp_path / "mirror" / "app.git"
    git(tmp_path, "clone", "--quiet", "--mirror", str(repo.path), str(mirror), env=repo.env)
    result = run(config_for({"path": str(repo.path), "group": "web"},
                            {"path": str(mirror), "group": "archive", "name": "app-archive"}))
    commits = result.records("commits")
    assert Counter((r["repository"], r["group"]) for r in commits) == {
        ("app", "web"): 5, ("app-archive", "archive"): 5}
    keys = [(r["repository"], r["hash"]) for r in commits]
    assert len(set(keys)) == 10
    by_key = {(r["repository"], r["hash"]): r for r in commits}
    for commit in c.values():
        one, other = by_key[("app", commit)], by_key[("app-archive", commit)]
        assert {**one, "repository": "x", "group": "x"} == \
            {**other, "repository": "x", "group": "x"}
    states = [m["value"]["bookmarks"]["commits"]["repositories"] for m in result.messages
              if m["type"] == "STATE"]
    assert list(states[-1]) == ["app", "app-archive"]
    assert any(list(state) == ["app"] for state in states)  # a STATE after each repository


def test_branches_setting_and_a_missing_branch(tmp_path: Path) -> None:
    repo, c = build_app(tmp_path / "app")
    repo.checkout("wip", new=True, start=c["root"])
    wip = repo.commit("Not merged", {"wip.txt": "1\n"})
    repo.checkout("main")
    only_main = run(config_for({"path": str(repo.path), "group": "g", "branches": ["main"]}))
    assert sorted(hashes(only_main)) == sorted(c.values())
    everything = run(config_for({"path": str(repo.path), "group": "g"}))
    assert wip in hashes(everything)
    missing = run_tap(TAP, config_for({"path": str(repo.path), "group": "g",
                                       "branches": ["main", "release"]}))
    assert missing.exit_code != 0
    assert "repository 'app': no branch 'release'; it has feature, main, wip" in missing.stderr


def test_start_date_leaves_out_older_commits(tmp_path: Path) -> None:
    repo, c = build_app(tmp_path / "app")
    # committer dates: a minute apart from 2026-01-01T00:01:00Z
    result = run(config_for({"path": str(repo.path), "group": "g"},
                            start_date="2026-01-01T00:03:00Z"))
    assert sorted(hashes(result)) == sorted([c["feature"], c["rename"], c["merge"]])


def test_errors_name_the_repository_and_the_others_are_still_read(tmp_path: Path) -> None:
    repo, c = build_app(tmp_path / "app")
    plain = tmp_path / "plain"
    plain.mkdir()
    result = run_tap(TAP, config_for(
        {"path": str(plain), "group": "g"},
        {"path": str(repo.path / "src"), "group": "g", "name": "inside"},
        {"path": str(tmp_path / "nowhere"), "group": "g"},
        {"url": (tmp_path / "absent.git").as_uri(), "group": "g",
         "name": "absent"},
        {"path": str(repo.path), "group": "g"},
        clone_dir=str(tmp_path / "clones")))
    assert result.exit_code != 0
    assert f"repository 'plain': {plain} is not a git repository" in result.stderr
    # a folder inside a working tree is not taken for the repository around it
    assert f"repository 'inside': {repo.path / 'src'} is not a git repository" in result.stderr
    assert f"repository 'nowhere': {tmp_path / 'nowhere'} is not a folder" in result.stderr
    assert "repository 'absent': fetching (git fetch) failed: fatal: " in result.stderr
    assert "4 of 5 repositories could not be read" in result.stderr
    assert sorted(hashes(result)) == sorted(c.values())
    assert list(result.last_state()["bookmarks"]["commits"]["repositories"]) == ["app"]


@pytest.mark.parametrize(("config", "message"), [
    ({"repositories": []}, "repositories: give at least one repository"),
    ({"repositories": [{"group": "g"}]},
     "repositories[0]: give either path (a local repository) or url"),
    ({"repositories": [{"path": "/a", "url": "https://h/a.git", "group": "g"}]},
     "repositories[0]: give either path (a local repository) or url"),
    ({"repositories": [{"path": "/srv/app", "group": "g"},
                       {"url": "https://example.com/org/app.git", "group": "h"}]},
     "repositories[1]: the name 'app' is also repositories[0]'s; give one of them another "
     "name"),
    ({"repositories": [{"path": "/srv/app"}]}, "repositories[0]: 'group' is required"),
    ({"repositories": [{"path": "/srv/app", "group": ""}]},
     "repositories[0].group: must not be empty: it names the bill of the repository's "
     "commits"),
    ({"repositories": [{"path": "/srv/a", "group": "g"}, {"path": "/srv/b", "group": " "}]},
     "repositories[1].group: must not be empty"),
    ({"repositories": [{"path": "/srv/app", "group": "g", "branches": ["main", "a..b"]}]},
     "repositories[0].branches: 'a..b' is not a branch name"),
    ({"repositories": [{"path": "/srv/app", "group": "g", "depth": 1}]},
     "Additional properties are not allowed ('depth' was unexpected)"),
    ({"repositories": [{"url": "/srv/app.git", "group": "g"}]},
     "repositories[0].url: must be a clone URL"),
])
def test_settings_are_checked(config: dict[str, Any], message: str) -> None:
    result = run_tap(TAP, config)
    assert result.exit_code != 0
    assert message in result.stderr


def test_names_come_from_paths_and_urls() -> None:
    assert default_name("/srv/app") == "app"
    assert default_name("/srv/app/") == "app"
    assert default_name("/srv/app/.git") == "app"
    assert default_name("/srv/tools.git") == "tools"
    assert default_name("https://github.com/org/api.git") == "api"
    assert default_name("https://gitlab.example/group/sub/web/") == "web"
    assert default_name("git@github.com:org/cli.git") == "cli"
    assert default_name("ssh://git@host:2222/srv/repos/db.git") == "db"
    assert default_name("file:///var/git/site.git") == "site"


def test_an_empty_repository_gives_no_records_and_a_state(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "empty")
    result = run(config_for({"path": str(repo.path), "group": "g"}))
    assert hashes(result) == []
    assert result.last_state()["bookmarks"]["commits"]["repositories"] == {
        "empty": {"branches": {}, "seen": []}}


def test_the_machine_git_configuration_changes_nothing(tmp_path: Path) -> None:
    """A global configuration that would change git log's output, if the tap let it."""
    repo, _ = build_app(tmp_path / "app")
    (repo.path / ".mailmap").write_text("Mapped Name <mapped@example.com> <alice@example.com>\n")
    repo.commit("Add a mailmap", {".mailmap": (repo.path / ".mailmap").read_text()})
    config = config_for({"path": str(repo.path), "group": "g"}, files=True)
    plain = run(config)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[log]\n\tshowSignature = true\n\tmailmap = true\n\tshowRoot = false\n"
        "\tdecorate = full\n\tabbrevCommit = true\n\tdate = relative\n"
        "[diff]\n\trenames = copies\n\trelative = true\n\talgorithm = patience\n"
        "\texternal = /bin/false\n\tnoprefix = true\n"
        "[color]\n\tui = always\n[i18n]\n\tlogOutputEncoding = ISO-8859-1\n"
        "[core]\n\tquotePath = true\n[format]\n\tpretty = oneline\n")
    hostile = run(config, env={"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")})
    def commits(result: Any) -> list[dict[str, Any]]:
        """The records but for when each run started."""
        return [{k: v for k, v in r.items() if k != "seen_at"} for r in result.records("commits")]

    assert commits(hostile) == commits(plain)
    assert hostile.records("commit_files") == plain.records("commit_files")
    names = {r["author_email"] for r in plain.records("commits")}
    assert "alice@example.com" in names and "mapped@example.com" not in names


def test_a_generated_history_matches_git_counts(tmp_path: Path) -> None:
    """3,000 commits with merges, deletions and binary files: every commit once, and the
    line totals those of git's own numstat."""
    path = generate_history(tmp_path / "big.git", 3000, merge_every=100)
    result = run(config_for({"path": str(path), "group": "g"}, files=True))
    commits = result.records("commits")
    assert len(commits) == len({r["hash"] for r in commits}) == 3000
    out = git(path, "log", "--all", "--numstat", "--no-renames", "--format=%x01%H")
    added = removed = binaries = 0
    for line in out.splitlines():
        if line.count("\t") >= 2:
            a, r, _ = line.split("\t", 2)
            if a == "-":
                binaries += 1
            else:
                added, removed = added + int(a), removed + int(r)
    assert sum(r["lines_added"] or 0 for r in commits) == added
    assert sum(r["lines_removed"] or 0 for r in commits) == removed
    assert sum(f["binary"] for f in result.records("commit_files")) == binaries > 0
    assert sum(r["is_merge"] for r in commits) == 29


def test_the_parser_reads_across_any_chunk_boundary(tmp_path: Path) -> None:
    repo, _ = build_app(tmp_path / "app")
    log = git(repo.path, "log", "--all", "-z", "--numstat", "--no-renames",
              "--format=tformat:%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%ct"
              "%x00%s").encode()
    whole = list(read_commits(io.BytesIO(log)))
    assert len(whole) == 5
    for chunk in (1, 2, 3, 7, 64):
        assert list(read_commits(io.BytesIO(log), chunk)) == whole
