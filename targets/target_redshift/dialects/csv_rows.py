"""The flattener's CSV rows read back: every string quoted, ``\\N`` unquoted for NULL, a
newline outside quotes ends a row.

Redshift's loaders read a block again where COPY would not take it as it is: the INSERT
path binds the values, and COPY's path sets aside the rows it would load wrongly
(:func:`split_quoted_markers`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

NULL_MARKER = "\\N"
#: A field holding the string ``\N``, which Redshift's ``COPY ... NULL AS '\N'`` would
#: load as NULL (quoted or not).
QUOTED_MARKER = b'"\\N"'
_FIELD = re.compile(r'"((?:[^"]|"")*)"|([^,\n]*)')


@dataclass(frozen=True)
class CsvRow:
    text: str  # the row as it came, its newline included
    values: list[str | None]  # None for NULL
    quoted_marker: bool  # whether a field is the string \N


def csv_rows(data: str) -> Iterator[CsvRow]:
    """The rows of CSV text as the flattener writes it."""
    values: list[str | None] = []
    marker = False
    start = position = 0
    end = len(data)
    while position < end:
        match = _FIELD.match(data, position)
        assert match is not None
        quoted, plain = match.group(1), match.group(2)
        if quoted is not None:
            value = quoted.replace('""', '"')
            marker = marker or value == NULL_MARKER
            values.append(value)
        else:
            values.append(None if plain == NULL_MARKER else plain)
        position = match.end()
        separator = data[position:position + 1]
        position += 1
        if separator != ",":
            yield CsvRow(data[start:position], values, marker)
            values, marker, start = [], False, position


def parse_csv_rows(data: str) -> Iterator[list[str | None]]:
    """The values of each row: quoted fields are strings, ``\\N`` is NULL."""
    for row in csv_rows(data):
        yield row.values


def split_quoted_markers(data: bytes) -> tuple[bytes, bytes]:
    """The rows without a field that is the string ``\\N``, and the rows with one."""
    if QUOTED_MARKER not in data:  # the common case: one scan
        return data, b""
    plain: list[str] = []
    marked: list[str] = []
    for row in csv_rows(data.decode("utf-8")):
        (marked if row.quoted_marker else plain).append(row.text)
    return "".join(plain).encode(), "".join(marked).encode()
