"""A job's AWS Batch job definition: the one ``observes batch deploy`` wants, its digest,
the latest registered one, and what differs between two of them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from observes_singer.batch.aws import aws_errors
from observes_singer.batch.options import QUEUE_ENV, SCHEDULE_DLQ_ENV
from observes_singer.batch.retry_rules import EVALUATE_ON_EXIT
from observes_singer.jobs.environment import SHARD_COUNT_ENV
from observes_singer.jobs.files import STATE_STORE_ENV, BatchSettings

JOB_TAG = "observes:job"
SPEC_TAG = "observes:spec"


@dataclass(frozen=True)
class Container:
    """What every job definition of one deploy shares."""

    image: str
    region: str | None = None  # set in the containers: older ECS agents on EC2 set none
    state_store: str | None = None
    queue: str | None = None  # the deploy's default queue, for jobs that watch it
    job_role_arn: str | None = None
    execution_role_arn: str | None = None
    schedule_dlq_arn: str | None = None  # for batch-stability's report-failures


def desired(name: str, job: str, settings: BatchSettings, container: Container,
            secrets: dict[str, str]) -> dict[str, Any]:
    """The ``RegisterJobDefinition`` request for ``job``, tagged with its digest.

    ``secrets`` maps each variable to its ARN (see :mod:`observes_singer.batch.secrets`).
    """
    environment: dict[str, str] = {}
    if container.region:
        # boto3 reads AWS_REGION first, the AWS CLI and older SDKs AWS_DEFAULT_REGION.
        environment["AWS_REGION"] = environment["AWS_DEFAULT_REGION"] = container.region
    if container.state_store:
        environment[STATE_STORE_ENV] = container.state_store
    if container.queue:
        environment[QUEUE_ENV] = container.queue
    if container.schedule_dlq_arn:
        environment[SCHEDULE_DLQ_ENV] = container.schedule_dlq_arn
    environment.update(settings.environment)
    if settings.array_size is not None:
        # AWS_BATCH_* names are Batch's own; the runner reads this when
        # AWS_BATCH_JOB_ARRAY_SIZE is absent.
        environment[SHARD_COUNT_ENV] = str(settings.array_size)
    properties: dict[str, Any] = {
        "image": container.image,
        "command": ["run", job],
        "resourceRequirements": [{"type": "VCPU", "value": f"{settings.vcpus:g}"},
                                 {"type": "MEMORY", "value": str(settings.memory)}],
        "environment": [{"name": key, "value": environment[key]}
                        for key in sorted(environment) if key not in secrets],
        "secrets": [{"name": key, "valueFrom": secrets[key]} for key in sorted(secrets)],
    }
    if container.job_role_arn:
        properties["jobRoleArn"] = container.job_role_arn
    if container.execution_role_arn:
        properties["executionRoleArn"] = container.execution_role_arn
    request: dict[str, Any] = {
        "jobDefinitionName": name,
        "type": "container",
        "containerProperties": properties,
        "retryStrategy": {"attempts": settings.attempts, "evaluateOnExit": EVALUATE_ON_EXIT},
        "propagateTags": True,
    }
    if settings.platform == "fargate":
        request["platformCapabilities"] = ["FARGATE"]
        properties.update(_fargate_properties(settings))
    if settings.timeout is not None:
        request["timeout"] = {"attemptDurationSeconds": int(settings.timeout.total_seconds())}
    request["tags"] = {JOB_TAG: job, SPEC_TAG: digest(request)}
    return request


def _fargate_properties(settings: BatchSettings) -> dict[str, Any]:
    """What a container on Fargate adds: its network (a public IP only when asked for),
    platform version and, when asked for, more than Fargate's 20 GiB of disk."""
    properties: dict[str, Any] = {
        "networkConfiguration": {
            "assignPublicIp": "ENABLED" if settings.assign_public_ip else "DISABLED"},
        "fargatePlatformConfiguration": {"platformVersion": settings.platform_version},
    }
    if settings.ephemeral_storage is not None:
        properties["ephemeralStorage"] = {"sizeInGiB": settings.ephemeral_storage}
    return properties


def digest(request: dict[str, Any]) -> str:
    """The sha256 of the request's canonical JSON, its tags left out."""
    spec = {key: value for key, value in request.items() if key != "tags"}
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


def latest_active(batch: Any, name: str) -> dict[str, Any] | None:
    """The ACTIVE revision of job definition ``name`` with the highest number, or None."""
    latest: dict[str, Any] | None = None
    with aws_errors(f"describe the job definition {name}"):
        pages = batch.get_paginator("describe_job_definitions").paginate(
            jobDefinitionName=name, status="ACTIVE")
        for page in pages:
            for definition in page.get("jobDefinitions", []):
                if definition.get("status", "ACTIVE") != "ACTIVE":
                    continue
                if latest is None or definition["revision"] > latest["revision"]:
                    latest = definition
    return latest


def is_current(registered: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return bool(registered.get("tags", {}).get(SPEC_TAG) == wanted["tags"][SPEC_TAG])


def changes(registered: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """What differs, as ``memory 2048 -> 4096``; names only for the environment and secrets."""
    old, new = _summary(registered), _summary(wanted)
    found: list[str] = []
    for key in new:
        before, after = old.get(key), new[key]
        if before == after:
            continue
        if isinstance(after, dict):
            was: dict[str, str] = before if isinstance(before, dict) else {}
            names = sorted({*was, *after})
            found.append(f"{key} " + ", ".join(
                f"+{n}" if n not in was else f"-{n}" if n not in after else f"~{n}"
                for n in names if was.get(n) != after.get(n)))
        else:
            found.append(f"{key} {before if before is not None else '(none)'} -> "
                         f"{after if after is not None else '(none)'}")
    return found or ["settings"]


def _summary(definition: dict[str, Any]) -> dict[str, Any]:
    properties = definition.get("containerProperties", {})
    resources = {r.get("type", "").upper(): r.get("value")
                 for r in properties.get("resourceRequirements", [])}
    retry = definition.get("retryStrategy") or {}
    conditions = [{k: str(v).upper() if k == "action" else v for k, v in rule.items()}
                  for rule in retry.get("evaluateOnExit", [])]
    timeout = (definition.get("timeout") or {}).get("attemptDurationSeconds")
    storage = (properties.get("ephemeralStorage") or {}).get("sizeInGiB")
    return {
        "platform": ",".join(definition.get("platformCapabilities") or ["EC2"]),
        "public IP": (properties.get("networkConfiguration") or {}).get("assignPublicIp"),
        "platform version": (properties.get("fargatePlatformConfiguration") or {}).get(
            "platformVersion"),
        "ephemeral storage": f"{storage} GiB" if storage else None,
        "image": properties.get("image"),
        "command": " ".join(properties.get("command") or []) or None,
        "vcpus": resources.get("VCPU"),
        "memory": resources.get("MEMORY"),
        "environment": {e["name"]: e.get("value", "") for e in properties.get("environment", [])},
        "secrets": {s["name"]: s.get("valueFrom", "") for s in properties.get("secrets", [])},
        "job role": properties.get("jobRoleArn"),
        "execution role": properties.get("executionRoleArn"),
        "attempts": retry.get("attempts"),
        "retry conditions": json.dumps(conditions, sort_keys=True),
        "timeout": f"{timeout}s" if timeout else None,
        "propagate tags": bool(definition.get("propagateTags")),
    }
