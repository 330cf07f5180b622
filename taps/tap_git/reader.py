"""Reading one repository's new history: the steps of a run, in order.

1. A ``path`` is checked to be a repository itself (not a folder inside another one)
   and complete (a shallow clone is refused: its oldest commits would be read with no
   parents); a ``url`` is fetched into its clone, whole (:mod:`tap_git.clones`).
2. The bookmark's ``seen`` commits are looked up; a clone asks its remote for those it
   lacks. Those still missing are dropped, with a warning (their history may then be
   emitted again: same keys, same values).
3. The branch tips are read, and the ``seen`` commits outside their history found.
4. ``git log <tips> --not <seen that exist>`` streams the new commits.
5. Once the caller has taken every commit, :attr:`RepositoryReader.bookmark` holds the
   next bookmark (and a clone's ``seen`` refs are moved to it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tap_git import clones
from tap_git.bookmarks import Bookmark, next_bookmark
from tap_git.credentials import credential_config, credential_variables
from tap_git.errors import GitError
from tap_git.git import Git, clean_environment
from tap_git.history import Commit, log_arguments, read_commits, revisions
from tap_git.refs import (
    CUT_SHORT,
    branch_tips,
    existing,
    is_shallow,
    keep_refs,
    seen_refs,
    unreachable,
)
from tap_git.repositories import Repository


@dataclass(frozen=True)
class Setup:
    """What every repository of a run reads with."""

    environ: Mapping[str, str]
    local_variables: tuple[str, ...]
    version: tuple[int, ...]
    clone_dir: Path
    token: str | None = None
    username: str | None = None
    since: int | None = None
    """``start_date`` as a Unix time: commits committed before it are left out."""

    def git(self, repository: Repository, directory: Path) -> Git:
        config = credential_config(repository.url, self.token) if repository.url else []
        variables = credential_variables(self.token, self.username) if config else {}
        env = clean_environment(self.environ, self.local_variables, config, variables)
        return Git(directory, repository.where, env,
                   secrets=(self.token,) if self.token else ())


class RepositoryReader:
    def __init__(self, repository: Repository, setup: Setup, old: Bookmark,
                 logger: logging.Logger) -> None:
        self.repository = repository
        self.setup = setup
        self.old = old
        self.logger = logger
        self.bookmark: Bookmark | None = None
        self.commits_read = 0
        self.files_read = 0

    def commits(self) -> Iterator[Commit]:
        started = time.monotonic()
        repository = self.repository
        git = self._open()
        present = self._present(git)
        tips = branch_tips(git, repository.branches)
        kept = unreachable(git, present, tips.values())
        self._report_rewrites(tips, kept)
        since = self.setup.since
        if tips:
            with git.stream(*log_arguments(self.setup.version, since),
                            stdin=revisions(sorted(set(tips.values())), sorted(present)),
                            doing="reading its history (git log)") as out:
                for commit in self._parsed(out):
                    if since is not None and commit.committed_at < since:
                        continue
                    self.commits_read += 1
                    self.files_read += len(commit.files)
                    yield commit
        bookmark = next_bookmark(tips, kept)
        if repository.url:
            keep_refs(git, clones.SEEN_REFS, bookmark.seen, seen_refs(git, clones.SEEN_REFS))
        self.bookmark = bookmark
        self.logger.info("%s (group %r): %d new commits, %d file changes, %d branches, in "
                         "%.1f s", repository.where, repository.group, self.commits_read,
                         self.files_read, len(tips), time.monotonic() - started)

    def _parsed(self, out: IO[bytes]) -> Iterator[Commit]:
        try:
            yield from read_commits(out)
        except ValueError as error:
            raise GitError(f"{self.repository.where}: {error}") from None

    def _open(self) -> Git:
        repository = self.repository
        if repository.url is not None:
            folder = clones.clone_folder(self.setup.clone_dir, repository.name, repository.url)
            git = self.setup.git(repository, folder)
            clones.prepare(git)
            if clones.fetch_branches(git, repository.url, repository.branches):
                self.logger.info("%s: its clone was shallow; its whole history is fetched "
                                 "now (git fetch --unshallow)", repository.where)
            return git
        assert repository.path is not None
        path = repository.path.resolve()
        if not path.is_dir():
            raise GitError(f"{repository.where}: {repository.path} is not a folder")
        git = self.setup.git(repository, path)
        try:
            git.run("rev-parse", "--git-dir", doing=f"opening {repository.path}")
        except GitError as error:
            if "not a git repository" not in str(error):
                raise  # git's own reason (unsafe ownership, a broken repository...)
            raise GitError(f"{repository.where}: {repository.path} is not a git repository "
                           "(a working tree's top folder, its .git folder, or a bare "
                           "repository)") from None
        if is_shallow(git):
            raise GitError(f"{repository.where}: {repository.path} is a shallow clone "
                           f"({CUT_SHORT}); make it complete with: git -C {repository.path} "
                           "fetch --unshallow")
        return git

    def _present(self, git: Git) -> set[str]:
        """The bookmark's ``seen`` commits the repository has (a clone asks for those
        it lacks)."""
        seen = set(self.old.seen)
        present = existing(git, seen)
        url = self.repository.url
        if seen - present and url is not None:
            refused = clones.fetch_commits(git, url, seen - present)
            present = existing(git, seen)
            if refused and seen - present:
                self.logger.info("%s", refused)
        missing = seen - present
        if missing:
            self.logger.warning(
                "%s: %d commits the state says were read are not in the repository any "
                "more (%s); commits in their history may be emitted again (the same keys "
                "and values, so an upserting target keeps one row each)",
                self.repository.where, len(missing), ", ".join(sorted(missing)[:5]))
        return present

    def _report_rewrites(self, tips: Mapping[str, str], kept: set[str]) -> None:
        for branch, commit in sorted(self.old.branches.items()):
            if commit not in kept:
                continue
            if branch in tips:
                self.logger.info("%s: branch %r was rewritten (force-pushed or reset): its "
                                 "last tip %s is not in its history any more; only the new "
                                 "commits are emitted", self.repository.where, branch,
                                 commit[:12])
            else:
                self.logger.info("%s: branch %r is gone, its tip %s not merged anywhere",
                                 self.repository.where, branch, commit[:12])
