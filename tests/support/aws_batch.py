"""AWS Batch on the moto server: Docker off (jobs finish at once, as moto's simple Batch
does), a compute environment and a job queue to submit to."""

from __future__ import annotations

import json
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.s3 import aws_client

ASSUME_BATCH = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "batch.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def batch_without_docker(endpoint_url: str) -> None:
    """Tell the moto server to run Batch jobs without Docker (its config endpoint)."""
    request = urllib.request.Request(
        f"{endpoint_url}/moto-api/config", data=json.dumps(
            {"batch": {"use_docker": False}}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@dataclass(frozen=True)
class BatchQueue:
    """A job queue on moto, with the role ARN that the compute environment uses."""

    endpoint_url: str
    name: str
    arn: str
    role_arn: str

    def client(self, service: str = "batch") -> Any:
        return aws_client(service, self.endpoint_url)

    def definition(self, name: str) -> str:
        """Register a job definition ``name`` (busybox running ``false``); its ARN."""
        found: str = self.client().register_job_definition(
            jobDefinitionName=name, type="container",
            containerProperties={"image": "busybox", "command": ["false"],
                                 "resourceRequirements": [{"type": "VCPU", "value": "1"},
                                                          {"type": "MEMORY", "value": "512"}]},
        )["jobDefinitionArn"]
        return found


def create_queue(endpoint_url: str, prefix: str = "observes") -> BatchQueue:
    batch_without_docker(endpoint_url)
    suffix = uuid.uuid4().hex[:8]
    iam = aws_client("iam", endpoint_url)
    role = iam.create_role(RoleName=f"{prefix}-batch-{suffix}",
                           AssumeRolePolicyDocument=ASSUME_BATCH)["Role"]["Arn"]
    batch = aws_client("batch", endpoint_url)
    environment = batch.create_compute_environment(
        computeEnvironmentName=f"{prefix}-env-{suffix}", type="UNMANAGED", state="ENABLED",
        serviceRole=role)["computeEnvironmentArn"]
    queue = batch.create_job_queue(
        jobQueueName=f"{prefix}-queue-{suffix}", state="ENABLED", priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment}])
    return BatchQueue(endpoint_url, queue["jobQueueName"], queue["jobQueueArn"], role)
