"""The Zoho CRM jobs (jobs/zoho-crm-prepare.toml, jobs/zoho-crm.toml) run by ``observes
run`` against the sample Zoho into DuckDB: prepare; a run before the exports are ready
(exit 69, nothing swapped); a run after (every module, typed, next pages followed); the
ledger consumed only once a state is committed, so a failed load is loaded again from
the same exports; a file shorter than Zoho counted fails the run and swaps nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tap_zoho_crm.sample.crm import MODULES, SampleCrm
from tap_zoho_crm.sample.server import SampleZoho

from observes_singer.jobs.files import CommandJob, Job, load_job
from tests.support.paths import REPO

TABLES = ("leads", "accounts", "contacts", "deals", "campaigns", "tasks", "cases", "events",
          "calls", "solutions", "products", "vendors", "price_books", "quotes",
          "sales_orders", "purchase_orders", "invoices", "users", "org", "currencies",
          "profiles", "roles", "territories", "fields")


def environment(tmp_path: Path, zoho: SampleZoho, warehouse: Path) -> dict[str, str]:
    crm = zoho.crm
    return {**os.environ, "OBSERVES_JOBS_DIR": str(REPO / "jobs"),
            "ZOHO_CRM_CLIENT_ID": crm.client_id, "ZOHO_CRM_CLIENT_SECRET": crm.client_secret,
            "ZOHO_CRM_REFRESH_TOKEN": crm.refresh_token,
            "ZOHO_CRM_ACCOUNTS_URL": zoho.accounts.url, "ZOHO_CRM_API_URL": zoho.api.url,
            "ZOHO_CRM_LEDGER_URL": str(tmp_path / "state" / "zoho-crm" / "bulk-reads.json"),
            "ZOHO_CRM_STATE_URL": str(tmp_path / "state" / "zoho-crm.json"),
            "ZOHO_CRM_DOWNLOAD_RATE_LIMIT": "1000/1",
            "OBSERVES_STATE_STORE": str(tmp_path / "state") + "/",
            "WAREHOUSE_URL": f"duckdb://{warehouse}", "WAREHOUSE_SCHEMA": "main",
            "OBSERVES_HTTP_BACKOFF": "0.05",
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}


def observes(tmp_path: Path, env: dict[str, str], job: str,
             **more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "observes_singer.cli", "run", job],
                          cwd=tmp_path, env={**env, **more}, capture_output=True, text=True,
                          timeout=300, check=False)


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def ledger_jobs(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "zoho-crm" / "bulk-reads.json"
    return list(json.loads(path.read_text())["jobs"])


def row_counts(warehouse: Path) -> dict[str, int]:
    return {table: query(warehouse, f'SELECT count(*) FROM "{table}"')[0][0]
            for table in TABLES}


def sample_counts(crm: SampleCrm) -> dict[str, int]:
    """The rows each table holds once the sample organisation (25 leads, 3 records in every
    other module) is loaded."""
    return {**{t: 3 for t in TABLES}, "leads": 25, "users": len(crm.user_records), "org": 1,
            "currencies": len(crm.currencies), "profiles": len(crm.profiles),
            "roles": len(crm.roles), "territories": len(crm.territory_records),
            "fields": sum(len(crm.fields(m)) for m in MODULES)}


def prepared_and_loaded(tmp_path: Path, zoho: SampleZoho, warehouse: Path) -> dict[str, str]:
    """The jobs' environment, once a prepare and a run have loaded every module."""
    env = environment(tmp_path, zoho, warehouse)
    assert observes(tmp_path, env, "zoho-crm-prepare").returncode == 0
    first = observes(tmp_path, env, "zoho-crm")
    assert first.returncode == 0, first.stderr[-3000:]
    return env


def test_the_job_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(REPO / "jobs"))
    for name in ("ZOHO_CRM_STATE_URL", "ZOHO_CRM_LEDGER_URL"):
        monkeypatch.delenv(name, raising=False)
    prepare = load_job("zoho-crm-prepare")
    run = load_job("zoho-crm")
    assert isinstance(prepare, CommandJob) and isinstance(run, Job)
    assert prepare.command == ["tap-zoho-crm", "prepare"]
    assert prepare.config is not None
    assert run.tap.command == ["tap-zoho-crm"] and run.target.command == ["target-redshift"]
    assert run.target.config["load_method"] == "replace"
    # Both name the same ledger, and prepare reads the run's state.
    assert prepare.config["ledger_url"] == run.tap.config["ledger_url"]
    assert run.state_url == "s3://observes.state/zoho-crm.json"
    assert prepare.config["state_url"] == "${ZOHO_CRM_STATE_URL:-s3://observes.state/zoho-crm.json}"
    for secret in ("client_secret", "refresh_token"):
        assert prepare.config[secret].startswith("${") and run.tap.config[secret] == \
            prepare.config[secret]
    assert prepare.batch is not None and run.batch is not None
    assert prepare.batch.schedule == "cron(0 2 * * ? *)"
    assert run.batch.schedule == "cron(0 4 * * ? *)"  # two hours for Zoho to export
    assert run.batch.secrets["ZOHO_CRM_REFRESH_TOKEN"] == \
        "secretsmanager:observes/zoho-crm-refresh-token"
    assert prepare.batch.secrets["ZOHO_CRM_CLIENT_SECRET"] == \
        run.batch.secrets["ZOHO_CRM_CLIENT_SECRET"]


def test_prepare_then_the_run_before_and_after_the_exports_are_ready(tmp_path: Path) -> None:
    crm = SampleCrm(per_page=10, export_delay=3600)  # Leads' 25 records: 3 pages
    warehouse = tmp_path / "zoho.duckdb"
    with SampleZoho(crm, download_limit=None) as zoho:
        env = environment(tmp_path, zoho, warehouse)
        prepared = observes(tmp_path, env, "zoho-crm-prepare")
        assert prepared.returncode == 0, prepared.stderr[-3000:]
        assert len(prepared.stdout.splitlines()) == len(MODULES)
        assert sorted(j["module"] for j in ledger_jobs(tmp_path)) == sorted(MODULES)

        early = observes(tmp_path, env, "zoho-crm")
        assert early.returncode == 69, early.stderr[-3000:]
        assert "Zoho CRM's exports are not ready, nothing was emitted: Leads: ADDED (job " \
            in early.stderr
        assert "tap exited 69" in early.stderr
        assert early.stdout == ""
        assert not (tmp_path / "state" / "zoho-crm.json").exists()
        if warehouse.exists():  # the target may have opened it: then it holds no table
            assert query(warehouse, "SELECT count(*) FROM information_schema.tables WHERE "
                                    "table_name = 'leads'") == [(0,)]

        crm.finish_exports()
        crm.export_delay = 0
        loaded = observes(tmp_path, env, "zoho-crm")
        assert loaded.returncode == 0, loaded.stderr[-3000:]
    counts = row_counts(warehouse)
    assert counts == sample_counts(crm)
    # The settings' nested lists and free-form objects land whole, in their own tables,
    # with a column for each field Zoho documents.
    granted = [p for profile in crm.profiles for p in profile["permissions_details"]]
    assert sorted(query(warehouse, "SELECT name, enabled, customizable FROM "
                                   "profiles__permissions_details")) == \
        sorted((p["name"], p["enabled"], p["customizable"]) for p in granted)
    assert query(warehouse, "SELECT count(*) FROM "
                            "profiles__sections__categories__permissions_details") == \
        [(sum(len(c["permissions_details"]) for profile in crm.profiles
               for section in profile["sections"] for c in section["categories"]),)]
    assert query(warehouse, "SELECT count(DISTINCT (module, id)) FROM fields") == \
        [(counts["fields"],)]
    leads = query(warehouse, "SELECT count(DISTINCT id) FROM leads")
    assert leads == [(25,)]  # the three pages, no duplicates
    types = dict(query(warehouse, "SELECT column_name, data_type FROM "
                                  "information_schema.columns WHERE table_name = 'leads'"))
    assert types["id"] == "VARCHAR"
    assert types["no_of_employees"] == types["visits__c"] == "BIGINT"
    assert types["weight__c"] == "DECIMAL(38,3)"
    assert types["annual_revenue"] == types["margin__c"] == "DECIMAL(38,2)"
    assert types["discount__c"] == "DOUBLE"
    assert types["email_opt_out"] == "BOOLEAN"
    assert types["date_of_birth__c"] == "DATE"
    assert types["last_activity_time"].startswith("TIMESTAMP")
    assert types["owner__id"] == types["converted_account__id"] == "VARCHAR"
    assert "interests__c" not in types  # a list: its own table
    first = crm.data["Leads"][3]
    [row] = query(warehouse, "SELECT visits__c, annual_revenue, email_opt_out, "
                             "date_of_birth__c, last_activity_time, owner__id FROM leads "
                             f"WHERE id = '{first['id']}'")
    assert row[0] == 2**53 + 4 and str(row[1]) == "3702.50" and row[2] is True
    assert str(row[3]) == "2026-01-01" and str(row[4]) == "2026-01-01 21:00:00"  # UTC
    assert row[5] == first["Owner"]
    interests = query(warehouse, "SELECT value FROM leads__interests__c WHERE "
                                 f"_sdc_source_key_id = '{first['id']}' ORDER BY _sdc_index")
    assert interests == [("Analytics",), ("Big data",)]
    # The state lists the jobs loaded; they leave the ledger only at the next prepare or run.
    state = json.loads((tmp_path / "state" / "zoho-crm.json").read_text())
    assert len(state["bookmarks"]["leads"]["bulk_jobs"]) == 3
    assert len(ledger_jobs(tmp_path)) == len(MODULES) + 2


def test_the_ledger_is_consumed_only_after_a_commit(tmp_path: Path) -> None:
    crm = SampleCrm(per_page=10)
    warehouse = tmp_path / "zoho.duckdb"
    with SampleZoho(crm, download_limit=None) as zoho:
        env = prepared_and_loaded(tmp_path, zoho, warehouse)
        loaded = {j["job_id"] for j in ledger_jobs(tmp_path)}
        state = (tmp_path / "state" / "zoho-crm.json").read_text()

        # The next prepare reads the committed state: those exports were loaded.
        crm.add_records("Leads", 5)
        crm.export_delay = 3600
        renewed = observes(tmp_path, env, "zoho-crm-prepare")
        assert renewed.returncode == 0, renewed.stderr[-3000:]
        assert "were loaded and committed" in renewed.stderr
        fresh = {j["job_id"] for j in ledger_jobs(tmp_path)}
        assert len(fresh) == len(MODULES) and not fresh & loaded

        # Not ready: exit 69, and yesterday's tables stay whole.
        before = row_counts(warehouse)
        early = observes(tmp_path, env, "zoho-crm")
        assert early.returncode == 69, early.stderr[-3000:]
        assert row_counts(warehouse) == before == sample_counts(crm)
        assert (tmp_path / "state" / "zoho-crm.json").read_text() == state

        # Ready, but the load fails: no state saved, so the ledger keeps its exports ...
        crm.finish_exports()
        crm.export_delay = 0
        broken = observes(tmp_path, env, "zoho-crm", WAREHOUSE_URL=f"duckdb://{tmp_path}")
        assert broken.returncode != 0
        assert (tmp_path / "state" / "zoho-crm.json").read_text() == state
        kept = [j for j in ledger_jobs(tmp_path) if j["page"] == 1]
        assert {j["job_id"] for j in kept} == fresh
        page_ones = [r for r in zoho.api.log if r.method == "POST"
                     and json.loads(r.body)["query"].get("page") == 1]

        # ... and the next run loads those same exports.
        again = observes(tmp_path, env, "zoho-crm")
        assert again.returncode == 0, again.stderr[-3000:]
        assert [r for r in zoho.api.log if r.method == "POST"
                and json.loads(r.body)["query"].get("page") == 1] == page_ones
        downloaded = {r.path.split("/")[-2] for r in zoho.api.log
                      if r.path.endswith("/result")}
        assert fresh <= downloaded
    assert row_counts(warehouse)["leads"] == 30
    committed = json.loads((tmp_path / "state" / "zoho-crm.json").read_text())
    assert committed["bookmarks"]["deals"]["bulk_jobs"] == \
        [j["job_id"] for j in kept if j["module"] == "Deals"]


def test_a_file_with_fewer_rows_than_zoho_counted_fails_the_run_and_swaps_nothing(
        tmp_path: Path) -> None:
    crm = SampleCrm(records={"Deals": 5})
    warehouse = tmp_path / "zoho.duckdb"
    with SampleZoho(crm, download_limit=None) as zoho:
        env = prepared_and_loaded(tmp_path, zoho, warehouse)
        state = (tmp_path / "state" / "zoho-crm.json").read_text()
        loaded = row_counts(warehouse)
        assert loaded["deals"] == 5
        renewed = observes(tmp_path, env, "zoho-crm-prepare")
        assert renewed.returncode == 0, renewed.stderr[-3000:]
        fresh = ledger_jobs(tmp_path)
        deals = next(j["job_id"] for j in fresh if j["module"] == "Deals")

        # Zoho's job counts 5 records; the file it serves holds 2.
        crm.short_files["Deals"] = 2
        short = observes(tmp_path, env, "zoho-crm")
        assert short.returncode != 0
        assert (f"Deals, bulk read job {deals}, {deals}.csv: Zoho counted 5 records, the "
                "file held 2") in short.stderr
        assert row_counts(warehouse) == loaded  # nothing swapped
        assert (tmp_path / "state" / "zoho-crm.json").read_text() == state
        assert ledger_jobs(tmp_path) == fresh  # the ledger kept

        # Served whole, the same exports load.
        del crm.short_files["Deals"]
        again = observes(tmp_path, env, "zoho-crm")
        assert again.returncode == 0, again.stderr[-3000:]
    assert row_counts(warehouse) == loaded
    committed = json.loads((tmp_path / "state" / "zoho-crm.json").read_text())
    assert committed["bookmarks"]["deals"]["bulk_jobs"] == [deals]
