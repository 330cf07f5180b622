"""``observes batch deploy --stack NAME``: the settings not given otherwise, from the outputs
of deploy/observes.yaml made into a stack on moto's CloudFormation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from observes_singer.batch import fargate
from observes_singer.batch.deploy import STACK_SETTINGS
from observes_singer.batch.stack import output_key
from observes_singer.jobs.files import all_jobs
from tests.observes_singer.batch.test_deploy import Deployment, make_deployment
from tests.support.aws_requests import captured
from tests.support.cfn_template import Template
from tests.support.observes_stack import IMAGE, TEMPLATE, Stack, create_stack
from tests.support.paths import REPO_JOBS
from tests.support.s3 import aws_client

SCHEDULED_WITH_SECRET = """\
    command = ["true"]

    [batch]
    schedule = "rate(1 day)"
    secrets = {{ TOKEN = "secretsmanager:{secret}" }}
"""


@pytest.fixture
def bare(moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Deployment:
    """A deployment with none of deploy's settings in the environment."""
    deployment = make_deployment(moto_server, tmp_path, monkeypatch, capsys)
    for env in [*STACK_SETTINGS.values(), "OBSERVES_BATCH_STACK"]:
        monkeypatch.delenv(env, raising=False)
    return deployment


@pytest.fixture
def stack(moto_server: str) -> Stack:
    return create_stack(moto_server)


def test_every_setting_comes_from_the_stack(bare: Deployment, stack: Stack) -> None:
    secret = bare.queue.client("secretsmanager").create_secret(
        Name=f"observes/{bare.prefix}", SecretString="never-shown")["ARN"]
    bare.write("scheduled", SCHEDULED_WITH_SECRET.format(secret=f"observes/{bare.prefix}"))
    bare.write("command", 'command = ["true"]\n[batch]\n')

    code, out, err = bare.deploy("--stack", stack.name)

    assert (code, err) == (0, ""), err
    assert "never-shown" not in out
    outputs = stack.outputs
    for job in ("scheduled", "command"):
        [registered] = bare.revisions(job)
        container = registered["containerProperties"]
        assert container["image"] == IMAGE
        assert container["jobRoleArn"] == outputs["ObservesBatchJobRoleArn"]
        environment = {e["name"]: e["value"] for e in container["environment"]}
        assert environment["OBSERVES_BATCH_QUEUE"] == outputs["ObservesBatchQueue"]
        assert environment["OBSERVES_STATE_STORE"] == \
            f"s3://{stack.buckets['StateBucketName']}/"
    scheduled = bare.revisions("scheduled")[0]["containerProperties"]
    assert scheduled["executionRoleArn"] == outputs["ObservesBatchExecutionRoleArn"]
    assert scheduled["secrets"] == [{"name": "TOKEN", "valueFrom": secret}]
    schedule = bare.schedule("scheduled")
    assert schedule is not None
    assert schedule["Target"]["RoleArn"] == outputs["ObservesSchedulerRoleArn"]
    assert json.loads(schedule["Target"]["Input"])["JobQueue"] == outputs["ObservesBatchQueue"]


def test_flags_and_variables_come_before_the_stack(
        bare: Deployment, stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVES_BATCH_STACK", stack.name)
    monkeypatch.setenv("OBSERVES_BATCH_QUEUE", bare.queue.name)
    bare.write("plain", 'command = ["true"]\n[batch]\n')

    code, _, err = bare.deploy("--image", "registry.example/observes:2")

    assert (code, err) == (0, ""), err
    [registered] = bare.revisions("plain")
    container = registered["containerProperties"]
    assert container["image"] == "registry.example/observes:2"
    assert {e["name"]: e["value"] for e in container["environment"]}[
        "OBSERVES_BATCH_QUEUE"] == bare.queue.name
    assert container["jobRoleArn"] == stack.outputs["ObservesBatchJobRoleArn"]


def test_a_stack_that_is_not_there_is_one_line_naming_it(bare: Deployment) -> None:
    bare.write("plain", 'command = ["true"]\n[batch]\n')

    code, out, err = bare.deploy("--stack", "observes-nowhere")

    assert code == 1
    assert out == ""
    [line] = err.splitlines()
    assert "cannot read the outputs of the stack observes-nowhere" in line
    assert bare.revisions("plain") == []


def test_the_stack_makes_the_buckets_the_queue_and_the_log_group(
        moto_server: str, stack: Stack) -> None:
    s3 = aws_client("s3", moto_server)
    for bucket in stack.buckets.values():
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"]
        assert [rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
                for rule in rules] == ["AES256"], bucket
    [queue] = aws_client("batch", moto_server).describe_job_queues(
        jobQueues=[stack.outputs["ObservesBatchQueue"]])["jobQueues"]
    assert queue["state"] == "ENABLED"
    [group] = aws_client("logs", moto_server).describe_log_groups(
        logGroupNamePrefix=stack.log_group)["logGroups"]
    assert group["retentionInDays"] == 90


def test_the_template_has_an_output_for_every_setting_deploy_reads() -> None:
    outputs = set(Template(TEMPLATE).body["Outputs"])

    assert {output_key(env) for env in STACK_SETTINGS.values()} <= outputs
    assert output_key("OBSERVES_BATCH_JOB_ROLE_ARN") == "ObservesBatchJobRoleArn"


def _create_secrets(client: Any, names: set[str]) -> None:
    """The Secrets Manager secrets the repository's jobs name, made once on the server."""
    for name in sorted(names):
        try:
            client.create_secret(Name=name, SecretString="never-shown")
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ResourceExistsException", exc


def test_the_repositorys_jobs_deploy_onto_the_stacks_fargate_queue(
        bare: Deployment, stack: Stack, monkeypatch: pytest.MonkeyPatch,
        moto_server: str) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(REPO_JOBS))
    jobs = [job for job in all_jobs() if job.batch is not None]
    _create_secrets(bare.queue.client("secretsmanager"), {
        reference.split(":", 1)[1] for job in jobs for reference in job.batch.secrets.values()
        if reference.startswith("secretsmanager:")})

    with captured() as requests:  # valid for AWS, not only taken by moto
        code, _, err = bare.deploy("--stack", stack.name)

    assert (code, err) == (0, ""), err
    assert "batch.RegisterJobDefinition" in requests.calls()
    assert requests.problems() == []
    batch = aws_client("batch", moto_server)
    [queue] = batch.describe_job_queues(jobQueues=[stack.outputs["ObservesBatchQueue"]])[
        "jobQueues"]
    environments = batch.describe_compute_environments(computeEnvironments=[
        entry["computeEnvironment"] for entry in queue["computeEnvironmentOrder"]])[
        "computeEnvironments"]
    assert [e["computeResources"]["type"] for e in environments] == ["FARGATE"]
    for job in jobs:
        [registered] = bare.revisions(job.name)
        assert registered["platformCapabilities"] == ["FARGATE"], job.name
        container = registered["containerProperties"]
        assert container["executionRoleArn"] == stack.outputs["ObservesBatchExecutionRoleArn"]
        size = {r["type"]: r["value"] for r in container["resourceRequirements"]}
        assert fargate.is_valid(float(size["VCPU"]), int(size["MEMORY"])), (job.name, size)
