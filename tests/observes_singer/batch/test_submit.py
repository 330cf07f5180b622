"""``observes batch submit`` and ``observes batch status`` against Batch on the moto server:
a sharded job as an array job, its final phase after it, and the runs listed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.observes_singer.batch.test_deploy import Deployment, launcher_command, make_deployment
from tests.support.aws_batch import create_queue

SHARDS = 'command = ["true"]\n[batch]\narray_size = 3\n'
FINAL = 'command = ["true"]\ndepends_on = "shards"\n[batch]\nqueue = "{queue}"\n'


@pytest.fixture
def deployment(moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> Deployment:
    return make_deployment(moto_server, tmp_path, monkeypatch, capsys)


def submit(deployment: Deployment, job: str) -> tuple[int, str, str]:
    return deployment.observes("batch", "submit", job, "--prefix", deployment.prefix)


def status(deployment: Deployment, *args: str) -> tuple[int, str, str]:
    return deployment.observes("batch", "status", *args, "--prefix", deployment.prefix)


def test_a_sharded_job_is_an_array_and_its_final_phase_runs_after_it(
        deployment: Deployment, moto_server: str) -> None:
    final_queue = create_queue(moto_server, "final")
    deployment.write("shards", SHARDS)
    deployment.write("shards-final", FINAL.format(queue=final_queue.name))
    assert deployment.deploy()[0] == 0

    code, out, err = submit(deployment, "shards")

    assert (code, err) == (0, "")
    first, second = out.splitlines()
    array_name, array_id, *array_rest = first.split()
    final_name, final_id, *final_rest = second.split()
    assert (array_name, array_rest) == (deployment.name("shards"), ["array", "of", "3"])
    assert (final_name, final_rest) == (deployment.name("shards-final"), ["after", array_id])
    batch = deployment.queue.client()
    jobs = {job["jobId"]: job for job in batch.describe_jobs(jobs=[array_id, final_id])["jobs"]}
    array, final = jobs[array_id], jobs[final_id]
    assert array["arrayProperties"]["size"] == 3
    assert array["jobQueue"] == deployment.queue.arn
    assert array["jobDefinition"].split("/")[-1] == f"{deployment.name('shards')}:1"
    assert array["tags"] == {"observes:job": "shards"}
    assert array.get("dependsOn") == []
    assert final["dependsOn"] == [{"jobId": array_id}]
    # ... and knows which run it finishes: the array job's id, its shards' run id.
    environment = {e["name"]: e["value"] for e in final["container"]["environment"]}
    assert environment["OBSERVES_PARENT_RUN_ID"] == array_id
    assert environment["OBSERVES_PARENT_SHARD_COUNT"] == "3"  # how many parts to expect
    assert final["jobQueue"] == final_queue.arn
    assert final["tags"] == {"observes:job": "shards-final"}
    assert "arrayProperties" not in final


def test_submitting_a_job_not_deployed_is_an_error(deployment: Deployment) -> None:
    deployment.write("shards", SHARDS)
    deployment.write("shards-final", FINAL.format(queue=deployment.queue.name))

    code, out, err = submit(deployment, "shards")

    assert (code, out) == (1, "")
    assert f"job shards: no job definition {deployment.name('shards')} is registered: run " \
        "`observes batch deploy shards` first" in err

    assert deployment.deploy("shards")[0] == 0
    code, out, err = submit(deployment, "shards")

    assert (code, out) == (1, "")  # nothing submitted when a dependent cannot be
    assert "`observes batch deploy shards-final` first" in err
    assert status(deployment)[0] == 3


def test_status_lists_the_runs_newest_first(deployment: Deployment) -> None:
    deployment.write("shards", SHARDS)
    deployment.write("shards-final", FINAL.format(queue=deployment.queue.name))
    deployment.write("other", 'command = ["true"]\n[batch]\n')
    assert deployment.deploy()[0] == 0
    code, out, err = status(deployment, "shards")
    assert (code, out) == (3, "")
    assert f"no runs of {deployment.name('shards')} in {deployment.queue.name}" in err

    submitted: list[list[str]] = []  # the ids of each submit: the job, then its final phase
    for job in ("shards", "other", "shards"):
        submitted.append([line.split()[1] for line in submit(deployment, job)[1].splitlines()])
        time.sleep(0.01)
    ids = [each[0] for each in submitted]

    code, out, err = status(deployment, "shards")

    assert (code, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == ["JOB", "JOB", "ID", "STATUS", "CREATED", "DURATION", "REASON"]
    assert [row.split()[1] for row in rows] == [ids[2], ids[0]]
    for row in rows:
        assert row.split()[0] == deployment.name("shards")
        assert "SUCCEEDED (array of 3: 3 SUCCEEDED)" in row
        assert row.rstrip().endswith("0s")

    code, out, _ = status(deployment)

    assert code == 0
    listed = [row.split()[:2] for row in out.splitlines()[1:]]
    submit_of = {job_id: n for n, each in enumerate(submitted) for job_id in each}
    assert sorted(job_id for _, job_id in listed) == sorted(submit_of)
    order = [submit_of[job_id] for _, job_id in listed]
    assert order == sorted(order, reverse=True)
    assert {name for name, _ in listed} == {deployment.name(job) for job in
                                            ("shards", "shards-final", "other")}

    code, out, _ = status(deployment, "shards", "--limit", "1")

    assert code == 0
    assert [row.split()[1] for row in out.splitlines()[1:]] == [ids[2]]


def test_status_needs_a_queue(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBSERVES_BATCH_QUEUE")
    deployment.write("other", 'command = ["true"]\n[batch]\n')

    code, _, err = status(deployment)

    assert code == 1
    assert "no queue to look in" in err


def test_status_pages_through_as_many_runs_as_asked(deployment: Deployment) -> None:
    deployment.write("other", 'command = ["true"]\n[batch]\n')
    assert deployment.deploy()[0] == 0
    name = deployment.name("other")
    batch = deployment.queue.client()
    ids = [batch.submit_job(jobName=name, jobQueue=deployment.queue.name,
                            jobDefinition=name)["jobId"] for _ in range(45)]

    code, out, err = status(deployment, "other", "--limit", "40")

    assert (code, err) == (0, "")
    listed = [row.split()[1] for row in out.splitlines()[1:]]
    assert len(listed) == 40 and set(listed) <= set(ids)

    code, out, err = status(deployment, "other", "--limit", "100")

    assert (code, err) == (0, "")
    assert sorted(row.split()[1] for row in out.splitlines()[1:]) == sorted(ids)


SCHEDULED = 'command = ["true"]\n[batch]\narray_size = 3\nschedule = "cron(0 2 * * ? *)"\n'


def scheduled_time(minutes_ago: int) -> str:
    moment = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def jobs_named(deployment: Deployment, job: str) -> list[str]:
    listed = deployment.queue.client().list_jobs(
        jobQueue=deployment.queue.name,
        filters=[{"name": "JOB_NAME", "values": [deployment.name(job)]}])["jobSummaryList"]
    return [summary["jobId"] for summary in listed if ":" not in summary["jobId"]]


@pytest.fixture
def launcher(deployment: Deployment) -> Callable[[str], list[str]]:
    """The scheduled chain deployed; the launcher's command for a scheduled time."""
    deployment.write("shards", SCHEDULED)
    deployment.write("shards-final", FINAL.format(queue=deployment.queue.name))
    assert deployment.deploy()[0] == 0
    schedule = deployment.schedule("shards")
    assert schedule is not None
    return lambda when: launcher_command(schedule, when)


def test_a_launcher_run_again_for_the_same_scheduled_time_submits_once(
        deployment: Deployment, launcher: Callable[[str], list[str]]) -> None:
    when = scheduled_time(1)

    code, first, err = deployment.observes(*launcher(when))
    assert (code, err) == (0, "")
    code, again, err = deployment.observes(*launcher(when))  # Batch retried the launcher

    assert (code, err) == (0, "")
    ids = [line.split()[1] for line in first.splitlines()]
    assert again.splitlines() == [
        f"{deployment.name('shards')}  {ids[0]}  submitted before (run {when})",
        f"{deployment.name('shards-final')}  {ids[1]}  submitted before (run {when})"]
    assert jobs_named(deployment, "shards") == [ids[0]]
    assert jobs_named(deployment, "shards-final") == [ids[1]]
    tags = deployment.queue.client().describe_jobs(jobs=ids)["jobs"][0]["tags"]
    assert tags == {"observes:job": "shards", "observes:run": when}

    code, later, _ = deployment.observes(*launcher(scheduled_time(0)))  # the next run

    assert code == 0 and "submitted before" not in later
    assert len(jobs_named(deployment, "shards")) == 2


def test_a_launcher_that_died_between_submissions_submits_only_what_is_missing(
        deployment: Deployment, launcher: Callable[[str], list[str]]) -> None:
    when = scheduled_time(1)
    name = deployment.name("shards")
    # The first attempt submitted the array job, then its host went away.
    array_id = deployment.queue.client().submit_job(
        jobName=name, jobQueue=deployment.queue.name, jobDefinition=name,
        arrayProperties={"size": 3}, tags={"observes:job": "shards", "observes:run": when},
    )["jobId"]

    code, out, err = deployment.observes(*launcher(when))

    assert (code, err) == (0, "")
    first, second = out.splitlines()
    assert first == f"{name}  {array_id}  submitted before (run {when})"
    final_id = second.split()[1]
    assert second == f"{deployment.name('shards-final')}  {final_id}  after {array_id}"
    assert jobs_named(deployment, "shards") == [array_id]
    [final] = deployment.queue.client().describe_jobs(jobs=[final_id])["jobs"]
    assert final["dependsOn"] == [{"jobId": array_id}]


def test_inside_batch_a_submit_retried_in_the_same_job_submits_once(
        deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    deployment.write("shards", SHARDS)
    deployment.write("shards-final", FINAL.format(queue=deployment.queue.name))
    assert deployment.deploy()[0] == 0
    name = deployment.name("shards")
    own = deployment.queue.client().submit_job(  # the job this submit runs in
        jobName=f"{name}-launcher", jobQueue=deployment.queue.name, jobDefinition=name)
    monkeypatch.setenv("AWS_BATCH_JOB_ID", own["jobId"])

    first = submit(deployment, "shards")[1]
    code, again, err = submit(deployment, "shards")

    assert (code, err) == (0, "")
    assert [line.split()[1] for line in again.splitlines()] == \
        [line.split()[1] for line in first.splitlines()]
    assert all(line.endswith(f"submitted before (run {own['jobId']})")
               for line in again.splitlines())
    assert len(jobs_named(deployment, "shards")) == 1
