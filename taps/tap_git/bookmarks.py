"""A repository's bookmark: the commits whose history has been read.

The state of the ``commits`` stream::

    {"repositories": {"app": {"branches": {"main": "9fceb02...", "dev": "b3c1f0a..."},
                              "seen": ["9fceb02...", "b3c1f0a...", "e83c516..."]}}}

``seen`` is what the differential reading rests on: every commit emitted for the
repository is one of them or in the history of one of them. A run emits the history of
the branch tips less the history of the ``seen`` commits that exist in the repository
(``git log <tips> --not <seen>``), then records as ``seen`` its tips plus the earlier
``seen`` commits that are not in their history (a tip replaced by a force-push, a branch
deleted before it was merged): their history was emitted, and may come back. ``branches``
are the tips that run read, for people and logs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tap_git.errors import GitError

_HASH = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


@dataclass(frozen=True)
class Bookmark:
    branches: dict[str, str] = field(default_factory=dict)
    seen: tuple[str, ...] = ()

    def to_state(self) -> dict[str, Any]:
        return {"branches": dict(sorted(self.branches.items())), "seen": list(self.seen)}


def bookmark(state: Mapping[str, Any], name: str, where: str) -> Bookmark:
    """Repository ``name``'s bookmark in the stream state (empty before its first run);
    an error, not a fresh start, when it is not what this tap writes."""
    entry = (state.get("repositories") or {}).get(name)
    if entry is None:
        return Bookmark()
    seen = entry.get("seen") if isinstance(entry, Mapping) else None
    branches = entry.get("branches", {}) if isinstance(entry, Mapping) else None
    if not isinstance(seen, list) or not all(isinstance(c, str) and _HASH.match(c)
                                             for c in seen):
        raise GitError(f"{where}: its state is not tap-git's (seen must be a list of commit "
                       "hashes); fix the state, or remove the repository from it to read "
                       "its history again")
    if not isinstance(branches, Mapping):
        branches = {}
    return Bookmark({str(b): str(c) for b, c in branches.items()}, tuple(seen))


def next_bookmark(tips: Mapping[str, str], kept: Iterable[str]) -> Bookmark:
    """After a run: its tips, and the earlier ``seen`` commits outside their history."""
    seen = sorted(set(tips.values()) | set(kept))
    return Bookmark(dict(tips), tuple(seen))
