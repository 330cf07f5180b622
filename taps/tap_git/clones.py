"""The clone cache: a bare repository per URL entry, fetched at the start of each run.

A clone lives in ``<clone_dir>/<name>-<digest>.git`` (the digest of the entry's name and
URL, so that two entries never share one and a changed URL starts a new one). It has no
remote: each run fetches the URL's branches (``+refs/heads/*``, or the entry's branches)
into its ``refs/heads/``, pruning the branches the remote no longer has, without tags.
The URL is given on the command line (it holds no password: the settings refuse one),
the token through the environment only (:mod:`tap_git.credentials`).

A clone's history is whole. A clone found shallow (made with ``--depth`` by another
tool, or copied from a CI checkout) is deepened by its fetch (``--unshallow``); a remote
that is itself shallow would cut the clone short (``--update-shallow`` lets it say so
rather than leave its branches out), and is refused.

The commits the state says were read are kept by refs ``refs/tap-git/seen/<hash>``, so
that ``git gc`` never drops them after a force-push: the next runs can still leave out
their history. When the state names commits the clone lacks (a new ``clone_dir``), they
are asked for by hash, which servers speaking git's protocol v2 answer (GitHub, GitLab,
git itself); a server that refuses leaves them missing, with a warning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence
from pathlib import Path

from tap_git.errors import GitError
from tap_git.git import Git
from tap_git.refs import CUT_SHORT, is_shallow

SEEN_REFS = "refs/tap-git/seen/"
FETCH = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules"]


def clone_folder(clone_dir: Path, name: str, url: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:60] or "repository"
    digest = hashlib.sha256(f"{name}\n{url}".encode()).hexdigest()[:12]
    return clone_dir / f"{slug}-{digest}.git"


def refspecs(branches: Sequence[str] | None) -> list[str]:
    if branches is None:
        return ["+refs/heads/*:refs/heads/*"]
    return [f"+refs/heads/{branch}:refs/heads/{branch}" for branch in branches]


def prepare(git: Git) -> None:
    """Make the clone's folder a bare repository, unless it is one already."""
    folder = git.directory
    if (folder / "HEAD").is_file() and (folder / "objects").is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GitError(f"{git.what}: the clone folder {folder} cannot be made: "
                       f"{error.strerror}") from None
    git.run("init", "--quiet", "--bare", doing=f"making the clone in {folder}")


_AUTH_FAILURES = ("Authentication failed", "could not read Username", "could not read Password",
                  "The requested URL returned error: 403", "Permission denied")


def fetch_branches(git: Git, url: str, branches: Sequence[str] | None) -> bool:
    """Fetch the branches into the clone, its whole history; whether the clone was
    shallow before (and is complete now)."""
    deepen = is_shallow(git)
    try:
        git.run(*FETCH, "--prune", "--update-shallow", *(["--unshallow"] if deepen else []),
                url, *refspecs(branches), doing="fetching (git fetch)")
    except GitError as error:
        if any(sign in str(error) for sign in _AUTH_FAILURES):
            raise GitError(f"{error}; check token and token_username (or, for ssh, the "
                           "machine's keys)") from None
        raise
    if is_shallow(git):
        raise GitError(f"{git.what}: its remote is a shallow repository ({CUT_SHORT}); make "
                       "the remote complete (git fetch --unshallow in it) or give the URL of "
                       "a complete one")
    return deepen


def fetch_commits(git: Git, url: str, commits: Collection[str]) -> str | None:
    """Ask the remote for ``commits`` by hash; what went wrong, if it refused."""
    try:
        git.run(*FETCH, url, *sorted(commits), doing="fetching the commits already read")
    except GitError as error:
        return str(error)
    return None
