"""Time Doctor's monthly backups to S3 (jobs/timedoctor-backup.toml) and the full reload
replayed from them plus the current month read live (jobs/timedoctor.toml), against the
sample Time Doctor and moto's S3."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from tap_timedoctor.backup import backup_key, month_bounds
from tap_timedoctor.sample.company import SampleCompany
from tap_timedoctor.sample.server import TimeDoctorServer

from tests.support.paths import REPO
from tests.support.s3 import S3Bucket

pytestmark = pytest.mark.slow  # end to end, several seconds each

BIN = str(Path(sys.executable).parent)


def months_back(count: int) -> datetime:
    """The first instant of the month ``count`` months before this one (UTC)."""
    first = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


@pytest.fixture
def server() -> Iterator[TimeDoctorServer]:
    company = SampleCompany(first_month=months_back(3), months=4, users=3,
                            until=datetime.now(UTC))
    with TimeDoctorServer(company) as running:
        yield running


def observes(tmp_path: Path, server: TimeDoctorServer, bucket: S3Bucket, *args: str,
             **env: str) -> subprocess.CompletedProcess[str]:
    company = server.company
    environment = {**os.environ, "OBSERVES_JOBS_DIR": str(REPO / "jobs"),
                   "PATH": BIN + os.pathsep + os.environ["PATH"],
                   "OBSERVES_STATE_STORE": str(tmp_path / "store"),
                   "TIMEDOCTOR_API_URL": server.url, "TIMEDOCTOR_TOKEN": company.token,
                   "TIMEDOCTOR_COMPANY_ID": company.company,
                   "TIMEDOCTOR_BACKUP_URL": bucket.url("backup_timedoctor"),
                   "AWS_ENDPOINT_URL": bucket.endpoint_url,
                   "OBSERVES_HTTP_BACKOFF": "0.05", **env}
    return subprocess.run([sys.executable, "-m", "observes_singer.cli", *args], cwd=tmp_path,
                          env=environment, capture_output=True, text=True, timeout=300,
                          check=False)


def backed_up(bucket: S3Bucket, key: str) -> list[dict[str, Any]]:
    body = bucket.client.get_object(Bucket=bucket.name, Key=f"backup_timedoctor/{key}")
    return [orjson.loads(line) for line in gzip.decompress(body["Body"].read()).splitlines()]


def keys(bucket: S3Bucket) -> list[str]:
    listed = bucket.client.list_objects_v2(Bucket=bucket.name, Prefix="backup_timedoctor/")
    return sorted(item["Key"] for item in listed.get("Contents", [])
                  if "/_manifests/" not in item["Key"])


def identity(record: dict[str, Any]) -> tuple[Any, ...]:
    """Whose a record is and when: a file also by its device, kind and index."""
    if "start" in record:
        return record["userId"], record["start"]
    return (record["userId"], record["deviceId"], record["date"], record["entity"],
            record["number"])


def test_month_bounds_and_names() -> None:
    first, following = month_bounds("2026-02")
    assert (first.isoformat(), following.isoformat()) == ("2026-02-01", "2026-03-01")
    assert backup_key("worklogs", first, following) == \
        "timedoctor.worklogs.2026-02-01.2026-02-28.singer.gz"
    today = datetime(2027, 1, 1, tzinfo=UTC).date()
    assert month_bounds(None, today)[0].isoformat() == "2026-12-01"  # the previous month


def test_three_months_backed_up_and_a_rerun_replaces_the_same_objects(
        tmp_path: Path, server: TimeDoctorServer, s3_bucket: S3Bucket) -> None:
    company = server.company
    months = [months_back(n) for n in (3, 2, 1)]
    for month in months:
        done = observes(tmp_path, server, s3_bucket, "run", "timedoctor-backup", "--",
                        "--month", f"{month:%Y-%m}")
        assert done.returncode == 0, done.stderr[-3000:]
    expected = []
    for month in months:
        first, following = month_bounds(f"{month:%Y-%m}")
        following_at = datetime.combine(following, datetime.min.time(), UTC)
        for stream, served in (("worklogs", company.worklogs_between(month, following_at)),
                               ("computer_activity",
                                company.activity_between(month, following_at)),
                               ("file_activity", company.files_between(month, following_at)),
                               ("time_edits",
                                company.time_edits_between(month, following_at))):
            key = backup_key(stream, first, following)
            expected.append(f"backup_timedoctor/{key}")
            messages = backed_up(s3_bucket, key)
            records = [m["record"] for m in messages if m["type"] == "RECORD"]
            assert len(records) == len(served) > 0, key
            assert {identity(r) for r in records} == {identity(r) for r in served}
            assert messages[0]["type"] == "SCHEMA"
    assert keys(s3_bucket) == sorted(expected)
    # The last month again (a backfill, or a retried run): the same objects, replaced.
    before = {key: backed_up(s3_bucket, key.split("/", 1)[1]) for key in expected}
    again = observes(tmp_path, server, s3_bucket, "run", "timedoctor-backup", "--",
                     "--month", f"{months[-1]:%Y-%m}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert keys(s3_bucket) == sorted(expected)
    for key, messages in before.items():
        records = [m["record"] for m in backed_up(s3_bucket, key.split("/", 1)[1])
                   if m["type"] == "RECORD"]
        assert records == [m["record"] for m in messages if m["type"] == "RECORD"]


def test_a_backup_needs_credentials_and_a_month_that_began(
        tmp_path: Path, server: TimeDoctorServer, s3_bucket: S3Bucket) -> None:
    future = observes(tmp_path, server, s3_bucket, "run", "timedoctor-backup", "--",
                      "--month", "2999-01")
    assert future.returncode == 1
    assert "--month 2999-01: the month has not started yet" in future.stderr
    bad = observes(tmp_path, server, s3_bucket, "run", "timedoctor-backup", "--",
                   "--month", "2026-13")
    assert bad.returncode == 1 and "write YYYY-MM" in bad.stderr
    wrong = observes(tmp_path, server, s3_bucket, "run", "timedoctor-backup", "--", "--month",
                     f"{months_back(1):%Y-%m}", TIMEDOCTOR_TOKEN="not-the-token")
    assert wrong.returncode != 0
    assert "not-the-token" not in wrong.stderr + wrong.stdout
    assert keys(s3_bucket) == []


def warehouse_rows(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def test_the_main_job_rebuilds_everything_from_the_backups_and_the_current_month(
        tmp_path: Path, server: TimeDoctorServer, s3_bucket: S3Bucket) -> None:
    company = server.company
    for count in (3, 2, 1):
        done = observes(tmp_path, server, s3_bucket, "run", "timedoctor-backup", "--",
                        "--month", f"{months_back(count):%Y-%m}")
        assert done.returncode == 0, done.stderr[-3000:]
    warehouse = tmp_path / "warehouse.duckdb"
    env = {"WAREHOUSE_URL": f"duckdb://{warehouse}", "WAREHOUSE_SCHEMA": "main",
           "OBSERVES_STATE_URL": str(tmp_path / "state" / "timedoctor.json")}
    # Time Doctor forgets the oldest month: the warehouse keeps it, from its backup.
    oldest = months_back(3)
    company.worklogs = {user: [w for w in rows if w["start"] >= f"{months_back(2):%Y-%m}"]
                        for user, rows in company.worklogs.items()}
    first = observes(tmp_path, server, s3_bucket, "run", "timedoctor", **env)
    assert first.returncode == 0, first.stderr[-3000:]
    now = datetime.now(UTC)
    served = SampleCompany(first_month=oldest, months=4, users=3, until=now)
    expected = {(w["userId"], w["start"]) for w in served.worklogs_between(oldest, now)}
    loaded = warehouse_rows(warehouse, "SELECT user_id, start FROM worklogs")
    assert len(loaded) == len(expected)  # no duplicates
    assert {(u, s.strftime("%Y-%m-%dT%H:%M:%S.000Z") if not isinstance(s, str) else s)
            for u, s in loaded} == expected
    activity = warehouse_rows(warehouse, "SELECT count(*) FROM computer_activity")
    assert activity[0][0] == len(served.activity_between(oldest, now)) > 0
    files = warehouse_rows(warehouse, "SELECT count(*) FROM file_activity")
    assert files[0][0] == len(served.files_between(oldest, now)) > 0
    edits = warehouse_rows(warehouse, "SELECT count(*) FROM time_edits")
    assert edits[0][0] == len(served.time_edits_between(oldest, now)) > 0
    assert warehouse_rows(warehouse, "SELECT count(*) FROM users")[0][0] == \
        len(company.user_records)
    # A corrupt backup fails the next run before anything is swapped.
    key = f"backup_timedoctor/{backup_key('worklogs', *month_bounds(f'{oldest:%Y-%m}'))}"
    s3_bucket.put(key, gzip.compress(b'{"type": "SCHEMA", "stream": "worklogs"')[:-8])
    broken = observes(tmp_path, server, s3_bucket, "run", "timedoctor", **env)
    assert broken.returncode != 0
    assert "truncated or corrupt gzip" in broken.stderr and key in broken.stderr
    assert len(warehouse_rows(warehouse, "SELECT user_id FROM worklogs")) == len(expected)


def reloaded(tmp_path: Path, server: TimeDoctorServer, s3_bucket: S3Bucket,
             months: tuple[int, ...]) -> tuple[Path, dict[str, str]]:
    """Those months back (counted from this one) backed up, then a first good reload into
    DuckDB; returns the warehouse and the environment the reload ran with."""
    warehouse = tmp_path / "warehouse.duckdb"
    env = {"WAREHOUSE_URL": f"duckdb://{warehouse}", "WAREHOUSE_SCHEMA": "main",
           "OBSERVES_STATE_URL": str(tmp_path / "state" / "timedoctor.json")}
    for count in months:
        done = observes(tmp_path, server, s3_bucket, "run", "timedoctor-backup", "--",
                        "--month", f"{months_back(count):%Y-%m}")
        assert done.returncode == 0, done.stderr[-3000:]
    first = observes(tmp_path, server, s3_bucket, "run", "timedoctor", **env)
    assert first.returncode == 0, first.stderr[-3000:]
    return warehouse, env


def test_a_missing_month_fails_the_reload_before_anything_is_swapped(
        tmp_path: Path, server: TimeDoctorServer, s3_bucket: S3Bucket) -> None:
    warehouse, env = reloaded(tmp_path, server, s3_bucket, (3, 2, 1))
    loaded = warehouse_rows(warehouse, "SELECT count(*) FROM worklogs")
    middle = months_back(2)
    key = backup_key("worklogs", *month_bounds(f"{middle:%Y-%m}"))
    s3_bucket.client.delete_object(Bucket=s3_bucket.name, Key=f"backup_timedoctor/{key}")
    failed = observes(tmp_path, server, s3_bucket, "run", "timedoctor", **env)
    assert failed.returncode != 0
    assert f"monthly backups missing under {s3_bucket.url('backup_timedoctor')}" \
        in failed.stderr
    assert f"worklogs: {middle:%Y-%m}" in failed.stderr
    assert warehouse_rows(warehouse, "SELECT count(*) FROM worklogs") == loaded


def test_a_second_copy_or_a_cut_backup_fails_the_reload_before_anything_is_swapped(
        tmp_path: Path, server: TimeDoctorServer, s3_bucket: S3Bucket) -> None:
    warehouse, env = reloaded(tmp_path, server, s3_bucket, (2, 1))
    loaded = warehouse_rows(warehouse, "SELECT count(*) FROM worklogs")
    month = months_back(2)
    key = f"backup_timedoctor/{backup_key('worklogs', *month_bounds(f'{month:%Y-%m}'))}"
    body = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key=key)["Body"].read()

    # A copy of the month beside it, not compressed: which one wins would be key order.
    copy = s3_bucket.put(key.removesuffix(".gz"), gzip.decompress(body))
    twice = observes(tmp_path, server, s3_bucket, "run", "timedoctor", **env)
    assert twice.returncode != 0
    assert (f"two backups of worklogs for {month:%Y-%m}: {copy} and {s3_bucket.url(key)}; "
            "keep one") in twice.stderr
    assert warehouse_rows(warehouse, "SELECT count(*) FROM worklogs") == loaded
    s3_bucket.client.delete_object(Bucket=s3_bucket.name, Key=key.removesuffix(".gz"))

    # The month cut at a line boundary: a valid gzip of whole lines, two lines short.
    lines = gzip.decompress(body).splitlines(keepends=True)
    s3_bucket.put(key, gzip.compress(b"".join(lines[:-2])))
    cut = observes(tmp_path, server, s3_bucket, "run", "timedoctor", **env)
    assert cut.returncode != 0
    assert f"{s3_bucket.url(key)}: {len(lines) - 2} lines in " in cut.stderr
    assert f"the run that wrote it listed {len(lines)} lines" in cut.stderr
    assert s3_bucket.url("backup_timedoctor/_manifests/") in cut.stderr
    assert warehouse_rows(warehouse, "SELECT count(*) FROM worklogs") == loaded
