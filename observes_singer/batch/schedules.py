"""A job's EventBridge Scheduler schedule: the one ``observes batch deploy`` wants, the
ones it made before, and what differs.

The target is Scheduler's universal target for Batch ``SubmitJob``; its ``Input`` is the
request with the parameter names in PascalCase, as universal targets (like Step Functions'
AWS SDK integrations) take them. A job with dependents (a final phase) is submitted by a
launcher: the job's own definition running ``observes batch submit JOB``, which submits
the job and its dependents with ``dependsOn`` (one schedule submits one job).
"""

from __future__ import annotations

import json
from typing import Any

from observes_singer.batch.aws import aws_errors

SUBMIT_JOB = "arn:aws:scheduler:::aws-sdk:batch:submitJob"
# A context attribute: Scheduler writes the time it fires for (2026-12-07T05:00:00Z) in its
# place, so a launcher's run id is the scheduled time, the same however often it is
# delivered or retried. (EventBridge Scheduler User Guide, "Adding context attributes",
# managing-schedule-context-attributes.html, read 2026-12-07.)
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
# Scheduler retries a submission that failed (throttled, Batch unavailable) with backoff,
# at most this often and for at most this long, then hands it to the dead-letter queue
# when there is one. An hour: a run that starts later than that is better left to the next
# one (Scheduler's own default is 185 tries over 24 hours).
RETRY_POLICY = {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600}
_MARK = "observes batch deploy"


def description(prefix: str, job: str) -> str:
    """The description that marks a schedule as this deploy's (schedules take no tags)."""
    return f"{_MARK} --prefix {prefix}: job {job}"


def submit_input(name: str, queue: str, shards: int | None) -> dict[str, Any]:
    """``SubmitJob`` of the job itself (an array job when sharded)."""
    request: dict[str, Any] = {"JobName": name, "JobQueue": queue, "JobDefinition": name}
    if shards is not None:
        request["ArrayProperties"] = {"Size": shards}
    return request


def launcher_input(name: str, job: str, queue: str, prefix: str, default_queue: str | None,
                   region: str) -> dict[str, Any]:
    """``SubmitJob`` of the launcher: ``observes batch submit JOB`` in the job's image, with
    the prefix, default queue and region of this deploy, and the scheduled time as its run
    id."""
    command = ["batch", "submit", job, "--prefix", prefix, "--region", region,
               "--run-id", SCHEDULED_TIME]
    if default_queue:
        command += ["--queue", default_queue]
    return {"JobName": f"{name}-launcher", "JobQueue": queue, "JobDefinition": name,
            "ContainerOverrides": {"Command": command}}


def desired(name: str, group: str, expression: str, timezone: str, role_arn: str,
            submit: dict[str, Any], prefix: str, job: str,
            dead_letter_arn: str | None = None) -> dict[str, Any]:
    """The ``CreateSchedule`` / ``UpdateSchedule`` request."""
    target: dict[str, Any] = {"Arn": SUBMIT_JOB, "RoleArn": role_arn,
                              "Input": json.dumps(submit, sort_keys=True),
                              "RetryPolicy": dict(RETRY_POLICY)}
    if dead_letter_arn:
        target["DeadLetterConfig"] = {"Arn": dead_letter_arn}
    return {
        "Name": name,
        "GroupName": group,
        "Description": description(prefix, job),
        "ScheduleExpression": expression,
        "ScheduleExpressionTimezone": timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "State": "ENABLED",
        "Target": target,
    }


def existing(scheduler: Any, group: str, name: str) -> dict[str, Any] | None:
    """The schedule ``name`` in ``group``, or None."""
    from botocore.exceptions import ClientError

    with aws_errors(f"get the schedule {name} in group {group}"):
        try:
            found: dict[str, Any] = scheduler.get_schedule(Name=name, GroupName=group)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
    return found


def ours(scheduler: Any, group: str, prefix: str) -> dict[str, str]:
    """Schedule name -> job of every schedule a deploy with ``prefix`` made in ``group``."""
    found: dict[str, str] = {}
    with aws_errors(f"list the schedules in group {group}"):
        pages = scheduler.get_paginator("list_schedules").paginate(
            GroupName=group, NamePrefix=f"{prefix}-")
        names = [s["Name"] for page in pages for s in page.get("Schedules", [])
                 if s["Name"].startswith(f"{prefix}-")]
    for name in names:
        schedule = existing(scheduler, group, name)
        job = name[len(prefix) + 1:]
        if schedule is not None and schedule.get("Description") == description(prefix, job):
            found[name] = job
    return found


def changes(current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """What differs between a schedule as Scheduler returns it and the wanted request."""
    found = [f"{label} {current.get(key)} -> {wanted[key]}"
             for key, label in (("ScheduleExpression", "expression"),
                                ("ScheduleExpressionTimezone", "timezone"), ("State", "state"))
             if current.get(key) != wanted[key]]
    if current.get("Description") != wanted["Description"]:
        found.append("description")
    if (current.get("FlexibleTimeWindow") or {}).get("Mode") != "OFF":
        found.append("time window")
    target, want = current.get("Target") or {}, wanted["Target"]
    if target.get("Arn") != want["Arn"]:
        found.append("target")
    if target.get("RoleArn") != want["RoleArn"]:
        found.append("role")
    if _json(target.get("Input")) != json.loads(want["Input"]):
        found.append("input")
    if target.get("RetryPolicy") != want["RetryPolicy"]:
        found.append("retry policy")
    if (target.get("DeadLetterConfig") or {}).get("Arn") != \
            (want.get("DeadLetterConfig") or {}).get("Arn"):
        found.append("dead-letter queue")
    return found


def _json(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
