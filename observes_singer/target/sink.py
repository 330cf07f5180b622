"""What a target implements: a sink that takes a stream's rows and makes them durable.

The kernel calls, in order: :meth:`Sink.begin`; per SCHEMA :meth:`Sink.open_stream`
(which plans the stream's tables and builds its flattener, or leaves it ``None`` to take
whole records through :attr:`Stream.write`); :meth:`Sink.flush` whenever the buffered
records reach :attr:`Sink.batch_records` or :attr:`Sink.batch_bytes` (load every
stream's rows, and commit unless :meth:`Sink.holds_state`); :meth:`Sink.finish` at the
end of the input (everything durable); :meth:`Sink.after_commit`; and, on any failure,
:meth:`Sink.abort`. After a run that committed, the program reads
:meth:`Sink.tables_written` for the run report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from observes_singer.flatten.flattener import StreamFlattener
from observes_singer.singer.messages import ActivateVersionMessage, SchemaMessage


@dataclass
class Stream:
    """One stream of the run as the kernel sees it; sinks subclass it for their own needs."""

    name: str
    schema: dict[str, Any]
    key_properties: list[str]
    flattener: StreamFlattener | None = None
    #: For streams without a flattener: takes (record, raw line, line number).
    write: Callable[[dict[str, Any], bytes, int], None] | None = None
    #: Called with (record, line number) before the record is flattened (a partition).
    check: Callable[[dict[str, Any], int], None] | None = None
    #: Hand the rows over after every record (partitioned objects), not in blocks.
    flush_each_record: bool = False
    records: int = 0
    streamed: int = 0  # records too large to parse whole, read in a stream
    flatten: Any = field(default=None, repr=False)  # flattener.flatten, looked up once
    #: The separator of the row format when the stream's rows carry the per-record
    #: metadata columns (``observes_singer.target.record_metadata``), else None.
    metadata_separator: str | None = None
    #: Whether the kernel's fast path flattens its records directly (set by the kernel
    #: once the sink has opened the stream: a flattener, no check, rows in blocks).
    fast: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.flattener is not None:
            self.flatten = self.flattener.flatten


class Sink:
    """Where a target puts rows. Every method has a safe default except
    :meth:`open_stream` and :meth:`finish`."""

    #: Flush after this many buffered records, or this many bytes of their lines.
    batch_records: int = 100_000
    batch_bytes: int = 1 << 62
    #: Whether a RECORD line too large to parse whole may be read as a stream
    #: (``observes_singer.flatten.large``): needs :meth:`flush_stream`.
    streams_large_records: bool = False
    #: The word for what the sink does with rows, in the summary: "loaded", "written".
    verb: str = "loaded"
    #: Where the messages come from, for errors ("stdin" or a file; set by the kernel).
    source: str = "stdin"

    def begin(self) -> None:
        """Before the first message."""

    def open_stream(self, message: SchemaMessage, known: Stream | None) -> Stream:
        """A SCHEMA: the stream to use from now on. ``known`` is the stream's previous
        version, if any; the kernel has flushed every buffered row before."""
        raise NotImplementedError

    def flush_stream(self, stream: Stream) -> None:
        """Hand over one stream's buffered rows (not committed)."""

    def flush(self, streams: list[Stream]) -> None:
        """Hand over every buffered row; commit unless :meth:`holds_state`."""
        for stream in streams:
            self.flush_stream(stream)

    def holds_state(self) -> bool:
        """Whether the rows handed over so far are not yet durable (a STATE must wait)."""
        return False

    def activate_version(self, stream: Stream, message: ActivateVersionMessage,
                         raw: bytes) -> None:
        """An ACTIVATE_VERSION of a known stream (the kernel flushes afterwards)."""

    def schema_seen(self, raw: bytes) -> None:
        """A SCHEMA line, as read, changed or not (for a sink that keeps raw messages)."""

    def state_seen(self, raw: bytes) -> None:
        """A STATE line, as read (a sink that keeps the raw messages writes it)."""

    def finish(self, streams: list[Stream]) -> None:
        """The end of the input: make everything durable."""
        raise NotImplementedError

    def after_commit(self) -> None:
        """After :meth:`finish` and the last STATE: what may fail without failing the run."""

    def abort(self) -> None:
        """The run failed: drop whatever is not durable."""

    def close(self) -> None:
        """After the run, failed or not: release connections and files."""

    def destination(self) -> str:
        """Where the rows went, for the end of run line ("into ...", "in ...")."""
        return ""

    def rows_written(self) -> int:
        """Rows handed over so far, for the progress line (read from another thread)."""
        return 0

    def summary(self) -> list[str]:
        """Lines for the end summary: what each table or object received."""
        return []

    def tables_written(self) -> dict[str, int]:
        """Rows written in this run by table or object name, for the run report
        (:mod:`observes_singer.jobs.run_report`); read once the run has committed."""
        return {}

    def report_fields(self) -> dict[str, Any]:
        """Keys of the sink's own for the run report (a schema, a manifest)."""
        return {}
