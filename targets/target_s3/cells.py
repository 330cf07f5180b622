"""CSV cells a spreadsheet would run as formulas, made text.

Excel, LibreOffice and Google Sheets read a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula: an author named ``=cmd|' /C calc'!A0``
would run a command on the machine of whoever opens the file. As OWASP's CSV injection
guidance says, such a cell gets a single quote in front (the spreadsheet shows it as
text) and is quoted. This is for CSVs people open (the bills, target-s3's csv with
``csv_safe_cells``), never for those a warehouse loads: COPY must get the exact values.
"""

from __future__ import annotations

import re

#: What a spreadsheet takes for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_STARTS = "".join(FORMULA_STARTS).encode()
_QUOTED_FIELD = re.compile(rb'"[^"]*(?:""[^"]*)*"')
_FORMULA_FIELD = re.compile(rb'"[=+\-@\t\r]')


def safe_cell(value: str) -> str:
    """``value`` as text to a spreadsheet: a single quote in front when it would start a
    formula, else unchanged."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def safe_csv_rows(data: bytes) -> tuple[bytes, int]:
    """CSV rows as the flattener writes them (every string quoted, other values bare)
    with each string cell that would start a formula given a single quote in front;
    returns the rows and how many cells changed. Numbers, booleans, dates and NULL are not
    text a spreadsheet could run, and stay as they are."""
    if _FORMULA_FIELD.search(data) is None:  # the common case: one scan, no copy
        return data, 0
    changed = 0

    def quote(match: re.Match[bytes]) -> bytes:
        nonlocal changed
        field = match.group()
        if field[1:2] in _STARTS:  # never empty: a field has two quotes at least
            changed += 1
            return b"\"'" + field[1:]
        return field

    # Fields are matched from the start of the rows, so each match opens at a field's
    # first quote: quotes inside a field come in pairs, and bare values hold none.
    return _QUOTED_FIELD.sub(quote, data), changed
