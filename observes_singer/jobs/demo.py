"""``observes demo``: the GitLab job, end to end, on this machine alone.

A sample GitLab (the loopback server tap-gitlab's tests use) starts in-process; the
job runner pipes tap-gitlab into target-redshift, which upserts into a DuckDB file
under the local data folder, and the committed state lands next to it. A second run
picks up from that state and fetches only what changed.

The sample server is found by name through the ``observes.sample_servers`` entry points
(:mod:`observes_singer.tapkit.sample_sources`), so the core imports no tap.
"""

from __future__ import annotations

import io
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import orjson

from observes_singer.defaults import data_dir, local_bucket
from observes_singer.jobs.files import Job, Step
from observes_singer.jobs.freshness import check
from observes_singer.jobs.lease import LeaseError
from observes_singer.jobs.runner import run
from observes_singer.store.state import StateStore
from observes_singer.store.storage import BlobStore
from observes_singer.tapkit.sample_sources import SampleSourceError, start_sample_source

DEMO_SOURCE = "gitlab"
LEDGER_TABLE = "observes_runs"  # target-redshift's run ledger


def run_demo(out: IO[str], name: str = DEMO_SOURCE) -> int:
    """Run the demo job of the sample source ``name``; its tables land in the schema its
    production job loads into (``SampleSource.schema``: ``zoho_crm`` for ``zoho-crm``)."""
    warehouse = data_dir() / "warehouse.duckdb"
    state_url = str(local_bucket("observes.state") / f"{name}-demo.json")
    log = io.StringIO()
    try:
        source = start_sample_source(name)
    except SampleSourceError as exc:
        print(f"Observes demo failed: {exc}", file=out)
        return 1
    output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - read back on failure
    with output, source:
        job = Job(
            name=f"{name}-demo", path=Path("<demo>"),
            description=f"sample {source.name} into DuckDB",
            tap=Step(source.tap_command, source.tap_config),
            target=Step([sys.executable, "-m", "target_redshift.cli"],
                        {"url": f"duckdb://{warehouse}", "schema": source.schema,
                         **source.target_settings}),
            state_url=state_url, max_age=timedelta(hours=26),
        )
        try:
            code = run(job, BlobStore(), only=True, log=log, stderr=output)
        except LeaseError as exc:
            print(f"Observes demo: {exc}", file=out)
            return 1
        calls = source.calls()
        output.seek(0)
        details = output.read()
    if code != 0:
        out.write(details[-5000:] + log.getvalue())
        print(f"Observes demo failed (exit {code}); the messages above say why.", file=out)
        return code
    print(f"Observes demo: the {source.name} job against a sample {source.name} "
          f"({source.summary}, {calls} API calls), all local under {data_dir()}", file=out)
    streams = [s for s in _streams(warehouse, source.schema) if s.table != LEDGER_TABLE]
    print(f"  warehouse  {warehouse} (DuckDB, schema {source.schema}): {len(streams)} "
          f"streams, {sum(len(s.children) for s in streams)} child tables", file=out)
    for stream in streams:
        children = (f"  + {len(stream.children)} child tables, {stream.child_rows:,} rows"
                    if stream.children else "")
        print(f"             {stream.table:<26} {stream.rows:>7,} rows{children}", file=out)
    state = StateStore(state_url).get() or {}
    print(f"  state      {state_url} ({len(orjson.dumps(state))} bytes of bookmarks)", file=out)
    (fresh,) = check([job], BlobStore())
    last = fresh.last.finished_at.strftime("%H:%M:%S UTC") if fresh.last else "never"
    print(f"  freshness  {job.name}: last success {last}, max age 26h: {fresh.verdict}; "
          f"runs recorded in {job.state_store}runs/ and the table {LEDGER_TABLE} "
          "(observes freshness checks every job)", file=out)
    report = write_demo_report(job, warehouse)
    print(f"  report     {report} (open it in a browser; observes report writes it for "
          "every job)", file=out)
    print("Run it again: only what changed is fetched. For real data:", file=out)
    print(f"  {source.real_run}", file=out)
    return 0


def write_demo_report(job: Job, warehouse: Path) -> Path:
    """The report of the demo job, from its ledger and the warehouse's ``observes_runs``,
    written beside the warehouse."""
    from observes_singer.report.build import build_report
    from observes_singer.report.html import render
    from observes_singer.report.warehouse import WarehouseLedgerError, read_warehouse_ledger

    try:
        ledger, notes = read_warehouse_ledger({"url": f"duckdb://{warehouse}"}), []
    except WarehouseLedgerError as exc:  # the page still shows the state store's ledger
        ledger, notes = None, [f"the warehouse's observes_runs could not be read: {exc}"]
    report = build_report([job], BlobStore(), datetime.now(UTC), warehouse=ledger,
                          sources=["the run ledger"] + (["observes_runs"] if ledger else []),
                          notes=notes)
    path = warehouse.with_name("report.html")
    BlobStore().write_bytes(str(path), render(report).encode())
    return path


@dataclass
class _Stream:
    table: str
    rows: int
    children: list[str] = field(default_factory=list)
    child_rows: int = 0


def _streams(path: Path, schema: str) -> list[_Stream]:
    """Each stream's root table with its rows, and its child tables (lists and maps)."""
    import duckdb

    connection = duckdb.connect(str(path), read_only=True)
    # No progress bar of DuckDB's in the middle of the summary, which goes to stdout.
    connection.execute("SET enable_progress_bar = false")
    try:
        names = [r[0] for r in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
            "ORDER BY table_name", [schema]).fetchall()]
        children = {r[0] for r in connection.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = ? "
            "AND column_name = '_sdc_parent_id'", [schema]).fetchall()}

        def count(name: str) -> int:
            row = connection.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()
            return int(row[0]) if row else 0

        roots = {name: _Stream(name, count(name)) for name in names if name not in children}
        for name in sorted(children):
            owner = max((r for r in roots if name.startswith(r + "__")), key=len, default=None)
            if owner is None:
                roots[name] = _Stream(name, count(name))
                continue
            roots[owner].children.append(name)
            roots[owner].child_rows += count(name)
        return sorted(roots.values(), key=lambda stream: stream.table)
    finally:
        connection.close()
