"""What a repository holds: its branch tips, which commits exist, which are reachable.

Each answer is one git process, whatever the number of branches or commits asked about.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from tap_git.errors import GitError
from tap_git.git import Git
from tap_git.history import revisions

HEADS = "refs/heads/"
CUT_SHORT = ("its history is cut short: the oldest commits it holds would be read with no "
             "parents and every line of their files counted as added")
"""Why the tap reads no shallow repository, as its errors say it."""


def is_shallow(git: Git) -> bool:
    """Whether the repository's history is cut short (a shallow clone, ``--depth``)."""
    out = git.run("rev-parse", "--is-shallow-repository", doing="checking its history")
    return out.strip() == b"true"


def branch_tips(git: Git, wanted: Sequence[str] | None = None) -> dict[str, str]:
    """``{branch: commit}`` for every branch, or for the ``wanted`` ones (each must be
    there: an error names those that are not)."""
    out = git.run("for-each-ref", "--format=%(objectname) %(objecttype) %(refname)", HEADS,
                  doing="reading its branches").decode("utf-8", "replace")
    tips: dict[str, str] = {}
    for line in out.splitlines():
        commit, kind, ref = line.split(" ", 2)
        if kind == "commit":
            tips[ref.removeprefix(HEADS)] = commit
    if wanted is None:
        return tips
    missing = [branch for branch in wanted if branch not in tips]
    if missing:
        has = ", ".join(sorted(tips)[:20]) or "no branches at all"
        raise GitError(f"{git.what}: no branch {', '.join(map(repr, missing))}; it has "
                       f"{has}")
    return {branch: tips[branch] for branch in wanted}


def existing(git: Git, commits: Collection[str]) -> set[str]:
    """Those of ``commits`` (full hashes) that are commits in the repository."""
    if not commits:
        return set()
    out = git.run("cat-file", "--batch-check=%(objectname) %(objecttype)",
                  stdin=("\n".join(commits) + "\n").encode(), doing="looking up commits")
    found = set()
    for line in out.decode().splitlines():
        name, _, kind = line.partition(" ")
        if kind == "commit" and name in commits:
            found.add(name)
    return found


def unreachable(git: Git, commits: Iterable[str], tips: Iterable[str]) -> set[str]:
    """Those of ``commits`` (which exist) that are not in the history of any of ``tips``."""
    heads = set(tips)
    candidates = set(commits) - heads
    if not candidates:
        return set()
    if not heads:
        return candidates
    out = git.run("rev-list", "--stdin", stdin=revisions(sorted(candidates), sorted(heads)),
                  doing="comparing histories")
    listed = set(out.decode().split())
    return candidates & listed


def seen_refs(git: Git, prefix: str) -> set[str]:
    out = git.run("for-each-ref", "--format=%(refname)", prefix, doing="reading its refs")
    return {line.removeprefix(prefix) for line in out.decode().splitlines()}


def keep_refs(git: Git, prefix: str, commits: Iterable[str], old: Iterable[str]) -> None:
    """Point a ref ``<prefix><hash>`` at each of ``commits`` and drop the ``old`` ones
    that are not among them, in one transaction."""
    wanted = set(commits)
    lines = [f"update {prefix}{commit} {commit}" for commit in sorted(wanted)]
    lines += [f"delete {prefix}{commit}" for commit in sorted(set(old) - wanted)]
    if lines:
        git.run("update-ref", "--stdin", stdin=("\n".join(lines) + "\n").encode(),
                doing="keeping the commits already read")

