"""A job file's [batch] table refuses what would hurt in production: a secret stored in
clear in the job definition, and a schedule EventBridge Scheduler would never run."""

from __future__ import annotations

from pathlib import Path

import pytest

from observes_singer.jobs.files import JobError, load_job


def job_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: str) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(tmp_path / "jobs"))
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "job.toml").write_text(f'command = ["true"]\n[batch]\n{batch}\n')


@pytest.mark.parametrize(("environment", "why"), [
    ('DB_PASSWORD = "hunter2-in-clear"', "DB_PASSWORD looks like a secret's name"),
    ('api_token = "hunter2-in-clear"', "api_token looks like a secret's name"),
    ('CLIENT_SECRET = "hunter2-in-clear"', "CLIENT_SECRET looks like a secret's name"),
    ('AWS_ACCESS_KEY = "hunter2-in-clear"', "AWS_ACCESS_KEY looks like a secret's name"),
    ('WAREHOUSE = "postgresql://etl:hunter2-in-clear@db:5432/w"',
     "WAREHOUSE holds a URL with credentials"),
])
def test_a_secret_in_the_batch_environment_is_refused_without_showing_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: str, why: str) -> None:
    job_file(tmp_path, monkeypatch, f"environment = {{ {environment} }}")
    with pytest.raises(JobError) as refused:
        load_job("job")
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'jobs' / 'job.toml'}: batch.environment: {why}")
    assert "name it in secrets" in message and "hunter2" not in message


def test_plain_settings_in_the_batch_environment_are_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    job_file(tmp_path, monkeypatch, 'environment = { PROJECT = "group/project", '
             'API_URL = "https://gitlab.com/api/v4" }')
    job = load_job("job")
    assert job.batch is not None and job.batch.environment["PROJECT"] == "group/project"


@pytest.mark.parametrize(("schedule", "message"), [
    ("cron(99 99 * * ? *)", "minutes '99': from 0 to 59"),
    ("cron(0 24 * * ? *)", "hours '24': from 0 to 23"),
    ("cron(0 5 32 * ? *)", "day-of-month '32': from 1 to 31"),
    ("cron(0 5 0 * ? *)", "day-of-month '0': from 1 to 31"),
    ("cron(0 5 ? 13 MON *)", "month '13': from 1 to 12 or JAN-DEC"),
    ("cron(0 5 ? * 8 *)", "day-of-week '8': from 1 to 7 or SUN-SAT"),
    ("cron(0 5 ? * FUN *)", "day-of-week 'FUN': from 1 to 7 or SUN-SAT"),
    ("cron(0 5 ? * 2#6 *)", "day-of-week '2#6': DAY#N takes one day and N from 1 to 5"),
    ("cron(0 5 * * ? 2200)", "year '2200': from 1970 to 2199"),
    ("cron(0/0 5 * * ? *)", "minutes '0/0': an increment is START/N"),
    ("cron(0 5-25 * * ? *)", "hours '25': from 0 to 23"),
    ("cron(0 5 * * ? 1969-1999)", "year '1969': from 1970 to 2199"),
    ("at(2026-13-01T05:00:00)", "month must be in 1..12"),
    ("at(2026-12-01 05:00)", "write at(yyyy-mm-ddThh:mm:ss)"),
])
def test_a_schedule_out_of_eventbridge_ranges_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, schedule: str, message: str) -> None:
    job_file(tmp_path, monkeypatch, f'schedule = "{schedule}"')
    with pytest.raises(JobError) as refused:
        load_job("job")
    assert f"batch.schedule: {schedule!r}: {message}" in str(refused.value)


@pytest.mark.parametrize("schedule", [
    "cron(0 5 * * ? *)", "cron(0/15 8-17 ? * MON-FRI *)", "cron(0 8 L * ? *)",
    "cron(0 8 15W * ? *)", "cron(0 8 LW * ? *)", "cron(0 8 ? * 6L *)",
    "cron(0 8 ? * 3#2 *)", "cron(5,35 */2 1-15/3 JAN,jul ? 2026-2030)", "rate(6 hours)",
    "at(2026-12-01T05:00:00)",
])
def test_schedules_eventbridge_takes_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              schedule: str) -> None:
    job_file(tmp_path, monkeypatch, f'schedule = "{schedule}"')
    job = load_job("job")
    assert job.batch is not None and job.batch.schedule == schedule


def test_an_unknown_time_zone_is_refused(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    job_file(tmp_path, monkeypatch, 'schedule = "rate(1 day)"\ntimezone = "Mars/Olympus"')
    with pytest.raises(JobError, match=r"timezone: 'Mars/Olympus' is not an IANA time zone"):
        load_job("job")


@pytest.mark.parametrize("vcpus", ["0.25", "1.5"])
def test_a_fraction_of_a_vcpu_is_refused_on_ec2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vcpus: str) -> None:
    job_file(tmp_path, monkeypatch, f"vcpus = {vcpus}")
    with pytest.raises(JobError) as refused:
        load_job("job")
    assert str(refused.value) == (
        f"{tmp_path / 'jobs' / 'job.toml'}: batch.vcpus: {vcpus}: AWS Batch on EC2 takes "
        "whole vCPUs (1, 2, 4, ...); fractions are for Fargate only")


def test_whole_vcpus_written_as_a_float_are_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    job_file(tmp_path, monkeypatch, "vcpus = 2.0")
    job = load_job("job")
    assert job.batch is not None and job.batch.vcpus == 2


@pytest.mark.parametrize(("vcpus", "memory"), [(0.25, 512), (0.5, 4096), (1, 8192),
                                               (4, 30720), (8, 61440), (16, 122880)])
def test_fargate_takes_the_pairs_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         vcpus: float, memory: int) -> None:
    job_file(tmp_path, monkeypatch, f'platform = "fargate"\nvcpus = {vcpus}\nmemory = {memory}')
    job = load_job("job")
    assert job.batch is not None
    assert (job.batch.platform, job.batch.vcpus, job.batch.memory) == ("fargate", vcpus, memory)
    assert (job.batch.assign_public_ip, job.batch.ephemeral_storage,
            job.batch.platform_version) == (False, None, "LATEST")


@pytest.mark.parametrize(("vcpus", "memory", "message"), [
    (0.25, 4096, "0.25 vCPU with 4096 MiB is not a size Fargate runs; with 0.25 vCPU it "
     "takes 512, 1024, 2048 MiB; nearest: 0.5 vCPU with 4096 MiB or 0.25 vCPU with 2048 MiB"),
    (1, 10240, "1 vCPU with 10240 MiB is not a size Fargate runs; with 1 vCPU it takes "
     "2048-8192 in steps of 1024 MiB; nearest: 2 vCPU with 10240 MiB or 1 vCPU with 8192 MiB"),
    (3, 8192, "3 vCPU with 8192 MiB is not a size Fargate runs; it takes 0.25, 0.5, 1, 2, 4, "
     "8, 16, 32 vCPU; nearest: 4 vCPU with 8192 MiB or 2 vCPU with 8192 MiB"),
    (0.25, 256, "0.25 vCPU with 256 MiB is not a size Fargate runs; with 0.25 vCPU it takes "
     "512, 1024, 2048 MiB; nearest: 0.25 vCPU with 512 MiB"),
])
def test_a_pair_fargate_does_not_run_is_refused_naming_the_nearest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vcpus: float, memory: int,
        message: str) -> None:
    job_file(tmp_path, monkeypatch, f'platform = "fargate"\nvcpus = {vcpus}\nmemory = {memory}')
    with pytest.raises(JobError) as refused:
        load_job("job")
    assert str(refused.value) == \
        f"{tmp_path / 'jobs' / 'job.toml'}: batch: vcpus and memory: {message}"


@pytest.mark.parametrize(("batch", "message"), [
    ('platform = "FARGATE"', "batch.platform: 'FARGATE': one of ec2, fargate"),
    ("assign_public_ip = true", 'batch.assign_public_ip: only a job on Fargate takes it '
     '(platform = "fargate")'),
    ("ephemeral_storage = 50", "batch.ephemeral_storage: only a job on Fargate takes it"),
    ('platform = "fargate"\nephemeral_storage = 20',
     "batch.ephemeral_storage: a whole number from 21 to 200, not 20"),
    ('platform = "fargate"\nephemeral_storage = 201',
     "batch.ephemeral_storage: a whole number from 21 to 200, not 201"),
    ('platform = "fargate"\nassign_public_ip = "yes"', "batch.assign_public_ip: true or false"),
    ('platform = "fargate"\nplatform_version = "newest"',
     "batch.platform_version: 'newest': LATEST or a Fargate platform version such as 1.4.0"),
])
def test_fargate_settings_out_of_place_or_range_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: str, message: str) -> None:
    job_file(tmp_path, monkeypatch, batch)
    with pytest.raises(JobError) as refused:
        load_job("job")
    assert message in str(refused.value)
