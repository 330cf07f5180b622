"""The run ledger: the table ``observes_runs``, one row per table of each committed run.

Written when a job name is known (``OBSERVES_JOB``, set by ``observes run``, else the
``job_name`` setting) and ``run_ledger`` is not false; a plain pipe or Meltano without
``job_name`` writes none and creates nothing. Columns: ``job``, ``run_id``
(``OBSERVES_RUN_ID``, else the target's own run id), ``shard`` (``OBSERVES_SHARD``,
``1/4``, or NULL), ``started_at`` and ``finished_at`` (TIMESTAMP, UTC),
``duration_seconds``, ``table_name`` (bare, within the target schema), ``rows`` (loaded
into that table by this run, 0 included), ``state_url`` (``OBSERVES_STATE_URL``, else the
``state_url`` setting, or NULL) and ``run_table_id``, the key.

Every table of every stream the run got a SCHEMA for has a row, those it loaded no rows
into too: a quiet incremental run still says that the job succeeded for each of its
tables, which is what per-table freshness asks.

The key, ``run_table_id``, is an xxh3-128 hex digest of job, run id, shard and table name
(the run id alone does not tell the shards of one sharded run apart, and ``shard`` is NULL
outside one, which no primary key column may be). A new ledger declares it its PRIMARY
KEY (informational on Redshift, which enforces no key). An existing ledger without it gets
the column, nullable, with ``ALTER TABLE ... ADD COLUMN``: its rows are not rewritten and
keep a NULL key; PostgreSQL and Redshift then get ``UNIQUE ("run_table_id")`` (NULLs never
clash), DuckDB, which cannot add a constraint to a table, none. Whatever is declared, a
run's rows replace the rows of the same key (the same run id recorded again, as a retried
AWS Batch attempt of a committed run does), so the key holds on every warehouse.

The table lives in ``run_ledger_schema`` (default: the target schema) and is created, if
missing, before any input is read. Its rows go in with the run's final commit, after the
load strategies' last step (a full refresh's swap), so the ledger never says more than
what was committed: a run that fails, is interrupted or gets no go-ahead on the commit
gate adds nothing. No load strategy touches it: it is not one of the run's tables. A
stream whose table would be ``observes_runs`` in the ledger's schema is refused at its
SCHEMA (see :meth:`RunLedger.check_table`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from xxhash import xxh3_128_hexdigest

from observes_singer.flatten.identifiers import quote
from observes_singer.flatten.plan import Kind
from observes_singer.jobs.environment import JOB_ENV, RUN_ID_ENV, SHARD_ENV, STATE_URL_ENV, JobEnv
from observes_singer.target.errors import ConfigError, LoadError
from target_redshift.config import TargetConfig
from target_redshift.dialects.base import Dialect, WarehouseError
from target_redshift.sqltypes import SqlType

LEDGER_TABLE = "observes_runs"
COLUMNS: dict[str, SqlType] = {
    "job": SqlType(Kind.STRING, 256),
    "run_id": SqlType(Kind.STRING, 256),
    "shard": SqlType(Kind.STRING, 64),
    "started_at": SqlType(Kind.TIMESTAMP),
    "finished_at": SqlType(Kind.TIMESTAMP),
    "duration_seconds": SqlType(Kind.NUMBER),
    "table_name": SqlType(Kind.STRING, 256),
    "rows": SqlType(Kind.INTEGER),
    "state_url": SqlType(Kind.STRING, 4096),
    "run_table_id": SqlType(Kind.STRING, 32),
}
KEY = "run_table_id"
#: Columns later versions of the ledger added: an existing ledger gets them, nullable.
ADDED_COLUMNS = (KEY,)
#: Ledger rows per INSERT (10 parameters each, well under Redshift's 32767).
ROWS_PER_INSERT = 1000


@dataclass(frozen=True)
class RunLedger:
    schema: str
    job: str
    run_id: str
    shard: str | None
    state_url: str | None
    started: datetime  # UTC

    @classmethod
    def for_run(cls, config: TargetConfig, env: JobEnv, run_id: str,
                started: datetime) -> RunLedger | None:
        """The run's ledger, or None when it writes none; values too long for their
        column are refused now, before any input is read."""
        if not config.run_ledger:
            return None
        job = env.job or config.job_name
        if job is None:
            return None
        ledger = cls(config.run_ledger_schema or config.schema, job, env.run_id or run_id,
                     env.shard, env.state_url or config.state_url, started.astimezone(UTC))
        for column, value, source in (
                ("job", ledger.job, JOB_ENV if env.job else "job_name"),
                ("run_id", ledger.run_id, RUN_ID_ENV),
                ("shard", ledger.shard, SHARD_ENV),
                ("state_url", ledger.state_url, STATE_URL_ENV if env.state_url else "state_url")):
            limit = COLUMNS[column].size
            if value is not None and len(value.encode()) > limit:
                raise ConfigError(f"{source}: longer than the run ledger's {column} column "
                                  f"({limit} bytes); shorten it or set run_ledger to false")
        return ledger

    @property
    def where(self) -> str:
        return f"{self.schema}.{LEDGER_TABLE}"

    def prepare(self, dialect: Dialect) -> None:
        """Create the ledger's schema and table if missing, or check the table's columns
        (in the open transaction, which the caller commits)."""
        dialect.create_schema(self.schema)
        existing = dialect.table_columns(self.schema, LEDGER_TABLE)
        target = dialect.qualified(self.schema, LEDGER_TABLE)
        if existing is None:
            body = ", ".join(f"{quote(c)} {dialect.type_sql(t)}"
                             f"{' NOT NULL' if c == KEY else ''}" for c, t in COLUMNS.items())
            try:
                dialect.execute(f"CREATE TABLE IF NOT EXISTS {target} ({body}, "
                                f"PRIMARY KEY ({quote(KEY)}))")
                return
            except WarehouseError:
                # Another run may have created it a moment ago: look again.
                dialect.rollback()
                existing = self.look_again(dialect)
        missing = [c for c in COLUMNS if c not in existing and c not in ADDED_COLUMNS]
        if missing:
            raise LoadError(f"{self.where} exists without the run ledger's columns "
                            f"{', '.join(missing)}: it is not an Observes run ledger; rename "
                            'or drop it, set "run_ledger_schema" to another schema, or set '
                            '"run_ledger": false')
        if KEY not in existing:
            try:
                dialect.add_column(self.schema, LEDGER_TABLE, KEY, COLUMNS[KEY])
            except WarehouseError:
                # Another run may have added it a moment ago: look again.
                dialect.rollback()
                if KEY not in self.look_again(dialect):
                    raise
                return
            if dialect.adds_constraints:
                dialect.execute(f"ALTER TABLE {target} ADD UNIQUE ({quote(KEY)})")

    def look_again(self, dialect: Dialect) -> dict[str, SqlType]:
        """The ledger's columns after a statement that another run may have raced."""
        dialect.create_schema(self.schema)
        existing = dialect.table_columns(self.schema, LEDGER_TABLE)
        if existing is None:
            raise LoadError(f"{self.where} could not be created")
        return existing

    def check_table(self, schema: str, table: str, stream: str, where: str) -> None:
        """Refuse a stream table that would be the ledger (a full refresh would swap it)."""
        if schema == self.schema and table == LEDGER_TABLE:
            raise LoadError(f"{where}: table {table!r} of stream {stream!r} is the run "
                            f"ledger {self.where}; give the stream another table in the "
                            f'streams setting ({{"streams": {{"{stream}": {{"table": '
                            '"..."}}}), set "run_ledger_schema" to another schema, or set '
                            '"run_ledger": false')

    def key(self, table: str) -> str:
        """The ledger row's key: one row per job, run, shard and table."""
        return xxh3_128_hexdigest("\x1f".join((self.job, self.run_id, self.shard or "",
                                               table)).encode())

    def record(self, dialect: Dialect, tables: dict[str, int]) -> None:
        """One row per table of the run, in the open transaction (the run's final one),
        each replacing a row of the same key."""
        if not tables:
            return
        finished = datetime.now(UTC)
        fixed = (self.job, self.run_id, self.shard, _timestamp(self.started),
                 _timestamp(finished), (finished - self.started).total_seconds())
        row_sql = "(" + ", ".join(f"CAST(%s AS {dialect.type_sql(t)})"
                                  for t in COLUMNS.values()) + ")"
        target = dialect.qualified(self.schema, LEDGER_TABLE)
        head = f"INSERT INTO {target} ({', '.join(quote(c) for c in COLUMNS)}) VALUES "
        items = list(tables.items())
        for start in range(0, len(items), ROWS_PER_INSERT):
            chunk = items[start:start + ROWS_PER_INSERT]
            keys = [self.key(table) for table, _ in chunk]
            listed = ", ".join(f"'{key}'" for key in keys)  # hex digests
            dialect.execute(f"DELETE FROM {target} WHERE {quote(KEY)} IN ({listed})")
            params: list[object] = []
            for (table, rows), key in zip(chunk, keys, strict=True):
                params += [*fixed, table, rows, self.state_url, key]
            dialect.execute(head + ", ".join([row_sql] * len(chunk)), tuple(params))


def _timestamp(moment: datetime) -> str:
    """A UTC moment as TIMESTAMP text every dialect casts alike."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
