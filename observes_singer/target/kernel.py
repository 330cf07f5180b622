"""The message loop every target runs: Singer lines in, row blocks to a sink, STATE out.

The RECORD fast path parses a line, finds its stream and hands the record to the
stream's flattener, with its counters in locals; everything else (SCHEMA, STATE,
ACTIVATE_VERSION, a record the flattener sends back, a line too large to parse whole)
leaves the fast path. Errors name the source, the line, the stream and the field.

A STATE is emitted (and saved to the state store) only when every record before it is
durable: when nothing is buffered and the sink does not hold its rows back
(:meth:`Sink.holds_state`); otherwise it waits for the next point where that is true,
at the latest the end of the run, after :meth:`Sink.finish`. A later STATE replaces a
waiting one. A STATE that cannot be saved is refused at its own line, before anything
commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

import orjson

from observes_singer.flatten import large
from observes_singer.flatten.flattener import BadValue, Inexact, Repeat, show
from observes_singer.flatten.plan import SchemaError
from observes_singer.singer.messages import (
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
from observes_singer.store.state import StateStore
from observes_singer.target.errors import LoadError
from observes_singer.target.progress import Snapshot
from observes_singer.target.record_metadata import RecordMetadata
from observes_singer.target.sink import Sink, Stream

NULL = "\\N"
_NO_STATE = object()


class Kernel:
    def __init__(self, sink: Sink, out: IO[bytes], state_store: StateStore | None = None,
                 source: str = "stdin", prog: str = "the target") -> None:
        self.sink = sink
        sink.source = source
        self.out = out
        self.state_store = state_store
        self.source = source
        self.prog = prog
        self.streams: dict[str, Stream] = {}
        self.flatteners: list[Stream] = []  # every stream version that had a flattener
        self.notes: list[str] = []
        self.pending_state: Any = _NO_STATE
        self.metadata = RecordMetadata()
        self.buffered_records = 0
        self.states_emitted = 0
        self._progress_counts: dict[str, int] = {}
        self._progress_stream = ""

    # -- the loop --------------------------------------------------------------------------

    def run(self, lines: Iterable[bytes]) -> None:
        try:
            self.sink.begin()
            self._loop(lines)
            self.finish()
        except BaseException:
            self.sink.abort()
            raise

    def _loop(self, lines: Iterable[bytes]) -> None:
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        streams = self.streams
        sink = self.sink
        limit_records = sink.batch_records
        limit_bytes = sink.batch_bytes
        null = NULL
        large_line = large.large_line_bytes() if sink.streams_large_records else 1 << 62
        line_no = 0
        # Counters live in locals on the hot path and are handed back at each flush.
        buffered = buffered_bytes = 0
        for raw in lines:
            line_no += 1
            if len(raw) >= large_line:
                self.buffered_records = buffered
                if self.large_record(raw, line_no):
                    buffered = buffered_bytes = 0
                    continue
            try:
                obj = loads(raw)
            except decode_error as exc:
                if not raw.strip():
                    continue
                raise MessageError(line_no, f"malformed JSON ({exc})", raw,
                                   self.source) from None
            if obj.__class__ is dict and obj.get("type") == "RECORD":
                name = obj.get("stream")
                target = streams.get(name) if name.__class__ is str else None
                record = obj.get("record")
                version = obj.get("version")
                if target is not None and record.__class__ is dict and (
                    version is None or version.__class__ is int
                ):
                    cells = null if version is None else str(version)
                    if target.metadata_separator is not None:
                        cells = self.metadata_cells(target, cells, obj, line_no)
                    if target.fast:
                        try:
                            target.flatten(record, line_no, cells)
                        except BadValue as exc:
                            raise self.bad_value(target, line_no, exc) from None
                        except (Repeat, Inexact) as signal:
                            self.buffered_records = buffered
                            self.flatten_again(target, record, raw, line_no, cells, signal)
                            if self.buffered_records == 0:
                                buffered = buffered_bytes = 0
                    else:
                        self.buffered_records = buffered
                        self.slow_record(target, record, raw, line_no, cells)
                        if self.buffered_records == 0:
                            buffered = buffered_bytes = 0
                    target.records += 1
                    buffered += 1
                    buffered_bytes += len(raw)
                    if buffered >= limit_records or buffered_bytes >= limit_bytes:
                        self.buffered_records = buffered
                        self.flush()
                        buffered = buffered_bytes = 0
                    continue
            self.buffered_records = buffered
            message = decode_message(obj, raw, line_no, self.source)
            self.dispatch(message, raw)
            buffered = self.buffered_records
            if buffered == 0:
                buffered_bytes = 0

    def metadata_cells(self, stream: Stream, version: str, message: dict[str, Any],
                       line_no: int) -> str:
        """The version's cell and the record metadata's, as the flattener writes them."""
        assert stream.metadata_separator is not None
        try:
            return self.metadata.cells(version, message.get("time_extracted"),
                                       stream.metadata_separator)
        except BadValue as exc:
            raise LoadError(f"stream {stream.name!r}, {self.source} line {line_no}, "
                            f"time_extracted: {show(exc.value)} {exc.expected}") from None

    # -- records off the fast path ---------------------------------------------------------

    def slow_record(self, stream: Stream, record: dict[str, Any], raw: bytes, line_no: int,
                    version: str) -> None:
        """A record of a stream the fast path does not take: a sink's own writer, a check
        before flattening, or rows handed over after each record."""
        if stream.flattener is None:
            assert stream.write is not None
            stream.write(record, raw, line_no)
            return
        if stream.check is not None:
            stream.check(record, line_no)
        try:
            stream.flatten(record, line_no, version)
        except BadValue as exc:
            raise self.bad_value(stream, line_no, exc) from None
        except (Repeat, Inexact) as signal:
            self.flatten_again(stream, record, raw, line_no, version, signal)
        if stream.flush_each_record:
            self.sink.flush_stream(stream)

    def flatten_again(self, stream: Stream, record: dict[str, Any], raw: bytes,
                      line_no: int, version: str, signal: Exception) -> None:
        """The slow path of a record: its key repeats in the batch, or it may hold an
        integer that orjson rounded (past 64 bits), so its line is read again exactly."""
        assert stream.flattener is not None
        try:
            if isinstance(signal, Repeat):
                self.flush()
                if stream.metadata_separator is not None:
                    version = self.metadata.first_of_batch(version)
                try:
                    stream.flatten(record, line_no, version)
                    return
                except Inexact:
                    pass
            exact = parse_line(raw, line_no, self.source, exact_integers=True)
            stream.flattener.flatten_exact(record, exact.get("record"), line_no, version)
        except BadValue as exc:
            raise self.bad_value(stream, line_no, exc) from None

    def read_exactly(self, raw: bytes, line_no: int) -> Any:
        """The line parsed again with integers beyond 64 bits kept exact (orjson makes
        them floats); for sinks that write records whole."""
        return parse_line(raw, line_no, self.source, exact_integers=True)

    def bad_value(self, stream: Stream, line_no: int, exc: BadValue) -> LoadError:
        """A value that does not fit, as the error that names stream, line and field."""
        return LoadError(f"stream {stream.name!r}, {self.source} line {line_no}, {exc}")

    def large_record(self, raw: bytes, line_no: int) -> bool:
        """A RECORD line too large to parse whole (see ``observes_singer.flatten.large``):
        its shell flattened, then its lists in chunks, each chunk's rows handed to the
        sink (not committed) before the next. False when the line is not such a record
        (it is then read as any other line)."""
        try:
            kind, name = large.head(raw)
            stream = self.streams.get(name) if kind == "RECORD" and isinstance(name, str) \
                else None
            if stream is None or stream.flattener is None or not stream.fast:
                return False
            lists = large.root_lists(stream.flattener.plan)
            if not lists:
                return False
            message = large.shell(raw, set(lists))
        except large.Unstreamable:
            return False
        except large.LargeRecordError as exc:
            raise MessageError(line_no, f"malformed JSON ({exc})", raw, self.source) from None
        record, version = message.get("record"), message.get("version")
        if not isinstance(record, dict) or not (version is None or type(version) is int):
            return False
        ver = NULL if version is None else str(version)
        self.flush()  # the record starts a batch of its own
        if stream.metadata_separator is not None:
            ver = self.metadata_cells(stream, ver, message, line_no)
        flattener = stream.flattener
        flattener.helpers.exact = True  # the streaming parser reads every number exactly
        try:
            stream.flatten(record, line_no, ver)
            # Its root row first: an upsert deletes the key's old rows with it, a full
            # refresh an older version staged earlier in the run.
            self.sink.flush_stream(stream)
            for prefix, table in lists.items():
                start = 0
                for chunk in large.chunks(raw, prefix):
                    flattener.extend(table, chunk, ver, start)
                    start += len(chunk)
                    self.sink.flush_stream(stream)
        except BadValue as exc:
            raise self.bad_value(stream, line_no, exc) from None
        except large.LargeRecordError as exc:
            raise MessageError(line_no, f"malformed JSON ({exc})", raw, self.source) from None
        finally:
            flattener.helpers.exact = False
        stream.records += 1
        stream.streamed += 1
        self.flush()
        return True

    # -- other messages --------------------------------------------------------------------

    def dispatch(self, message: Any, raw: bytes) -> None:
        if isinstance(message, RecordMessage):
            # The fast path takes every RECORD of a known stream: this one has none.
            raise MessageError(message.line_no, f"RECORD for stream {message.stream!r} before "
                               "its SCHEMA", raw, self.source)
        if isinstance(message, SchemaMessage):
            self.on_schema(message, raw)
        elif isinstance(message, StateMessage):
            self.on_state(message, raw)
        elif isinstance(message, ActivateVersionMessage):
            stream = self.streams.get(message.stream)
            if stream is None:
                raise MessageError(message.line_no, f"ACTIVATE_VERSION for stream "
                                   f"{message.stream!r} before its SCHEMA", raw, self.source)
            self.sink.activate_version(stream, message, raw)
            self.flush()
        elif isinstance(message, BatchMessage):
            raise MessageError(message.line_no, f"BATCH messages are not supported by "
                               f"{self.prog}; send RECORDs", raw, self.source)

    def on_schema(self, message: SchemaMessage, raw: bytes) -> None:
        self.sink.schema_seen(raw)
        known = self.streams.get(message.stream)
        if known and known.schema == message.schema and \
                known.key_properties == message.key_properties:
            return
        if known is not None:
            self.flush()  # the rows read so far follow the schema they were read with
        try:
            stream = self.sink.open_stream(message, known)
        except SchemaError as exc:
            raise MessageError(message.line_no, f"invalid SCHEMA: {exc}", raw,
                               self.source) from None
        stream.fast = stream.flattener is not None and stream.check is None and \
            not stream.flush_each_record
        if known is not None:
            stream.records = known.records
            stream.streamed = known.streamed
        if stream.flattener is not None:
            self.flatteners.append(stream)
            self.notes += [n for n in stream.flattener.plan.notes if n not in self.notes]
        self.streams[message.stream] = stream

    def on_state(self, message: StateMessage, raw: bytes) -> None:
        self.sink.state_seen(raw)
        if self.state_store is not None and not isinstance(message.value, dict):
            raise LoadError(f"{self.source} line {message.line_no}: a STATE whose value is "
                            f"not a JSON object cannot be saved to {self.state_store.url}")
        # STATE lines are few: read again, keeping integers beyond 64 bits exact.
        self.pending_state = self.read_exactly(raw, message.line_no)["value"]
        if self.buffered_records == 0 and not self.sink.holds_state():
            self.emit_state()

    # -- flushing, state and the end -------------------------------------------------------

    def flush(self) -> None:
        """Hand every buffered row to the sink; a waiting STATE follows once durable."""
        self.sink.flush(list(self.streams.values()))
        self.buffered_records = 0
        self.metadata.start_batch()
        if self.pending_state is not _NO_STATE and not self.sink.holds_state():
            self.emit_state()

    def finish(self) -> None:
        self.sink.finish(list(self.streams.values()))
        self.buffered_records = 0
        if self.pending_state is not _NO_STATE:
            self.emit_state()
        self.sink.after_commit()

    def emit_state(self) -> None:
        value = self.pending_state
        self.pending_state = _NO_STATE
        if self.state_store is not None:
            if not isinstance(value, dict):
                raise LoadError("cannot save a STATE whose value is not a JSON object to "
                                f"{self.state_store.url}")
            self.state_store.put(value)
        # The bare value, one JSON line, flushed: what singer-sdk's targets write and
        # Meltano saves as the state it hands the tap next time.
        self.out.write(dumps_exact(value) + b"\n")
        self.out.flush()
        self.states_emitted += 1

    # -- reporting -------------------------------------------------------------------------

    @property
    def records(self) -> int:
        return sum(stream.records for stream in self.streams.values())

    def progress(self) -> Snapshot:
        """What the run has done so far, for the progress line (read from another thread)."""
        counts = {name: stream.records for name, stream in list(self.streams.items())}
        moved = {name: count - self._progress_counts.get(name, 0)
                 for name, count in counts.items()}
        busiest = max(moved.items(), key=lambda item: item[1], default=("", 0))
        if busiest[1] > 0:
            self._progress_stream = busiest[0]
        self._progress_counts = counts
        return Snapshot(sum(counts.values()), self.sink.rows_written(), self._progress_stream)

    def summary(self) -> list[str]:
        """The sink's lines, then what the flattener changed or left out, and notes."""
        lines = self.sink.summary()
        verb = self.sink.verb
        for stream in self.flatteners:
            assert stream.flattener is not None
            stats = stream.flattener.stats
            name = stream.name
            for where, count in sorted(stats.cut.items()):
                lines.append(f"  {name}.{where}: {count} values cut to 65535 bytes")
            for where, count in sorted(stats.unknown_fields.items()):
                lines.append(f"  {name}.{where}: {count} values not {verb} (field not in "
                             "the schema)")
            for where, count in sorted(stats.rounded.items()):
                lines.append(f"  {name}.{where}: {count} integers past 2^53 in a number "
                             "field (a DOUBLE PRECISION column rounds them; declare the field "
                             "an integer, or a number with multipleOf, to keep every digit)")
            for where, count in sorted(stats.sub_microsecond.items()):
                lines.append(f"  {name}.{where}: {count} date-times cut to microseconds "
                             "(digits past the sixth)")
        for stream in self.streams.values():
            if stream.streamed:
                lines.append(f"  {stream.name}: {stream.streamed} records too large to parse "
                             f"whole, read in a stream and {verb} in chunks")
        lines += [f"  note: {note}" for note in self.notes]
        return lines
