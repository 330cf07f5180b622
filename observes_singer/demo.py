"""``observes demo``: the GitLab job, end to end, on this machine alone.

A sample GitLab (the loopback server tap-gitlab's tests use) starts in-process; the
job runner pipes tap-gitlab into target-redshift, which upserts into a DuckDB file
under the local data folder, and the committed state lands next to it. A second run
picks up from that state and fetches only what changed.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path
from typing import IO

import orjson

from observes_singer.defaults import data_dir, local_bucket
from observes_singer.jobs import Job, Step
from observes_singer.runner import run_job
from observes_singer.state import StateStore

DEMO_TOKEN = "glpat-demo"  # noqa: S105 - the sample server's own token


def run_demo(out: IO[str], projects: int = 2, pipelines: int = 150) -> int:
    from tap_gitlab.sample_server import GitLabServer, SampleGitLab

    warehouse = data_dir() / "warehouse.duckdb"
    state_url = str(local_bucket("observes.state") / "gitlab-demo.json")
    log = io.StringIO()
    output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - read back on failure
    with output, GitLabServer(SampleGitLab(projects, pipelines, DEMO_TOKEN)) as server:
        names = [p.path for p in server.data.projects]
        job = Job(
            name="gitlab-demo", path=Path("<demo>"), description="sample GitLab into DuckDB",
            tap=Step([sys.executable, "-m", "tap_gitlab.tap"],
                     {"api_url": server.url, "private_token": DEMO_TOKEN, "projects": names}),
            target=Step([sys.executable, "-m", "target_redshift.cli"],
                        {"url": f"duckdb://{warehouse}", "load_method": "upsert"}),
            state_url=state_url,
        )
        code = run_job(job, log=log, stderr=output)
        calls = len(server.requests)
        output.seek(0)
        details = output.read()
    if code != 0:
        out.write(details[-5000:] + log.getvalue())
        print(f"Observes demo failed (exit {code}); the messages above say why.", file=out)
        return code
    print(f"Observes demo: the GitLab job against a sample GitLab ({len(names)} projects, "
          f"{calls} API calls), all local under {data_dir()}", file=out)
    print(f"  warehouse  {warehouse} (DuckDB, schema main)", file=out)
    for table, rows in _tables(warehouse):
        print(f"             {table:<34} {rows:>7} rows", file=out)
    state = StateStore(state_url).get() or {}
    print(f"  state      {state_url} ({len(orjson.dumps(state))} bytes of bookmarks)", file=out)
    print("Run it again: only what changed is fetched. For real data:", file=out)
    print("  GITLAB_TOKEN=... GITLAB_PROJECT=group/project "
          "WAREHOUSE_URL=redshift://user:pass@host:5439/db observes run gitlab", file=out)
    return 0


def _tables(path: Path) -> list[tuple[str, int]]:
    import duckdb

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
