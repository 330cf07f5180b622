"""Where a warehouse places a table's rows: Redshift's distribution and sort keys."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """How a table's rows are spread and sorted, on a warehouse that lets us say so.

    On Redshift a root table is distributed and sorted by ``_sdc_id`` and a child by
    ``_sdc_root_id``, so that an upsert's deletes of a record and its children join
    rows on the same node; a stream may choose its root table's keys.
    """

    distkey: str | None = None
    sortkey: tuple[str, ...] = ()


def default_layout(is_root: bool) -> Layout:
    column = "_sdc_id" if is_root else "_sdc_root_id"
    return Layout(column, (column,))
