"""Per-row load metadata: the ``_sdc_`` time columns singer-sdk targets write.

With ``add_record_metadata`` (singer-sdk's name for it), every row of a record, in its root
table and its child tables, carries:

- ``_sdc_extracted_at``: the RECORD message's ``time_extracted`` (NULL when it has none),
  in UTC as every date-time is loaded;
- ``_sdc_received_at``: when the target read the record;
- ``_sdc_batched_at``: when the batch holding the record began (the kernel's batches:
  ``batch_size_records`` or ``max_buffer_bytes`` of input, a changed SCHEMA, an
  ACTIVATE_VERSION, a key the batch already holds), the same for every row of one batch.

They travel with ``_sdc_table_version`` (the RECORD's ``version``) as one piece of row
text, which the flattener writes right after ``_sdc_table_version``'s place, so neither
flattener knows of them: the plan names the columns
(``StreamPlan.record_metadata``), the kernel writes their cells.
"""

from __future__ import annotations

import time
from typing import Any

from observes_singer.flatten.codegen import NULL, timestamp_cell

COLUMNS = ("_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at")
#: A record's deletion time, a property of the record (CDC taps send it): the target adds
#: it to a schema that lacks it, as a nullable date-time, so every table has the column.
DELETED_AT = "_sdc_deleted_at"
DELETED_AT_SCHEMA = {"type": ["null", "string"], "format": "date-time"}


def with_deleted_at(schema: Any) -> Any:
    """The record schema with ``_sdc_deleted_at`` among its properties, the first: a table
    too big for the warehouse's limits moves its last properties to key/value rows, and
    this one stays a column beside the other metadata. A schema without ``properties`` (a
    free-form record, loaded as key/value rows) is left as it is."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict) \
            or DELETED_AT in schema["properties"]:
        return schema
    return {**schema, "properties": {DELETED_AT: DELETED_AT_SCHEMA, **schema["properties"]}}


class RecordMetadata:
    """The cells of the metadata columns, one record at a time: when the batch began, and
    the last ``time_extracted`` read, kept converted (a tap often sends one value for many
    records)."""

    def __init__(self) -> None:
        self._second = -1
        self._second_text = ""
        self.batched = self.now()
        self._extracted: Any = None
        self._extracted_cell = NULL
        self._received = self.batched

    def now(self) -> str:
        """The present moment as a TIMESTAMP cell (UTC, microseconds), its date and time
        of day formatted once a second: this runs for every record."""
        second, micros = divmod(time.time_ns() // 1000, 1_000_000)
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._second_text}.{micros:06d}"

    def start_batch(self) -> None:
        self.batched = self.now()

    def cells(self, version: str, extracted: Any, separator: str) -> str:
        """``_sdc_table_version``'s cell (``version``) and the three times' cells, as one
        piece of row text; a ``time_extracted`` that is not a date-time raises
        ``BadValue`` for the field ``time_extracted``."""
        if extracted is not self._extracted and extracted != self._extracted:
            self._extracted_cell = timestamp_cell(extracted, "time_extracted")
            self._extracted = extracted
        self._received = self.now()
        return separator.join((version, self._extracted_cell, self._received, self.batched))

    def first_of_batch(self, cells: str) -> str:
        """The last record's ``cells`` when its key, repeated, closed the batch it was read
        in: it is the first record of the next batch, which began when it was received."""
        kept = cells[:len(cells) - len(self.batched)]  # the batch's time is the last cell
        self.batched = self._received
        return kept + self.batched
