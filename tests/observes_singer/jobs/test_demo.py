"""`observes demo`, the README's second command, on a fresh folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import orjson

from observes_singer.jobs.files import Job, load_job, resolve_secrets
from observes_singer.tapkit.sample_sources import sample_source_names, start_sample_source
from tests.observes_singer.report.page import parse
from tests.support.paths import REPO_JOBS


def test_demo_runs_the_gitlab_job_locally_and_again(tmp_path: Path) -> None:
    outputs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "observes_singer.cli", "demo"],
                                cwd=tmp_path, capture_output=True, timeout=300, check=False)
        assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
        outputs.append(result.stdout.decode())
    assert "the GitLab job against a sample GitLab (2 projects" in outputs[0]
    # One line per stream, its child tables folded into it.
    lines = outputs[0].splitlines()
    assert any(line.split()[:3] == ["projects", "2", "rows"] for line in lines), outputs[0]
    assert any(line.split()[0] == "jobs" and "child tables" in line for line in lines)
    assert not any(line.split()[0].startswith("jobs__") for line in lines if line.strip())
    data = tmp_path / "observes-data"
    connection = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        counts = dict(connection.execute(
            "SELECT 'pipelines', count(*) FROM gitlab.pipelines UNION ALL "
            "SELECT 'jobs', count(*) FROM gitlab.jobs UNION ALL "
            "SELECT 'distinct jobs', count(DISTINCT id) FROM gitlab.jobs").fetchall())
    finally:
        connection.close()
    assert counts == {"pipelines": 300, "jobs": 300, "distinct jobs": 300}
    state = orjson.loads((data / "observes.state" / "gitlab-demo.json").read_bytes())
    assert "pipelines" in state["bookmarks"]
    # The second run found the bookmarks and asked for less.
    first_calls = int(outputs[0].split(" API calls")[0].rsplit(", ", 1)[1])
    second_calls = int(outputs[1].split(" API calls")[0].rsplit(", ", 1)[1])
    assert second_calls < first_calls / 10
    # Each run is in the ledger; the demo shows the job's freshness, and the ledger table
    # is not listed as a stream.
    assert "freshness  gitlab-demo: last success" in outputs[1]
    assert "max age 26h: ok" in outputs[1]
    assert not any(line.split()[0] == "observes_runs" for line in lines if line.strip())
    runs = sorted((data / "observes.state" / "runs" / "gitlab-demo").glob("*.json"))
    assert len(runs) == 2
    connection = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        ledger = connection.execute(
            "SELECT count(DISTINCT run_id), sum(rows) FILTER (WHERE table_name = 'jobs') "
            "FROM gitlab.observes_runs WHERE job = 'gitlab-demo'").fetchone()
    finally:
        connection.close()
    assert ledger is not None and ledger[0] == 2 and ledger[1] >= 300
    # The report beside the warehouse: the demo job, fresh, its two runs charted.
    assert f"  report     {data / 'report.html'} " in outputs[1]
    page = parse((data / "report.html").read_text())
    (row,) = page.all("tr", "job")
    assert (row.attrs["data-job"], row.attrs["data-status"]) == ("gitlab-demo", "fresh")
    assert {chart.attrs["data-points"] for chart in page.all("svg", "chart")} == {"2"}


def production_schema(name: str) -> str:
    """The schema the production job ``jobs/NAME.toml`` loads into when
    ``WAREHOUSE_SCHEMA`` is not set."""
    job = load_job(str(REPO_JOBS / f"{name}.toml"))
    assert isinstance(job, Job)
    schema = resolve_secrets(job.target.config["schema"], f"{name}: schema", environ={})
    assert isinstance(schema, str)
    return schema


def test_every_demo_loads_into_its_production_jobs_schema() -> None:
    names = sample_source_names()
    assert {"gitlab", "checkly", "timedoctor", "zoho-crm"} <= set(names)
    for name in names:
        with start_sample_source(name) as source:
            assert source.schema == production_schema(name), name
    assert production_schema("zoho-crm") == "zoho_crm"


def test_the_zoho_crm_demo_lands_in_zoho_crm_not_zoho_hyphen_crm(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "observes_singer.cli", "demo", "zoho-crm"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "(DuckDB, schema zoho_crm)" in result.stdout
    connection = duckdb.connect(str(tmp_path / "observes-data" / "warehouse.duckdb"),
                                read_only=True)
    try:
        schemas = {row[0] for row in connection.execute(
            "SELECT schema_name FROM information_schema.schemata").fetchall()}
        leads = connection.execute("SELECT count(*) FROM zoho_crm.leads").fetchone()
    finally:
        connection.close()
    assert "zoho_crm" in schemas and "zoho-crm" not in schemas
    assert leads == (50,)
