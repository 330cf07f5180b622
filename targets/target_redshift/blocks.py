"""A block: the rows one flush took from a stream's flattener, kept until they commit.

The load strategies load a block's rows table by table; the sink keeps the block until
the transaction that loaded it commits, so that a batch Redshift cancels
(:mod:`target_redshift.retry`) is loaded again from the very same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from observes_singer.flatten.flattener import StreamFlattener

Rows = tuple[bytes, int, int]
"""CSV (or PostgreSQL text) rows, how many, and how many had NUL characters removed."""


@dataclass(frozen=True)
class Block:
    tables: list[Rows | None]  # per table of the plan, in its order; None: no rows
    replaced: list[str]  # root ids an earlier block of the run loaded, superseded now

    @classmethod
    def take(cls, flattener: StreamFlattener) -> Block:
        """Every row waiting in the flattener, which closes its batch."""
        replaced = flattener.next_batch()
        tables: list[Rows | None] = [
            flattener.take(index) if flattener.rows(index) else None
            for index in range(len(flattener.plan.tables))]
        return cls(tables, replaced)

    def rows(self, table: int) -> Rows | None:
        return self.tables[table]

    def pending(self) -> bool:
        return any(rows is not None for rows in self.tables)
