"""The report job (jobs/report.toml): `observes run report` publishes the page of every job
file to a bucket, with the warehouse's observes_runs and the queue's Batch failures, after
the nightly runs."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from observes_singer.jobs.files import CommandJob, all_jobs, load_job
from tests.observes_singer.report.page import parse
from tests.support.aws_batch import create_queue
from tests.support.paths import REPO_JOBS
from tests.support.repo_jobs import run_repo_job
from tests.support.s3 import S3Bucket

DAILY = re.compile(r"cron\((\d+) (\d+) \* \* \? \*\)")


def test_the_report_runs_after_every_nightly_job_can_have_ended(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(REPO_JOBS))
    report = load_job("report")
    assert isinstance(report, CommandJob) and report.batch and report.batch.schedule
    start = DAILY.fullmatch(report.batch.schedule)
    assert start is not None
    report_at = timedelta(hours=int(start[2]), minutes=int(start[1]))
    nightly = [job for job in all_jobs() if job.name != "report" and job.batch
               and job.batch.schedule and DAILY.fullmatch(job.batch.schedule)]
    assert {job.name for job in nightly} >= {"gitlab", "checkly", "timedoctor", "zoho-crm"}
    for job in nightly:
        assert job.batch and job.batch.schedule and job.batch.timeout
        found = DAILY.fullmatch(job.batch.schedule)
        assert found is not None
        ends = timedelta(hours=int(found[2]), minutes=int(found[1])) + job.batch.timeout
        assert ends <= report_at, job.name


def test_the_job_publishes_the_page_to_the_bucket(tmp_path: Path, s3_bucket: S3Bucket,
                                                 moto_server: str) -> None:
    queue = create_queue(moto_server)
    definition = queue.definition(f"{queue.name}-definition")
    warehouse = tmp_path / "warehouse.duckdb"
    connection = duckdb.connect(str(warehouse))
    try:
        connection.execute(
            "CREATE SCHEMA gitlab; CREATE TABLE gitlab.observes_runs (job VARCHAR, run_id "
            "VARCHAR, shard VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, "
            "duration_seconds DOUBLE, table_name VARCHAR, rows BIGINT, state_url VARCHAR); "
            "INSERT INTO gitlab.observes_runs VALUES ('gitlab', 'r1', NULL, "
            "now() - INTERVAL 1 HOUR, now(), 3600, 'pipelines', 42, NULL)")
    finally:
        connection.close()
    settings = {"REPORT_URL": s3_bucket.url("health/index.html"),
                "AWS_ENDPOINT_URL": moto_server, "OBSERVES_BATCH_QUEUE": queue.name,
                "WAREHOUSE_URL": f"duckdb://{warehouse}",
                "OBSERVES_STATE_URL": str(tmp_path / "state" / "job.json"),
                "OBSERVES_STATE_STORE": str(tmp_path / "store")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")
        queue.client().submit_job(jobName="observes-zoho-crm", jobQueue=queue.name,
                                  jobDefinition=definition)

    done = run_repo_job("report", tmp_path, settings)

    assert done.returncode == 0, done.stderr
    found = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key="health/index.html")
    assert found["ContentType"] == "text/html; charset=utf-8"
    page = parse(found["Body"].read().decode())
    rows = {row.attrs["data-job"]: row for row in page.all("tr", "job")}
    assert set(rows) == {path.stem for path in REPO_JOBS.glob("*.toml")}
    assert "failing" in rows["zoho-crm"].text and "alert" in rows["zoho-crm"].classes
    assert "rows into pipelines: 42 last run" in {e.text for e in page.all("figcaption")}
