"""PostgreSQL's bound on one row: a heap tuple must fit in one page.

A row is a tuple header (23 bytes and a bit per column for NULLs, padded to 8), then its
non-null values, each aligned to its type. Fixed-width values always stay in the row
(BIGINT, DOUBLE PRECISION and TIMESTAMP take 8 bytes, DATE 4, BOOLEAN 1). A
variable-length value (VARCHAR, DECIMAL) stays whole in the row while it is short; when
the row is too big TOAST compresses the longer ones or stores them out of line (an 18-byte
pointer), but it leaves a value of up to 24 bytes where it is. So a column takes at most
24 bytes of the row whatever its value, and a table whose row with every column at its
widest fits in the page holds every record its schema allows. PostgreSQL refuses a larger
row with ``row is too big: size 13040, maximum size 8160``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from observes_singer.flatten.plan import Kind

DEFAULT_PAGE_BYTES = 8192
#: The page header (24 bytes) and the row's line pointer (4), padded to 8.
PAGE_OVERHEAD = 32
TUPLE_HEADER = 23
MAX_ALIGN = 8
#: The most a variable-length value keeps in the row: TOAST moves only longer ones.
VARLENA_IN_ROW = 24
VARLENA_ALIGN = 4

#: (bytes, alignment) of each fixed-width kind's column type.
FIXED_WIDTH = {Kind.INTEGER: (8, 8), Kind.NUMBER: (8, 8), Kind.TIMESTAMP: (8, 8),
               Kind.DATE: (4, 4), Kind.BOOLEAN: (1, 1)}


def _align(offset: int, alignment: int) -> int:
    return -(-offset // alignment) * alignment


@dataclass(frozen=True)
class HeapRowLimit:
    """The largest row a PostgreSQL table with pages of ``page_bytes`` holds."""

    page_bytes: int = DEFAULT_PAGE_BYTES

    @property
    def max_row_bytes(self) -> int:
        return self.page_bytes - PAGE_OVERHEAD

    @property
    def too_big(self) -> str:
        return (f"too big a row for one table (PostgreSQL holds {self.max_row_bytes} bytes "
                "a row)")

    @property
    def bound(self) -> str:
        return f"the limit of {self.max_row_bytes} bytes a row"

    def row_bytes(self, kinds: Sequence[Kind]) -> int:
        """The most a row of columns of these kinds can take, every value at its widest."""
        offset = _align(TUPLE_HEADER + -(-len(kinds) // 8), MAX_ALIGN)
        for kind in kinds:
            size, alignment = FIXED_WIDTH.get(kind, (VARLENA_IN_ROW, VARLENA_ALIGN))
            offset = _align(offset, alignment) + size
        return offset

    def excess(self, kinds: Sequence[Kind]) -> int:
        return self.row_bytes(kinds) - self.max_row_bytes
