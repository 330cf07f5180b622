"""`observes report`: the page's jobs, statuses, strips and charts, from the run ledger, the
warehouse's observes_runs and AWS Batch; hostile names stay text."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import orjson
import pytest

from observes_singer.batch.failure_report import Failure
from observes_singer.cli import main
from observes_singer.jobs.files import CommandJob
from observes_singer.jobs.ledger import Shard, record_run
from observes_singer.report.build import build_report
from observes_singer.report.html import render
from observes_singer.store.storage import BlobStore
from tests.observes_singer.report.history import command_job, record_runs
from tests.observes_singer.report.page import parse, points
from tests.support.aws_batch import create_queue
from tests.support.paths import SAMPLE_TAP
from tests.support.s3 import S3Bucket

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_ERROR = '"><img src=x onerror=alert(document.domain)>'


def observes(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OBSERVES_JOBS_DIR": str(root / "jobs"),
           "OBSERVES_STATE_STORE": str(root / "store"), "OBSERVES_DATA_DIR": str(root / "data")}
    return subprocess.run([sys.executable, "-m", "observes_singer.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def jobs_with_history(root: Path, now: datetime) -> None:
    """nightly: fresh, 5 runs; late: stale; never: never ran with a max_age; free: no
    max_age, never ran."""
    command_job(root, "nightly", 'max_age = "26h"\ndescription = "Every night"')
    command_job(root, "late", 'max_age = "1h"')
    command_job(root, "never", 'max_age = "1h"')
    command_job(root, "free")
    record_runs(root, "nightly", [now - timedelta(days=d, hours=1) for d in range(4, -1, -1)],
                {"pipelines": 3, "jobs": 7})
    record_runs(root, "late", [now - timedelta(hours=3)], {"items": 1})


def test_the_page_shows_every_job_its_status_runs_and_rows(tmp_path: Path) -> None:
    jobs_with_history(tmp_path, datetime.now(UTC))
    out = tmp_path / "site" / "health.html"

    done = observes(tmp_path, "report", "--out", str(out))

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"observes report: wrote {out} (4 jobs, 2 needing attention")
    page = parse(out.read_text())
    rows = page.all("tr", "job")
    # The stale jobs first, in red; then the others by name.
    assert [(r.attrs["data-job"], r.attrs["data-status"], "alert" in r.classes)
            for r in rows] == [("late", "stale", True), ("never", "never ran", True),
                               ("free", "never ran", False), ("nightly", "fresh", False)]
    attention = next(e for e in page.all("div") if e.attrs.get("id") == "attention")
    assert "late (stale)" in attention.text and "never (never ran)" in attention.text
    # A section per job, each reached by its anchor.
    anchors = {e.attrs["href"][1:] for e in page.all("a") if e.attrs["href"].startswith("#")}
    sections = {e.attrs["id"] for e in page.all("section", "job")}
    assert sections == anchors == {"job-late", "job-never", "job-free", "job-nightly"}
    # nightly's strip: one bar per run, its hover text naming the run.
    strips = page.all("svg", "strip")
    assert len(strips) == 4  # late's and nightly's, in the table and in their sections
    assert len(page.all("rect", "ok")) == 2 * 6
    titles = [e.text for e in page.all("title")]
    assert any(t.startswith("succeeded ") and "run-nightly-5 · 2m00s · 50 records" in t
               for t in titles)
    # Charts: records and each table, one point per run, the last value in its caption
    # (late's two, then nightly's three).
    charts = page.all("svg", "chart")
    assert [c.attrs["data-points"] for c in charts] == ["1", "1", "5", "5", "5"]
    assert [points(p) for p in page.all("polyline")] == [1, 1, 5, 5, 5]
    captions = [e.text for e in page.all("figcaption")]
    assert captions[2:] == ["records read: 50 last run", "rows into jobs: 35 last run",
                            "rows into pipelines: 15 last run"]
    # Nothing is fetched: no external URL, no script.
    assert not page.all("script") and not page.all("link") and not page.all("img")
    assert "http://" not in out.read_text() and "https://" not in out.read_text()


def test_names_and_errors_from_data_stay_text(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    job = CommandJob(name=HOSTILE_NAME, path=tmp_path / "x.toml", description=HOSTILE_ERROR,
                     command=["true"], max_age=timedelta(hours=1))
    store = f"{tmp_path}/store/"
    monkeypatch.setenv("OBSERVES_STATE_STORE", store)
    record_run(BlobStore(), store, HOSTILE_NAME, f"run{HOSTILE_ERROR}", now, now,
               report={"records": 1, "tables": {HOSTILE_NAME: 1, HOSTILE_ERROR: 2}})
    failure = Failure(job=HOSTILE_NAME, label=HOSTILE_NAME, batch_name=HOSTILE_NAME,
                      job_id="1", kind="application error", reason=HOSTILE_ERROR,
                      created=now + timedelta(seconds=1), status="FAILED", exit_code=1,
                      log_url=f"https://x/{HOSTILE_ERROR}", region="us-east-1")

    html = render(build_report([job], BlobStore(), now + timedelta(seconds=5),
                               failures=[failure]))

    page = parse(html)
    assert not page.all("script") and not page.all("img")
    assert not [(e.tag, name) for e in page.elements for name in e.attrs
                if name.startswith("on")]
    # The names and the error are there, as text.
    assert HOSTILE_NAME in page.text and HOSTILE_ERROR in page.text
    assert f"rows into {HOSTILE_NAME}" in page.text
    row = page.all("tr", "job")[0]
    assert row.attrs["data-job"] == HOSTILE_NAME and "alert" in row.classes
    assert f"application error: {HOSTILE_ERROR}" in row.text


def test_the_warehouse_adds_its_runs_zero_rows_included(tmp_path: Path) -> None:
    """A run the state store does not hold (here: written by target-redshift under another
    orchestrator) comes from observes_runs; a table with 0 rows is a point at 0."""
    warehouse = tmp_path / "warehouse.duckdb"
    (tmp_path / "source.json").write_text(orjson.dumps(
        [{"id": n, "name": f"item {n}", "updated": "2026-11-01T00:00:00Z", "tags": []}
         for n in range(4)]).decode())
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "sample.toml").write_text(f"""
state_url = "{tmp_path / 'state' / 'sample.json'}"
max_age = "26h"
[tap]
command = {orjson.dumps([sys.executable, str(SAMPLE_TAP)]).decode()}
config = {{ source = "{tmp_path / 'source.json'}", stream = "items" }}
[target]
command = {orjson.dumps([sys.executable, "-m", "target_redshift.cli"]).decode()}
config = {{ url = "duckdb://{warehouse}", load_method = "upsert" }}
""")
    ran = observes(tmp_path, "run", "sample")
    assert ran.returncode == 0, ran.stderr
    connection = duckdb.connect(str(warehouse))
    try:
        schema = connection.execute("SELECT table_schema FROM information_schema.tables "
                                    "WHERE table_name = 'observes_runs'").fetchone()
        assert schema is not None
        connection.execute(
            f'INSERT INTO "{schema[0]}".observes_runs (job, run_id, started_at, finished_at, '
            "duration_seconds, table_name, rows, run_table_id) VALUES "
            "('sample', 'elsewhere', now() - INTERVAL 2 DAY, now() - INTERVAL 2 DAY, 1.5, "
            "'items', 0, 'k1'), ('elsewhere-only', 'x', now(), now(), 1, 'items', 3, 'k2')")
    finally:
        connection.close()
    config = tmp_path / "warehouse.json"
    config.write_text(orjson.dumps({"url": f"duckdb://{warehouse}"}).decode())
    out = tmp_path / "report.html"

    done = observes(tmp_path, "report", "--out", str(out), "--config", str(config))

    assert done.returncode == 0, done.stderr
    page = parse(out.read_text())
    captions = {e.text for e in page.all("figcaption")}
    # The run of the ledger (4 rows) after the warehouse's earlier one (0 rows).
    assert "rows into items: 4 last run" in captions
    items = next(e for e in page.all("svg", "chart") if "rows into items" in e.attrs["aria-label"])
    assert items.attrs["data-points"] == "2"
    assert "items: 4 in the last run; 0 to 4 over 2 runs" in items.attrs["aria-label"]
    assert "observes_runs names jobs without a job file, not shown: elsewhere-only" in page.text
    assert "from the run ledger, observes_runs" in page.text


def test_an_unreadable_warehouse_is_said_on_the_page_and_exits_1(tmp_path: Path) -> None:
    command_job(tmp_path, "nightly")
    config = tmp_path / "warehouse.json"
    config.write_text('{"url": "postgresql://nobody:s3cr3t-pw@127.0.0.1:1/none"}')
    out = tmp_path / "report.html"

    done = observes(tmp_path, "report", "--out", str(out), "--config", str(config))

    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("observes report: the warehouse's observes_runs could not be read:")
    assert "nightly" in parse(out.read_text()).text
    assert "observes_runs could not be read" in parse(out.read_text()).text
    assert "s3cr3t-pw" not in done.stderr + done.stdout + out.read_text()


def test_batch_failures_show_as_failed_runs_and_the_last_error(
        tmp_path: Path, moto_server: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    command_job(tmp_path, "nightly", 'max_age = "26h"')
    command_job(tmp_path, "fine", 'max_age = "26h"')
    record_runs(tmp_path, "nightly", [now - timedelta(hours=2)])
    record_runs(tmp_path, "fine", [now - timedelta(hours=2)])
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(tmp_path / "jobs"))
    monkeypatch.setenv("OBSERVES_STATE_STORE", str(tmp_path / "store"))
    queue = create_queue(moto_server)
    definition = queue.definition(f"{queue.name}-definition")
    monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")
    queue.client().submit_job(jobName="observes-nightly", jobQueue=queue.name,
                              jobDefinition=definition)
    monkeypatch.delenv("MOTO_SIMPLE_BATCH_FAIL_AFTER")
    out = tmp_path / "report.html"

    code = main(["report", "--out", str(out), "--batch", queue.name])

    assert code == 0, capsys.readouterr().err
    page = parse(out.read_text())
    rows = page.all("tr", "job")
    assert [(r.attrs["data-job"], "alert" in r.classes) for r in rows] == [
        ("nightly", True), ("fine", False)]
    assert "fresh, failing" in rows[0].text
    assert "application error: failed without an exit code" in rows[0].text
    assert len(page.all("rect", "failed")) == 2  # in the table and in the section
    log = next(e for e in page.all("a") if e.text == "log")
    assert log.attrs["href"].startswith("https://us-east-1.console.aws.amazon.com/cloudwatch/")
    assert f"AWS Batch queue {queue.name}" in page.text


def test_the_page_goes_to_a_bucket_as_html(tmp_path: Path, s3_bucket: S3Bucket,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    jobs_with_history(tmp_path, datetime.now(UTC))
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(tmp_path / "jobs"))
    monkeypatch.setenv("OBSERVES_STATE_STORE", str(tmp_path / "store"))

    code = main(["report", "--out", s3_bucket.url("health/index.html"),
                 "--endpoint-url", s3_bucket.endpoint_url, "nightly"])

    assert code == 0, capsys.readouterr().err
    found = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key="health/index.html")
    assert found["ContentType"] == "text/html; charset=utf-8"
    page = parse(found["Body"].read().decode())
    assert [r.attrs["data-job"] for r in page.all("tr", "job")] == ["nightly"]


def test_a_run_short_of_a_shard_did_not_succeed(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    command_job(tmp_path, "sharded", 'max_age = "26h"\n[batch]\narray_size = 2')
    store = f"{tmp_path / 'store'}/"
    for run_id, shards, finished in (("whole", (0, 1), now - timedelta(hours=5)),
                                     ("short", (1,), now - timedelta(hours=1))):
        for index in shards:
            record_run(BlobStore(), store, "sharded", run_id, finished - timedelta(minutes=3),
                       finished, Shard(index, 2),
                       report={"records": 5, "tables": {"items": 5}})
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(tmp_path / "jobs"))
    monkeypatch.setenv("OBSERVES_STATE_STORE", str(tmp_path / "store"))
    out = tmp_path / "report.html"

    assert main(["report", "--out", str(out)]) == 0

    page = parse(out.read_text())
    (row,) = page.all("tr", "job")
    assert "fresh, failing" in row.text  # its last whole run is 5 hours old
    titles = [e.text for e in page.all("title")][1:3]  # after the page's own
    assert titles[0].startswith("succeeded ") and "whole · 3m00s · 10 records" in titles[0]
    assert titles[1].startswith("failed ") and titles[1].endswith("short · 1 of 2 shards "
                                                                  "succeeded")
    assert "rows into items: 10 last run" in {e.text for e in page.all("figcaption")}


def test_records_it_cannot_count_are_named_on_the_page(tmp_path: Path) -> None:
    """A record from the future (a host with a wrong clock) and one that is not JSON are
    left out of the runs, and said."""
    now = datetime.now(UTC)
    command_job(tmp_path, "nightly", 'max_age = "26h"')
    record_runs(tmp_path, "nightly", [now - timedelta(hours=1)])
    record_run(BlobStore(), f"{tmp_path / 'store'}/", "nightly", "ahead",
               now + timedelta(days=1), now + timedelta(days=1, minutes=2))
    broken = tmp_path / "store" / "runs" / "nightly" / "20261130T000000Z-broken.json"
    broken.write_text("{not json")
    out = tmp_path / "report.html"

    done = observes(tmp_path, "report", "--out", str(out))

    assert done.returncode == 0, done.stderr
    page = parse(out.read_text())
    assert len(page.all("rect", "run")) == 2  # the one good run, in the table and section
    notes = [e.text for e in page.all("p", "note")]
    assert any(note.startswith("nightly: the ledger record ") and "ahead" in note
               and "not counted as a success" in note for note in notes), notes
    assert f"nightly: records of its run ledger that cannot be read, left out (1): " \
        f"{broken.as_uri()}" in notes
