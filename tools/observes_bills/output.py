"""A month's bills as objects: ``<url>/YYYY/MM/<group>.csv``, each written whole, and the
month replaced exactly: a group billed by an earlier run of the month and not by this one
loses its object, once every new object is written."""

from __future__ import annotations

import csv
import io

from target_s3.cells import safe_cell
from target_s3.keys import segment

from observes_bills.bill import COLUMNS
from observes_bills.month import Month
from observes_singer.store.storage import BlobStore, parse_url


def group_key(group: str) -> str:
    """The object name of a group's bill, one per group: ``%`` becomes ``%25`` and then
    the name one key segment as target-s3 writes it (``a/b``: ``a%2Fb.csv``; ``a%2Fb``:
    ``a%252Fb.csv``), so ``urllib.parse.unquote`` gives the group back and no two groups
    share an object."""
    return f"{segment(group.replace('%', '%25'))}.csv"


def month_folder(url: str, month: Month) -> str:
    return f"{url.rstrip('/')}/{month.folder}/"


def csv_bytes(rows: list[dict[str, str]], columns: tuple[str, ...]) -> bytes:
    """The bill as people open it: every field quoted, and a cell that a spreadsheet would
    run as a formula (an author named ``=cmd|...``) made text with a ``'`` in front."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n",
                            quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows({column: safe_cell(value) for column, value in row.items()}
                     for row in rows)
    return out.getvalue().encode()


def write_month(blobs: BlobStore, url: str, month: Month,
                files: dict[str, list[dict[str, str]]], columns: tuple[str, ...] = COLUMNS
                ) -> tuple[list[str], list[str]]:
    """Write each group's rows; returns the objects written and the stale ones removed."""
    folder = month_folder(url, month)
    written = []
    for group, rows in sorted(files.items()):
        target = f"{folder}{group_key(group)}"
        blobs.write_bytes(target, csv_bytes(rows, columns))
        written.append(target)
    kept = {parse_url(u).url for u in written}
    stale = [info.url for info in blobs.list(folder)
             if info.url.endswith(".csv") and "/" not in info.url[len(parse_url(folder).url):]
             and info.url not in kept]
    for target in stale:
        blobs.delete(target)
    return written, stale
