"""The modules' streams, one per module, read from its bulk exports.

A module's stream (named in lower snake case: ``Price_Books`` -> ``price_books``, key
``id``) is typed from the module's field metadata, read when the tap starts. Its records
are the rows of its exports, page 1 up, each zip downloaded into a spooled temporary file
and read row by row (:mod:`tap_zoho_crm.exports`). When the last row is written, the
stream's bookmark lists the job ids it loaded (``bulk_jobs``): once the target has
committed and the state is saved, those jobs' ledger entries are consumed
(:mod:`tap_zoho_crm.consume`). Every run is a full reload of each module.

The users and the organisation's settings are read over REST (:mod:`tap_zoho_crm.rest`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_zoho_crm.consume import BULK_JOBS
from tap_zoho_crm.exports import ExportReader
from tap_zoho_crm.fields import Field, module_schema, stream_name

if TYPE_CHECKING:
    from tap_zoho_crm.tap import TapZohoCRM

Context = Mapping[str, Any]
SPOOL_BYTES = 16 * 1024 * 1024
"""A downloaded zip stays in memory up to this size, then goes to a temporary file."""


class ZohoStream(Stream):
    @property
    def zoho(self) -> TapZohoCRM:
        return cast("TapZohoCRM", self._tap)


class ModuleStream(ZohoStream):
    """Every record of one module, from the bulk exports the ledger names."""

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # typed from the metadata already
    STATE_MSG_FREQUENCY = 1 << 62  # one STATE, at the end, listing the jobs loaded

    def __init__(self, tap: TapZohoCRM, module: str, fields: list[Field]) -> None:
        super().__init__(tap=tap, schema=module_schema(fields), name=stream_name(module))
        self.module = module
        self.fields = fields
        self.primary_keys = ["id"]

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        pages = self.zoho.plan().of(self.module)
        reader = ExportReader(self.module, self.fields, log=self.logger.warning)
        api = self.zoho.api
        total = 0
        for page in pages:
            what = f"the export of {self.module}, page {page.page} (job {page.job_id})"
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
                size = api.download(page.download_path, spool, resource=what)
                rows = 0
                for record in reader.records(spool, page.job_id, counted=page.count):
                    rows += 1
                    yield record
            self.logger.info("%s: %d records (%d bytes zipped)", what, rows, size)
            total += rows
        self.logger.info("%s: %d records in %d pages", self.module, total, len(pages))
        self.stream_state[BULK_JOBS] = [page.job_id for page in pages]
        self.stream_state["module"] = self.module
        self.state_manager.is_flushed = False
