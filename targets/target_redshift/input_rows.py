"""Redshift's bound on one input row of ``COPY``: "The maximum size of a single input row
from any source is 4 MB" ("COPY"), each pipe character counted twice ("COPY data format
parameters"). Redshift refuses a longer row with a bare "Load into table failed" and
leaves the reason in ``stl_load_errors``; the target refuses it first, naming the stream,
the record and the table, before the batch that holds it loads.

A row's columns are bounded by the longest values the flattener has seen
(``max_bytes``): while that bound keeps within the limit, which is nearly always, no row
is read again.
"""

from __future__ import annotations

from observes_singer.flatten.plan import StreamPlan, Table, row_columns
from observes_singer.target.errors import LoadError
from target_redshift.blocks import Block
from target_redshift.dialects.csv_rows import csv_rows

#: "4 MB" read as the smaller of 4,000,000 and 4 MiB
MAX_INPUT_ROW_BYTES = 4_000_000
#: the most a value that is not a string takes in a row (a number, a date-time, an id)
FIXED_VALUE_BYTES = 64


def row_bound(plan: StreamPlan, max_bytes: list[list[int]], index: int) -> int:
    """The most a row of the table can take as CSV, from the longest values seen: each
    string twice (every quote doubled, or every pipe counted twice) and its quotes."""
    table = plan.tables[index]
    bound = FIXED_VALUE_BYTES * (len(row_columns(plan, table)) - len(table.columns))
    if not table.is_root:
        root = plan.root.columns
        bound += sum(2 * max_bytes[0][root.index(c)] for c in plan.key_columns)
    return bound + sum(2 * size + FIXED_VALUE_BYTES for size in max_bytes[index])


def check_input_rows(stream: str, plan: StreamPlan, max_bytes: list[list[int]],
                     block: Block, limit: int) -> None:
    """Raise a :class:`LoadError` naming the first row of the block over ``limit``."""
    for index, taken in enumerate(block.tables):
        if taken is None or 2 * len(taken[0]) <= limit or \
                row_bound(plan, max_bytes, index) <= limit:
            continue
        table = plan.tables[index]
        columns = row_columns(plan, table)
        for row in csv_rows(taken[0].decode("utf-8")):
            size = len(row.text.encode()) + row.text.count("|")
            if size > limit:
                raise LoadError(
                    f"stream {stream!r}, record {_record(plan, table, columns, row.values)}: "
                    f"its row in table {table.name!r} is {size} bytes as CSV, more than "
                    f"the {limit} bytes Redshift's COPY takes in one input row (4 MB, "
                    "pipes counted twice); nothing of the batch that holds it was "
                    "committed")


def _record(plan: StreamPlan, table: Table, columns: list[str],
            values: list[str | None]) -> str:
    """The record a row belongs to, by its key properties, else by its id."""
    row = dict(zip(columns, values, strict=True))
    if plan.key_properties:
        names = [c.name for c in plan.key_columns] if table.is_root else \
            plan.key_column_names
        return ", ".join(f"{key}={row.get(name)}"
                         for key, name in zip(plan.key_properties, names, strict=True))
    return f"_sdc_id {row.get('_sdc_id') if table.is_root else row.get('_sdc_root_id')}"
