"""The run: Singer messages in, flattened rows loaded, STATE out only once committed.

Consistency, by load method (DESIGN.md, "Loading and consistency"):

- ``replace``: every table of the stream is built under a staging name inside one
  transaction that lasts the whole run; at the end the old tables are dropped and the
  staging tables renamed into place, and the transaction commits. A failed or killed
  run rolls back: yesterday's tables are untouched and no staging table survives.
- ``upsert``: each batch goes to temporary tables, then, in one transaction, the
  target rows with the same ``_sdc_id`` (root) or ``_sdc_root_id`` (children) are
  deleted and the batch inserted. A key seen twice in a batch closes the batch first,
  so the last version of a record wins.
- ``append``: each batch is inserted and committed; a stream with key properties is
  upserted instead, so that it holds one row per key.

A stream with key properties holds one row per key in every method: the flattener's
key registry (``observes_singer.flatten.codegen.KeyRegistry``) closes a batch before a
key repeats in it and, in ``replace`` mode, lists the keys an earlier batch of the run
already staged, whose rows are deleted from the staging tables before the batch loads.

While any ``replace`` stream is part of the run, everything stays in the one
transaction, so STATE is emitted at the end; otherwise after each committed batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from observes_singer.flatten import (
    BadValue,
    Inexact,
    Repeat,
    StreamFlattener,
    build_flattener,
    large,
)
from observes_singer.flatten.identifiers import fit_length, normalise, quote, short_hash
from observes_singer.flatten.plan import (
    Kind,
    SchemaError,
    StreamPlan,
    Table,
    plan_stream,
    row_columns,
)
from observes_singer.messages import (
    ActivateVersionMessage,
    BatchMessage,
    MessageError,
    RecordMessage,
    SchemaMessage,
    StateMessage,
    decode_message,
    parse_line,
)
from observes_singer.progress import Snapshot
from observes_singer.state import StateStore
from target_redshift.config import TargetConfig
from target_redshift.dialects.base import Dialect, WarehouseError
from target_redshift.dialects.layout import default_layout
from target_redshift.sqltypes import SqlType, covers, widen

ID_TYPE = SqlType(Kind.STRING, 32)
INT_TYPE = SqlType(Kind.INTEGER)
METADATA_TYPES = {"_sdc_id": ID_TYPE, "_sdc_parent_id": ID_TYPE, "_sdc_root_id": ID_TYPE,
                  "_sdc_index": INT_TYPE, "_sdc_table_version": INT_TYPE}
STAGING_PREFIX = "_observes_stage_"
BATCH_PREFIX = "_observes_batch_"


class LoadError(Exception):
    """The input cannot be loaded; the message says where (stream, line, field)."""


@dataclass
class TableLoad:
    """One warehouse table this run writes, and what the run did to it."""

    name: str  # the final name
    stream: str
    load_name: str  # where rows go during the run (a staging name in replace mode)
    columns: dict[str, SqlType] | None = None  # as the table has them now
    rows: int = 0
    held: int | None = None  # rows in the table after the run (upserted tables)
    nul_rows: int = 0  # rows whose text had NUL characters removed
    added: list[str] = field(default_factory=list)
    widened: list[str] = field(default_factory=list)


@dataclass
class StreamLoad:
    name: str
    method: str
    schema: dict[str, Any]
    key_properties: list[str]
    plan: StreamPlan
    compiled: StreamFlattener
    flatten: Any = None  # compiled.flatten, looked up once
    records: int = 0
    streamed: int = 0  # records too large to parse whole, read in a stream
    buffered: int = 0


_NO_STATE = object()


class Loader:
    def __init__(self, config: TargetConfig, dialect: Dialect, out: IO[bytes],
                 state_store: StateStore | None, run_id: str, source: str = "stdin") -> None:
        self.config = config
        self.dialect = dialect
        self.out = out
        self.state_store = state_store
        self.run_id = run_id
        self.source = source
        self.schema = config.schema
        self.streams: dict[str, StreamLoad] = {}
        self.tables: dict[str, TableLoad] = {}
        self.all_stats: list[StreamFlattener] = []
        self.long_transaction = False
        self.pending_state: Any = _NO_STATE
        self.buffered_records = 0
        self.notes: list[str] = []
        self.states_emitted = 0
        self._progress_counts: dict[str, int] = {}
        self._progress_stream = ""

    # -- the message loop ----------------------------------------------------------------

    def run(self, lines: Iterable[bytes]) -> None:
        self.dialect.create_schema(self.schema)
        self.dialect.commit()
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        streams = self.streams
        limit_records = self.config.batch_size_records
        limit_bytes = self.config.max_buffer_bytes
        null = "\\N"
        large_line = large.large_line_bytes()
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
                    try:
                        target.flatten(record, line_no, null if version is None else str(version))
                    except BadValue as exc:
                        raise self.bad_value(target, line_no, exc) from None
                    except (Repeat, Inexact) as signal:
                        self.buffered_records = buffered
                        self.flatten_again(target, record, raw, line_no,
                                           null if version is None else str(version), signal)
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
        self.finish()

    def large_record(self, raw: bytes, line_no: int) -> bool:
        """A RECORD line too large to parse whole (see ``observes_singer.flatten.large``):
        its shell flattened, then its lists in chunks, each chunk's rows loaded (not
        committed) before the next. False when the line is not such a record (it is then
        read as any other line)."""
        try:
            kind, name = large.head(raw)
            stream = self.streams.get(name) if kind == "RECORD" and isinstance(name, str) \
                else None
            if stream is None:
                return False
            lists = large.root_lists(stream.plan)
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
        ver = "\\N" if version is None else str(version)
        self.flush()  # the record starts a batch of its own
        compiled = stream.compiled
        compiled.helpers.exact = True  # the streaming parser reads every number exactly
        try:
            stream.flatten(record, line_no, ver)
            # Its root row first: an upsert deletes the key's old rows with it, a full
            # refresh an older version staged earlier in the run.
            self.flush_stream(stream)
            for prefix, table in lists.items():
                start = 0
                for chunk in large.chunks(raw, prefix):
                    compiled.extend(table, chunk, ver, start)
                    start += len(chunk)
                    self.flush_stream(stream)
        except BadValue as exc:
            raise self.bad_value(stream, line_no, exc) from None
        except large.LargeRecordError as exc:
            raise MessageError(line_no, f"malformed JSON ({exc})", raw, self.source) from None
        finally:
            compiled.helpers.exact = False
        stream.records += 1
        stream.streamed += 1
        self.flush()
        return True

    def flatten_again(self, stream: StreamLoad, record: dict[str, Any], raw: bytes,
                      line_no: int, version: str, signal: Exception) -> None:
        """The slow path of a record: its key repeats in the batch, or it may hold an
        integer that orjson rounded (past 64 bits), so its line is read again exactly."""
        try:
            if isinstance(signal, Repeat):
                self.flush()
                try:
                    stream.flatten(record, line_no, version)
                    return
                except Inexact:
                    pass
            exact = parse_line(raw, line_no, self.source, exact_integers=True)
            stream.compiled.flatten_exact(record, exact.get("record"), line_no, version)
        except BadValue as exc:
            raise self.bad_value(stream, line_no, exc) from None

    def bad_value(self, stream: StreamLoad, line_no: int, exc: BadValue) -> LoadError:
        """A value that does not fit, as the error that names stream, line and field."""
        return LoadError(f"stream {stream.name!r}, {self.source} line {line_no}, {exc}")

    def dispatch(self, message: Any, raw: bytes) -> None:
        if isinstance(message, RecordMessage):
            # The fast path takes every RECORD of a known stream: this one has none.
            raise MessageError(message.line_no, f"RECORD for stream {message.stream!r} before "
                               "its SCHEMA", raw, self.source)
        if isinstance(message, SchemaMessage):
            self.on_schema(message, raw)
        elif isinstance(message, StateMessage):
            if self.state_store is not None and not isinstance(message.value, dict):
                raise LoadError(f"{self.source} line {message.line_no}: a STATE whose value is "
                                f"not a JSON object cannot be saved to {self.state_store.url}")
            self.pending_state = message.value
            if self.buffered_records == 0 and not self.long_transaction:
                self.emit_state()
        elif isinstance(message, ActivateVersionMessage):
            self.on_activate_version(message, raw)
        elif isinstance(message, BatchMessage):
            raise MessageError(message.line_no, "BATCH messages are not supported by "
                               "target-redshift; send RECORDs", raw, self.source)

    # -- SCHEMA ----------------------------------------------------------------------------

    def on_schema(self, message: SchemaMessage, raw: bytes) -> None:
        name = message.stream
        known = self.streams.get(name)
        if known and known.schema == message.schema and \
                known.key_properties == message.key_properties:
            return
        try:
            plan = plan_stream(name, message.schema, message.key_properties,
                                  root_name=self.root_name(name),
                                  max_identifier_bytes=self.dialect.max_identifier_bytes)
        except SchemaError as exc:
            raise MessageError(message.line_no, f"invalid SCHEMA: {exc}", raw,
                               self.source) from None
        for table in plan.tables:
            owner = self.tables.get(table.name)
            if owner is not None and owner.stream != name:
                raise LoadError(f"{self.source} line {message.line_no}: table {table.name!r} "
                                f"of stream {name!r} is also a table of stream "
                                f"{owner.stream!r}; rename one of the streams or give one "
                                "its own table in the streams setting "
                                f'({{"streams": {{"{name}": {{"table": "..."}}}}}})')
        if known:
            self.flush()
        method = self.config.method_for(name)
        if method == "upsert" and not message.key_properties:
            if not known:
                self.notes.append(f"stream {name!r} has no key properties: appended, "
                                  "not upserted")
            method = "append"
        elif method == "append" and message.key_properties:
            if not known:
                self.notes.append(f"stream {name!r} has key properties: upserted, one row "
                                  "per key")
            method = "upsert"
        if method == "replace":
            self.long_transaction = True
        # A new schema mid-run keeps the keys the run has seen (its batch was just loaded).
        compiled = build_flattener(plan, self.run_id, text=self.dialect.row_format == "text",
                                dedup="run" if method == "replace" else "batch",
                                registry=known.compiled.helpers.registry if known else None)
        self.all_stats.append(compiled)
        self.notes += [n for n in plan.notes if n not in self.notes]
        stream = StreamLoad(name, method, message.schema, message.key_properties, plan,
                            compiled, compiled.flatten)
        if known:
            stream.records = known.records
            stream.streamed = known.streamed
        self.streams[name] = stream
        for table in plan.tables:
            self.table_load(stream, table)

    def root_name(self, stream: str) -> str:
        """The stream's root table: a function of its name alone (or its ``table``
        setting), so that a stream lands in the same table in every run whatever other
        streams come, and in whichever order. Two streams that would share a table are
        an error (see :meth:`on_schema`), never a silent rename."""
        limit = self.dialect.max_identifier_bytes
        chosen = self.config.stream_tables.get(stream)
        if chosen is not None:
            return fit_length(chosen, chosen, limit)
        return fit_length(normalise(stream), stream, limit)

    def table_load(self, stream: StreamLoad, table: Table) -> TableLoad:
        existing = self.tables.get(table.name)
        if existing is not None:
            return existing
        if stream.method == "replace":
            load_name = STAGING_PREFIX + short_hash(f"{self.run_id}/{table.name}", 16)
        else:
            load_name = table.name
        load = TableLoad(table.name, stream.name, load_name)
        self.tables[table.name] = load
        layout = default_layout(table.is_root)
        if table.is_root:
            layout = self.config.layout_for(stream.name) or layout
        self.dialect.layouts[table.name] = layout
        self.dialect.layouts[load_name] = layout
        return load

    # -- buffers to tables -----------------------------------------------------------------

    def wanted_columns(self, stream: StreamLoad, index: int) -> dict[str, SqlType]:
        """The table's columns in the flattener's row order, typed and sized as seen so far."""
        plan = stream.plan
        table = plan.tables[index]
        maxes = stream.compiled.max_bytes
        sized = self.dialect.sized_varchar
        typed: dict[str, SqlType] = dict(METADATA_TYPES)
        root_columns = plan.root.columns
        if not table.is_root:
            for name, column in zip(plan.key_column_names, plan.key_columns, strict=True):
                size = maxes[0][root_columns.index(column)]
                typed[name] = self.sql_type(column.kind, column.scale, size, sized)
        for i, column in enumerate(table.columns):
            typed[column.name] = self.sql_type(column.kind, column.scale, maxes[index][i],
                                               sized)
        return {name: typed[name] for name in row_columns(plan, table)}

    @staticmethod
    def sql_type(kind: Kind, scale: int, size: int, sized: bool) -> SqlType:
        if kind in (Kind.STRING, Kind.JSON):
            return SqlType(Kind.STRING, size if sized else 65535)
        return SqlType(kind, scale=scale)

    def ensure_columns(self, load: TableLoad, wanted: dict[str, SqlType]) -> None:
        dialect = self.dialect
        if load.columns is None:
            existing = None
            if load.load_name == load.name:
                existing = dialect.table_columns(self.schema, load.name)
            if existing is None:
                dialect.create_table(self.schema, load.load_name, wanted,
                                     layout=dialect.layouts.get(load.name))
                load.columns = dict(wanted)
                return
            load.columns = existing
        for name, wanted_type in wanted.items():
            current = load.columns.get(name)
            if current is None:
                dialect.add_column(self.schema, load.load_name, name, wanted_type)
                load.columns[name] = wanted_type
                load.added.append(name)
            elif not covers(current, wanted_type):
                new = widen(current, wanted_type)
                if current.is_text and new.is_text:
                    dialect.widen_varchar(self.schema, load.load_name, name, new)
                else:
                    dialect.change_type(self.schema, load.load_name, name, new)
                load.columns[name] = new
                load.widened.append(f"{name}: {dialect.type_sql(current)} -> "
                                    f"{dialect.type_sql(new)}")

    def flush(self) -> None:
        """Load every buffered row; commit unless a replace run holds the transaction."""
        for stream in self.streams.values():
            self.flush_stream(stream)
        self.buffered_records = 0
        if not self.long_transaction:
            self.dialect.commit()
            if self.pending_state is not _NO_STATE:
                self.emit_state()

    def flush_stream(self, stream: StreamLoad) -> None:
        """Load a stream's buffered rows (committed by :meth:`flush`)."""
        plan = stream.plan
        compiled = stream.compiled
        replaced = compiled.next_batch()
        if stream.method == "upsert":
            if compiled.pending():
                self.upsert(stream)
            return
        if replaced:
            self.delete_staged(stream, replaced)
        for index, table in enumerate(plan.tables):
            load = self.tables[table.name]
            wanted = self.wanted_columns(stream, index)
            self.ensure_columns(load, wanted)
            if compiled.rows(index):
                assert load.columns is not None
                data, rows, damaged = compiled.take(index)
                self.dialect.load_rows(self.schema, load.load_name, list(wanted),
                                       [load.columns[c] for c in wanted], data, rows)
                load.rows += rows
                load.nul_rows += damaged

    def delete_staged(self, stream: StreamLoad, ids: list[str]) -> None:
        """Delete from a replace stream's staging tables the records with these root ids:
        a later version of each is in the batch about to load."""
        for start in range(0, len(ids), 1000):
            listed = ", ".join(f"'{i}'" for i in ids[start:start + 1000])  # hex digests
            for table in stream.plan.tables:
                load = self.tables[table.name]
                if load.columns is None:
                    continue
                match = "_sdc_id" if table.is_root else "_sdc_root_id"
                target = self.dialect.qualified(self.schema, load.load_name)
                self.dialect.execute(f'DELETE FROM {target} WHERE "{match}" IN ({listed})')

    def upsert(self, stream: StreamLoad) -> None:
        dialect = self.dialect
        plan = stream.plan
        compiled = stream.compiled
        temps: list[tuple[TableLoad, str, list[str]]] = []
        for index, table in enumerate(plan.tables):
            load = self.tables[table.name]
            wanted = self.wanted_columns(stream, index)
            self.ensure_columns(load, wanted)
            assert load.columns is not None
            types = {c: load.columns[c] for c in wanted}
            temp = f"{BATCH_PREFIX}{index}"
            dialect.drop_temporary(temp)
            dialect.create_table("", temp, types, temporary=True,
                                 layout=dialect.layouts.get(load.name))
            if compiled.rows(index):
                data, rows, damaged = compiled.take(index)
                dialect.load_rows("", temp, list(wanted), list(types.values()), data, rows)
                load.rows += rows
                load.nul_rows += damaged
            temps.append((load, temp, list(wanted)))
        root_temp = dialect.temp_name(temps[0][1])
        for index, (load, _, _) in enumerate(temps):
            target = dialect.qualified(self.schema, load.name)
            match = "_sdc_id" if index == 0 else "_sdc_root_id"
            dialect.execute(f'DELETE FROM {target} WHERE "{match}" IN '
                            f'(SELECT "_sdc_id" FROM {root_temp})')
        for load, temp, columns in temps:
            target = dialect.qualified(self.schema, load.name)
            cols = ", ".join(quote(c) for c in columns)
            dialect.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM "
                            f"{dialect.temp_name(temp)}")
        for _, temp, _ in temps:
            dialect.drop_temporary(temp)

    # -- ACTIVATE_VERSION ------------------------------------------------------------------

    def on_activate_version(self, message: ActivateVersionMessage, raw: bytes) -> None:
        stream = self.streams.get(message.stream)
        if stream is None:
            raise MessageError(message.line_no, f"ACTIVATE_VERSION for stream "
                               f"{message.stream!r} before its SCHEMA", raw, self.source)
        self.flush_stream(stream)
        for table in stream.plan.tables:
            load = self.tables[table.name]
            if load.columns is None and load.load_name == load.name:
                # No record of the stream loaded in this run: the table may still hold
                # older versions (an empty full-table sync in upsert mode).
                load.columns = self.dialect.table_columns(self.schema, load.name)
            if load.columns is None:
                continue
            self.dialect.execute(
                f"DELETE FROM {self.dialect.qualified(self.schema, load.load_name)} WHERE "
                '"_sdc_table_version" IS NULL OR "_sdc_table_version" < %s',
                (message.version,),
            )
        self.flush()

    # -- the end ---------------------------------------------------------------------------

    def finish(self) -> None:
        for stream in self.streams.values():
            self.flush_stream(stream)
        self.buffered_records = 0
        self.swap_in()
        self.dialect.commit()
        self.long_transaction = False
        if self.pending_state is not _NO_STATE:
            self.emit_state()
        self.count_upserted()

    def swap_in(self) -> None:
        """Put the staged tables of a full refresh in place of the old ones.

        Everything that can refuse is asked first (views that read a table make its
        ``DROP`` fail), then each old table is dropped, the staged one renamed into its
        place and given the old one's owner and grants, all in the run's transaction.
        """
        dialect = self.dialect
        staged = [load for load in self.tables.values()
                  if load.load_name != load.name and load.columns is not None]
        in_place = [load for load in staged if self.config.in_place_for(load.stream)]
        swaps = [load for load in staged if load not in in_place]
        blocked = {load.name: views for load in swaps
                   if (views := dialect.dependent_views(self.schema, load.name))}
        if blocked:
            listed = "; ".join(f"{self.schema}.{name} is read by {', '.join(views)}"
                               for name, views in sorted(blocked.items()))
            raise LoadError(f"cannot replace tables that views depend on ({listed}): set "
                            '"replace_in_place": true (for all streams, or per stream in '
                            "streams) to replace their rows inside the tables, which keeps "
                            "the views, or drop the views")
        for load in in_place:
            self.replace_rows(load)
        for load in swaps:
            acl = dialect.table_acl(self.schema, load.name)
            dialect.drop_table(self.schema, load.name)
            dialect.rename_table(self.schema, load.load_name, load.name)
            dialect.carry_over(self.schema, load.name, acl)

    def replace_rows(self, load: TableLoad) -> None:
        """A full refresh inside the old table: its rows deleted and the staged ones
        inserted, in the run's transaction; views on it, its grants and owner stay."""
        dialect = self.dialect
        assert load.columns is not None
        existing = dialect.table_columns(self.schema, load.name)
        if existing is None:
            dialect.rename_table(self.schema, load.load_name, load.name)
            return
        old = TableLoad(load.name, load.stream, load.name, columns=existing)
        self.ensure_columns(old, load.columns)
        load.added += old.added
        load.widened += old.widened
        target = dialect.qualified(self.schema, load.name)
        cols = ", ".join(quote(c) for c in load.columns)
        dialect.execute(f"DELETE FROM {target}")
        dialect.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM "
                        f"{dialect.qualified(self.schema, load.load_name)}")
        dialect.drop_table(self.schema, load.load_name)

    def count_upserted(self) -> None:
        """How many rows each upserted table holds now, for the summary. It runs after
        the commit: a count that fails is left out of the summary, the run stands."""
        for load in self.tables.values():
            stream = self.streams.get(load.stream)
            if stream is not None and stream.method == "upsert" and load.columns is not None:
                try:
                    rows = self.dialect.execute(
                        f"SELECT count(*) FROM {self.dialect.qualified(self.schema, load.name)}")
                except WarehouseError:
                    self.dialect.rollback()
                    return
                load.held = int(rows[0][0])

    def progress(self) -> Snapshot:
        """What the run has done so far, for the progress line (read from another thread)."""
        counts = {name: stream.records for name, stream in list(self.streams.items())}
        moved = {name: count - self._progress_counts.get(name, 0)
                 for name, count in counts.items()}
        busiest = max(moved.items(), key=lambda item: item[1], default=("", 0))
        if busiest[1] > 0:
            self._progress_stream = busiest[0]
        self._progress_counts = counts
        rows = sum(load.rows for load in list(self.tables.values()))
        return Snapshot(sum(counts.values()), rows, self._progress_stream)

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
        self.out.write(orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE))
        self.out.flush()
        self.states_emitted += 1

    def summary(self) -> list[str]:
        lines = []
        for load in sorted(self.tables.values(), key=lambda t: t.name):
            parts = [f"{load.rows} rows written"]
            if load.held is not None:
                parts.append(f"{load.held} rows in the table")
            if load.added:
                parts.append(f"columns added: {', '.join(load.added)}")
            if load.widened:
                parts.append(f"widened: {', '.join(load.widened)}")
            if load.nul_rows:
                parts.append(f"NUL characters removed from {load.nul_rows} rows")
            lines.append(f"  {self.schema}.{load.name}: {'; '.join(parts)}")
        for compiled in self.all_stats:
            stats = compiled.stats
            for where, count in sorted(stats.cut.items()):
                lines.append(f"  {compiled.plan.stream}.{where}: {count} values cut to 65535 "
                             "bytes")
            for where, count in sorted(stats.unknown_fields.items()):
                lines.append(f"  {compiled.plan.stream}.{where}: {count} values not loaded "
                             "(field not in the schema)")
            for where, count in sorted(stats.rounded.items()):
                lines.append(f"  {compiled.plan.stream}.{where}: {count} integers rounded to "
                             "DOUBLE PRECISION (beyond 2^53; declare the field an integer, "
                             "or a number with multipleOf, to keep every digit)")
            for where, count in sorted(stats.sub_microsecond.items()):
                lines.append(f"  {compiled.plan.stream}.{where}: {count} date-times cut to "
                             "microseconds (digits past the sixth)")
        for stream in self.streams.values():
            if stream.streamed:
                lines.append(f"  {stream.name}: {stream.streamed} records too large to parse "
                             "whole, read in a stream and loaded in chunks")
        lines += [f"  note: {note}" for note in self.notes]
        return lines

