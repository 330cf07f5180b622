"""Strings that are exactly ``\\N``, the NULL marker of the CSV parts.

The flattener writes NULL as a bare ``\\N`` and every string quoted, so PostgreSQL and
DuckDB read a quoted ``"\\N"`` back as the string. Redshift's ``COPY ... NULL AS '\\N'``
loads every field that matches the marker as NULL, quoted or not (Amazon Redshift Database
Developer Guide, COPY, "NULL AS", read 2026-12-07): such a cell would lose its value there.
target-s3 counts them per table in the manifest, and ``target-redshift load-parts`` refuses
to COPY parts that hold any into Redshift.
"""

from __future__ import annotations

import re

_MARKER_STRING = b'"\\N"'
_QUOTED_FIELD = re.compile(rb'"[^"]*(?:""[^"]*)*"')


def null_marker_strings(data: bytes) -> int:
    """How many cells of ``data`` (CSV rows as the flattener writes them) hold the string
    ``\\N``: quoted fields are matched from the left, so a quote inside a string, which is
    doubled, never starts one."""
    if _MARKER_STRING not in data:
        return 0
    return sum(1 for field in _QUOTED_FIELD.finditer(data) if field[0] == _MARKER_STRING)
