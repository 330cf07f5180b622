"""`observes run` as a run of a job: one at a time (the lease), shards and their final
phase, the run ledger and `observes freshness`; and the [batch] table of a job file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from observes_singer.jobs.files import JobError, all_jobs, dependents, load_job
from observes_singer.jobs.lease import Lease, LeaseError
from observes_singer.store.storage import BlobStore
from tests.support.paths import SAMPLE_TAP
from tests.support.s3 import S3Bucket

TARGET_S3 = [sys.executable, "-m", "target_s3.cli"]
TARGET_DUCKDB = [sys.executable, "-m", "target_redshift.cli"]


def toml_inline(value: dict[str, Any]) -> str:
    return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items()) + " }"


def items(tmp_path: Path, count: int) -> None:
    (tmp_path / "source.json").write_text(json.dumps([
        {"id": n, "name": f"item {n}", "updated": f"2026-11-{1 + n % 28:02d}T00:00:{n % 60:02d}Z",
         "tags": []} for n in range(count)]))


def singer_job(tmp_path: Path, name: str = "sample", *, pause: float = 0, extra: str = "",
               target: str = "duckdb", batch: str = "") -> Path:
    jobs = tmp_path / "jobs"
    jobs.mkdir(exist_ok=True)
    tap = {"source": str(tmp_path / "source.json"), "stream": "items"}
    if pause:
        tap["pause"] = pause
    if target == "duckdb":
        target_part = (f"command = {json.dumps(TARGET_DUCKDB)}\n"
                       f'config = {{ url = "duckdb://{tmp_path / "warehouse.duckdb"}", '
                       'load_method = "upsert" }')
    else:  # each shard writes its own objects below the shared folder
        target_part = (f"command = {json.dumps(TARGET_S3)}\n"
                       f'config = {{ url = "{tmp_path / "bucket"}/", key_template = '
                       '"{stream}/shard-${OBSERVES_SHARD_INDEX}/{run_id}-{part}.{ext}" }')
    path = jobs / f"{name}.toml"
    path.write_text(f"""{extra}
state_url = "{tmp_path / 'state' / name}.json"

[tap]
command = {json.dumps([sys.executable, str(SAMPLE_TAP)])}
config = {toml_inline(tap)}

[target]
{target_part}
{batch}""")
    return path


def command_job(tmp_path: Path, name: str, code: str, extra: str = "") -> Path:
    jobs = tmp_path / "jobs"
    jobs.mkdir(exist_ok=True)
    path = jobs / f"{name}.toml"
    path.write_text(f"command = {json.dumps([sys.executable, '-c', code])}\n{extra}\n")
    return path


def observes(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
             wait: bool = True) -> Any:
    environment = {**os.environ, "OBSERVES_JOBS_DIR": str(tmp_path / "jobs"),
                   "OBSERVES_STATE_STORE": str(tmp_path / "store"), **(env or {})}
    for name in ("AWS_BATCH_JOB_ID", "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE",
                 "OBSERVES_RUN_ID"):
        if name not in (env or {}):
            environment.pop(name, None)
    argv = [sys.executable, "-m", "observes_singer.cli", *args]
    if not wait:
        return subprocess.Popen(argv, cwd=tmp_path, env=environment, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True,
                          env=environment, timeout=180, check=False)


def ledger(store: Path, job: str) -> list[dict[str, Any]]:
    folder = store / "runs" / job
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] \
        if folder.is_dir() else []


def wait_for(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# -- one run at a time -------------------------------------------------------------------

def test_a_second_run_is_refused_naming_the_first_and_waits_with_wait(tmp_path: Path) -> None:
    items(tmp_path, 30)
    singer_job(tmp_path, pause=0.1)
    first = observes(tmp_path, "run", "sample", wait=False)
    lease = tmp_path / "state" / "leases" / "sample.json"
    wait_for(lease.exists)
    second = observes(tmp_path, "run", "sample")
    assert second.returncode == 75  # EX_TEMPFAIL: try again later
    holder = json.loads(lease.read_text())
    assert f"job sample is running already: run {holder['run_id']} on host" in second.stderr
    assert f"pid {first.pid}" in second.stderr and "--wait" in second.stderr
    waited = observes(tmp_path, "run", "sample", "--wait")
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert waited.returncode == 0, waited.stderr
    assert "waiting for run" in waited.stderr
    runs = ledger(tmp_path / "state", "sample")
    assert len(runs) == 2  # both succeeded, one after the other
    first_run, second_run = runs
    assert second_run["started_at"] >= first_run["finished_at"]
    assert json.loads(lease.read_text())["members"] == {}  # given back


@pytest.mark.slow
def test_a_killed_run_blocks_the_job_only_until_its_lease_expires(tmp_path: Path) -> None:
    items(tmp_path, 50)
    singer_job(tmp_path, pause=0.2)
    env = {"OBSERVES_LEASE_TTL": "2"}
    first = observes(tmp_path, "run", "sample", env=env, wait=False)
    lease = tmp_path / "state" / "leases" / "sample.json"
    wait_for(lease.exists)
    first.kill()  # SIGKILL: no release, no heartbeat
    first.wait()
    assert observes(tmp_path, "run", "sample", env=env).returncode == 75
    time.sleep(2.5)
    after = observes(tmp_path, "run", "sample", env=env)
    assert after.returncode == 0, after.stderr


def test_a_run_that_lost_its_lease_does_not_commit(tmp_path: Path) -> None:
    items(tmp_path, 20)
    singer_job(tmp_path, pause=0.1)
    running = observes(tmp_path, "run", "sample", wait=False)
    lease = tmp_path / "state" / "leases" / "sample.json"
    wait_for(lease.exists)
    # Another run took the lease over (as it may once ours expired unrenewed).
    taken = {"job": "sample", "run_id": "someone-else", "holder": "host elsewhere pid 1",
             "acquired_at": "2026-11-30T00:00:00Z",
             "members": {"main": (datetime.now(UTC) + timedelta(hours=1))
                         .strftime("%Y-%m-%dT%H:%M:%SZ")}}
    lease.write_text(json.dumps(taken))
    assert running.wait(timeout=120) == 75
    stderr = running.stderr.read()
    assert "this run's lease was lost" in stderr and "not committing" in stderr
    assert not (tmp_path / "state" / "sample.json").exists()  # no state saved
    assert ledger(tmp_path / "state", "sample") == []
    import duckdb
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        tables = connection.execute("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_name = 'items'").fetchall()
    finally:
        connection.close()
    assert tables == []  # nothing committed


def test_two_leases_racing_on_s3_one_wins(s3_bucket: S3Bucket) -> None:
    blobs = BlobStore(endpoint_url=s3_bucket.endpoint_url, s3_client=s3_bucket.client)
    url = s3_bucket.url("leases/sample.json")
    won: list[str] = []
    refused: list[str] = []
    barrier = threading.Barrier(6)

    def contend(run_id: str) -> None:
        lease = Lease(blobs, url, "sample", run_id, ttl=60)
        barrier.wait()
        try:
            lease.acquire()
            won.append(run_id)
        except LeaseError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=contend, args=(f"run-{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(refused) == 5
    assert all(f"run {won[0]}" in message for message in refused)
    # The same run's shards join it; the lease is free once every member gave it back.
    shard = Lease(blobs, url, "sample", won[0], member="shard 0/2", ttl=60)
    shard.acquire()
    owner = Lease(blobs, url, "sample", won[0], ttl=60)
    owner.release()
    with pytest.raises(LeaseError):
        Lease(blobs, url, "sample", "late", ttl=60).acquire()
    shard.release()
    Lease(blobs, url, "sample", "late", ttl=60).acquire()


# -- shards and the final phase ----------------------------------------------------------

def test_a_sharded_job_runs_its_shards_in_parallel_then_its_final_phase(tmp_path: Path
                                                                      ) -> None:
    items(tmp_path, 40)
    singer_job(tmp_path, "sharded", target="s3",
               extra='max_age = "1h"', batch="[batch]\narray_size = 3\n")
    listing = ("import os, json, sys; root = sys.argv[1]; "
               "found = sorted(os.path.relpath(os.path.join(d, f), root) "
               "for d, _, fs in os.walk(root) for f in fs); "
               "open(sys.argv[2], 'w').write(json.dumps({'files': found, "
               "'job': os.environ['OBSERVES_JOB'], "
               "'parent': os.environ.get('OBSERVES_PARENT_RUN_ID'), "
               "'shards': os.environ.get('OBSERVES_PARENT_SHARD_COUNT')}))")
    final = tmp_path / "jobs" / "final.toml"
    command = [sys.executable, "-c", listing, str(tmp_path / "bucket"),
               str(tmp_path / "final.json")]
    final.write_text(f"command = {json.dumps(command)}\n"
                     'depends_on = ["sharded"]\nmax_age = "1h"\n')
    done = observes(tmp_path, "run", "sharded")
    assert done.returncode == 0, done.stderr
    assert " as 3 shards" in done.stderr and "now final, which depends on it" in done.stderr
    seen = json.loads((tmp_path / "final.json").read_text())
    assert seen["job"] == "final"
    shards = sorted({path.split("/")[1] for path in seen["files"] if "/shard-" in path})
    assert shards == ["shard-0", "shard-1", "shard-2"]  # all shards done before the final
    # Each shard extracted its own third, and keeps its own state.
    emitted = [json.loads(line) for line in
               (tmp_path / "source.json.emitted").read_text().splitlines()]
    assert sorted(n for run in emitted for n in run) == list(range(40))
    assert {len(run) for run in emitted} == {13, 14}
    for index in range(3):
        assert (tmp_path / "state" / f"sharded.shard-{index}-of-3.json").exists()
    records = ledger(tmp_path / "state", "sharded")
    assert sorted(r["shard"] for r in records) == ["0/3", "1/3", "2/3"]
    assert len({r["run_id"] for r in records}) == 1  # one run
    assert seen["parent"] == records[0]["run_id"]  # the final phase knows which run
    assert seen["shards"] == "3"  # ... and how many shards it had
    assert len(ledger(tmp_path / "store", "final")) == 1
    fresh = observes(tmp_path, "freshness")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert [line.split()[0] for line in fresh.stdout.splitlines()[1:]] == ["final", "sharded"]


def test_a_shard_inside_an_array_job_runs_alone_with_its_own_state(tmp_path: Path) -> None:
    items(tmp_path, 10)
    singer_job(tmp_path, "sharded", batch="[batch]\narray_size = 2\n")
    command_job(tmp_path, "final", "print('final')", 'depends_on = ["sharded"]')
    env = {"AWS_BATCH_JOB_ID": "4f0c7d2e-1111:1", "AWS_BATCH_JOB_ARRAY_INDEX": "1",
           "OBSERVES_SHARD_COUNT": "2"}
    done = observes(tmp_path, "run", "sharded", env=env)
    assert done.returncode == 0, done.stderr
    assert "final" not in done.stdout  # Batch runs the final phase (dependsOn)
    emitted = json.loads((tmp_path / "source.json.emitted").read_text())
    assert emitted == [1, 3, 5, 7, 9]
    (record,) = ledger(tmp_path / "state", "sharded")
    assert record["run_id"] == "4f0c7d2e-1111" and record["shard"] == "1/2"
    assert (tmp_path / "state" / "sharded.shard-1-of-2.json").exists()
    wrong = observes(tmp_path, "run", "sharded", env={**env, "AWS_BATCH_JOB_ARRAY_SIZE": "3"})
    assert wrong.returncode == 1
    assert "runs as 3 shards but its [batch] array_size is 2" in wrong.stderr


def test_a_tap_that_takes_no_shards_is_refused_before_anything_runs(tmp_path: Path) -> None:
    items(tmp_path, 10)
    singer_job(tmp_path)
    refused = observes(tmp_path, "run", "sample", "--shards", "2",
                       env={"SAMPLE_TAP_NO_SHARDS": "1"})
    assert refused.returncode == 1
    assert "cannot run as shards: its --about lists no shard_index and shard_count" in \
        refused.stderr
    assert not (tmp_path / "source.json.emitted").exists()


def test_a_failed_shard_fails_the_run_and_skips_the_final_phase(tmp_path: Path) -> None:
    items(tmp_path, 10)
    singer_job(tmp_path, "sharded", target="s3", batch="[batch]\narray_size = 2\n")
    (tmp_path / "jobs" / "sharded.toml").write_text(
        (tmp_path / "jobs" / "sharded.toml").read_text().replace(
            'stream = "items"', 'stream = "items", fail_after = 2'))
    command_job(tmp_path, "final", "print('final ran')", 'depends_on = ["sharded"]')
    failed = observes(tmp_path, "run", "sharded")
    assert failed.returncode == 3
    assert "shard 0/2 exited 3, shard 1/2 exited 3" in failed.stderr
    assert "final ran" not in failed.stdout
    assert ledger(tmp_path / "state", "sharded") == []


# -- the ledger and freshness ------------------------------------------------------------

def test_freshness_lists_each_job_and_fails_on_a_stale_one(tmp_path: Path) -> None:
    items(tmp_path, 5)
    singer_job(tmp_path, "sample", extra='max_age = "26h"')
    command_job(tmp_path, "never", "print(1)", 'max_age = "1h"')
    command_job(tmp_path, "free", "print(1)")
    ran = observes(tmp_path, "run", "sample")
    assert ran.returncode == 0, ran.stderr
    assert observes(tmp_path, "run", "free").returncode == 0
    (record,) = ledger(tmp_path / "state", "sample")
    assert record["job"] == "sample" and record["state_url"].endswith("sample.json")
    assert record["duration_seconds"] > 0
    # The target's report: rows per table, in this run.
    assert (record["records"], record["tables"]) == (5, {"items": 5, "items__tags": 0})
    fresh = observes(tmp_path, "freshness")
    assert fresh.returncode == 1
    lines = {line.split()[0]: line for line in fresh.stdout.splitlines()[1:]}
    assert lines["sample"].endswith("ok") and "26h00m" in lines["sample"]
    assert lines["never"].endswith("STALE (never succeeded)")
    assert lines["free"].endswith("no max_age")
    assert "stale: never" in fresh.stderr
    assert observes(tmp_path, "freshness", "sample", "free").returncode == 0
    time.sleep(1.1)
    stale = observes(tmp_path, "freshness", "sample", "--max-age", "sample=1s")
    assert stale.returncode == 1 and "STALE" in stale.stdout
    unknown = observes(tmp_path, "freshness", "--max-age", "nojob=1h")
    assert unknown.returncode == 1 and "--max-age names no job: nojob" in unknown.stderr
    bad = observes(tmp_path, "freshness", "--max-age", "sample=soon")
    assert bad.returncode == 1 and "'soon' is not a duration" in bad.stderr


def write_record(store: Path, finished: datetime, name: str = "",
                 finished_text: str = "") -> Path:
    """A record of the job ``nightly`` as a run on another host (or an older writer) left
    it: named by its finish time unless ``name`` says otherwise, the finish written with Z
    unless ``finished_text`` says otherwise."""
    name = name or f"{finished:%Y%m%dT%H%M%SZ}-{finished.timestamp():.0f}.json"
    path = store / "runs" / "nightly" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"job": "nightly", "run_id": name.removesuffix(".json"),
                                "shard": None, "duration_seconds": 1.5,
                                "finished_at": finished_text or f"{finished:%Y-%m-%dT%H:%M:%SZ}"}))
    return path


def nightly(tmp_path: Path) -> tuple[Path, datetime]:
    """A job with a max_age of 26h whose ledger the test writes: its store, and now."""
    command_job(tmp_path, "nightly", "print(1)", 'max_age = "26h"')
    return tmp_path / "store", datetime.now(UTC).replace(microsecond=0)


def test_a_record_from_the_future_is_never_fresh_and_the_real_last_success_shows(
        tmp_path: Path) -> None:
    store, now = nightly(tmp_path)
    day = write_record(store, now - timedelta(hours=30))
    # The newest real run, its finish written with "+00:00" rather than "Z".
    real = now - timedelta(hours=2)
    latest = write_record(store, real, finished_text=real.isoformat())
    # A host whose clock was a year ahead: its record sorts last by name.
    ahead = now + timedelta(days=364, minutes=30)
    future = write_record(store, ahead)
    fresh = observes(tmp_path, "freshness", "nightly")
    assert fresh.returncode == 0, fresh.stderr
    (line,) = fresh.stdout.splitlines()[1:]
    assert line.split()[1:] == [f"{real:%Y-%m-%d}", f"{real:%H:%M:%S}", "2h00m", "26h00m",
                                "ok"]
    assert (f"observes: warning: nightly: the ledger record file://{future} finished at "
            f"{ahead:%Y-%m-%d %H:%M:%S} UTC, 364d00h after now") in fresh.stderr
    assert "not counted as a success" in fresh.stderr

    # Without the real runs, the record from the future alone is not a success.
    day.unlink()
    latest.unlink()
    alone = observes(tmp_path, "freshness", "nightly")
    assert alone.returncode == 1
    assert alone.stdout.splitlines()[1].endswith("STALE (never succeeded)")
    assert "stale: nightly" in alone.stderr and "not counted as a success" in alone.stderr


def test_records_are_ordered_by_their_finish_time_not_their_names(tmp_path: Path) -> None:
    store, now = nightly(tmp_path)
    write_record(store, now - timedelta(hours=40))
    # Copied in by hand under a name that sorts first; its finish is the newest, at +02:00.
    recent = now - timedelta(hours=1)
    write_record(store, recent, name="0-copied.json",
                 finished_text=recent.astimezone(timezone(timedelta(hours=2))).isoformat())
    fresh = observes(tmp_path, "freshness", "nightly")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout.splitlines()[1].split()[1:] == [
        f"{recent:%Y-%m-%d}", f"{recent:%H:%M:%S}", "1h00m", "26h00m", "ok"]


def test_a_failed_run_is_not_recorded(tmp_path: Path) -> None:
    command_job(tmp_path, "failing", "import sys; sys.exit(4)", 'max_age = "1h"')
    assert observes(tmp_path, "run", "failing").returncode == 4
    assert ledger(tmp_path / "store", "failing") == []
    assert observes(tmp_path, "freshness", "failing").returncode == 1


# -- the [batch] table -------------------------------------------------------------------

BATCH = """
command = "x"
depends_on = "other"
max_age = "26h"
[batch]
queue = "observes_small"
vcpus = 2
memory = 1024
timeout = "2h"
attempts = 2
schedule = "cron(0 5 * * ? *)"
array_size = 4
environment = { PROJECT = "group/project" }
secrets.TOKEN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:gitlab-Ab12"
secrets.OTHER = "ssm:/observes/other"
"""


def test_a_batch_table_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(tmp_path / "jobs"))
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "job.toml").write_text(BATCH)
    job = load_job("job")
    assert job.batch is not None
    assert (job.batch.queue, job.batch.vcpus, job.batch.memory, job.batch.attempts) == \
        ("observes_small", 2, 1024, 2)
    assert job.batch.timeout == timedelta(hours=2) and job.max_age == timedelta(hours=26)
    assert job.shards == 4 and job.depends_on == ("other",)
    assert job.batch.secrets["OTHER"] == "ssm:/observes/other"


@pytest.mark.parametrize(("change", "message"), [
    (("memory = 1024", "memory = 1024.5"), "memory: a whole number of at least 128"),
    (("array_size = 4", "array_size = 1"), "array_size: a whole number from 2 to 10000"),
    (("cron(0 5 * * ? *)", "cron(0 5 * * *)"), "a cron expression has six fields"),
    (("cron(0 5 * * ? *)", "cron(0 5 1 * 1 *)"), "day-of-month or day-of-week must be ?"),
    (("cron(0 5 * * ? *)", "rate(6 hourz)"), "a rate is a whole number and a unit"),
    (("cron(0 5 * * ? *)", "daily"), "'daily': not a schedule"),
    (('"ssm:/observes/other"', '"glpat-abcdef"'), "secrets.OTHER: give a reference, never "
     "the value"),
    (("PROJECT", "AWS_BATCH_X"), "AWS_BATCH_X: AWS Batch reserves names"),
    (("timeout = \"2h\"", "timeout = \"30s\""), "timeout: AWS Batch needs at least 60 s"),
    (("attempts = 2", "retries = 2"), "unknown key 'retries'"),
    (('depends_on = "other"', 'depends_on = "job"'), "a job cannot depend on itself"),
    (('max_age = "26h"', 'max_age = "a day"'), "max_age: 'a day' is not a duration"),
])
def test_a_bad_batch_table_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    change: tuple[str, str], message: str) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(tmp_path / "jobs"))
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "job.toml").write_text(BATCH.replace(*change))
    with pytest.raises(JobError, match=r"job\.toml") as error:
        load_job("job")
    assert message in str(error.value)
    assert "glpat-abcdef" not in str(error.value)


def test_dependents_come_in_order_and_a_cycle_is_refused(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(tmp_path / "jobs"))
    command_job(tmp_path, "a", "1")
    command_job(tmp_path, "c", "1", 'depends_on = ["b"]')
    command_job(tmp_path, "b", "1", 'depends_on = ["a"]')
    command_job(tmp_path, "z", "1")
    jobs = all_jobs()
    first = next(job for job in jobs if job.name == "a")
    assert [job.name for job in dependents(first, jobs)] == ["b", "c"]
    command_job(tmp_path, "a", "1", 'depends_on = ["c"]')
    with pytest.raises(JobError, match="depends_on makes a cycle"):
        dependents(first, all_jobs())
    command_job(tmp_path, "a", "1", 'depends_on = ["missing"]')
    with pytest.raises(JobError, match="depends_on: no job 'missing'"):
        dependents(first, all_jobs())


def test_lease_documents_are_json_a_person_can_read(tmp_path: Path) -> None:
    blobs = BlobStore()
    url = str(tmp_path / "leases" / "x.json")
    lease = Lease(blobs, url, "x", "run-1", ttl=60)
    lease.acquire()
    document = orjson.loads(Path(url).read_bytes())
    assert document["job"] == "x" and document["run_id"] == "run-1"
    assert list(document["members"]) == ["main"]
    lease.release()


# -- filters between the tap and the target ----------------------------------------------

def test_a_filter_sits_between_the_tap_and_the_target(tmp_path: Path) -> None:
    items(tmp_path, 12)
    path = singer_job(tmp_path)
    cache = tmp_path / "cache" / "sample.json"
    infer = [sys.executable, "-m", "observes_singer.infer.cli", "--save-schema", str(cache)]
    path.write_text(path.read_text().replace(
        "[target]", f"[[filters]]\ncommand = {json.dumps(infer)}\n\n[target]"))
    done = observes(tmp_path, "run", "sample")
    assert done.returncode == 0, done.stderr
    assert cache.exists()  # observes-infer saw the stream and saved its schema
    import duckdb
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        assert connection.execute("SELECT count(*) FROM items").fetchone() == (12,)
    finally:
        connection.close()
    assert (tmp_path / "state" / "sample.json").exists()


@pytest.mark.parametrize(("command", "code", "message"), [
    ([sys.executable, "-c", "import sys; sys.stdin.read(); sys.exit(5)"], 5,
     "tap exited 0, filter "),
    (["no-such-filter-program"], 127, "filter command not found: no-such-filter-program"),
])
def test_a_failing_filter_fails_the_run_and_commits_nothing(
        tmp_path: Path, command: list[str], code: int, message: str) -> None:
    items(tmp_path, 12)
    path = singer_job(tmp_path)
    path.write_text(path.read_text().replace(
        "[target]", f"[[filters]]\ncommand = {json.dumps(command)}\n\n[target]"))
    failed = observes(tmp_path, "run", "sample")
    assert failed.returncode == code, failed.stderr
    assert message in failed.stderr
    assert not (tmp_path / "state" / "sample.json").exists()
    assert ledger(tmp_path / "state", "sample") == []


def test_filters_are_checked_in_the_job_file(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(tmp_path / "jobs"))
    path = singer_job(tmp_path)
    path.write_text(path.read_text().replace(
        "[target]", '[[filters]]\ncommand = ["x"]\nconfig = {}\n\n[target]'))
    with pytest.raises(JobError, match=r"a \[\[filters\]\] table holds one key, command"):
        load_job("sample")
