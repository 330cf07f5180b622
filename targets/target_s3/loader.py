"""target-s3's run: Singer messages in, complete objects and one manifest out.

Objects (parts) are opened as data arrives and closed when they reach their row or
byte limit, when their stream's schema changes (csv), and at the end. The manifest
is written last: a run that fails writes none, and whatever parts it completed are
listed nowhere, so readers can tell a complete run from a broken one. For the same
reason the STATE goes out only after the manifest: a state emitted earlier would
vouch for records in objects that a failed run leaves unlisted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from observes_singer.flatten import BadValue, Inexact, StreamFlattener, build_flattener
from observes_singer.flatten.plan import SchemaError, plan_stream, row_columns
from observes_singer.messages import (
    ActivateVersionMessage,
    BatchMessage,
    MessageError,
    RecordMessage,
    SchemaMessage,
    StateMessage,
    decode_message,
    dumps_exact,
    parse_line,
)
from observes_singer.progress import Snapshot
from observes_singer.state import StateStore
from observes_singer.storage import BlobStore
from target_s3.config import S3TargetConfig
from target_s3.keys import check_key, segment
from target_s3.parts import Part, WrittenObject

SINGER = "singer"
_NO_STATE = object()
DRAIN_ROWS = 1000


class LoadError(Exception):
    """The input cannot be written; the message says where (stream, line, field)."""


def _dumps_line(value: Any) -> bytes:
    return dumps_exact(value) + b"\n"


@dataclass
class StreamState:
    name: str
    schema: dict[str, Any]
    key_properties: list[str]
    compiled: StreamFlattener | None = None  # csv only
    columns: list[list[str]] = field(default_factory=list)  # csv: each table's row columns
    records: int = 0
    nul_rows: Counter[str] = field(default_factory=Counter)  # csv: table -> rows with NUL removed


@dataclass
class RunSummary:
    objects: list[WrittenObject] = field(default_factory=list)
    manifest_url: str | None = None


class S3Loader:
    def __init__(self, config: S3TargetConfig, blobs: BlobStore, out: IO[bytes],
                 state_store: StateStore | None, run_id: str, started: datetime,
                 source: str = "stdin") -> None:
        self.config = config
        self.blobs = blobs
        self.out = out
        self.state_store = state_store
        self.run_id = run_id
        self.started = started
        self.source = source
        self.streams: dict[str, StreamState] = {}
        self.parts: dict[tuple[str, str, str], Part] = {}  # (stream, table, partition path)
        self.part_numbers: dict[tuple[str, str, str], int] = {}
        self.used_urls: set[str] = set()
        self.stream_segments: dict[str, str] = {}  # key segment -> the stream it names
        self.pending_state: Any = _NO_STATE
        self.summary = RunSummary()
        self._current = ""
        self.states_emitted = 0

    # -- the loop --------------------------------------------------------------------------

    def progress(self) -> Snapshot:
        """Records read and rows written so far, for the progress line (another thread)."""
        streams = list(self.streams.values())
        records = sum(stream.records for stream in streams)
        rows = sum(o.rows for o in list(self.summary.objects)) + sum(
            part.rows for part in list(self.parts.values()))
        return Snapshot(records, rows, self._current)

    def run(self, lines: Iterable[bytes]) -> RunSummary:
        try:
            self._run(lines)
        except BaseException:
            for part in self.parts.values():
                part.abort()
            self.parts.clear()
            raise
        return self.summary

    def _run(self, lines: Iterable[bytes]) -> None:
        loads = orjson.loads
        line_no = 0
        singer = self.config.format == SINGER
        for raw in lines:
            line_no += 1
            try:
                obj = loads(raw)
            except orjson.JSONDecodeError as exc:
                if not raw.strip():
                    continue
                raise MessageError(line_no, f"malformed JSON ({exc})", raw,
                                   self.source) from None
            message = decode_message(obj, raw, line_no, self.source)
            if isinstance(message, RecordMessage):
                stream = self.streams.get(message.stream)
                if stream is None:
                    raise MessageError(line_no, f"RECORD for stream {message.stream!r} "
                                       "before its SCHEMA", raw, self.source)
                stream.records += 1
                self._current = stream.name
                if singer:
                    self._write_singer(raw)
                else:
                    self._write_record(stream, message.record, line_no, raw)
            elif isinstance(message, SchemaMessage):
                self._on_schema(message, raw)
                if singer:
                    self._write_singer(raw)
            elif isinstance(message, StateMessage):
                if singer:
                    self._write_singer(raw)
                # STATE lines are few: read again, keeping integers beyond 64 bits exact.
                self.pending_state = self._exact(raw, line_no)["value"]
            elif isinstance(message, ActivateVersionMessage):
                if message.stream not in self.streams:
                    raise MessageError(line_no, f"ACTIVATE_VERSION for stream "
                                       f"{message.stream!r} before its SCHEMA", raw, self.source)
                if singer:
                    self._write_singer(raw)
            elif isinstance(message, BatchMessage):
                raise MessageError(line_no, "BATCH messages are not supported by target-s3",
                                   raw, self.source)
        self._finish()

    # -- messages --------------------------------------------------------------------------

    def _on_schema(self, message: SchemaMessage, raw: bytes) -> None:
        known = self.streams.get(message.stream)
        if known and known.schema == message.schema and \
                known.key_properties == message.key_properties:
            return
        if known is None:
            self._claim_segment(message.stream, message.line_no)
        compiled = None
        if self.config.format == "csv":
            try:
                plan = plan_stream(message.stream, message.schema, message.key_properties)
            except SchemaError as exc:
                raise MessageError(message.line_no, f"invalid SCHEMA: {exc}", raw,
                                   self.source) from None
            compiled = build_flattener(plan, self.run_id)
            if known is not None:
                # New columns: the stream's open files end here and new ones start.
                self._drain(known, None)
                self._close_stream(message.stream)
        stream = StreamState(message.stream, message.schema, message.key_properties, compiled)
        if compiled is not None:
            stream.columns = [row_columns(compiled.plan, t) for t in compiled.plan.tables]
        if known is not None:
            stream.records = known.records
        self.streams[message.stream] = stream

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

    def _exact(self, raw: bytes, line_no: int) -> Any:
        """The line parsed again with integers beyond 64 bits kept exact (orjson makes them
        floats). Only a line with a run of 19 or more digits is parsed by the slower
        standard module."""
        return parse_line(raw, line_no, self.source, exact_integers=True)

    def _write_record(self, stream: StreamState, record: dict[str, Any], line_no: int,
                      raw: bytes) -> None:
        if stream.compiled is None:
            data = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
            # orjson writes an integer it read beyond 64 bits (then a float) with an
            # exponent: only such a line, with a "+", can need reading again.
            if b"e+" in data:
                record = self._exact(raw, line_no)["record"]
                data = _dumps_line(record)
            partition = self._partition(record, stream.name, line_no)
            self._part(stream.name, stream.name, partition).write(data, 1)
            return
        partition = self._partition(record, stream.name, line_no)
        compiled = stream.compiled
        try:
            try:
                compiled.flatten(record, line_no, "\\N")
            except Inexact:  # a value may be an integer orjson rounded: read it exactly
                exact = self._exact(raw, line_no)["record"]
                compiled.flatten_exact(record, exact, line_no, "\\N")
        except BadValue as exc:
            raise LoadError(f"stream {stream.name!r}, {self.source} line {line_no}, "
                            f"{exc}") from None
        # Rows are handed to the parts in blocks; a partitioned record's rows at once,
        # since the next record may belong elsewhere.
        if partition is not None or compiled.rows(0) >= DRAIN_ROWS:
            self._drain(stream, partition)

    def _drain(self, stream: StreamState, partition: datetime | None) -> None:
        compiled = stream.compiled
        if compiled is None:
            return
        plan = compiled.plan
        for index, (table, columns) in enumerate(zip(plan.tables, stream.columns, strict=True)):
            while compiled.rows(index):
                part = self._part(stream.name, table.name, partition, columns)
                room = max(1, self.config.max_rows - part.rows)
                data, rows, damaged = compiled.take(index, room)
                part.write(data, rows)
                if damaged:
                    stream.nul_rows[table.name] += damaged

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
        if part is not None and (part.rows >= self.config.max_rows or
                                 part.bytes >= self.config.max_bytes):
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
        self.summary.objects.append(part.close())

    def _close_stream(self, stream: str) -> None:
        for key in [k for k in self.parts if k[0] == stream]:
            self._close(key)

    # -- state and the end -----------------------------------------------------------------

    def _emit(self, value: Any) -> None:
        if self.state_store is not None:
            if not isinstance(value, dict):
                raise LoadError("cannot save a STATE whose value is not a JSON object")
            self.state_store.put(value)
        # The bare value, one JSON line, flushed: what singer-sdk's targets write and
        # Meltano saves as the state it hands the tap next time.
        self.out.write(_dumps_line(value))
        self.out.flush()
        self.states_emitted += 1

    def _finish(self) -> None:
        for stream in self.streams.values():
            self._drain(stream, None)
        for key in list(self.parts):
            part = self.parts.pop(key)
            self.summary.objects.append(part.close())
        self.summary.manifest_url = self._write_manifests()
        if self.pending_state is not _NO_STATE:
            self._emit(self.pending_state)

    def _write_manifests(self) -> str:
        objects = self.summary.objects
        manifest = {
            "run_id": self.run_id,
            "started_at": self.started.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "format": self.config.format,
            "compression": self.config.compression,
            "streams": {
                name: {"schema": s.schema, "key_properties": s.key_properties,
                       "records": s.records}
                for name, s in self.streams.items()
            },
            "objects": [
                {"url": o.url, "stream": o.stream, "table": o.table, "rows": o.rows,
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
        url = f"{self.config.url}/_manifests/{self.run_id}.json"
        self.blobs.write_bytes(url, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        return url
