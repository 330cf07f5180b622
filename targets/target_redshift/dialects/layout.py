"""Where a warehouse places a table's rows: Redshift's distribution and sort keys."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """How a table's rows are spread and sorted, on a warehouse that lets us say so.

    Without a ``distkey`` a table is ``DISTSTYLE AUTO`` and without a ``sortkey`` it is
    ``SORTKEY AUTO``: Redshift chooses and changes the keys as the table's queries show
    which help (automatic table optimization), where a key on a row id, a random hash,
    would help no query. A stream may set its root table's keys.
    """

    distkey: str | None = None
    sortkey: tuple[str, ...] = ()


AUTO = Layout()
"""The layout of every table whose stream sets no keys, and of every child table."""
