"""What one table of a warehouse may hold, which a stream's plan keeps every table within.

A limit measures a table by the kinds of its row's columns, metadata included, in their
order. The plan (:func:`observes_singer.flatten.plan.plan_stream`) loads the objects that
put a table past a limit as key/value child tables, and names the limit in its notes.
Every warehouse has :class:`ColumnLimit`; a dialect adds its own (PostgreSQL's bound on
the bytes of a row, ``target_redshift.dialects.heap_rows``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from observes_singer.flatten.plan import Kind

#: PostgreSQL's and Redshift's limit of columns in a table (DuckDB's is higher)
MAX_COLUMNS = 1600


class TableLimit(Protocol):
    @property
    def too_big(self) -> str:
        """Why a table past it was split ("too many columns for one table (...)")."""
        ...

    @property
    def bound(self) -> str:
        """The limit, as "the limit of ..."."""
        ...

    def excess(self, kinds: Sequence[Kind]) -> int:
        """How far a row of columns of these kinds is past the limit; above 0 it does not
        fit."""
        ...


@dataclass(frozen=True)
class ColumnLimit:
    columns: int = MAX_COLUMNS

    @property
    def too_big(self) -> str:
        return f"too many columns for one table (the warehouse allows {self.columns})"

    @property
    def bound(self) -> str:
        return f"the limit of {self.columns} columns"

    def excess(self, kinds: Sequence[Kind]) -> int:
        return len(kinds) - self.columns
