"""Deterministic, realistic values for sample records: the n-th of each, every run.

People have non-ASCII names (accents, CJK, an apostrophe) and emails, text has tabs,
newlines and characters outside the BMP, timestamps are ISO 8601 with milliseconds and
``Z`` as most APIs write them, and ids look like the real ones (integers, SHA-1 hex,
UUIDs). Sample servers build their records from these so that every tap's tests meet
the same awkward values.
"""

from __future__ import annotations

import hashlib
import uuid as _uuid
from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

PEOPLE = (
    ("Ana García", "ana.garcia"),
    ("Jorge López", "jlopez"),
    ("Mei Chen 陈美", "mchen"),
    ("Siobhán O'Brien", "o.brien"),
    ("Zoë Ødegård", "zoe.odegard"),
    ("Nguyễn Thị Hà", "nguyen.ha"),
)

_TEXTS = (
    "Fix flaky test #{n}\n\nRetry with a\tlonger budget.",
    "Deploy to staging — ñandú release {n}",
    "Customer says: \"it's broken\"\tagain ({n})",
    "Mañana\r\nlínea 2\ttab 🚀 #{n}",
    "陈美 reviewed change {n}",
    "",
)


def iso(moment: datetime) -> str:
    """``2026-01-01T00:10:00.000Z``: UTC, milliseconds."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def moment(n: int, step: timedelta = timedelta(minutes=1), start: datetime = EPOCH
           ) -> datetime:
    """The n-th instant ``step`` apart from ``start``."""
    return start + step * n


def timestamp(n: int, step: timedelta = timedelta(minutes=1), start: datetime = EPOCH) -> str:
    return iso(moment(n, step, start))


def person(n: int, *, first_id: int = 101, domain: str = "example.com",
           people: int = len(PEOPLE)) -> dict[str, Any]:
    """The n-th of the first ``people`` sample people: id, username, name and email."""
    index = n % max(1, min(people, len(PEOPLE)))
    name, username = PEOPLE[index]
    return {"id": first_id + index, "username": username, "name": name,
            "email": f"{username}@{domain}"}


def sha(n: int) -> str:
    """A 40-hex-digit commit-like id."""
    return hashlib.sha1(str(n).encode()).hexdigest()  # noqa: S324 - not for security


def uuid(n: int, namespace: str = "observes") -> str:
    return str(_uuid.uuid5(_uuid.NAMESPACE_URL, f"{namespace}/{n}"))


def text(n: int) -> str:
    """Free text: tabs, newlines (``\\n`` and ``\\r\\n``), quotes, non-ASCII, an emoji,
    and every sixth one empty."""
    return _TEXTS[n % len(_TEXTS)].format(n=n)
