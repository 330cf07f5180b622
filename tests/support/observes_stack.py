"""deploy/observes.yaml made into a stack on the moto server: a network to give it (the
template makes none), names of its own for what is named, and the outputs it gives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.aws_batch import ASSUME_BATCH
from tests.support.paths import REPO
from tests.support.s3 import aws_client

TEMPLATE = REPO / "deploy" / "observes.yaml"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/observes-singer:1"


@dataclass(frozen=True)
class Stack:
    name: str
    outputs: dict[str, str]
    buckets: dict[str, str]
    """Bucket parameter -> the name it was given."""
    log_group: str


def create_stack(endpoint_url: str, **parameters: str) -> Stack:
    """The stack, its buckets, queue and log group named apart from other tests'."""
    suffix = uuid.uuid4().hex[:8]
    ec2 = aws_client("ec2", endpoint_url)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=f"observes-{suffix}", Description="jobs",
                                      VpcId=vpc)["GroupId"]
    # moto makes no service-linked role, which AWS Batch uses when none is given.
    service_role = aws_client("iam", endpoint_url).create_role(
        RoleName=f"observes-batch-{suffix}", AssumeRolePolicyDocument=ASSUME_BATCH)["Role"]["Arn"]
    buckets = {key: f"observes-{suffix}.{kind}" for key, kind in (
        ("StateBucketName", "state"), ("CacheBucketName", "cache"),
        ("EtlDataBucketName", "etl-data"), ("BackupBucketName", "backups"),
        ("BillsBucketName", "bills"), ("ReportsBucketName", "reports"))}
    given = {**buckets, "Subnets": subnet, "SecurityGroupIds": group,
             "BatchServiceRoleArn": service_role, "QueueName": f"observes-{suffix}",
             "LogGroupName": f"/observes/{suffix}", "Image": IMAGE, **parameters}
    name = f"observes-{suffix}"
    cloudformation = aws_client("cloudformation", endpoint_url)
    cloudformation.create_stack(
        StackName=name, TemplateBody=TEMPLATE.read_text(), Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": key, "ParameterValue": value}
                    for key, value in given.items()])
    [described] = cloudformation.describe_stacks(StackName=name)["Stacks"]
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    return Stack(name, _outputs(described), buckets, given["LogGroupName"])


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
