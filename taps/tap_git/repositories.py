"""The ``repositories`` setting: what each entry means, its name, and what is wrong with it.

An entry is a local repository read where it is (``path``: a working tree's top folder,
its ``.git`` folder, or a bare repository) or a clone URL (``url``) fetched into the
clone cache first. ``group`` is copied onto every record; ``name`` (by default the last
part of the path or URL, without ``.git``) is the repository's key in the records and in
the state, so it must be unique. ``branches`` are the branch names read (by default every
branch: ``refs/heads/*`` of the local repository, or of the remote for a URL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_SCP_LIKE = re.compile(r"^(?:[^@/:]+@)?[^/:]+:(?!//)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# What git refuses in a branch name (git check-ref-format), plus what would make a
# fetch refspec mean something else ("*", ":", a leading "+").
_BAD_BRANCH = re.compile(r"(^[-+/.])|(\.\.)|(@\{)|([\x00-\x20\x7f~^:?*\[\\])|(//)|([/.]$)|"
                         r"(\.lock$)|(/\.)|(\.lock/)")


@dataclass(frozen=True)
class Repository:
    """One entry of ``repositories``, its defaults filled in."""

    name: str
    group: str
    path: Path | None = None
    url: str | None = None
    branches: tuple[str, ...] | None = None

    @property
    def where(self) -> str:
        """``repository 'name'``: how messages name it (never with its URL)."""
        return f"repository {self.name!r}"


def default_name(location: str) -> str:
    """The last part of a path or URL, without ``.git`` (``.../app/.git``: ``app``)."""
    text = location.rstrip("/\\")
    if _SCHEME.match(text):
        text = urlsplit(text).path.rstrip("/")
    elif _SCP_LIKE.match(text):
        text = text.split(":", 1)[1]
    parts = [part for part in re.split(r"[/\\]", text) if part]
    if parts and parts[-1] == ".git":
        parts.pop()
    name = parts[-1] if parts else ""
    return name.removesuffix(".git") or name


def repositories(config: Mapping[str, Any]) -> list[Repository]:
    """The entries of a configuration that :func:`entry_errors` found nothing wrong with."""
    found = []
    for entry in config.get("repositories") or []:
        location = entry.get("path") or entry.get("url")
        branches = entry.get("branches")
        found.append(Repository(
            name=entry.get("name") or default_name(location), group=entry["group"],
            path=Path(entry["path"]).expanduser() if entry.get("path") else None,
            url=entry.get("url"),
            branches=tuple(branches) if branches is not None else None))
    return found


def url_has_password(url: str) -> bool:
    if not _SCHEME.match(url):
        return False
    try:
        return urlsplit(url).password is not None
    except ValueError:
        return False


def url_errors(where: str, url: str) -> list[str]:
    if url_has_password(url):
        return [f"{where}.url: holds a password (not shown); give it as token instead"]
    if not (_SCHEME.match(url) or _SCP_LIKE.match(url)):
        return [f"{where}.url: must be a clone URL (https://..., ssh://..., git@host:path, "
                "file://...); a local repository goes in path"]
    return []


def branch_errors(where: str, branches: Sequence[Any]) -> list[str]:
    if not branches:
        return [f"{where}.branches: name at least one branch, or leave it out for all"]
    return [f"{where}.branches: {branch!r} is not a branch name" for branch in branches
            if isinstance(branch, str) and (not branch or _BAD_BRANCH.search(branch))]


def entry_errors(config: Mapping[str, Any]) -> list[str]:
    """What the schema cannot say: path or url (one of them), names, branches, a group
    that is not empty."""
    entries = config.get("repositories")
    if not isinstance(entries, list):
        return []
    if not entries:
        return ["repositories: give at least one repository"]
    errors: list[str] = []
    names: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        where = f"repositories[{index}]"
        path, url = entry.get("path"), entry.get("url")
        if bool(path) == bool(url):
            errors.append(f"{where}: give either path (a local repository) or url (a "
                          "clone URL), not both nor neither")
            continue
        if isinstance(url, str):
            errors += url_errors(where, url)
        if entry.get("branches") is not None:
            errors += branch_errors(where, entry["branches"])
        group = entry.get("group")
        if isinstance(group, str) and not group.strip():
            errors.append(f"{where}.group: must not be empty: it names the bill of the "
                          "repository's commits")
        location = path if isinstance(path, str) else url if isinstance(url, str) else ""
        name = entry.get("name") or (default_name(location) if location else None)
        if not isinstance(name, str):
            continue
        if not name:
            errors.append(f"{where}: no name can be made from {location!r}; give a name")
        elif name in names:
            errors.append(f"{where}: the name {name!r} is also repositories[{names[name]}]'s;"
                          " give one of them another name")
        else:
            names[name] = index
    return errors
