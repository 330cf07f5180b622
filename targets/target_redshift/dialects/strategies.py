"""Load strategies: how a stream's row blocks reach its tables, with their SQL.

Each strategy is an object a dialect may replace by one of its own
(``Dialect.strategies``); the SQL here is the shared default, plain enough for
Redshift, PostgreSQL and DuckDB alike.

- :class:`Append`: each block is inserted (committed with the batch).
- :class:`Upsert`: each block goes to temporary tables; the rows of the target with the
  same ``_sdc_id`` (root) or ``_sdc_root_id`` (children) are deleted and the block
  inserted, in the batch's transaction.
- :class:`Replace`: every table is built under a staging name inside one transaction
  that lasts the run (so STATE waits for the end); a key an earlier block staged is
  deleted from the staging tables first; at the end the staged tables replace the old
  ones (or, with ``replace_in_place``, their rows replace the old rows).
- :class:`ActivateVersion`: rows of older table versions are deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from observes_singer.flatten.identifiers import quote, short_hash
from observes_singer.target.errors import LoadError

if TYPE_CHECKING:
    from target_redshift.blocks import Block
    from target_redshift.dialects.base import Dialect
    from target_redshift.sink import StreamLoad, TableLoad, WarehouseSink

STAGING_PREFIX = "_observes_stage_"
BATCH_PREFIX = "_observes_batch_"


class LoadStrategy:
    name = ""
    #: Keys kept unique per batch or over the whole run (see ``KeyRegistry``).
    dedup = "batch"
    #: Whether the stream's rows stay uncommitted until the end of the run.
    holds_transaction = False

    def load_name(self, table: str, run_id: str) -> str:
        """Where the table's rows go during the run."""
        return table

    def load(self, sink: WarehouseSink, stream: StreamLoad, block: Block) -> None:
        """Hand a block of the stream's rows to its tables (``block.replaced``: root ids
        of records an earlier block of the run loaded, now superseded)."""
        raise NotImplementedError

    def finish(self, sink: WarehouseSink, loads: list[TableLoad]) -> None:
        """At the end of the run, before the commit: the tables of this strategy."""


class Append(LoadStrategy):
    name = "append"

    def load(self, sink: WarehouseSink, stream: StreamLoad, block: Block) -> None:
        for index, table in enumerate(stream.plan.tables):
            load = sink.tables[table.name]
            wanted = sink.wanted_columns(stream, index)
            sink.ensure_columns(load, wanted)
            taken = block.rows(index)
            if taken is not None:
                assert load.columns is not None
                data, rows, damaged = taken
                sink.dialect.load_rows(sink.schema, load.load_name, list(wanted),
                                       [load.columns[c] for c in wanted], data, rows)
                load.rows += rows
                load.nul_rows += damaged


class Replace(Append):
    name = "replace"
    dedup = "run"
    holds_transaction = True

    def load_name(self, table: str, run_id: str) -> str:
        return STAGING_PREFIX + short_hash(f"{run_id}/{table}", 16)

    def load(self, sink: WarehouseSink, stream: StreamLoad, block: Block) -> None:
        if block.replaced:
            self.delete_staged(sink, stream, block.replaced)
        super().load(sink, stream, block)

    def delete_staged(self, sink: WarehouseSink, stream: StreamLoad, ids: list[str]) -> None:
        """Delete from the staging tables the records with these root ids: a later
        version of each is in the block about to load."""
        dialect = sink.dialect
        for start in range(0, len(ids), 1000):
            listed = ", ".join(f"'{i}'" for i in ids[start:start + 1000])  # hex digests
            for table in stream.plan.tables:
                load = sink.tables[table.name]
                if load.columns is None:
                    continue
                match = "_sdc_id" if table.is_root else "_sdc_root_id"
                target = dialect.qualified(sink.schema, load.load_name)
                dialect.execute(f'DELETE FROM {target} WHERE "{match}" IN ({listed})')

    def finish(self, sink: WarehouseSink, loads: list[TableLoad]) -> None:
        """Put the staged tables in place of the old ones.

        Everything that can refuse is asked first (views that read a table make its
        ``DROP`` fail), then each old table is dropped, the staged one renamed into its
        place and given the old one's owner and grants, all in the run's transaction.
        """
        dialect = sink.dialect
        schema = sink.schema
        staged = [load for load in loads if load.columns is not None]
        in_place = [load for load in staged if sink.config.in_place_for(load.stream)]
        swaps = [load for load in staged if load not in in_place]
        blocked = {load.name: views for load in swaps
                   if (views := dialect.dependent_views(schema, load.name))}
        if blocked:
            listed = "; ".join(f"{schema}.{name} is read by {', '.join(views)}"
                               for name, views in sorted(blocked.items()))
            raise LoadError(f"cannot replace tables that views depend on ({listed}): set "
                            '"replace_in_place": true (for all streams, or per stream in '
                            "streams) to replace their rows inside the tables, which keeps "
                            "the views, or drop the views")
        for load in in_place:
            self.replace_rows(sink, load)
        for load in swaps:
            self.swap(dialect, schema, load)

    def swap(self, dialect: Dialect, schema: str, load: TableLoad) -> None:
        acl = dialect.table_acl(schema, load.name)
        dialect.drop_table(schema, load.name)
        dialect.rename_table(schema, load.load_name, load.name)
        dialect.carry_over(schema, load.name, acl)

    def replace_rows(self, sink: WarehouseSink, load: TableLoad) -> None:
        """A full refresh inside the old table: its rows deleted and the staged ones
        inserted, in the run's transaction; views on it, its grants and owner stay."""
        from target_redshift.sink import TableLoad

        dialect = sink.dialect
        schema = sink.schema
        assert load.columns is not None
        existing = dialect.table_columns(schema, load.name)
        if existing is None:
            dialect.rename_table(schema, load.load_name, load.name)
            return
        old = TableLoad(load.name, load.stream, load.name, columns=existing)
        sink.ensure_columns(old, load.columns)
        load.added += old.added
        load.widened += old.widened
        target = dialect.qualified(schema, load.name)
        cols = ", ".join(quote(c) for c in load.columns)
        dialect.execute(f"DELETE FROM {target}")
        dialect.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM "
                        f"{dialect.qualified(schema, load.load_name)}")
        dialect.drop_table(schema, load.load_name)


class Upsert(LoadStrategy):
    name = "upsert"

    def load(self, sink: WarehouseSink, stream: StreamLoad, block: Block) -> None:
        if not block.pending():
            return
        dialect = sink.dialect
        temps: list[tuple[TableLoad, str, list[str]]] = []
        for index, table in enumerate(stream.plan.tables):
            load = sink.tables[table.name]
            wanted = sink.wanted_columns(stream, index)
            sink.ensure_columns(load, wanted)
            assert load.columns is not None
            types = {c: load.columns[c] for c in wanted}
            temp = f"{BATCH_PREFIX}{index}"
            dialect.drop_temporary(temp)
            dialect.create_table("", temp, types, temporary=True)
            taken = block.rows(index)
            if taken is not None:
                data, rows, damaged = taken
                dialect.load_rows("", temp, list(wanted), list(types.values()), data, rows)
                load.rows += rows
                load.nul_rows += damaged
            temps.append((load, temp, list(wanted)))
        self.merge(dialect, sink.schema, temps)
        for _, temp, _ in temps:
            dialect.drop_temporary(temp)

    def merge(self, dialect: Dialect, schema: str,
              temps: list[tuple[TableLoad, str, list[str]]]) -> None:
        """The block in the temporary tables (the root's first) replaces the target rows
        of the same keys: root rows by ``_sdc_id``, child rows by ``_sdc_root_id``."""
        root_temp = dialect.temp_name(temps[0][1])
        for index, (load, _, _) in enumerate(temps):
            target = dialect.qualified(schema, load.name)
            match = "_sdc_id" if index == 0 else "_sdc_root_id"
            dialect.execute(f'DELETE FROM {target} WHERE "{match}" IN '
                            f'(SELECT "_sdc_id" FROM {root_temp})')
        for load, temp, columns in temps:
            target = dialect.qualified(schema, load.name)
            cols = ", ".join(quote(c) for c in columns)
            dialect.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM "
                            f"{dialect.temp_name(temp)}")


class ActivateVersion:
    """``ACTIVATE_VERSION``: the table keeps only the rows of this version and later."""

    def apply(self, dialect: Dialect, schema: str, table: str, version: int) -> None:
        dialect.execute(
            f"DELETE FROM {dialect.qualified(schema, table)} WHERE "
            '"_sdc_table_version" IS NULL OR "_sdc_table_version" < %s', (version,))


DEFAULT_STRATEGIES: dict[str, type[LoadStrategy]] = {
    "append": Append, "upsert": Upsert, "replace": Replace}
