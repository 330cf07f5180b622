"""``target-redshift load-parts``: a sharded run's parts into the warehouse, as one replace.

The final phase of a sharded job (jobs/dynamo.toml's ``dynamo-load``). Its shards wrote
their records with target-s3 (``format: csv``: rows already flattened, checked and given
their ids) under ``<url>/part_<i>/``; this command:

1. checks that every part is complete (:func:`target_redshift.parts.read_parts`): a
   missing manifest, a missing or short object, an object whose header lists other
   columns than its manifest, a part too many: nothing is loaded, and the error names
   each part;
2. plans each stream's tables from the union of the parts' schemas, exactly as
   target-redshift would for the same SCHEMA (table and column names within the
   warehouse's identifier limit, the ``streams`` settings), and sizes each VARCHAR from
   the longest value the parts saw (their manifests' ``column_bytes``);
3. loads every object into staging tables inside one transaction: Redshift with one
   ``COPY ... MANIFEST`` per part and table (from target-s3's own COPY manifests, read
   by Redshift from S3 in parallel), PostgreSQL with ``COPY FROM STDIN`` and DuckDB from a
   spool file, each streaming the same objects;
4. checks that each table holds exactly the rows the manifests list and that no record
   id repeats, then swaps the staging tables into place with the run ledger's rows and
   commits, as a ``replace`` run of target-redshift does;
5. only then deletes everything under ``<url>`` (``--keep-parts`` keeps it).

A failure at any step before the commit rolls back: the warehouse keeps the previous
tables whole, and the parts stay for a rerun (``observes run JOB-load`` with the same
``OBSERVES_PARENT_RUN_ID``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from observes_singer import __version__
from observes_singer.command import positive_int_option, run_main
from observes_singer.flatten.identifiers import short_hash
from observes_singer.flatten.plan import (
    METADATA_CHILD,
    METADATA_ROOT,
    Kind,
    SchemaError,
    StreamPlan,
    Table,
    plan_stream,
)
from observes_singer.jobs.environment import job_env
from observes_singer.singer.messages import SchemaMessage
from observes_singer.store.storage import BlobStore, StorageError
from observes_singer.target.errors import ConfigError, LoadError
from observes_singer.target.program import new_run_id, read_settings
from target_redshift.cli import open_dialect
from target_redshift.config import S3Staging, TargetConfig, load_config
from target_redshift.dialects.base import CsvObjects, WarehouseError
from target_redshift.ledger import RunLedger
from target_redshift.parts import (
    Part,
    PartsError,
    StreamParts,
    canonical,
    read_parts,
    refuse_null_marker_strings,
    streams_of,
)
from target_redshift.sink import StreamLoad, WarehouseSink

PROG = "target-redshift load-parts"
TEXT_KINDS = (Kind.STRING, Kind.JSON)
#: Room for any number, boolean, date or date-time as text: a part that typed a column
#: more narrowly than the union of the parts' schemas wrote such values into it.
SCALAR_TEXT_BYTES = 64

#: A text column's size when the part's manifest has no column_bytes: Redshift's widest.
UNKNOWN_TEXT_BYTES = 65535

Identity = tuple[Any, ...]


def identities(plan: StreamPlan, table: Table) -> list[tuple[str, Identity]]:
    """The table's row columns (names in the flattener's order) with what each holds,
    which stays the same whatever the identifier limit made of the names."""
    meta = METADATA_ROOT if table.is_root else METADATA_CHILD
    columns: list[tuple[str, Identity]] = [(name, ("meta", name)) for name in meta]
    if not table.is_root:
        columns += [(name, ("key", key)) for name, key in
                    zip(plan.key_column_names, plan.key_properties, strict=True)]
    columns += [(c.name, ("field", c.path)) for c in table.columns]
    return columns


@dataclasses.dataclass
class _Batch:
    """Objects of one part and table with the same columns: one load."""

    part: Part
    table: int  # index in the warehouse plan
    columns: list[str]  # warehouse names, in the objects' order
    urls: list[str]
    rows: int
    source_table: str  # the table's name in the part


class PartsLoad:
    """One run of load-parts: the sink it builds the tables with, and what it loaded."""

    def __init__(self, sink: WarehouseSink, parts: list[Part], root: str,
                 blobs: BlobStore) -> None:
        self.sink = sink
        self.parts = parts
        self.root = root
        self.blobs = blobs
        self.records = 0

    def stream(self, stream: StreamParts) -> None:
        try:
            load = self.sink.open_stream(
                SchemaMessage(stream.name, stream.schema, stream.key_properties), None)
        except SchemaError as exc:
            raise LoadError(f"stream {stream.name!r}: {exc}") from None
        assert isinstance(load, StreamLoad)
        batches = [batch for part in self.parts
                   for batch in self._batches(load, part, stream.name)]
        sink = self.sink
        for index, table in enumerate(load.plan.tables):
            sink.ensure_columns(sink.tables[table.name], sink.wanted_columns(load, index))
        for batch in batches:
            target = sink.tables[load.plan.tables[batch.table].name]
            objects = CsvObjects(batch.urls, batch.part.gzip, self.blobs,
                                 self._copy_manifest(batch))
            sink.dialect.load_objects(sink.schema, target.load_name, batch.columns, objects)
            target.rows += batch.rows
        self.records += sum(int(part.manifest["streams"].get(stream.name, {}).get("records", 0))
                            for part in self.parts)

    def _batches(self, load: StreamLoad, part: Part, stream: str) -> list[_Batch]:
        """The part's objects of the stream as loads into the warehouse plan's tables;
        the part's column widths raise the plan's VARCHAR sizes."""
        declared = part.manifest["streams"].get(stream)
        if declared is None:
            return []
        where = f"stream {stream!r}, {part.name}"
        try:
            own = plan_stream(stream, declared["schema"], declared.get("key_properties") or [])
        except SchemaError as exc:
            raise LoadError(f"{where}: {exc}") from None
        plan = load.plan
        assert load.flattener is not None
        widths = load.flattener.max_bytes
        by_origin = {table.origin: index for index, table in enumerate(plan.tables)}
        by_table: dict[str, list[Any]] = defaultdict(list)
        for obj in part.objects(stream):
            by_table[obj.table].append(obj)
        own_tables = {table.name: table for table in own.tables}
        batches: list[_Batch] = []
        for name, objects in by_table.items():
            own_table = own_tables.get(name)
            index = by_origin.get(own_table.origin) if own_table is not None else None
            if own_table is None or index is None:
                raise LoadError(f"{where}: table {name!r} of its objects has no place in the "
                                "stream's tables; was it written from another schema?")
            target = plan.tables[index]
            names = {ident: column for column, ident in identities(plan, target)}
            own_columns = dict(identities(own, own_table))
            positions = {("field", c.path): i for i, c in enumerate(target.columns)}
            own_kinds = {("field", c.path): c.kind for c in own_table.columns}
            sizes = part.column_bytes(name)
            for column, ident in own_columns.items():
                position = positions.get(ident)
                if position is None:
                    continue
                size = sizes.get(column, 0) if sizes is not None else UNKNOWN_TEXT_BYTES
                if target.columns[position].kind in TEXT_KINDS and \
                        own_kinds[ident] not in TEXT_KINDS:
                    size = max(size, SCALAR_TEXT_BYTES)
                widths[index][position] = max(widths[index][position], size)
            groups: dict[tuple[str, ...], list[Any]] = defaultdict(list)
            for obj in objects:
                groups[tuple(obj.columns)].append(obj)
            for columns, members in groups.items():
                unknown = [c for c in columns if c not in own_columns
                           or own_columns[c] not in names]
                if unknown:
                    raise LoadError(f"{where}: table {name!r}: its objects have columns "
                                    f"{', '.join(unknown)} that the stream's tables do not")
                batches.append(_Batch(part, index, [names[own_columns[c]] for c in columns],
                                      [o.url for o in members], sum(o.rows for o in members),
                                      name))
        return batches

    def _copy_manifest(self, batch: _Batch) -> str | None:
        """A Redshift COPY manifest of exactly the batch's objects: target-s3's own when
        it lists the same ones (read and compared, so that COPY reads only the objects
        :func:`read_parts` checked), else one written next to the parts (removed with
        them)."""
        if self.sink.dialect.name != "redshift":
            return None
        own = batch.part.redshift_manifest(batch.source_table)
        if own is not None:
            try:
                listed = [e["url"] for e in orjson.loads(self.blobs.read_bytes(own))["entries"]]
            except (StorageError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
                raise LoadError(f"{batch.part.name}: cannot read its COPY manifest {own}: "
                                f"{exc}") from None
            if sorted(listed) == sorted(batch.urls):
                return own
        lengths = {o["url"]: o["content_length"] for o in batch.part.manifest["objects"]}
        url = (f"{self.root}_load/{self.sink.run_id}/{batch.part.name}-"
               f"{short_hash('/'.join(batch.urls), 16)}.redshift.json")
        self.blobs.write_bytes(url, orjson.dumps({"entries": [
            {"url": u, "mandatory": True, "meta": {"content_length": lengths[u]}}
            for u in batch.urls]}))
        return url

    def check(self) -> None:
        """Every table holds the rows the manifests list, and one row per record id:
        nothing was dropped or loaded twice on the way."""
        dialect = self.sink.dialect
        for table in self.sink.tables.values():
            if table.columns is None:
                continue
            target = dialect.qualified(self.sink.schema, table.load_name)
            count, distinct = dialect.execute(
                f'SELECT count(*), count(DISTINCT "_sdc_id") FROM {target}')[0]
            if int(count) != table.rows:
                raise LoadError(f"table {table.name}: {count} rows loaded, the parts' "
                                f"manifests list {table.rows}; nothing was committed")
            if int(distinct) != int(count):
                raise LoadError(f"table {table.name}: {int(count) - int(distinct)} rows repeat "
                                "a record id (_sdc_id) of another row: the parts overlap "
                                "(did two shards scan the same segment?); nothing was "
                                "committed")


def parts_config(raw: dict[str, Any]) -> TargetConfig:
    config = load_config(raw)
    methods = {config.load_method, *config.stream_methods.values()}
    if methods != {"replace"}:
        raise ConfigError("load-parts replaces the streams' tables whole, in one "
                          "transaction: load_method (and each stream's) must be replace")
    return config


def with_copy_role(config: TargetConfig, iam_role: str | None, root: str,
                   region: str | None = None) -> TargetConfig:
    """On Redshift, COPY reads the parts with s3_staging's credentials, or else with
    ``--iam-role`` (and ``--region``, the parts bucket's when it is not the cluster's):
    the role a job gives without a staging bucket of its own."""
    if not iam_role or config.s3_staging is not None or config.database.dialect != "redshift":
        return config
    return dataclasses.replace(config, s3_staging=S3Staging(url=root.rstrip("/"),
                                                            iam_role=iam_role,
                                                            region=region or None))


def load(config: TargetConfig, root: str, count: int, keep: bool, log: IO[str]) -> int:
    started = datetime.now(UTC)
    clock = time.monotonic()
    blobs = BlobStore(endpoint_url=config.endpoint_url)
    root = canonical(root if root.endswith("/") else root + "/")
    parts = read_parts(blobs, root, count)
    for part in parts:
        for ignored in part.ignored:
            print(f"{PROG}: {part.name}: several manifests (its shard ran more than once); "
                  f"loading the newest, {part.manifest_url}, not {ignored}", file=log)
    if config.database.dialect == "redshift":
        refuse_null_marker_strings(parts)
    streams = streams_of(parts)
    # target-s3's parts carry no record metadata (_sdc_extracted_at, ...): their tables
    # are loaded as target-s3 planned them, without those columns.
    config = dataclasses.replace(config, add_record_metadata=False)
    run_id = new_run_id(started)
    dialect = open_dialect(config, run_id, log)
    sink = WarehouseSink(config, dialect, run_id,
                         ledger=RunLedger.for_run(config, job_env(), run_id, started))
    sink.source = root
    # The parts hold the tables target-s3 planned, which no row limit split: COPY loads
    # their objects as they are, and PostgreSQL refuses a row too big for its page.
    sink.row_limit = None
    run = PartsLoad(sink, parts, root, blobs)
    try:
        sink.begin()
        for stream in streams:
            run.stream(stream)
        run.check()
        sink.finish(list(sink.streams.values()))
    except BaseException:
        sink.abort()
        raise
    finally:
        sink.close()
    seconds = time.monotonic() - clock
    rows = sink.rows_written()
    print(f"{PROG}: {len(parts)} parts, {run.records} records of {len(streams)} streams "
          f"({rows} rows) loaded from {root} {sink.destination()} as one replace in "
          f"{seconds:.1f} s ({rows / max(seconds, 1e-9):.0f} rows/s)", file=log)
    for line in sink.summary():
        print(line, file=log)
    if not keep:
        try:
            deleted = blobs.delete_prefix(root)
            print(f"{PROG}: deleted the run's {deleted} objects under {root}", file=log)
        except StorageError as exc:
            print(f"{PROG}: warning: the load committed, but the parts under {root} could "
                  f"not all be deleted ({exc}); delete them or let a lifecycle rule expire "
                  "them", file=log)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Load the parts a sharded run wrote with target-s3 (format csv) under "
        "URL/part_0/ ... URL/part_<N-1>/ into the warehouse as one replace: every part's "
        "manifest checked first (a missing or failed part loads nothing), all tables "
        "swapped in one transaction, the parts deleted after the commit.",
        epilog="Example (the final phase of jobs/dynamo.toml):\n"
        "  target-redshift load-parts s3://observes.etl-data/dynamo/RUN_ID/ --parts 4 "
        "--config warehouse.json\n\nThe settings are target-redshift's (url, schema, "
        "streams, s3_staging, ...); load_method must be replace. On Redshift, COPY reads "
        "the parts from S3 with s3_staging's iam_role or credentials, else --iam-role.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", metavar="URL", help="the run's folder: s3://bucket/prefix/ or "
                        "a local folder, holding part_0/ ... part_<N-1>/")
    parser.add_argument("--parts", type=positive_int_option, required=True, metavar="N",
                        help="how many parts the run has (its shard count)")
    parser.add_argument("--config", metavar="FILE", action="append",
                        help="target-redshift's JSON settings; repeatable")
    parser.add_argument("--iam-role", metavar="ARN", help="Redshift: the IAM role COPY reads "
                        "the parts with, when the settings have no s3_staging (ignored by "
                        "PostgreSQL and DuckDB, and when empty)")
    parser.add_argument("--region", metavar="REGION", help="with --iam-role: the AWS region "
                        "of the parts' bucket when it is not the cluster's (COPY's REGION)")
    parser.add_argument("--keep-parts", action="store_true",
                        help="keep the parts after the commit (default: delete them)")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    return run_main(
        PROG, lambda: load(with_copy_role(parts_config(read_settings(args.config)),
                                          args.iam_role, args.url, args.region),
                           args.url, args.parts, args.keep_parts, sys.stderr),
        (ConfigError, LoadError, PartsError, StorageError, WarehouseError),
        after_error="nothing was committed: the warehouse keeps its previous tables, and "
        "the parts stay for a rerun",
        after_interrupt="interrupted; the open transaction was rolled back, the parts stay")
