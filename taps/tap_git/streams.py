"""The two streams, written from one ``git log`` per repository.

``commits`` reads each repository in turn (:class:`tap_git.reader.RepositoryReader`)
and, when ``commit_files`` is selected, writes each commit's files right after the
commit. ``commit_files`` is declared a child of ``commits`` so that singer-sdk runs the
reading when either is selected, but it is never synced per commit (a child sync per
record would cost more than the commit itself): it reads nothing on its own.

A STATE follows each repository, once all its records are written. A repository that
cannot be read is logged and the next one read; the run then fails, naming each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

from observes_singer.tapkit.schemas import schema
from tap_git.bookmarks import bookmark
from tap_git.errors import GitError
from tap_git.history import Commit
from tap_git.reader import RepositoryReader, Setup
from tap_git.repositories import Repository, repositories

if TYPE_CHECKING:
    from tap_git.tap import TapGit

Record = dict[str, Any]
Context = Mapping[str, Any]


def commit_record(repository: Repository, commit: Commit, seen_at: str) -> Record:
    """A ``commits`` record. A merge has no diff of its own (see :mod:`tap_git.history`),
    so its counts are null rather than 0: sums over commits count each change once, and
    averages leave merges out. ``seen_at`` is when this run started: a commit is emitted
    once per repository, so it is when the commit was first seen there (what the bills
    count by)."""
    merge = len(commit.parents) > 1
    files = commit.files
    return {
        "repository": repository.name, "group": repository.group, "hash": commit.hash,
        "seen_at": seen_at,
        "parents": commit.parents, "is_merge": merge,
        "author_name": commit.author_name, "author_email": commit.author_email,
        "author_date": commit.author_date,
        "committer_name": commit.committer_name, "committer_email": commit.committer_email,
        "committer_date": commit.committer_date, "subject": commit.subject,
        "files_changed": None if merge else len(files),
        "lines_added": None if merge else sum(f.lines_added for f in files),
        "lines_removed": None if merge else sum(f.lines_removed for f in files),
    }


def file_records(repository: Repository, commit: Commit) -> Iterator[Record]:
    for change in commit.files:
        yield {"repository": repository.name, "hash": commit.hash, "path": change.path,
               "lines_added": change.lines_added, "lines_removed": change.lines_removed,
               "binary": change.binary}


class GitStream(Stream):
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # records are built to the schema
    STATE_MSG_FREQUENCY = 1 << 62  # a STATE goes after each repository instead

    def __init__(self, tap: TapGit) -> None:
        super().__init__(tap=tap, schema=schema("tap_git", self.name), name=self.name)
        # Differential without a replication key: the bookmarks are tap-git's own.
        self.forced_replication_method = "INCREMENTAL"

    def _increment_stream_state(self, latest_record: Record, *,
                                context: Context | None = None) -> None:
        """Nothing: the bookmarks move a repository at a time (:mod:`tap_git.bookmarks`)."""


class CommitsStream(GitStream):
    name = "commits"
    primary_keys = ("repository", "hash")

    @property
    def git_tap(self) -> TapGit:
        return cast("TapGit", self._tap)

    def generate_child_contexts(self, record: Record, context: Context | None
                                ) -> Iterable[Context | None]:
        return ()

    def files_stream(self) -> CommitFilesStream | None:
        for child in self.child_streams:
            if isinstance(child, CommitFilesStream) and child.selected:
                return child
        return None

    def get_records(self, context: Context | None) -> Iterable[Record]:
        files = self.files_stream()
        if files is not None:
            files._write_schema_message()
        setup = self.git_tap.setup
        state = self.stream_state
        failed: list[str] = []
        entries = repositories(self.config)
        seen_at = datetime.now(UTC).isoformat(timespec="seconds")
        for repository in entries:
            try:
                yield from self._read(repository, setup, state, files, seen_at)
            except GitError as error:
                self.logger.error("%s", error)
                failed.append(str(error))
        if failed:
            raise GitError(f"{len(failed)} of {len(entries)} repositories "
                           "could not be read: " + "; ".join(failed))

    def _read(self, repository: Repository, setup: Setup, state: dict[str, Any],
              files: CommitFilesStream | None, seen_at: str) -> Iterator[Record]:
        """One repository's new commits (and their files), then its STATE."""
        old = bookmark(state, repository.name, repository.where)
        reader = RepositoryReader(repository, setup, old, self.logger)
        for commit in reader.commits():
            yield commit_record(repository, commit, seen_at)
            if files is not None:
                for record in file_records(repository, commit):
                    files.write(record)
        assert reader.bookmark is not None
        state.setdefault("repositories", {})[repository.name] = reader.bookmark.to_state()
        self.state_manager.is_flushed = False
        self._write_state_message()


class CommitFilesStream(GitStream):
    name = "commit_files"
    primary_keys = ("repository", "hash", "path")
    parent_stream_type = CommitsStream

    def get_records(self, context: Context | None) -> Iterable[Record]:
        return ()

    def write(self, record: Record) -> None:
        self._write_record_message(record)
