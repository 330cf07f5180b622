"""Every AWS request that deploy, submit, status, report-failures (its dead-letter queue
included), the lease, the state store and tap-dynamo make, made against moto and checked
against botocore's service models: what moto takes and AWS would refuse fails here, naming
the call and the field."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from tap_dynamo.tap import TapDynamo

from observes_singer.jobs.lease import Lease
from observes_singer.store.state import StateStore
from observes_singer.store.storage import BlobStore
from tests.observes_singer.batch.test_deploy import make_deployment
from tests.support.aws_calls import calls
from tests.support.aws_requests import captured
from tests.support.dynamo import create_table, put_items
from tests.support.observes_stack import create_stack
from tests.support.s3 import S3Bucket, aws_client

SHARDS = """\
command = ["true"]
[batch]
array_size = 3
vcpus = 2
memory = 4096
timeout = "1h"
schedule = "cron(0 2 * * ? *)"
timezone = "America/Bogota"
environment = {{ PROJECT = "group/project" }}
secrets = {{ TOKEN = "ssm:/{prefix}/token" }}
"""
FINAL = 'command = ["true"]\ndepends_on = "shards"\n[batch]\n'
PLAIN = 'command = ["true"]\n[batch]\nschedule = "rate(6 hours)"\n'
FARGATE = """\
command = ["true"]
[batch]
platform = "fargate"
vcpus = 0.25
memory = 512
ephemeral_storage = 30
platform_version = "1.4.0"
"""


def test_every_request_is_valid_for_aws(
        moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], s3_bucket: S3Bucket) -> None:
    deployment = make_deployment(moto_server, tmp_path, monkeypatch, capsys)
    monkeypatch.setenv("OBSERVES_BATCH_EXECUTION_ROLE_ARN",
                       "arn:aws:iam::123456789012:role/observes-execution")
    aws_client("ssm", moto_server).put_parameter(
        Name=f"/{deployment.prefix}/token", Value="x", Type="SecureString")
    deployment.write("shards", SHARDS.format(prefix=deployment.prefix))
    deployment.write("shards-final", FINAL)
    deployment.write("plain", PLAIN)
    deployment.write("fargate", FARGATE)
    sqs = aws_client("sqs", moto_server)
    dlq = sqs.create_queue(QueueName=f"{deployment.prefix}-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody="{}", MessageAttributes={"SCHEDULE_ARN": {
        "DataType": "String", "StringValue": "arn:aws:scheduler:us-east-1:123456789012:"
        f"schedule/default/{deployment.prefix}-plain"}})
    monkeypatch.setenv("OBSERVES_SCHEDULE_DLQ_ARN", sqs.get_queue_attributes(
        QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    table = f"items-{uuid.uuid4().hex[:8]}"
    dynamodb = aws_client("dynamodb", moto_server)
    create_table(dynamodb, table)
    put_items(dynamodb, table, [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}])

    with captured() as requests:
        assert deployment.deploy()[0] == 0
        deployment.write("plain", PLAIN.replace("6 hours", "12 hours"))
        assert deployment.deploy()[0] == 0  # an update, and a new revision
        deployment.write("plain", 'command = ["true"]\n[batch]\n')
        assert deployment.deploy()[0] == 0  # a schedule deleted
        for _ in range(2):  # a launcher retried: the second finds what the first submitted
            assert deployment.observes("batch", "submit", "shards", "--prefix",
                                       deployment.prefix, "--run-id",
                                       "2026-12-07T02:00:00Z")[0] == 0
        assert deployment.observes("batch", "status", "--prefix", deployment.prefix)[0] == 0
        for report in ("report-failures", "report-cancelled"):
            deployment.observes("batch", report, deployment.queue.name,
                                "--prefix", deployment.prefix)

        blobs = BlobStore(endpoint_url=moto_server)
        lease = Lease(blobs, s3_bucket.url("leases/job.json"), "job", "run-1")
        assert lease.try_acquire() is None
        lease.renew()
        lease.release()
        state = StateStore(s3_bucket.url("states/job.json"), blobs)
        state.put({"bookmarks": {"a": 1}})
        assert state.get() == {"bookmarks": {"a": 1}}
        state.clear()

        TapDynamo(config={"tables": [table], "endpoint_url": moto_server}).sync_all()

    assert {"batch.RegisterJobDefinition", "batch.SubmitJob", "batch.ListJobs",
            "batch.DescribeJobs", "scheduler.CreateSchedule", "scheduler.UpdateSchedule",
            "scheduler.DeleteSchedule", "ssm.DescribeParameters", "s3.PutObject",
            "s3.GetObject", "dynamodb.Scan", "dynamodb.DescribeTable", "sqs.GetQueueUrl",
            "sqs.ReceiveMessage", "sqs.ChangeMessageVisibilityBatch"} <= requests.calls()
    assert any(request.params.get("platformCapabilities") == ["FARGATE"]
               for request in requests.made)
    assert requests.problems() == []
    # the template's policies are checked against the calls read from the source: it reads
    # every call made here
    assert requests.calls() <= {f"{call.service}.{call.operation}" for call in calls()}


def test_deploy_with_a_stack_is_valid_for_aws(
        moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    deployment = make_deployment(moto_server, tmp_path, monkeypatch, capsys)
    monkeypatch.delenv("OBSERVES_BATCH_IMAGE")  # from the stack's outputs
    stack = create_stack(moto_server)
    deployment.write("plain", PLAIN)

    with captured() as requests:
        assert deployment.deploy("--stack", stack.name)[0] == 0

    assert "cloudformation.DescribeStacks" in requests.calls()
    assert requests.problems() == []


def test_a_request_moto_takes_and_aws_refuses_is_named(moto_server: str) -> None:
    batch = aws_client("batch", moto_server)
    name = f"invalid-{uuid.uuid4().hex[:8]}"

    with captured() as requests:
        batch.register_job_definition(
            jobDefinitionName=name, type="container",
            containerProperties={"image": "busybox", "resourceRequirements": [
                {"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}]},
            retryStrategy={"attempts": 2, "evaluateOnExit": [
                {"onStatusReason": "Host EC2*", "action": "retry"}]})
        aws_client("scheduler", moto_server).create_schedule(
            Name="x" * 65, ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": "arn:aws:scheduler:::aws-sdk:batch:submitJob",
                    "RoleArn": "arn:aws:iam::123456789012:role/r", "Input": "{}"})

    assert requests.problems() == [
        "batch.RegisterJobDefinition: retryStrategy.evaluateOnExit[0].action: 'retry' is not "
        "one of RETRY, EXIT",
        "scheduler.CreateSchedule: Name: 65 characters, at most 64"]
