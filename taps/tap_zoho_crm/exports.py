"""Reading a bulk export: a zip holding one CSV file, streamed row by row.

The zip is read from a (spooled) temporary file, its CSV member through
``zipfile`` + ``io.TextIOWrapper`` + the ``csv`` module, one row at a time: memory holds a
row, never the file. The first row names the fields by their API names (``id`` is always
there, "added by default", the Download Bulk Read Result page); the values are converted
as :mod:`tap_zoho_crm.fields` says. Zoho's guide shows the CSV only as a picture; the
reader takes RFC 4180 CSV as the ``csv`` module reads it (quoted or not, quotes doubled
inside quoted values, line breaks inside quoted values, CRLF or LF rows) and a UTF-8 byte
order mark if there is one.

A header that names a column twice is an error (which of the two holds the field cannot be
told), and so is a file whose rows are not as many as Zoho counted for the job: a short
file loaded would replace the table with part of the module.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from tap_zoho_crm.fields import ID, BadValue, Field, converter

FIELD_SIZE_LIMIT = 16 * 1024 * 1024
"""Characters a CSV value may hold (a rich text area holds up to 50,000)."""


class ExportError(Exception):
    """A bulk export that cannot be read; the message names the module, job and line."""


class ExportReader:
    """The records of one module's exports, typed by its fields."""

    def __init__(self, module: str, fields: Iterable[Field],
                 log: Callable[[str], None] | None = None) -> None:
        self.module = module
        self.fields = {f.api_name: f for f in fields}
        self.log = log
        self._told: set[str] = set()

    def records(self, archive: IO[bytes], job_id: str,
                counted: int | None = None) -> Iterator[dict[str, Any]]:
        """Every row of the export in ``archive`` (a zip), as a typed record; then, when
        ``counted`` (the records Zoho's job result counts) is given, :class:`ExportError`
        if the file held another number of rows."""
        where = f"{self.module}, bulk read job {job_id}"
        try:
            with zipfile.ZipFile(archive) as bundle:
                member = self._member(bundle, where)
                with bundle.open(member) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    rows = 0
                    for record in self._rows(csv.reader(text), f"{where}, {member.filename}"):
                        rows += 1
                        yield record
        except zipfile.BadZipFile:
            raise ExportError(f"{where}: the export is not a zip file (cut off?); run again "
                              "to download it again") from None
        except UnicodeDecodeError as exc:
            raise ExportError(f"{where}: the CSV is not UTF-8 (byte {exc.start} of a "
                              "chunk)") from None
        if counted is not None and rows != counted:
            raise ExportError(f"{where}, {member.filename}: Zoho counted {counted} records, "
                              f"the file held {rows}; stopped rather than load a part (run "
                              "again to download the export again)")

    def _member(self, bundle: zipfile.ZipFile, where: str) -> zipfile.ZipInfo:
        files = [m for m in bundle.infolist() if not m.is_dir()]
        tables = [m for m in files if m.filename.lower().endswith(".csv")] or files
        if len(tables) != 1:
            names = ", ".join(m.filename for m in files) or "nothing"
            raise ExportError(f"{where}: the zip should hold one CSV file; it holds {names}")
        return tables[0]

    def _rows(self, reader: Any, where: str) -> Iterator[dict[str, Any]]:
        csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise ExportError(f"{where}, line 1: not CSV ({exc})") from None
        if header is None:
            return
        repeated = _repeated(header)
        if repeated is not None:
            name, first, second = repeated
            raise ExportError(f"{where}, line 1: the header names column {name!r} twice "
                              f"(columns {first} and {second}); which one holds the field "
                              "cannot be told")
        if ID not in header:
            raise ExportError(f"{where}: the CSV has no id column (its columns: "
                              f"{', '.join(header[:20])})")
        columns = [(index, name, converter(self.fields[name]) if name in self.fields
                    else str)
                   for index, name in enumerate(header) if name == ID or name in self.fields]
        self._tell_left_out(header)
        width = len(header)
        number = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ExportError(f"{where}, line {reader.line_num}: not CSV ({exc})") from None
            if not row:
                continue
            number += 1
            at = f"{where}, row {number} (line {reader.line_num})"
            if len(row) != width:
                raise ExportError(f"{at}: {len(row)} values, but the header names {width} "
                                  "columns")
            record: dict[str, Any] = {}
            for index, name, convert in columns:
                value = row[index]
                if value == "":
                    record[name] = None
                    continue
                try:
                    record[name] = convert(value)
                except BadValue as exc:
                    shown = value if len(value) <= 80 else value[:77] + "..."
                    raise ExportError(f"{at}, field {name} ({self.fields[name].data_type}): "
                                      f"{shown!r} {exc}") from None
            if record.get(ID) is None:
                raise ExportError(f"{at}: a row without an id")
            yield record

    def _tell_left_out(self, header: list[str]) -> None:
        left = [name for name in header
                if name != ID and name not in self.fields and name not in self._told]
        if left and self.log is not None:
            self.log(f"{self.module}: columns of the export that the fields metadata does not "
                     f"list, left out: {', '.join(left)}")
        self._told.update(left)


def _repeated(header: list[str]) -> tuple[str, int, int] | None:
    """The first column name the header repeats, and the two columns (from 1) holding it."""
    seen: dict[str, int] = {}
    for column, name in enumerate(header, start=1):
        if name in seen:
            return name, seen[name], column
        seen[name] = column
    return None
