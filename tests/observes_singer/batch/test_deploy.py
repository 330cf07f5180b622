"""``observes batch deploy`` against Batch, EventBridge Scheduler, Secrets Manager and SSM on
the moto server: job definitions and schedules as the job files say, idempotent."""

from __future__ import annotations

import json
import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from observes_singer.cli import main
from tests.support.aws_batch import BatchQueue, create_queue

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/observes:1"
EXECUTION_ROLE = "arn:aws:iam::123456789012:role/observes-batch-execution"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/observes-scheduler"
_SETTINGS = ("OBSERVES_BATCH_IMAGE", "OBSERVES_BATCH_QUEUE", "OBSERVES_BATCH_JOB_ROLE_ARN",
             "OBSERVES_BATCH_EXECUTION_ROLE_ARN", "OBSERVES_SCHEDULER_ROLE_ARN",
             "OBSERVES_STATE_STORE")


@dataclass
class Deployment:
    """A jobs folder, a queue and a fresh prefix on the moto server; runs ``observes``."""

    jobs: Path
    queue: BatchQueue
    prefix: str
    capsys: pytest.CaptureFixture[str]

    def write(self, name: str, toml: str) -> None:
        (self.jobs / f"{name}.toml").write_text(textwrap.dedent(toml))

    def observes(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(args))
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def deploy(self, *args: str) -> tuple[int, str, str]:
        return self.observes("batch", "deploy", *args, "--prefix", self.prefix)

    def name(self, job: str) -> str:
        return f"{self.prefix}-{job}"

    def revisions(self, job: str) -> list[dict[str, Any]]:
        found = self.queue.client().describe_job_definitions(
            jobDefinitionName=self.name(job), status="ACTIVE")["jobDefinitions"]
        return sorted(found, key=lambda d: d["revision"])

    def schedule(self, job: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.queue.client("scheduler").get_schedule(
                Name=self.name(job), GroupName="default")
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ResourceNotFoundException"
            return None
        return found


@pytest.fixture
def deployment(moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> Deployment:
    return make_deployment(moto_server, tmp_path, monkeypatch, capsys)


def make_deployment(moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> Deployment:
    for name in _SETTINGS:
        monkeypatch.delenv(name, raising=False)
    queue = create_queue(moto_server)
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(jobs))
    monkeypatch.setenv("OBSERVES_STATE_STORE", "s3://observes.state/")
    monkeypatch.setenv("OBSERVES_BATCH_IMAGE", IMAGE)
    monkeypatch.setenv("OBSERVES_BATCH_QUEUE", queue.name)
    monkeypatch.setenv("OBSERVES_SCHEDULER_ROLE_ARN", SCHEDULER_ROLE)
    return Deployment(jobs, queue, f"t{uuid.uuid4().hex[:10]}", capsys)


GITLAB = """\
    description = "GitLab"
    command = ["true"]

    [batch]
    memory = {memory}
    vcpus = 2
    timeout = "2h"
    attempts = 4
    schedule = "cron(0 5 * * ? *)"
    timezone = "America/Bogota"
    environment = {{ GITLAB_PROJECT = "fluidattacks/universe" }}
"""


def test_deploy_registers_the_definition_and_schedule_once(deployment: Deployment) -> None:
    deployment.write("gitlab", GITLAB.format(memory=2048))

    code, out, err = deployment.deploy("--state-store", "s3://observes.state/jobs/")

    assert (code, err) == (0, "")
    name = deployment.name("gitlab")
    assert f"register job definition {name} (revision 1): new" in out
    assert f"create schedule {name}: cron(0 5 * * ? *) America/Bogota, submits {name}" in out
    [registered] = deployment.revisions("gitlab")
    container = registered["containerProperties"]
    assert container["image"] == IMAGE
    assert container["command"] == ["run", "gitlab"]
    assert {r["type"]: r["value"] for r in container["resourceRequirements"]} == \
        {"VCPU": "2", "MEMORY": "2048"}
    assert {e["name"]: e["value"] for e in container["environment"]} == {
        # older ECS agents on EC2 give the container no region; boto3 needs one
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "GITLAB_PROJECT": "fluidattacks/universe",
        "OBSERVES_BATCH_QUEUE": deployment.queue.name,  # what batch-stability watches
        "OBSERVES_STATE_STORE": "s3://observes.state/jobs/"}
    assert "executionRoleArn" not in container and "jobRoleArn" not in container
    # the default platform: an EC2 definition, without Fargate's settings
    assert registered.get("platformCapabilities", ["EC2"]) == ["EC2"]
    assert "networkConfiguration" not in container
    assert "fargatePlatformConfiguration" not in container
    retry = registered["retryStrategy"]
    assert retry["attempts"] == 4
    # moto lower-cases the actions it stores; Batch takes them in any case.
    assert [{**rule, "action": rule["action"].upper()} for rule in retry["evaluateOnExit"]] == [
        {"onStatusReason": "Host EC2*", "action": "RETRY"},
        {"onReason": "AGENT*", "action": "RETRY"},
        {"onStatusReason": "Task failed to start*", "action": "RETRY"},
        {"onStatusReason": "Your Spot Task was interrupted*", "action": "RETRY"},
        {"onReason": "*", "action": "EXIT"}]
    assert registered["timeout"] == {"attemptDurationSeconds": 7200}
    assert registered["propagateTags"] is True
    assert registered["tags"]["observes:job"] == "gitlab"
    assert len(registered["tags"]["observes:spec"]) == 64

    schedule = deployment.schedule("gitlab")
    assert schedule is not None
    assert schedule["ScheduleExpression"] == "cron(0 5 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "America/Bogota"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:batch:submitJob"
    assert schedule["Target"]["RoleArn"] == SCHEDULER_ROLE
    assert json.loads(schedule["Target"]["Input"]) == {
        "JobName": name, "JobQueue": deployment.queue.name, "JobDefinition": name}

    code, again, err = deployment.deploy("--state-store", "s3://observes.state/jobs/")

    assert (code, err) == (0, "")
    assert again.splitlines() == [f"job definition {name} (revision 1): up to date",
                                  f"schedule {name}: up to date",
                                  "everything is up to date"]
    assert len(deployment.revisions("gitlab")) == 1
    unchanged = deployment.schedule("gitlab")
    assert unchanged is not None
    assert unchanged["LastModificationDate"] == schedule["LastModificationDate"]
    assert unchanged["Target"] == schedule["Target"]


def test_a_change_registers_a_revision_and_updates_the_schedule_only_if_its_input_changed(
        deployment: Deployment) -> None:
    deployment.write("gitlab", GITLAB.format(memory=2048))
    assert deployment.deploy()[0] == 0
    before = deployment.schedule("gitlab")
    assert before is not None
    name = deployment.name("gitlab")

    deployment.write("gitlab", GITLAB.format(memory=4096))
    code, out, _ = deployment.deploy()

    assert code == 0
    assert f"register job definition {name} (revision 2): changed: memory 2048 -> 4096" in out
    assert f"schedule {name}: up to date" in out
    revisions = deployment.revisions("gitlab")
    assert [r["revision"] for r in revisions] == [1, 2]
    assert {r["type"]: r["value"] for r in revisions[-1]["containerProperties"][
        "resourceRequirements"]}["MEMORY"] == "4096"
    after = deployment.schedule("gitlab")
    assert after is not None and after["LastModificationDate"] == before["LastModificationDate"]

    deployment.write("gitlab", GITLAB.format(memory=4096) + "    array_size = 4\n")
    code, out, _ = deployment.deploy()

    assert code == 0
    assert f"register job definition {name} (revision 3): changed: environment " \
        "+OBSERVES_SHARD_COUNT" in out
    assert f"update schedule {name}: input" in out
    updated = deployment.schedule("gitlab")
    assert updated is not None
    assert json.loads(updated["Target"]["Input"])["ArrayProperties"] == {"Size": 4}


def test_dry_run_changes_nothing(deployment: Deployment) -> None:
    deployment.write("gitlab", GITLAB.format(memory=2048))
    name = deployment.name("gitlab")

    code, out, _ = deployment.deploy("--dry-run")

    assert code == 0
    assert out.splitlines() == [
        f"would register job definition {name}: new",
        f"would create schedule {name}: cron(0 5 * * ? *) America/Bogota, submits {name}",
        "would make 2 changes"]
    assert deployment.revisions("gitlab") == []
    assert deployment.schedule("gitlab") is None

    assert deployment.deploy()[0] == 0
    deployment.write("gitlab", GITLAB.format(memory=4096).replace("0 5", "30 6"))
    code, out, _ = deployment.deploy("--dry-run")

    assert code == 0
    assert f"would register job definition {name}: changed: memory 2048 -> 4096" in out
    assert f"would update schedule {name}: expression cron(0 5 * * ? *) -> " \
        "cron(30 6 * * ? *)" in out
    assert len(deployment.revisions("gitlab")) == 1
    schedule = deployment.schedule("gitlab")
    assert schedule is not None and schedule["ScheduleExpression"] == "cron(0 5 * * ? *)"


def test_secrets_by_short_name_are_resolved_to_arns(deployment: Deployment) -> None:
    secrets = deployment.queue.client("secretsmanager")
    token_arn = secrets.create_secret(Name=f"{deployment.prefix}/gitlab-token",
                                      SecretString="glpat-never-shown")["ARN"]
    ssm = deployment.queue.client("ssm")
    ssm.put_parameter(Name=f"/{deployment.prefix}/warehouse-url", Type="SecureString",
                      Value="redshift://user:never-shown@host/db")
    listed = ssm.get_parameter(Name=f"/{deployment.prefix}/warehouse-url")["Parameter"]["ARN"]
    full = "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf"
    deployment.write("gitlab", f"""\
        command = ["true"]

        [batch]
        secrets = {{ GITLAB_TOKEN = "secretsmanager:{deployment.prefix}/gitlab-token", \
WAREHOUSE_URL = "ssm:/{deployment.prefix}/warehouse-url", OTHER = "{full}" }}
    """)

    code, out, err = deployment.deploy("--execution-role-arn", EXECUTION_ROLE)

    assert (code, err) == (0, "")
    assert "never-shown" not in out
    [registered] = deployment.revisions("gitlab")
    container = registered["containerProperties"]
    assert container["executionRoleArn"] == EXECUTION_ROLE
    assert container["secrets"] == [{"name": "GITLAB_TOKEN", "valueFrom": token_arn},
                                    {"name": "OTHER", "valueFrom": full},
                                    {"name": "WAREHOUSE_URL", "valueFrom": listed}]
    assert "never-shown" not in json.dumps(registered)


@pytest.mark.parametrize("reference", ["secretsmanager:observes-test/missing",
                                       "ssm:/observes-test/missing"])
def test_a_missing_secret_is_an_error_naming_the_job_and_variable(
        deployment: Deployment, reference: str) -> None:
    deployment.write("gitlab", f"""\
        command = ["true"]

        [batch]
        secrets = {{ GITLAB_TOKEN = "{reference}" }}
    """)

    code, out, err = deployment.deploy("--execution-role-arn", EXECUTION_ROLE)

    assert code == 1
    assert "job gitlab: [batch] secrets.GITLAB_TOKEN: no " in err
    assert "observes-test/missing" in err
    assert out == ""
    assert deployment.revisions("gitlab") == []


@pytest.mark.parametrize(("unset", "toml", "message"), [
    ("OBSERVES_BATCH_IMAGE", 'command = ["true"]\n[batch]\n',
     "no image: give --image URI or set OBSERVES_BATCH_IMAGE"),
    ("OBSERVES_SCHEDULER_ROLE_ARN", 'command = ["true"]\n[batch]\nschedule = "rate(1 day)"\n',
     "job gitlab has a schedule, which EventBridge Scheduler runs with its own role: give "
     "--scheduler-role-arn"),
    ("OBSERVES_BATCH_EXECUTION_ROLE_ARN",
     'command = ["true"]\n[batch]\nsecrets = { T = "ssm:/t" }\n',
     "job gitlab has secrets, which Batch fetches with the execution role: give "
     "--execution-role-arn"),
    ("OBSERVES_BATCH_QUEUE", 'command = ["true"]\n[batch]\nschedule = "rate(1 day)"\n',
     "job gitlab: no queue: set queue in its [batch] table, or give --queue NAME"),
])
def test_missing_settings_are_errors(deployment: Deployment, monkeypatch: pytest.MonkeyPatch,
                                     unset: str, toml: str, message: str) -> None:
    monkeypatch.delenv(unset, raising=False)
    deployment.write("gitlab", toml)

    code, _, err = deployment.deploy()

    assert code == 1
    assert message in err
    assert deployment.revisions("gitlab") == []


SHARDED = """\
    command = ["true"]

    [batch]
    array_size = 3
    schedule = "cron(0 2 * * ? *)"
"""
FINAL = """\
    command = ["true"]
    depends_on = "shards"

    [batch]
    queue = "{queue}"
"""


def test_a_sharded_job_with_a_final_phase_is_scheduled_through_the_launcher(
        deployment: Deployment) -> None:
    deployment.write("shards", SHARDED)
    deployment.write("lonely", SHARDED)
    deployment.write("shards-final", FINAL.format(queue=deployment.queue.name))

    code, out, err = deployment.deploy()

    assert (code, err) == (0, "")
    name = deployment.name("shards")
    assert f"create schedule {name}: cron(0 2 * * ? *) UTC, submits {name}-launcher" in out
    schedule = deployment.schedule("shards")
    assert schedule is not None
    assert json.loads(schedule["Target"]["Input"]) == {
        "JobName": f"{name}-launcher", "JobQueue": deployment.queue.name,
        "JobDefinition": name,
        "ContainerOverrides": {"Command": ["batch", "submit", "shards", "--prefix",
                                           deployment.prefix, "--region", "us-east-1",
                                           "--run-id", "<aws.scheduler.scheduled-time>",
                                           "--queue", deployment.queue.name]}}
    # What the launcher runs in the job's image (whose entrypoint is `observes`):
    code, out, err = deployment.observes(*launcher_command(schedule, "2026-12-01T02:00:00Z"))
    assert (code, err) == (0, "")
    assert [line.split()[0] for line in out.splitlines()] == [name,
                                                             deployment.name("shards-final")]
    [registered] = deployment.revisions("shards")
    assert {"name": "OBSERVES_SHARD_COUNT", "value": "3"} in \
        registered["containerProperties"]["environment"]
    assert len(deployment.revisions("shards-final")) == 1
    assert deployment.schedule("shards-final") is None
    lonely = deployment.schedule("lonely")
    assert lonely is not None
    assert json.loads(lonely["Target"]["Input"]) == {
        "JobName": deployment.name("lonely"), "JobQueue": deployment.queue.name,
        "JobDefinition": deployment.name("lonely"), "ArrayProperties": {"Size": 3}}


def launcher_command(schedule: dict[str, Any], scheduled_time: str) -> list[str]:
    """The command of the launcher a schedule submits, as Scheduler fires it for
    ``scheduled_time``: with its context attribute replaced."""
    command: list[str] = json.loads(schedule["Target"]["Input"])["ContainerOverrides"][
        "Command"]
    return [part.replace("<aws.scheduler.scheduled-time>", scheduled_time) for part in command]


def test_the_launcher_needs_the_final_phase_deployed(deployment: Deployment) -> None:
    deployment.write("shards", SHARDED)
    deployment.write("shards-final", FINAL.format(queue=deployment.queue.name))

    code, _, err = deployment.deploy("shards")

    assert code == 1
    assert "job shards runs shards-final after it, which has no job definition: deploy " \
        "shards-final too" in err
    assert deployment.revisions("shards") == []


def test_deploying_every_job_deletes_the_schedules_left_behind(deployment: Deployment) -> None:
    daily = 'command = ["true"]\n[batch]\nschedule = "rate(1 day)"\n'
    for job in ("kept", "unscheduled", "removed"):
        deployment.write(job, daily)
    assert deployment.deploy()[0] == 0
    scheduler = deployment.queue.client("scheduler")
    foreign = deployment.name("foreign")
    scheduler.create_schedule(
        Name=foreign, ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": "arn:aws:sqs:us-east-1:123456789012:q", "RoleArn": SCHEDULER_ROLE})
    deployment.write("unscheduled", 'command = ["true"]\n[batch]\n')
    (deployment.jobs / "removed.toml").unlink()

    code, out, _ = deployment.deploy("kept")

    assert code == 0
    assert "delete" not in out
    assert deployment.schedule("removed") is not None

    dry = deployment.deploy("--dry-run")[1]
    code, out, _ = deployment.deploy()

    assert code == 0
    deleted = [line for line in out.splitlines() if line.startswith("delete ")]
    assert len(deleted) == 2
    assert [line for line in dry.splitlines() if "delete" in line] == \
        [f"would {line}" for line in deleted]
    assert f"delete schedule {deployment.name('unscheduled')}: job unscheduled has no " \
        "schedule" in out
    assert f"delete schedule {deployment.name('removed')}: no job removed in " \
        f"{deployment.jobs}" in out
    assert deployment.schedule("kept") is not None
    assert deployment.schedule("unscheduled") is None
    assert deployment.schedule("removed") is None
    assert deployment.schedule("foreign") is not None  # not made by a deploy: left alone
    assert deployment.deploy()[1].endswith("everything is up to date\n")


def test_a_named_job_without_a_batch_table_gets_the_defaults(deployment: Deployment) -> None:
    deployment.write("plain", 'command = ["true"]\n')

    assert deployment.deploy()[1] == "everything is up to date\n"
    assert deployment.deploy("plain")[0] == 0
    [registered] = deployment.revisions("plain")
    container = registered["containerProperties"]
    assert {r["type"]: r["value"] for r in container["resourceRequirements"]} == \
        {"VCPU": "1", "MEMORY": "2048"}
    assert registered["retryStrategy"]["attempts"] == 3
    assert "timeout" not in registered



def test_a_command_job_needs_a_shared_state_store(deployment: Deployment,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    deployment.write("tool", 'command = ["true"]\n[batch]\nmemory = 512\n')
    monkeypatch.delenv("OBSERVES_STATE_STORE")
    code, _, err = deployment.deploy()
    assert code == 1
    assert "job tool runs a command: its lease and run records live in the state store" in err
    code, _, err = deployment.deploy("--state-store", "/tmp/observes-state/")
    assert code == 1 and "give an S3 URL (s3://bucket/prefix/)" in err
    assert deployment.revisions("tool") == []


def test_a_one_time_schedule_in_the_past_is_refused_before_anything_changes(
        deployment: Deployment) -> None:
    deployment.write("gitlab", GITLAB.format(memory=2048).replace(
        "cron(0 5 * * ? *)", "at(2020-01-01T05:00:00)"))
    code, out, err = deployment.deploy()
    assert code != 0 and out == ""
    assert "job gitlab: [batch] schedule: at(2020-01-01T05:00:00) (America/Bogota) is in " \
        "the past: a one-time schedule never runs" in err
    assert deployment.revisions("gitlab") == [] and deployment.schedule("gitlab") is None
    deployment.write("gitlab", GITLAB.format(memory=2048).replace(
        "cron(0 5 * * ? *)", "at(2190-01-01T05:00:00)"))
    code, out, err = deployment.deploy()
    assert code == 0, err
    schedule = deployment.schedule("gitlab")
    assert schedule is not None
    assert schedule["ScheduleExpression"] == "at(2190-01-01T05:00:00)"


def test_a_fraction_of_a_vcpu_is_refused_before_anything_is_registered(
        deployment: Deployment) -> None:
    deployment.write("gitlab", 'command = ["true"]\n[batch]\nvcpus = 0.25\n')

    code, out, err = deployment.deploy()

    assert (code, out) == (1, "")
    assert err.startswith("observes: error: ") and err.count("\n") == 1
    assert "batch.vcpus: 0.25: AWS Batch on EC2 takes whole vCPUs" in err
    assert deployment.revisions("gitlab") == []


FARGATE = """\
    command = ["true"]

    [batch]
    platform = "fargate"
    vcpus = 0.5
    memory = 1024
    assign_public_ip = true
    ephemeral_storage = 50
"""


def test_a_fargate_job_gets_a_fargate_definition(deployment: Deployment) -> None:
    deployment.write("small", FARGATE)

    code, out, err = deployment.deploy("--execution-role-arn", EXECUTION_ROLE)

    assert (code, err) == (0, "")
    [registered] = deployment.revisions("small")
    assert registered["platformCapabilities"] == ["FARGATE"]
    container = registered["containerProperties"]
    assert container["executionRoleArn"] == EXECUTION_ROLE
    assert {r["type"]: r["value"] for r in container["resourceRequirements"]} == \
        {"VCPU": "0.5", "MEMORY": "1024"}
    assert container["networkConfiguration"] == {"assignPublicIp": "ENABLED"}
    assert container["fargatePlatformConfiguration"] == {"platformVersion": "LATEST"}
    assert container["ephemeralStorage"] == {"sizeInGiB": 50}
    assert deployment.deploy("--execution-role-arn", EXECUTION_ROLE)[1].endswith(
        "everything is up to date\n")

    deployment.write("small", FARGATE.replace("assign_public_ip = true",
                                              'platform_version = "1.4.0"'))
    code, out, _ = deployment.deploy("--execution-role-arn", EXECUTION_ROLE)

    assert code == 0
    assert "changed: public IP ENABLED -> DISABLED, platform version LATEST -> 1.4.0" in out
    latest = deployment.revisions("small")[-1]["containerProperties"]
    assert latest["networkConfiguration"] == {"assignPublicIp": "DISABLED"}
    assert latest["fargatePlatformConfiguration"] == {"platformVersion": "1.4.0"}


def test_a_fargate_job_without_an_execution_role_is_refused_before_anything_is_registered(
        deployment: Deployment) -> None:
    deployment.write("small", FARGATE)
    deployment.write("other", 'command = ["true"]\n[batch]\n')

    code, out, err = deployment.deploy()

    assert (code, out) == (1, "")
    assert err == "observes: error: job small runs on Fargate, which pulls the image and " \
        "sends the logs with the execution role: give --execution-role-arn ARN or set " \
        "OBSERVES_BATCH_EXECUTION_ROLE_ARN\n"
    assert deployment.revisions("small") == [] and deployment.revisions("other") == []


def test_a_size_fargate_does_not_run_is_refused_before_anything_is_registered(
        deployment: Deployment) -> None:
    deployment.write("small", FARGATE.replace("memory = 1024", "memory = 8192"))
    deployment.write("other", 'command = ["true"]\n[batch]\n')

    code, out, err = deployment.deploy("--execution-role-arn", EXECUTION_ROLE)

    assert (code, out) == (1, "")
    assert f"{deployment.jobs / 'small.toml'}: batch: vcpus and memory: 0.5 vCPU with 8192 " \
        "MiB is not a size Fargate runs" in err
    assert "nearest: 1 vCPU with 8192 MiB or 0.5 vCPU with 4096 MiB" in err
    assert deployment.revisions("small") == [] and deployment.revisions("other") == []


def test_schedules_retry_and_give_up_into_the_dead_letter_queue(
        deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    deployment.write("gitlab", GITLAB.format(memory=2048))
    assert deployment.deploy()[0] == 0
    schedule = deployment.schedule("gitlab")
    assert schedule is not None
    assert schedule["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 10,
                                                 "MaximumEventAgeInSeconds": 3600}
    assert "DeadLetterConfig" not in schedule["Target"]
    dlq = f"arn:aws:sqs:us-east-1:123456789012:{deployment.prefix}-schedules-dlq"
    name = deployment.name("gitlab")

    code, out, err = deployment.deploy("--schedule-dlq-arn", dlq)

    assert (code, err) == (0, "")
    assert f"update schedule {name}: dead-letter queue" in out
    updated = deployment.schedule("gitlab")
    assert updated is not None and updated["Target"]["DeadLetterConfig"] == {"Arn": dlq}
    # ... where the containers' report-failures (batch-stability) finds it too
    assert f"register job definition {name} (revision 2): changed: environment " \
        "+OBSERVES_SCHEDULE_DLQ_ARN" in out
    assert {"name": "OBSERVES_SCHEDULE_DLQ_ARN", "value": dlq} in \
        deployment.revisions("gitlab")[-1]["containerProperties"]["environment"]
    monkeypatch.setenv("OBSERVES_SCHEDULE_DLQ_ARN", dlq)
    assert deployment.deploy()[1].endswith("everything is up to date\n")

    code, out, err = deployment.deploy("--schedule-dlq-arn", "dlq")

    assert (code, out) == (1, "")
    assert "--schedule-dlq-arn 'dlq': an SQS queue ARN" in err
