"""tap-git: the commits of git repositories, local or cloned, each read differentially."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from singer_sdk import typing as th

from observes_singer.defaults import data_dir
from observes_singer.tapkit.cli import tap_main
from observes_singer.tapkit.tap import SourceTap
from tap_git.credentials import DEFAULT_USERNAME
from tap_git.git import local_variables, version
from tap_git.reader import Setup
from tap_git.repositories import entry_errors
from tap_git.streams import CommitFilesStream, CommitsStream, GitStream
from tap_git.writer import FastWriter

CLONE_FOLDER = "tap-git"


def default_clone_dir() -> Path:
    return data_dir() / CLONE_FOLDER


def unix_time(text: str) -> int:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def token_errors(config: dict[str, Any]) -> list[str]:
    token = config.get("token")
    if isinstance(token, str) and any(c in token for c in "\r\n\0"):
        return ["token: holds a line break or NUL (not shown: a secret)"]
    return []


def date_errors(config: dict[str, Any]) -> list[str]:
    start = config.get("start_date")
    if isinstance(start, str):
        try:
            unix_time(start)
        except ValueError:
            return [f"start_date: must be a date-time (ISO 8601), got {start!r}"]
    return []


class TapGit(SourceTap):
    """The commits (and the files each changed) of git repositories, local or cloned with a
    token, by group; only new history each run, force-pushes included."""

    name = "tap-git"
    message_writer_class = FastWriter
    config_jsonschema = th.PropertiesList(
        th.Property(
            "repositories", th.ArrayType(th.ObjectType(
                th.Property("path", th.StringType,
                            description="A local repository, read where it is: a working "
                            "tree's top folder, its .git folder, or a bare repository"),
                th.Property("url", th.StringType,
                            description="A clone URL (https://, ssh://, git@host:path, "
                            "file://), fetched into clone_dir each run"),
                th.Property("group", th.StringType, required=True,
                            description="Written on each of the repository's commits; "
                            "not empty (it names the repository's bill)"),
                th.Property("name", th.StringType,
                            description="The repository's name in the records and the "
                            "state, unique; by default the last part of the path or URL "
                            "without .git"),
                th.Property("branches", th.ArrayType(th.StringType),
                            description="The branches read; by default all of them (the "
                            "local repository's, or the remote's for a URL)"),
                additional_properties=False)),
            required=True,
            description="The repositories, each {path: a local repository read in place, "
            "or url: a clone URL fetched into clone_dir; group: written on its commits, not "
            "empty; name: its key in the records and the state, by default the last part of "
            "the path or URL without .git; branches: the branch names read, by default all}, e.g. "
            "[{\"url\": \"https://github.com/org/app.git\", \"group\": \"backend\"}, "
            "{\"path\": \"/srv/git/tools.git\", \"group\": \"ops\", \"branches\": "
            "[\"main\"]}]"),
        th.Property("token", th.StringType, secret=True,
                    description="A token for https clone URLs, given to git by a credential "
                    "helper through its environment, for the URL's host only: never in a "
                    "command line, a log, an error, the state or a clone's config. Sent over "
                    "https, or plain http to a loopback address, only"),
        th.Property("token_username", th.StringType, default=DEFAULT_USERNAME,
                    description="The user name sent with the token (GitHub and GitLab take "
                    "any name with a personal access token; Bitbucket wants x-token-auth)"),
        th.Property("clone_dir", th.StringType,
                    description="Where clones are kept between runs, one bare repository "
                    "per URL entry; by default observes-data/tap-git (OBSERVES_DATA_DIR)"),
        th.Property("start_date", th.DateTimeType,
                    description="Commits committed before it are not read (by committer "
                    "date, each commit checked)"),
        th.Property("files", th.BooleanType, default=False,
                    description="Also the commit_files stream: one record per file a "
                    "commit changed, with its line counts"),
    ).to_dict()

    def extra_config_errors(self, config: dict[str, Any]) -> list[str]:
        return entry_errors(config) + token_errors(config) + date_errors(config)

    @cached_property
    def setup(self) -> Setup:
        """What every repository is read with; git is checked here, once."""
        found = version()
        start = self.config.get("start_date")
        return Setup(
            environ=dict(os.environ), local_variables=tuple(local_variables()),
            version=found,
            clone_dir=Path(self.config.get("clone_dir") or default_clone_dir()).expanduser(),
            token=self.config.get("token") or None,
            username=self.config.get("token_username") or None,
            since=unix_time(start) if start else None)

    def discover_streams(self) -> list[GitStream]:
        streams: list[GitStream] = [CommitsStream(self)]
        if self.config.get("files"):
            streams.append(CommitFilesStream(self))
        return streams


def main() -> None:
    tap_main(TapGit)


if __name__ == "__main__":
    main()
