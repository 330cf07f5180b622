"""Who is billed for a month, from the warehouse's commits.

A commit counts in the month in which its hash was first seen: the earliest ``seen_at``
of that hash in any repository (tap-git writes when a run first read a commit from a
repository), and only for the repositories that had it that month. So a history pushed
again (another repository, another group) in a later month bills nothing, neither then
nor in a rerun of the earlier month; a rebase's new hashes are new commits; and a history
pushed to two groups in the same month bills its authors in both. An author is an
*actor*, ``name <email>`` as the commit records them; each group is billed for the actors
with at least one counting commit in its repositories, with the latest one (by author
date) as the example.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from observes_singer.flatten.identifiers import quote

COLUMNS = ("actor", "groups", "commit", "repository")


@dataclass(frozen=True)
class CommitSeen:
    group: str
    actor: str
    hash: str
    repository: str
    seen_at: datetime
    authored: Any  # the author date: the representative is the latest


@dataclass
class Bill:
    """One group's bill: its actors, each with one representative commit."""

    group: str
    actors: dict[str, CommitSeen] = field(default_factory=dict)

    def rows(self, groups_of: dict[str, set[str]]) -> list[dict[str, str]]:
        return [{"actor": actor, "groups": ", ".join(sorted(groups_of[actor])),
                 "commit": seen.hash, "repository": seen.repository}
                for actor, seen in sorted(self.actors.items())]


def counting_commits_sql(schema: str, table: str) -> str:
    """The commit rows seen in [%s, %s) whose hash was first seen then too (the bounds
    given twice): portable across Redshift, PostgreSQL and DuckDB (identifiers quoted,
    bounds bound as parameters)."""
    target = f"{quote(schema)}.{quote(table)}"
    return (
        'SELECT c."group", c."author_name", c."author_email", c."hash", c."repository", '
        f'c."seen_at", c."author_date" FROM {target} c JOIN (SELECT "hash", '
        f'MIN("seen_at") AS "first_seen" FROM {target} GROUP BY "hash") f '
        'ON f."hash" = c."hash" WHERE f."first_seen" >= %s AND f."first_seen" < %s '
        'AND c."seen_at" >= %s AND c."seen_at" < %s')


def actor(name: Any, email: Any) -> str:
    return f"{name or ''} <{email or ''}>"


class GroupError(ValueError):
    """Commits whose group is empty: no bill can hold them."""


#: How many commits an error names before it counts the rest.
NAMED = 5


def check_groups(rows: list[tuple[Any, ...]], month: object) -> None:
    """Raise :class:`GroupError` naming the commits whose group is empty or missing (by
    repository and hash), before any bill is made: they belong to no group's bill."""
    orphans = sorted({(str(repository), str(commit))
                      for group, _, _, commit, repository, *_ in rows
                      if group is None or not str(group).strip()})
    if not orphans:
        return
    named = ", ".join(f"{repository} {commit[:12]}" for repository, commit in orphans[:NAMED])
    more = f" and {len(orphans) - NAMED} more" if len(orphans) > NAMED else ""
    raise GroupError(f"{month}: {len(orphans)} commits have an empty group, so no bill can "
                     f"hold them (repository and commit: {named}{more}); set their group "
                     "in the commits table (tap-git's settings refuse an empty one); no bill "
                     "was written")


def bills(rows: Iterable[tuple[Any, ...]]) -> tuple[dict[str, Bill], dict[str, set[str]]]:
    """Each group's bill and each actor's groups, from the counting commits' rows. An
    actor's representative commit in a group is its latest by author date (ties: the
    greatest hash, then repository), so a rerun picks the same one."""
    by_group: dict[str, Bill] = {}
    groups_of: dict[str, set[str]] = {}
    for group, name, email, commit, repository, seen_at, authored in rows:
        seen = CommitSeen(str(group), actor(name, email), str(commit), str(repository),
                          seen_at, authored)
        bill = by_group.setdefault(seen.group, Bill(seen.group))
        known = bill.actors.get(seen.actor)
        if known is None or _order(seen) > _order(known):
            bill.actors[seen.actor] = seen
        groups_of.setdefault(seen.actor, set()).add(seen.group)
    return by_group, groups_of


def _order(seen: CommitSeen) -> tuple[str, str, str]:
    return (str(seen.authored), seen.hash, seen.repository)
