"""A DynamoDB table as a singer-sdk stream: its segments scanned one after another, a
page at a time, the bookmark moved after each page's records are written."""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_dynamo.bookmarks import DONE, ScanState
from tap_dynamo.client import Scanner, Table
from tap_dynamo.convert import Converter, boto_key, wire_key
from tap_dynamo.names import stream_name
from tap_dynamo.shards import my_segments, total_segments

if TYPE_CHECKING:
    from tap_dynamo.tap import TapDynamo

# A key attribute's JSON Schema: numbers may be integral or not, binaries are base64.
KEY_TYPES: Mapping[str, dict[str, Any]] = {
    "S": {"type": "string"},
    "N": {"type": "number"},
    "B": {"type": "string", "contentEncoding": "base64"},
}


def table_schema(table: Table) -> dict[str, Any]:
    """An open object: the key attributes declared, any other attribute allowed."""
    return {"type": "object",
            "properties": {key: dict(KEY_TYPES[table.key_types[key]]) for key in table.keys},
            "required": list(table.keys),
            "additionalProperties": True}


class TableStream(Stream):
    """Every item of one table, as a record of plain JSON values."""

    STATE_MSG_FREQUENCY = 1 << 62  # a STATE goes after each page instead
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # the records are plain JSON

    def __init__(self, tap: TapDynamo, table: Table) -> None:
        super().__init__(tap=tap, schema=table_schema(table), name=stream_name(table.name))
        self.table = table
        self.primary_keys = list(table.keys)
        self.dynamo = tap
        self.budget = tap.budget.part()
        self._items = 0

    def get_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        config = self.config
        mine, total = my_segments(config), total_segments(config)
        scan = ScanState(self.stream_state, total)
        how = scan.start(self.dynamo.resuming, mine)
        self.logger.info("table %r: %s; segments %s of %d", self.table.name, how,
                         _spans(mine), total)
        self._flush_state()
        scanner = Scanner(self.dynamo.client, log=self.logger.warning)
        request: dict[str, Any] = {"TableName": self.table.name,
                                   "ConsistentRead": bool(config.get("consistent_read"))}
        if config.get("page_size"):
            request["Limit"] = int(config["page_size"])
        self._items = 0
        self.budget = self.dynamo.budget.part()
        for segment in mine:
            bookmark = scan.bookmark(segment)
            if bookmark == DONE:
                continue
            # One segment is a plain Scan (the same thing, without the parameters).
            call = {**request, "Segment": segment, "TotalSegments": total} if total > 1 \
                else dict(request)
            if bookmark:
                call["ExclusiveStartKey"] = boto_key(bookmark)
            stop = self._stop()
            if stop is None:
                stop = yield from self._segment(scanner, scan, call)
            if stop is not None:
                left = [s for s in mine if scan.bookmark(s) != DONE]
                if left:
                    self.logger.warning("table %r: stopped by %s; segments %s are left for "
                                        "the next run", self.table.name, stop, _spans(left))
                break
        throttled = f", {scanner.throttled} calls throttled past boto3's retries" \
            if scanner.throttled else ""
        self.logger.info("table %r: %d items in %d pages%s", self.table.name, self._items,
                         self.budget.pages, throttled)

    def _segment(self, scanner: Scanner, scan: ScanState, call: dict[str, Any]
                 ) -> Generator[dict[str, Any], None, str | None]:
        """Scan one segment from its bookmark; the reason it stopped early, if it did."""
        convert = Converter(self.config.get("decimals", "number")).item
        segment = call.get("Segment", 0)
        for answer in scanner.pages(call):
            for item in answer["Items"]:
                yield convert(item)
            self._items += len(answer["Items"])
            self.budget.page_read()
            last = answer.get("LastEvaluatedKey")
            scan.move(segment, wire_key(last) if last else None)
            self._flush_state()
            stop = self._stop()
            if stop is not None:
                return stop
        return None

    def _stop(self) -> str | None:
        """Why no more pages are read in this run, if they are not: the run's deadline
        (once it read a page), or this table's pages."""
        spent = self.budget.exhausted()
        return None if spent is None else str(spent)

    def _write_schema_message(self) -> None:
        """No SCHEMA with ``emit_schema`` false: observes-infer writes one downstream."""
        if self.config.get("emit_schema", True):
            super()._write_schema_message()

    def _flush_state(self) -> None:
        self.state_manager.is_flushed = False
        self._write_state_message()


def _spans(segments: list[int]) -> str:
    if len(segments) > 8:
        return f"{segments[0]}, {segments[1]}, ... {segments[-1]} ({len(segments)} of them)"
    return ", ".join(map(str, segments))
