"""target-redshift's sink: a stream's row blocks into warehouse tables, by load strategy.

Consistency, by load method (docs/architecture.md, "Loading and consistency"), each a
strategy of ``target_redshift.dialects.strategies`` that a dialect may override:

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
transaction, so STATE is emitted at the end (:meth:`WarehouseSink.holds_state`);
otherwise after each committed batch.

Under a job, the run ledger's rows (``target_redshift.ledger``) go in with the final
commit, after every strategy's last step: in the run's one transaction with a full
refresh's swap, or with the last batch of an upsert or append.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from observes_singer.flatten.flattener import build_flattener
from observes_singer.flatten.identifiers import fit_length, normalise
from observes_singer.flatten.plan import Kind, StreamPlan, Table, plan_stream, row_columns
from observes_singer.singer.messages import ActivateVersionMessage, SchemaMessage
from observes_singer.target import record_metadata
from observes_singer.target.errors import LoadError
from observes_singer.target.sink import Sink, Stream
from target_redshift.blocks import Block
from target_redshift.config import TargetConfig
from target_redshift.dialects.base import Dialect, WarehouseError
from target_redshift.dialects.layout import AUTO
from target_redshift.dialects.strategies import LoadStrategy
from target_redshift.input_rows import check_input_rows
from target_redshift.ledger import RunLedger
from target_redshift.retry import BatchRetry
from target_redshift.sqltypes import SqlType, covers, widen

ID_TYPE = SqlType(Kind.STRING, 32)
INT_TYPE = SqlType(Kind.INTEGER)
METADATA_TYPES = {"_sdc_id": ID_TYPE, "_sdc_parent_id": ID_TYPE, "_sdc_root_id": ID_TYPE,
                  "_sdc_index": INT_TYPE, "_sdc_table_version": INT_TYPE,
                  **{name: SqlType(Kind.TIMESTAMP) for name in record_metadata.COLUMNS}}


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
class StreamLoad(Stream):
    strategy: LoadStrategy | None = None

    @property
    def plan(self) -> StreamPlan:
        assert self.flattener is not None
        return self.flattener.plan

    @property
    def method(self) -> str:
        assert self.strategy is not None
        return self.strategy.name


class WarehouseSink(Sink):
    streams_large_records = True

    def __init__(self, config: TargetConfig, dialect: Dialect, run_id: str,
                 log: IO[str] | None = None, ledger: RunLedger | None = None) -> None:
        self.config = config
        self.dialect = dialect
        self.run_id = run_id
        self.ledger = ledger
        self.schema = config.schema
        #: the bound on a row's bytes the plans keep tables within (the dialect's)
        self.row_limit = dialect.row_limit
        self.batch_records = config.batch_size_records
        self.batch_bytes = config.max_buffer_bytes
        self.strategies = {name: kind() for name, kind in dialect.strategies.items()}
        self.tables: dict[str, TableLoad] = {}
        self.streams: dict[str, StreamLoad] = {}
        self.notes: list[str] = []
        self.holding = False  # a replace stream keeps the run's transaction open
        self.uncommitted = False  # rows or changes since the last commit
        #: the open batch's steps, run again when Redshift cancels its transaction
        self.retry = BatchRetry(self.bookkeeping, self.restore, dialect.rollback,
                                log if log is not None else sys.stderr)

    def begin(self) -> None:
        """The schema and the run ledger's table, each committed as a batch of its own
        (run again, like any batch, if Redshift cancels it)."""
        self.retry.step(partial(self.dialect.create_schema, self.schema), self.holding)
        self.commit()
        if self.ledger is not None:
            self.retry.step(partial(self.ledger.prepare, self.dialect), self.holding)
            self.commit()

    # -- SCHEMA ----------------------------------------------------------------------------

    def open_stream(self, message: SchemaMessage, known: Stream | None) -> StreamLoad:
        name = message.stream
        metadata = self.config.add_record_metadata
        plan = plan_stream(name, record_metadata.with_deleted_at(message.schema)
                           if metadata else message.schema, message.key_properties,
                           root_name=self.root_name(name),
                           max_identifier_bytes=self.dialect.max_identifier_bytes,
                           row_limit=self.row_limit,
                           record_metadata=record_metadata.COLUMNS if metadata else ())
        for table in plan.tables:
            owner = self.tables.get(table.name)
            if owner is not None and owner.stream != name:
                raise LoadError(f"{self.source} line {message.line_no}: table {table.name!r} "
                                f"of stream {name!r} is also a table of stream "
                                f"{owner.stream!r}; rename one of the streams or give one "
                                "its own table in the streams setting "
                                f'({{"streams": {{"{name}": {{"table": "..."}}}}}})')
            if self.ledger is not None:
                self.ledger.check_table(self.schema, table.name, name,
                                        f"{self.source} line {message.line_no}")
        self.check_layout(name, plan, message.line_no)
        previous = self.streams.get(name)
        strategy = self.strategy_for(name, message.key_properties, first=previous is None)
        self.holding = self.holding or strategy.holds_transaction
        # A new schema mid-run keeps the keys the run has seen (its batch was just loaded).
        flattener = build_flattener(
            plan, self.run_id, text=self.dialect.row_format == "text", dedup=strategy.dedup,
            registry=previous.flattener.helpers.registry
            if previous is not None and previous.flattener is not None else None)
        stream = StreamLoad(name, message.schema, message.key_properties, flattener,
                            strategy=strategy)
        if metadata:
            stream.metadata_separator = "\t" if self.dialect.row_format == "text" else ","
        self.streams[name] = stream
        for table in plan.tables:
            self.table_load(stream, table)
        return stream

    def check_layout(self, name: str, plan: StreamPlan, line_no: int) -> None:
        """The stream's configured distkey and sortkey name columns of its root table."""
        layout = self.config.layout_for(name)
        if layout is None:
            return
        columns = row_columns(plan, plan.root)
        for setting, wanted in (("distkey", [layout.distkey] if layout.distkey else []),
                                ("sortkey", list(layout.sortkey))):
            missing = [c for c in wanted if c not in columns]
            if missing:
                raise LoadError(f"{self.source} line {line_no}: streams.{name}.{setting}: "
                                f"table {plan.root.name!r} has no column {missing[0]!r} "
                                f"(its columns: {', '.join(columns)})")

    def strategy_for(self, name: str, keys: list[str], first: bool) -> LoadStrategy:
        """The stream's load strategy: its method, except that every keyed stream holds
        one row per key (append becomes upsert) and upsert needs keys."""
        method = self.config.method_for(name)
        if method == "upsert" and not keys:
            if first:
                self.notes.append(f"stream {name!r} has no key properties: appended, "
                                  "not upserted")
            method = "append"
        elif method == "append" and keys:
            if first:
                self.notes.append(f"stream {name!r} has key properties: upserted, one row "
                                  "per key")
            method = "upsert"
        return self.strategies[method]

    def root_name(self, stream: str) -> str:
        """The stream's root table: a function of its name alone (or its ``table``
        setting), so that a stream lands in the same table in every run whatever other
        streams come, and in whichever order. Two streams that would share a table are
        an error (see :meth:`open_stream`), never a silent rename."""
        limit = self.dialect.max_identifier_bytes
        chosen = self.config.stream_tables.get(stream)
        if chosen is not None:
            return fit_length(chosen, chosen, limit)
        return fit_length(normalise(stream), stream, limit)

    def table_load(self, stream: StreamLoad, table: Table) -> TableLoad:
        existing = self.tables.get(table.name)
        if existing is not None:
            return existing
        assert stream.strategy is not None
        load_name = stream.strategy.load_name(table.name, self.run_id)
        load = TableLoad(table.name, stream.name, load_name)
        self.tables[table.name] = load
        layout = (self.config.layout_for(stream.name) if table.is_root else None) or AUTO
        self.dialect.layouts[table.name] = layout
        self.dialect.layouts[load_name] = layout
        return load

    # -- columns ---------------------------------------------------------------------------

    def wanted_columns(self, stream: StreamLoad, index: int) -> dict[str, SqlType]:
        """The table's columns in the flattener's row order, typed and sized as seen so far."""
        plan = stream.plan
        assert stream.flattener is not None
        table = plan.tables[index]
        maxes = stream.flattener.max_bytes
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
                self.widened(load, name, new)

    def widened(self, load: TableLoad, name: str, new: SqlType) -> None:
        """Record that a column of the table now has the wider type ``new``."""
        assert load.columns is not None
        load.widened.append(f"{name}: {self.dialect.type_sql(load.columns[name])} -> "
                            f"{self.dialect.type_sql(new)}")
        load.columns[name] = new

    def widen_ahead(self, streams: list[Stream]) -> None:
        """Before a batch's transaction begins, grow in place the VARCHARs of committed
        tables that the streams' rows need wider, where the warehouse does that only
        outside a transaction block (Redshift); what is not done there is done inside
        the transaction by :meth:`ensure_columns`.

        Only between commits of a run that commits batch by batch: a staging table of a
        full refresh exists only inside the run's transaction, and rows loaded since the
        last commit must not be committed by a statement outside it."""
        dialect = self.dialect
        if not dialect.widens_outside_transaction or self.holding or self.uncommitted:
            return
        wider: list[tuple[TableLoad, str, SqlType]] = []
        for stream in streams:
            assert isinstance(stream, StreamLoad)
            for index, table in enumerate(stream.plan.tables):
                load = self.tables[table.name]
                if load.load_name != load.name:
                    continue
                if load.columns is None:
                    load.columns = dialect.table_columns(self.schema, load.name)
                    if load.columns is None:
                        continue
                for name, wanted in self.wanted_columns(stream, index).items():
                    current = load.columns.get(name)
                    if current is not None and current.is_text and not covers(current, wanted):
                        new = widen(current, wanted)
                        if new.is_text:
                            wider.append((load, name, new))
        dialect.commit()  # ends the catalogue reads' transaction: nothing else is in it
        for load, name, new in wider:
            if dialect.widen_in_place(self.schema, load.name, name, new):
                self.widened(load, name, new)

    # -- blocks to tables ------------------------------------------------------------------

    def flush_stream(self, stream: Stream) -> None:
        assert isinstance(stream, StreamLoad) and stream.flattener is not None
        assert stream.strategy is not None
        block = Block.take(stream.flattener)
        limit = self.dialect.max_input_row_bytes
        if limit is not None:
            check_input_rows(stream.name, stream.plan, stream.flattener.max_bytes, block, limit)
        self.uncommitted = True
        self.retry.step(partial(stream.strategy.load, self, stream, block), self.holding)

    def flush(self, streams: list[Stream]) -> None:
        self.widen_ahead(streams)
        for stream in streams:
            self.flush_stream(stream)
        if not self.holding:
            self.commit()

    def commit(self) -> None:
        self.retry.commit(self.dialect.commit, self.holding)
        self.uncommitted = False

    def bookkeeping(self) -> Any:
        """What the sink knows of its tables and has noted, before a batch's first step."""
        return copy.deepcopy(self.tables), len(self.notes), len(self.dialect.notes)

    def restore(self, saved: Any) -> None:
        """Forget what a batch that was rolled back did (:meth:`bookkeeping`)."""
        tables, notes, dialect_notes = saved
        self.tables.clear()
        self.tables.update(copy.deepcopy(tables))
        del self.notes[notes:]
        del self.dialect.notes[dialect_notes:]

    def holds_state(self) -> bool:
        return self.holding

    def activate_version(self, stream: Stream, message: ActivateVersionMessage,
                         raw: bytes) -> None:
        assert isinstance(stream, StreamLoad)
        self.widen_ahead([stream])
        self.flush_stream(stream)
        self.retry.step(partial(self.apply_version, stream, message.version), self.holding)

    def apply_version(self, stream: StreamLoad, version: int) -> None:
        """Delete the rows of the stream's tables older than ``version``."""
        action = self.dialect.activate_version()
        for table in stream.plan.tables:
            load = self.tables[table.name]
            if load.columns is None and load.load_name == load.name:
                # No record of the stream loaded in this run: the table may still hold
                # older versions (an empty full-table sync in upsert mode).
                load.columns = self.dialect.table_columns(self.schema, load.name)
            if load.columns is None:
                continue
            action.apply(self.dialect, self.schema, load.load_name, version)

    def finish(self, streams: list[Stream]) -> None:
        self.widen_ahead(streams)
        for stream in streams:
            self.flush_stream(stream)
        for strategy in self.strategies.values():
            loads = [load for load in self.tables.values()
                     if load.load_name != load.name and
                     self.streams[load.stream].strategy is strategy]
            self.retry.step(partial(strategy.finish, self, loads), self.holding)
        ledger = self.ledger
        if ledger is not None:
            self.retry.step(lambda: ledger.record(self.dialect, self.tables_of_run()),
                            self.holding)
        self.commit()
        self.holding = False

    def after_commit(self) -> None:
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

    def abort(self) -> None:
        self.dialect.rollback()

    def close(self) -> None:
        self.dialect.close()

    # -- reporting -------------------------------------------------------------------------

    def destination(self) -> str:
        return f"into {self.config.url_shown} schema {self.schema}"

    def rows_written(self) -> int:
        return sum(load.rows for load in list(self.tables.values()))

    def tables_written(self) -> dict[str, int]:
        """Rows loaded in this run into each table it wrote (created, replaced, upserted
        or appended to; 0 for a table a full refresh left empty), by bare name within
        the target schema."""
        return {load.name: load.rows for load in sorted(self.tables.values(),
                                                         key=lambda t: t.name)
                if load.columns is not None}

    def tables_of_run(self) -> dict[str, int]:
        """Rows loaded in this run into each table of every stream it got a SCHEMA for,
        0 for a table it loaded nothing into (a quiet incremental run), by bare name
        within the target schema: what the run ledger records."""
        return {load.name: load.rows for load in sorted(self.tables.values(),
                                                         key=lambda t: t.name)}

    def report_fields(self) -> dict[str, str]:
        return {"schema": self.schema}

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
        lines += [f"  note: {note}" for note in self.notes + self.dialect.notes]
        return lines
