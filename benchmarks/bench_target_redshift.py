"""Benchmark of target-redshift into PostgreSQL (COPY path) on GitLab CI job records.

For each input size it prints records per second and peak RSS of:

- ``orjson floor``: a process that only parses every line with ``orjson.loads``;
- ``bare COPY floor``: a process that COPYs the already-flattened rows (the same rows,
  in PostgreSQL's text format, that the target produces, made before the clock starts)
  into the same tables: as wide as the target's, its load metadata columns
  (``add_record_metadata``, on by default) included, so the two write the same bytes;
- ``target-redshift``: the real target, ``--config`` pointing at the same server,
  flattening and checking every value.

With ``--dialect duckdb`` the warehouse is a DuckDB file, and the ``bare COPY floor`` is
DuckDB's own: one process that COPYs the target's CSV rows (already flattened, a file per
table) into a copy of the target's tables in one transaction and commits, with the
target's memory cap and COPY options.

Before each of the last two the server is checkpointed, and the floor's tables are
not autovacuumed, so that neither run pays for what the other left behind.
Every measured program runs as its own process, reaped with ``wait4`` so that its
peak RSS is its own. PostgreSQL is the embedded server of the test bench. With
``--repeat N`` the three run in turn N times (the target into a fresh database each
time) and the median is printed after the single runs: on a shared 2-core machine
one run can be 20% off the next.

Usage: python benchmarks/bench_target_redshift.py [--records 100000,1000000]
       [--repeat 1] [--dialect postgres|duckdb] [--profile]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tap_gitlab.sample.data import gitlab_job  # noqa: E402

from observes_singer.flatten.flattener import build_flattener  # noqa: E402
from observes_singer.flatten.plan import plan_stream, row_columns  # noqa: E402
from observes_singer.infer.schema import SchemaInferrer  # noqa: E402


def jobs_schema() -> dict[str, object]:
    inferrer = SchemaInferrer()
    for n in range(500):
        inferrer.add(gitlab_job(n))
    return inferrer.schema()


def make_input(path: Path, records: int) -> None:
    schema = jobs_schema()
    with path.open("wb") as out:
        out.write(orjson.dumps({"type": "SCHEMA", "stream": "jobs", "schema": schema,
                                "key_properties": ["id"]}) + b"\n")
        for n in range(records):
            out.write(orjson.dumps({"type": "RECORD", "stream": "jobs",
                                    "record": gitlab_job(n)}) + b"\n")
            if n % 10_000 == 9_999:
                out.write(b'{"type":"STATE","value":{"jobs":%d}}\n' % n)


def measure(command: list[str], stdin_path: Path | None = None,
            env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Seconds and peak RSS (MB) of one process, and its stderr."""
    stdin = stdin_path.open("rb") if stdin_path else subprocess.DEVNULL
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=stdin, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env)
    assert process.stderr is not None
    stderr = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command[:3]} failed:\n{stderr}")
    return seconds, usage.ru_maxrss / 1024, stderr


PARSE_FLOOR = """
import sys, orjson
loads = orjson.loads
for line in open(sys.argv[1], "rb"):
    loads(line)
"""

COPY_FLOOR = """
import os, sys, psycopg
conninfo, folder = sys.argv[1], sys.argv[2]
with psycopg.connect(conninfo) as conn:
    for name in sorted(n for n in os.listdir(folder) if n.endswith(".rows")):
        table = name[:-5]
        cols = open(os.path.join(folder, table + ".cols")).read()
        with conn.cursor() as cur, cur.copy(
            f'COPY bench_floor."{table}" ({cols}) FROM STDIN'
        ) as copy, open(os.path.join(folder, name), "rb") as data:
            while block := data.read(1 << 20):
                copy.write(block)
    conn.commit()
"""


def flatten_to_rows(source: Path, folder: Path, text: bool = True) -> dict[str, str]:
    """The target's own rows for the input, a file per table: in PostgreSQL's text format,
    or (``text=False``) the CSV the target gives DuckDB."""
    from observes_singer.singer.messages import RecordMessage, SchemaMessage, read_messages
    from observes_singer.target import record_metadata

    metadata = record_metadata.RecordMetadata()

    handles = {}
    columns: dict[str, str] = {}
    compiled = None
    with source.open("rb") as stream:
        for message in read_messages(stream):
            if isinstance(message, SchemaMessage):
                # The target's plan with its default add_record_metadata: the same columns.
                plan = plan_stream(message.stream,
                                   record_metadata.with_deleted_at(message.schema),
                                   message.key_properties, max_identifier_bytes=63,
                                   record_metadata=record_metadata.COLUMNS)
                compiled = build_flattener(plan, "bench", text=text)
                for table in plan.tables:
                    names = row_columns(plan, table)
                    columns[table.name] = ", ".join(f'"{n}"' for n in names)
                    (folder / f"{table.name}.cols").write_text(columns[table.name])
                    handles[table.name] = (folder / f"{table.name}.rows").open("wb")
            elif isinstance(message, RecordMessage) and compiled is not None:
                cells = metadata.cells("\\N", message.time_extracted, "\t" if text else ",")
                compiled.flatten(message.record, message.line_no, cells)
                for index, table in enumerate(compiled.plan.tables):
                    if compiled.rows(index) > 5000:
                        handles[table.name].write(compiled.take(index)[0])
    assert compiled is not None
    for index, table in enumerate(compiled.plan.tables):
        handles[table.name].write(compiled.take(index)[0])
        handles[table.name].close()
    return columns


def report(label: str, records: int, seconds: float, peak: float) -> None:
    print(f"  {label:<22} {records / seconds:>10,.0f} records/s  {seconds:7.2f} s  "
          f"peak RSS {peak:6.1f} MB", flush=True)


DUCKDB_COPY_FLOOR = r"""
import os, sys, duckdb
from target_redshift.dialects import duckdb as dialect
path, folder = sys.argv[1], sys.argv[2]
conn = duckdb.connect(path, config={"memory_limit": f"{dialect.DUCKDB_MEMORY_MB}MB"})
conn.execute("BEGIN TRANSACTION")
options = f"HEADER false, {dialect.CSV_OPTIONS}"
for name in sorted(n for n in os.listdir(folder) if n.endswith(".rows")):
    table = name[:-5]
    cols = open(os.path.join(folder, table + ".cols")).read()
    rows = os.path.join(folder, name)
    conn.execute(f"COPY bench_floor.\"{table}\" ({cols}) FROM '{rows}' ({options})")
conn.execute("COMMIT")
conn.close()
"""


def _create_duckdb_floor(path: Path, rows: Path, source: Path, env: dict[str, str]) -> None:
    """The DuckDB floor's tables, empty: what the target creates, built by the target on a
    sample (the floor then copies this file, so every run starts from the same one)."""
    import duckdb

    sample = rows / "sample.jsonl"
    with source.open("rb") as full, sample.open("wb") as out:
        for _ in range(2001):
            out.write(full.readline())
    config = rows / "floor-config.json"
    config.write_bytes(orjson.dumps({"url": f"duckdb://{path}", "schema": "bench_floor"}))
    measure([sys.executable, "-m", "target_redshift.cli", "--config", str(config)],
            stdin_path=sample, env=env)
    with duckdb.connect(str(path)) as conn:
        for (table,) in conn.execute("SELECT table_name FROM information_schema.tables "
                                     "WHERE table_schema = 'bench_floor'").fetchall():
            conn.execute(f'DELETE FROM bench_floor."{table}"')
        conn.execute("CHECKPOINT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--dialect", choices=("postgres", "duckdb"), default="postgres")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the target in-process on the first size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.records.split(",")]

    from tests.support.postgres import EmbeddedPostgres

    env = {**os.environ, "PYTHONPATH": str(ROOT / "targets") + os.pathsep + str(ROOT)}
    with EmbeddedPostgres() as server, tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        for size in sizes:
            source = work / f"jobs-{size}.jsonl"
            make_input(source, size)
            mb = source.stat().st_size / 1e6
            print(f"{size:,} GitLab job records ({mb:,.0f} MB of Singer messages), "
                  f"into {args.dialect}:")
            floor_db = server.create_database("floor")
            rows = work / "rows"
            rows.mkdir(exist_ok=True)
            columns = flatten_to_rows(source, rows, text=args.dialect == "postgres")
            duckdb_floor = work / "floor-empty.duckdb"
            if args.dialect == "postgres":
                _create_floor_tables(floor_db, rows, columns, source)
            else:
                _create_duckdb_floor(duckdb_floor, rows, source, env)
            results: dict[str, list[tuple[float, float]]] = {}
            for _ in range(args.repeat):
                seconds, peak, _ = measure([sys.executable, "-c", PARSE_FLOOR, str(source)])
                report("orjson floor", size, seconds, peak)
                results.setdefault("orjson floor", []).append((seconds, peak))
                if args.dialect == "postgres":
                    _truncate_floor_tables(floor_db, columns)
                    seconds, peak, _ = measure([sys.executable, "-c", COPY_FLOOR,
                                                floor_db.conninfo, str(rows)])
                    report("bare COPY floor", size, seconds, peak)
                    results.setdefault("bare COPY floor", []).append((seconds, peak))
                else:
                    floor_file = work / "floor.duckdb"
                    shutil.copyfile(duckdb_floor, floor_file)
                    seconds, peak, _ = measure([sys.executable, "-c", DUCKDB_COPY_FLOOR,
                                                str(floor_file), str(rows)], env=env)
                    floor_file.unlink()
                    report("bare COPY floor", size, seconds, peak)
                    results.setdefault("bare COPY floor", []).append((seconds, peak))

                database = server.create_database("bench")
                if args.dialect == "postgres":
                    _checkpoint(floor_db)
                config = work / "config.json"
                url = (database.uri if args.dialect == "postgres"
                       else f"duckdb://{work}/b-{database.name}.duckdb")
                config.write_bytes(orjson.dumps({"url": url, "schema": "bench"}))
                seconds, peak, stderr = measure(
                    [sys.executable, "-m", "target_redshift.cli", "--config", str(config)],
                    stdin_path=source, env=env)
                report("target-redshift", size, seconds, peak)
                results.setdefault("target-redshift", []).append((seconds, peak))
                print("    " + "\n    ".join(stderr.strip().splitlines()[-5:]))
                server.drop_database(database.name)
            if args.repeat > 1:
                print(f"  median of {args.repeat} runs (peak RSS: the largest):")
                for label, runs in results.items():
                    report(label, size, statistics.median(s for s, _ in runs),
                           max(p for _, p in runs))
            if args.profile and size == sizes[0]:
                _profile(config, source)
            source.unlink()
            duckdb_floor.unlink(missing_ok=True)
            if rows.exists():
                for item in rows.iterdir():
                    item.unlink()
            server.drop_database(floor_db.name)


def _truncate_floor_tables(database: Any, columns: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect(database.conninfo, autocommit=True) as conn:
        for table in columns:
            conn.execute(f'TRUNCATE bench_floor."{table}"'.encode())
    _checkpoint(database)


def _checkpoint(database: Any) -> None:
    """Write out what earlier runs left dirty, so that no run pays for another's."""
    import psycopg

    with psycopg.connect(database.conninfo, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def _create_floor_tables(database: Any, rows: Path, columns: dict[str, str],
                         source: Path) -> None:
    """The floor's tables: what the target creates, built by the target on a sample."""
    import psycopg

    sample = rows / "sample.jsonl"
    with source.open("rb") as full, sample.open("wb") as out:
        for _ in range(2001):
            out.write(full.readline())
    config = rows / "floor-config.json"
    config.write_bytes(orjson.dumps({"url": database.uri, "schema": "bench_floor"}))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "targets") + os.pathsep + str(ROOT)}
    measure([sys.executable, "-m", "target_redshift.cli", "--config", str(config)],
            stdin_path=sample, env=env)
    with psycopg.connect(database.conninfo, autocommit=True) as conn:
        for table in columns:
            conn.execute(f'TRUNCATE bench_floor."{table}"'.encode())
            # No autovacuum of the floor's rows while the target runs after it.
            conn.execute(f'ALTER TABLE bench_floor."{table}" SET (autovacuum_enabled = false)'
                         .encode())
            # Size the text columns as the full run will need them.
            for (name,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                    "'bench_floor' AND table_name = %s AND data_type = 'character varying'",
                    (table,)).fetchall():
                conn.execute(f'ALTER TABLE bench_floor."{table}" ALTER COLUMN "{name}" TYPE '
                             f"VARCHAR(65535)".encode())
    sample.unlink()
    config.unlink()


def _profile(config: Path, source: Path) -> None:
    import cProfile
    import pstats

    from target_redshift.cli import main as target_main

    stdin = sys.stdin
    sys.stdin = open(source)  # noqa: SIM115
    profiler = cProfile.Profile()
    try:
        profiler.runcall(target_main, ["--config", str(config), "--input", str(source)])
    finally:
        sys.stdin = stdin
    print("  profile (top functions by own time):")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
