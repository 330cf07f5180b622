"""Monthly backups are all there: no month missing between the first and the last one.

A full reload replays every backup and *replaces* the warehouse tables with the result:
a month whose backup is missing would silently leave the warehouse with it. So when the
backups are monthly (``monthly`` setting), their keys must read
``....<stream>.<first day>.<last day>.singer[.jsonl][.gz]`` (as ``timedoctor-backup``
names them), and for each stream the months must follow one another without a gap, from
the first backup to the month before the current one (UTC), the month a live tap does
not read, and each month must have one backup: a second copy (another key, or a
``.singer`` beside the ``.singer.gz``) would be replayed too, stale rows included, and
which copy won would depend on key order. Anything else fails the replay before its
first record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from observes_singer.replay.errors import ReplayError
from observes_singer.replay.objects import BackupObject

_NAME = re.compile(r"\.(?P<stream>[^./]+)\.(?P<first>\d{4}-\d{2}-\d{2})\."
                   r"(?P<last>\d{4}-\d{2}-\d{2})\.singer(?:\.jsonl)?(?:\.gz)?$")


def _month_after(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def check_months(objects: Sequence[BackupObject], prefix: str,
                 today: date | None = None) -> None:
    """Raise :class:`ReplayError` naming the first missing month of each stream."""
    today = today or datetime.now(UTC).date()
    through = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    months: dict[str, dict[date, str]] = {}
    for backup in objects:
        match = _NAME.search(backup.url)
        if match is None:
            raise ReplayError(f"{backup.url}: not named as a monthly backup "
                              "(...<stream>.<first day>.<last day>.singer.gz)")
        first = date.fromisoformat(match["first"])
        last = date.fromisoformat(match["last"])
        if first.day != 1 or last != _month_after(first) - timedelta(days=1):
            raise ReplayError(f"{backup.url}: {first} to {last} is not one whole month")
        other = months.setdefault(match["stream"], {}).setdefault(first, backup.url)
        if other != backup.url:
            raise ReplayError(f"two backups of {match['stream']} for {first:%Y-%m}: {other} "
                              f"and {backup.url}; keep one (both would be replayed, the "
                              "stale one's rows included)")
    problems = []
    for stream, found in sorted(months.items()):
        month = min(found)
        missing = []
        while month <= through:
            if month not in found:
                missing.append(f"{month:%Y-%m}")
            month = _month_after(month)
        if missing:
            problems.append(f"{stream}: {', '.join(missing)}")
    if problems:
        raise ReplayError(f"monthly backups missing under {prefix} ({'; '.join(problems)}); "
                          "back the months up (timedoctor-backup --month YYYY-MM) or the "
                          "reload would drop them")
