"""target-s3's sink: streams into complete objects in a bucket, and one manifest.

Objects (parts) are opened as data arrives and closed when they reach their row or
byte limit, when their stream's schema changes (csv), and at the end. The manifest
is written last: a run that fails writes none, and whatever parts it completed are
listed nowhere, so readers can tell a complete run from a broken one. For the same
reason the STATE goes out only after the manifest (:meth:`ObjectSink.holds_state`): a
state emitted earlier would vouch for records in objects that a failed run leaves
unlisted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from observes_singer.flatten.flattener import build_flattener
from observes_singer.flatten.plan import plan_stream, row_columns
from observes_singer.singer.messages import (
    ActivateVersionMessage,
    SchemaMessage,
    dumps_exact,
    parse_line,
)
from observes_singer.store.storage import BlobStore
from observes_singer.target.errors import LoadError
from observes_singer.target.sink import Sink, Stream
from target_s3.cells import safe_csv_rows
from target_s3.config import S3TargetConfig
from target_s3.keys import check_key, segment
from target_s3.null_strings import null_marker_strings
from target_s3.parts import Part, WrittenObject

SINGER = "singer"
DRAIN_ROWS = 1000


def _dumps_line(value: Any) -> bytes:
    return dumps_exact(value) + b"\n"


@dataclass
class ObjectStream(Stream):
    columns: list[list[str]] = field(default_factory=list)  # csv: each table's row columns
    nul_rows: Counter[str] = field(default_factory=Counter)  # csv: table -> rows with NUL removed
    safe_cells: Counter[str] = field(default_factory=Counter)  # csv: table -> cells made text
    null_strings: Counter[str] = field(default_factory=Counter)  # csv: table -> "\N" strings
    partition: datetime | None = None  # the partition of the record being written


class ObjectSink(Sink):
    verb = "written"
    batch_records = DRAIN_ROWS

    def __init__(self, config: S3TargetConfig, blobs: BlobStore, run_id: str,
                 started: datetime) -> None:
        self.config = config
        self.blobs = blobs
        self.run_id = run_id
        self.started = started
        self.streams: dict[str, ObjectStream] = {}
        self.parts: dict[tuple[str, str, str], Part] = {}  # (stream, table, partition path)
        self.part_numbers: dict[tuple[str, str, str], int] = {}
        self.used_urls: set[str] = set()
        self.stream_segments: dict[str, str] = {}  # key segment -> the stream it names
        self.objects: list[WrittenObject] = []
        self.manifest_url: str | None = None
        #: csv: the longest value in bytes of each column, by table, over the whole run
        self.widths: dict[str, dict[str, int]] = {}

    # -- SCHEMA and records ----------------------------------------------------------------

    def open_stream(self, message: SchemaMessage, known: Stream | None) -> ObjectStream:
        singer = self.config.format == SINGER
        if known is None:
            self._claim_segment(message.stream, message.line_no)
        flattener = None
        if self.config.format == "csv":
            plan = plan_stream(message.stream, message.schema, message.key_properties)
            flattener = build_flattener(plan, self.run_id)
            if known is not None:
                # New columns: the stream's open files end here and new ones start.
                self._close_stream(message.stream)
                self._note_widths(known)
        stream = ObjectStream(message.stream, message.schema, message.key_properties,
                              flattener)
        if flattener is not None:
            stream.columns = [row_columns(flattener.plan, t) for t in flattener.plan.tables]
            if self.config.partition_field is not None:
                stream.check = lambda record, line_no: self._set_partition(
                    stream, record, line_no)
                stream.flush_each_record = True
        elif singer:
            stream.write = lambda record, raw, line_no: self._write_singer(raw)
        else:
            stream.write = lambda record, raw, line_no: self._write_jsonl(
                stream, record, raw, line_no)
        self.streams[message.stream] = stream
        return stream

    def _write_jsonl(self, stream: ObjectStream, record: dict[str, Any], raw: bytes,
                     line_no: int) -> None:
        data = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        # orjson writes an integer it read beyond 64 bits (then a float) with an
        # exponent: only such a line, with a "+", can need reading again.
        if b"e+" in data:
            record = parse_line(raw, line_no, self.source, exact_integers=True)["record"]
            data = _dumps_line(record)
        partition = self._partition(record, stream.name, line_no)
        self._part(stream.name, stream.name, partition).write(data, 1)

    def _set_partition(self, stream: ObjectStream, record: dict[str, Any],
                       line_no: int) -> None:
        stream.partition = self._partition(record, stream.name, line_no)

    def schema_seen(self, raw: bytes) -> None:
        if self.config.format == SINGER:
            self._write_singer(raw)

    def state_seen(self, raw: bytes) -> None:
        if self.config.format == SINGER:
            self._write_singer(raw)

    def activate_version(self, stream: Stream, message: ActivateVersionMessage,
                         raw: bytes) -> None:
        if self.config.format == SINGER:
            self._write_singer(raw)

    def _claim_segment(self, stream: str, line_no: int) -> None:
        """Refuse a stream whose name would be written as another stream's key segment
        (``a/b`` and ``a%2Fb``), before any of its records: they would share objects."""
        template = self.config.key_template
        if self.config.format == SINGER or not (
                "{stream" in template or (self.config.format == "jsonl" and "{table" in template)):
            return
        try:
            key = segment(stream)
        except ValueError as exc:
            raise LoadError(f"stream {stream!r}, {self.source} line {line_no}: {exc}") from None
        other = self.stream_segments.setdefault(key, stream)
        if other != stream:
            raise LoadError(f"stream {stream!r}, {self.source} line {line_no}: its objects would "
                            f"be written under {key!r}, like those of stream {other!r}; rename "
                            "one of them (e.g. with a stream map)")

    def _partition(self, record: dict[str, Any], stream: str, line_no: int) -> datetime | None:
        name = self.config.partition_field
        if name is None:
            return None
        value = record.get(name)
        moment = None
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = None
        if moment is None:
            raise LoadError(f"stream {stream!r}, {self.source} line {line_no}, field {name}: "
                            f"{_dumps_line(value).decode().strip()[:80]} is not a date-time "
                            "to partition by")
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return moment

    def flush_stream(self, stream: Stream) -> None:
        """Hand the stream's rows to its open parts, starting new ones at the limits."""
        assert isinstance(stream, ObjectStream)
        flattener = stream.flattener
        if flattener is None:
            return
        plan = flattener.plan
        partition = stream.partition
        for index, (table, columns) in enumerate(zip(plan.tables, stream.columns, strict=True)):
            while flattener.rows(index):
                part = self._part(stream.name, table.name, partition, columns)
                room = (max(1, self.config.max_rows - part.rows) if self.config.splits
                        else flattener.rows(index))
                data, rows, damaged = flattener.take(index, room)
                if self.config.csv_safe_cells:
                    data, changed = safe_csv_rows(data)
                    stream.safe_cells[table.name] += changed
                if strings := null_marker_strings(data):
                    stream.null_strings[table.name] += strings
                part.write(data, rows)
                if damaged:
                    stream.nul_rows[table.name] += damaged

    def holds_state(self) -> bool:
        return True

    def _write_singer(self, raw: bytes) -> None:
        data = raw if raw.endswith(b"\n") else raw + b"\n"
        self._part(SINGER, SINGER, None).write(data, 1)

    # -- parts -----------------------------------------------------------------------------

    def _part(self, stream: str, table: str, partition: datetime | None,
              columns: list[str] | None = None) -> Part:
        """The open object for these rows, starting the next part at the limits."""
        # Rows go together when their keys differ only by the part number.
        group = self._render(stream, table, partition, 0) if partition else ""
        key = (stream, table, group)
        part = self.parts.get(key)
        if part is not None and self.config.splits and (
                part.rows >= self.config.max_rows or part.bytes >= self.config.max_bytes):
            self._close(key)
            part = None
        if part is None:
            number = self.part_numbers.get(key, 0) + 1
            self.part_numbers[key] = number
            url = f"{self.config.url}/{self._render(stream, table, partition, number)}"
            if url in self.used_urls:
                raise LoadError(f"key_template {self.config.key_template!r} gives two objects "
                                f"the key {url}; include {{stream}} and {{table}} in it")
            self.used_urls.add(url)
            header = (",".join(columns) + "\n").encode() if columns else b""
            part = Part(self.blobs, url, stream=stream, table=table,
                        gzipped=self.config.compression == "gzip", header=header,
                        columns=columns)
            self.parts[key] = part
        return part

    def _render(self, stream: str, table: str, partition: datetime | None, number: int) -> str:
        """The object's key below url; stream and table names as safe segments (keys.py)."""
        template = self.config.key_template
        try:
            key = template.format(
                stream=segment(stream), table=segment(table), part=number,
                run_id=self.run_id, ext=self.config.extension, date=self.started,
                partition=partition).lstrip("/")
        except (KeyError, ValueError, IndexError, AttributeError, TypeError) as exc:
            raise LoadError(f"key_template {template!r}, stream {stream!r}: {exc}") from None
        problem = check_key(key)
        if problem:
            raise LoadError(f"key_template {template!r} gives stream {stream!r} the key "
                            f"{key!r}, which stays below url only if it is relative, with no "
                            f"'.', '..' or empty segment, '\\' or control character: {problem}")
        return key

    def _close(self, key: tuple[str, str, str]) -> None:
        part = self.parts.pop(key)
        self.objects.append(part.close())

    def _close_stream(self, stream: str) -> None:
        for key in [k for k in self.parts if k[0] == stream]:
            self._close(key)

    # -- the end ---------------------------------------------------------------------------

    def _note_widths(self, stream: Stream) -> None:
        """Keep the stream's column widths so far (its flattener is about to be replaced):
        a loader of the csv objects sizes its text columns from them."""
        flattener = stream.flattener
        if flattener is None:
            return
        plan = flattener.plan
        root = plan.root.columns
        for index, table in enumerate(plan.tables):
            widths = self.widths.setdefault(table.name, {})
            sizes = flattener.max_bytes[index]
            named = [(c.name, sizes[i]) for i, c in enumerate(table.columns)]
            if not table.is_root:
                named += [(name, flattener.max_bytes[0][root.index(column)])
                          for name, column in zip(plan.key_column_names, plan.key_columns,
                                                  strict=True)]
            for name, size in named:
                widths[name] = max(widths.get(name, 0), size)

    def finish(self, streams: list[Stream]) -> None:
        for stream in streams:
            if isinstance(stream, ObjectStream):
                stream.partition = None
            self.flush_stream(stream)
            self._note_widths(stream)
        for key in list(self.parts):
            part = self.parts.pop(key)
            self.objects.append(part.close())
        self.manifest_url = self._write_manifests()

    def abort(self) -> None:
        for part in self.parts.values():
            part.abort()
        self.parts.clear()

    def destination(self) -> str:
        rows = sum(o.rows for o in self.objects)
        return f"in {len(self.objects)} objects ({rows} rows) with the manifest " \
            f"{self.manifest_url}"

    def rows_written(self) -> int:
        return sum(o.rows for o in list(self.objects)) + sum(
            part.rows for part in list(self.parts.values()))

    def tables_written(self) -> dict[str, int]:
        """Rows in the objects of this run by what they hold: the stream (jsonl), each
        flattened table (csv), or ``singer`` (the raw messages, one per line)."""
        written: Counter[str] = Counter()
        for obj in self.objects:
            written[obj.table] += obj.rows
        return dict(sorted(written.items()))

    def report_fields(self) -> dict[str, Any]:
        return {"manifest": self.manifest_url}

    def summary(self) -> list[str]:
        lines = []
        for name, stream in self.streams.items():
            lines.append(f"  {name}: {stream.records} records")
            for table, count in sorted(stream.nul_rows.items()):
                lines.append(f"  {name}.{table}: NUL characters removed from {count} rows")
            for table, count in sorted(stream.safe_cells.items()):
                if count:
                    lines.append(f"  {name}.{table}: {count} cells that a spreadsheet would "
                                 "run as formulas written as text (csv_safe_cells)")
            for table, count in sorted(stream.null_strings.items()):
                lines.append(f"  {name}.{table}: {count} strings that are exactly \\N, which "
                             "Redshift's COPY would load as NULL (load-parts refuses them "
                             "there)")
        return lines

    def _write_manifests(self) -> str:
        objects = self.objects
        manifest = {
            "run_id": self.run_id,
            "started_at": self.started.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "format": self.config.format,
            "compression": self.config.compression,
            **({"csv_safe_cells": True} if self.config.csv_safe_cells else {}),
            **({"null_marker_strings": null_strings} if (null_strings := {
                table: count for stream in self.streams.values()
                for table, count in sorted(stream.null_strings.items())}) else {}),
            "streams": {
                name: {"schema": s.schema, "key_properties": s.key_properties,
                       "records": s.records}
                for name, s in self.streams.items()
            },
            "objects": [
                {"url": o.url, "key": o.url[len(self.config.url) + 1:], "stream": o.stream,
                 "table": o.table, "rows": o.rows,
                 "bytes": o.bytes, "content_length": o.content_length,
                 **({"columns": o.columns} if o.columns else {})}
                for o in objects
            ],
        }
        if self.config.format == "csv":
            tables: dict[str, list[WrittenObject]] = {}
            for written in objects:
                tables.setdefault(written.table, []).append(written)
            redshift = {}
            for table, written_objects in tables.items():
                url = (f"{self.config.url}/_manifests/{self.run_id}/{segment(table)}"
                       ".redshift.json")
                self.blobs.write_bytes(url, orjson.dumps({"entries": [
                    {"url": o.url, "mandatory": True,
                     "meta": {"content_length": o.content_length}} for o in written_objects
                ]}, option=orjson.OPT_INDENT_2))
                redshift[table] = url
            manifest["redshift_manifests"] = redshift
            manifest["column_bytes"] = {table: dict(sorted(widths.items()))
                                        for table, widths in sorted(self.widths.items())}
        url = f"{self.config.url}/_manifests/{self.run_id}.json"
        self.blobs.write_bytes(url, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        return url
