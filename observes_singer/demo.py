"""``observes demo``: the pipeline on sample data, all local.

Sample GitLab CI jobs (raw JSON, no schema) go through the same inference as
``observes-infer``, then through target-redshift into a local DuckDB warehouse. The
Singer output, the inferred schema and the committed state land under the local data
folder, which stands in for the buckets.
"""

from __future__ import annotations

import io
import tempfile
from collections import Counter
from typing import IO

import orjson

from observes_singer.defaults import data_dir, local_bucket
from observes_singer.infer.cache import dump_schema_cache
from observes_singer.infer.cli import Inference
from observes_singer.messages import SchemaMessage, StateMessage, read_messages
from observes_singer.samples import gitlab_job
from observes_singer.state import StateStore
from observes_singer.storage import BlobStore

STATE_EVERY = 250


def _sample_input(records: int) -> bytes:
    lines = []
    for n in range(records):
        lines.append(orjson.dumps({"stream": "jobs", "record": gitlab_job(n)}))
        if (n + 1) % STATE_EVERY == 0 or n + 1 == records:
            state = {"bookmarks": {"jobs": {"last_id": gitlab_job(n)["id"]}}}
            lines.append(orjson.dumps({"type": "STATE", "value": state}))
    return b"\n".join(lines) + b"\n"


def run_demo(records: int, out: IO[str]) -> int:
    blobs = BlobStore()
    output_url = str(local_bucket("observes.etl-data") / "demo" / "jobs.singer.jsonl")
    schema_url = str(local_bucket("observes.cache") / "demo" / "jobs.json")
    state_url = str(local_bucket("observes.state") / "demo.json")

    inference = Inference(keys={"jobs": ["id"]}, datetime_formats=[], max_properties=1000,
                          cached=None, bare_stream=None)
    raw = _sample_input(records)
    with tempfile.TemporaryFile(prefix="observes-demo-") as spool:
        inference.spool(iter(io.BytesIO(raw)), spool)
        with blobs.open_write(output_url) as target:
            inference.replay(spool, target)
    blobs.write_bytes(schema_url, dump_schema_cache(inference.schemas()))

    counts: Counter[str] = Counter()
    last_state = None
    columns = 0
    with blobs.open_read(output_url) as singer:
        for message in read_messages(singer):
            counts[message.type] += 1
            if isinstance(message, StateMessage):
                last_state = message.value
            elif isinstance(message, SchemaMessage):
                columns = len(message.schema.get("properties", {}))
    warehouse = data_dir() / "warehouse.duckdb"
    tables = _load_warehouse(output_url, warehouse, state_url)

    print(f"Observes demo: {records} sample GitLab CI jobs, all local under {data_dir()}", file=out)
    print(f"  Singer output  {output_url}", file=out)
    print("                 " + ", ".join(f"{n} {t}" for t, n in sorted(counts.items())), file=out)
    print(f"  schema cache   {schema_url} ({columns} top-level fields)", file=out)
    print(f"  warehouse      {warehouse} (DuckDB, schema main)", file=out)
    for name, rows in tables:
        print(f"                 {name:<28} {rows:>7} rows", file=out)
    saved = StateStore(state_url, blobs).get()
    print(f"  state          {state_url} -> {orjson.dumps(saved).decode()}", file=out)
    print(f"Look inside: duckdb {warehouse} (or python -c \"import duckdb; print(duckdb.connect("
          f"'{warehouse}').sql('select * from jobs limit 5'))\")", file=out)
    print("For real data: target-redshift --config warehouse.json with url "
          "redshift://user:pass@host:5439/db (see README).", file=out)
    return 0 if last_state is not None else 1


def _load_warehouse(singer_url: str, path: object, state_url: str) -> list[tuple[str, int]]:
    """Load the Singer output into the DuckDB file with target-redshift, saving its state."""
    import duckdb
    from target_redshift.config import load_config
    from target_redshift.dialects.duckdb import DuckDBDialect
    from target_redshift.loader import Loader

    config = load_config({"url": f"duckdb://{path}", "state_url": state_url})
    dialect = DuckDBDialect(config.database)
    loader = Loader(config, dialect, io.BytesIO(), StateStore(state_url), "demo",
                    log=io.StringIO())
    try:
        with open(singer_url, "rb") as singer:
            loader.run(singer)
    finally:
        dialect.close()
    connection = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "ORDER BY table_name").fetchall()]
        counts = []
        for name in names:
            row = connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            counts.append((name, int(row[0]) if row else 0))
        return counts
    finally:
        connection.close()
