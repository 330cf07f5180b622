"""The Checkly job (jobs/checkly.toml) run twice against the sample Checkly, with new
results and a check deleted in between: the settings are replaced (the deleted check
leaves its table), results, alerts and reports are upserted (what was read stays, once)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tap_checkly.sample.account import SampleAccount
from tap_checkly.sample.server import ChecklyServer

from observes_singer.jobs.files import Job, load_job
from tests.support.paths import REPO
from tests.support.repo_jobs import run_repo_job

SETTINGS = ("checks", "check_groups", "check_statuses", "alert_channels", "dashboards",
            "maintenance_windows", "snippets", "private_locations", "environment_variables",
            "locations", "runtimes", "status_pages", "status_page_services")
HISTORY = ("check_results", "check_alerts", "alert_notifications", "reporting",
           "status_page_incidents")


def run_job(tmp_path: Path, server: ChecklyServer, warehouse: Path
            ) -> subprocess.CompletedProcess[str]:
    return run_repo_job("checkly", tmp_path, {
        "CHECKLY_API_URL": server.url, "CHECKLY_API_KEY": server.account.api_key,
        "CHECKLY_ACCOUNT_ID": server.account.account_id,
        "WAREHOUSE_URL": f"duckdb://{warehouse}", "WAREHOUSE_SCHEMA": "main",
        "OBSERVES_STATE_URL": str(tmp_path / "state" / "checkly.json")})


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def test_the_job_file_says_how_each_stream_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(REPO / "jobs"))
    monkeypatch.delenv("OBSERVES_STATE_URL", raising=False)
    job = load_job("checkly")
    assert isinstance(job, Job)
    assert job.tap.command == ["tap-checkly"] and job.target.command == ["target-redshift"]
    assert job.tap.config["api_key"] == "${CHECKLY_API_KEY}"
    assert job.tap.config["account_id"] == "${CHECKLY_ACCOUNT_ID}"
    assert job.target.config["load_method"] == "replace"
    assert job.target.config["streams"] == {stream: {"load_method": "upsert"}
                                            for stream in HISTORY}
    assert job.state_url == "s3://observes.state/checkly.json"
    assert job.max_age is not None and job.max_age.total_seconds() == 26 * 3600
    assert job.batch is not None
    assert job.batch.secrets["CHECKLY_API_KEY"] == "secretsmanager:observes/checkly-api-key"
    assert job.batch.secrets["CHECKLY_ACCOUNT_ID"] == \
        "secretsmanager:observes/checkly-account-id"


@pytest.mark.slow  # the first run reads 30 days of alert notifications at Checkly's pace
def test_the_checkly_job_twice_replaces_the_settings_and_upserts_the_history(
        tmp_path: Path) -> None:
    warehouse = tmp_path / "checkly.duckdb"
    account = SampleAccount(runs=60)
    with ChecklyServer(account) as server:
        first = run_job(tmp_path, server, warehouse)
        assert first.returncode == 0, first.stderr[-3000:]
        assert server.refused == 0  # paced below every limit Checkly documents
        read = {r["id"] for c in account.checks for r in c.results
                if r["resultType"] == "FINAL"}
        alerts = {a["id"] for a in account.alerts()}
        notifications = {n["id"] for n in account.notifications()}
        deleted = account.checks[2]
        account.add_results(account.checks[0].id, 4)
        account.add_results(account.checks[-1].id, 2)
        account.delete_check(deleted.id)
        first_calls = server.calls("/v2/check-results/")
        second = run_job(tmp_path, server, warehouse)
        assert second.returncode == 0, second.stderr[-3000:]
        # The second run asked each remaining check for its new results once: one page.
        assert server.calls("/v2/check-results/") - first_calls == len(account.checks)
        read |= {r["id"] for c in account.checks for r in c.results
                 if r["resultType"] == "FINAL"}
        alerts |= {a["id"] for a in account.alerts()}
        notifications |= {n["id"] for n in account.notifications()}
        now = account.records()
    for stream in SETTINGS:  # replaced: what Checkly has now
        rows = query(warehouse, f'SELECT count(*), count(DISTINCT _sdc_id) FROM "{stream}"')
        assert rows == [(len(now[stream]), len(now[stream]))], stream
    assert query(warehouse, f"SELECT count(*) FROM checks WHERE id = '{deleted.id}'") == [(0,)]
    for table in ("snippets", "alert_channels", "check_groups", "maintenance_windows",
                  "dashboards"):  # numeric ids load as integers, not floating point
        assert query(warehouse, "SELECT data_type FROM information_schema.columns WHERE "
                     f"table_name = '{table}' AND column_name = 'id'") == [("BIGINT",)], table
        assert sorted(query(warehouse, f"SELECT id FROM {table}")) == \
            sorted((item["id"],) for item in now[table]), table
    assert query(warehouse, "SELECT DISTINCT data_type FROM information_schema.columns WHERE "
                 "column_name IN ('group_id', 'setup_snippet_id', 'check_run_id')") == \
        [("BIGINT",)]
    # ... and loaded only the 6 new results (the run ledger counts each run's rows).
    loaded = query(warehouse, "SELECT rows FROM observes_runs WHERE job = 'checkly' AND "
                   "table_name = 'check_results' ORDER BY finished_at")
    assert loaded[-1] == (6,) and len(loaded) == 2
    results = query(warehouse, "SELECT id FROM check_results")
    assert sorted(r[0] for r in results) == sorted(read)  # the deleted check's stay, once
    assert sorted(r[0] for r in query(warehouse, "SELECT id FROM check_alerts")) == \
        sorted(alerts)
    assert sorted(r[0] for r in query(warehouse, "SELECT id FROM alert_notifications")) == \
        sorted(notifications)
    reports = query(warehouse, 'SELECT check_id, "from" FROM reporting')
    assert len(reports) == len(set(reports))
    assert {r[0] for r in reports} >= {deleted.id}
    phases = query(warehouse, "SELECT count(*) FROM check_results WHERE "
                   "api_check_result__response__timing_phases__first_byte IS NOT NULL")
    assert phases[0][0] > 0


def test_observes_demo_runs_the_checkly_sample_and_again(tmp_path: Path) -> None:
    outputs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "observes_singer.cli", "demo", "checkly"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=300,
                                check=False)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        outputs.append(result.stdout)
    assert "the Checkly job against a sample Checkly (4 checks" in outputs[0]
    calls = [int(out.split(" API calls")[0].rsplit(", ", 1)[1]) for out in outputs]
    assert calls[1] < calls[0] / 5  # the second run started from the bookmarks
    warehouse = tmp_path / "observes-data" / "warehouse.duckdb"
    assert query(warehouse, "SELECT count(*) FROM checkly.checks") == [(4,)]
    rows = query(warehouse, "SELECT count(*), count(DISTINCT id) FROM checkly.check_results")
    assert rows[0][0] == rows[0][1] >= 600
