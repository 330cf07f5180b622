"""Column types in the warehouse, and how they widen when the data asks for more.

A column holds one of the flattener's kinds; strings carry a size in bytes. Sizes
grow in powers of two (from 16 up to Redshift's 65535 ceiling) so that a slowly
lengthening column costs a handful of ALTERs, not one per batch.

Widening never loses a value: integer + number is number, date + timestamp is
timestamp, two decimals take the larger scale, and any other pair becomes a string
(every token the flattener writes is valid text).
"""

from __future__ import annotations

from dataclasses import dataclass

from observes_singer.flatten.codegen import VARCHAR_MAX_BYTES
from observes_singer.flatten.plan import Kind

MIN_VARCHAR = 16
# The longest token a non-string kind writes: a timestamp with microseconds, a double.
NON_STRING_TEXT_BYTES = 64


@dataclass(frozen=True)
class SqlType:
    kind: Kind
    size: int = 0  # bytes, for STRING and JSON
    scale: int = 0  # for DECIMAL
    precision: int = 38  # for DECIMAL: digits in all (Redshift's and our maximum)

    @property
    def is_text(self) -> bool:
        return self.kind in (Kind.STRING, Kind.JSON)


def varchar_size(longest: int) -> int:
    size = MIN_VARCHAR
    while size < longest:
        size *= 2
    return min(size, VARCHAR_MAX_BYTES)


def widen(current: SqlType, wanted: SqlType) -> SqlType:
    """The narrowest type that holds the values of both."""
    if current == wanted:
        return current
    if current.is_text and wanted.is_text and current.size >= wanted.size:
        return current  # a string column holds JSON text and the other way round
    kinds = {current.kind, wanted.kind}
    if current.is_text or wanted.is_text or len(kinds) > 2:
        longest = max(current.size if current.is_text else NON_STRING_TEXT_BYTES,
                      wanted.size if wanted.is_text else NON_STRING_TEXT_BYTES)
        if current.is_text and wanted.is_text:
            longest = max(current.size, wanted.size)
        return SqlType(Kind.STRING, varchar_size(longest))
    if kinds == {Kind.INTEGER, Kind.NUMBER} or kinds == {Kind.DECIMAL, Kind.NUMBER}:
        return SqlType(Kind.NUMBER)
    if kinds in ({Kind.INTEGER, Kind.DECIMAL}, {Kind.DECIMAL}):
        return SqlType(Kind.DECIMAL, scale=max(current.scale, wanted.scale),
                       precision=max(current.precision, wanted.precision))
    if kinds == {Kind.DATE, Kind.TIMESTAMP}:
        return SqlType(Kind.TIMESTAMP)
    return SqlType(Kind.STRING, varchar_size(NON_STRING_TEXT_BYTES))


def covers(current: SqlType, wanted: SqlType) -> bool:
    """Whether a column of type ``current`` holds every value of ``wanted`` as is."""
    return widen(current, wanted) == current
