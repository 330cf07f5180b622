"""Why an AWS Batch job failed, from its ``describe_jobs`` entry alone.

:func:`classify` gives one of :data:`KINDS` and a short reason, read from the fields
Batch documents: ``isCancelled`` / ``isTerminated``, ``status``, ``statusReason``,
``startedAt``, ``attempts[].statusReason``, ``attempts[].container.reason`` and
``exitCode``, and ``container.exitCode`` / ``container.reason``. The reasons matched are
the ones Batch and ECS write:

- ``Dependent Job failed``: a job whose dependency failed, never run;
- ``CAPACITY:...`` and ``MISCONFIGURATION:...``: the ``statusReason`` of a job blocked in
  ``RUNNABLE`` (and of one a queue's state time limit cancelled there);
- ``Job attempt duration exceeded timeout``: the attempt ran past ``attemptDurationSeconds``;
- ``Host EC2 (instance i-...) terminated.`` (or ``stopped.``), Spot interruption wording,
  ``Task failed to start``, ``AGENT`` and the ECS stopped-task errors
  ``CannotPullContainerError``, ``CannotStartContainerError``,
  ``CannotInspectContainerError``, ``CannotCreateVolumeError``,
  ``ResourceInitializationError``: the host or its container runtime failed the job;
- anything else that ran and stopped with a non-zero exit code is the job's own failure
  (75 is ``observes run`` refusing to run while another run of the job holds its lease)
  (``OutOfMemoryError: Container killed due to memory usage`` included: the job needs more
  memory than it asked for).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from observes_singer.jobs.durations import format_duration
from observes_singer.jobs.lease import EXIT_LEASE_HELD as LEASE_HELD

CANCELLED = "cancelled"
NEVER_STARTED = "never started"
TIMEOUT = "timeout"
INFRASTRUCTURE = "infrastructure"
APPLICATION_ERROR = "application error"
NOT_SUBMITTED = "not submitted"  # a schedule's submission, from its dead-letter queue
KINDS = (CANCELLED, NEVER_STARTED, TIMEOUT, INFRASTRUCTURE, APPLICATION_ERROR, NOT_SUBMITTED)

_DEPENDENCY = re.compile(r"dependent job failed", re.IGNORECASE)
_BLOCKED = re.compile(r"(CAPACITY|MISCONFIGURATION):")
_TIMEOUT = re.compile(r"attempt duration exceeded timeout", re.IGNORECASE)
_INFRASTRUCTURE = re.compile(
    r"^Host EC2\b"
    r"|\bspot\b.*\b(interrupt\w*|reclaim\w*)"
    r"|\bSpotInterruption\b|\bTerminationNotice\b"
    r"|^Task failed to start|\bTaskFailedToStart\b"
    r"|^AGENT\b"
    r"|^(CannotPullContainerError|CannotStartContainerError|CannotInspectContainerError"
    r"|CannotCreateVolumeError|ResourceInitializationError)\b",
    re.IGNORECASE)
_GENERIC = re.compile(r"essential container in task exited", re.IGNORECASE)
_BY_USER = re.compile(r"\bcancel|^terminat|\bterminated by\b|\bby (the )?user\b",
                      re.IGNORECASE)


def classify(job: Mapping[str, Any], now: datetime | None = None) -> tuple[str, str]:
    """``(kind, reason)`` for one job of ``describe_jobs``; ``now`` (UTC) dates the wait
    of a job still ``RUNNABLE``."""
    status_reason = _text(job.get("statusReason"))
    attempt = _last(job.get("attempts"))
    attempt_reason = _text(attempt.get("statusReason"))
    container_reason = _text(_container(attempt).get("reason")) or \
        _text(_container(job).get("reason"))
    reasons = [r for r in (status_reason, attempt_reason, container_reason) if r]

    if job.get("status") == "RUNNABLE":
        return NEVER_STARTED, _runnable_reason(job, status_reason, now)
    if _DEPENDENCY.search(status_reason):
        return NEVER_STARTED, status_reason
    if _BLOCKED.match(status_reason):
        return NEVER_STARTED, f"no compute: {status_reason}"
    if job.get("isCancelled") is True:
        return CANCELLED, status_reason or "cancelled"
    for reason in reasons:
        if _TIMEOUT.search(reason):
            return TIMEOUT, _with_timeout(reason, job)
    for reason in reasons:
        if _INFRASTRUCTURE.search(reason):
            return INFRASTRUCTURE, reason
    if job.get("isTerminated") is True or _BY_USER.search(status_reason):
        return CANCELLED, status_reason or "terminated"
    if not job.get("startedAt") and not attempt:
        return NEVER_STARTED, status_reason or "no attempt ever started"
    code = exit_code(job)
    if code is not None and code != 0:
        detail = container_reason or ("" if _GENERIC.fullmatch(attempt_reason)
                                      else attempt_reason)
        if code == LEASE_HELD and not detail:
            detail = "another run of the job held it (observes run's lease), or this run lost it"
        return APPLICATION_ERROR, f"exit code {code}" + (f": {detail}" if detail else "")
    return APPLICATION_ERROR, status_reason or attempt_reason or "failed without an exit code"


def exit_code(job: Mapping[str, Any]) -> int | None:
    """The exit code of the last attempt, else of the job's container, else None."""
    for source in (_container(_last(job.get("attempts"))), _container(job)):
        code = source.get("exitCode")
        if isinstance(code, int) and not isinstance(code, bool):
            return code
    return None


def log_stream(job: Mapping[str, Any]) -> str | None:
    """The CloudWatch Logs stream of the last attempt (group ``/aws/batch/job``), if any."""
    for source in (_container(_last(job.get("attempts"))), _container(job)):
        name = source.get("logStreamName")
        if isinstance(name, str) and name:
            return name
    return None


def timestamp(value: Any) -> datetime | None:
    """A Batch time (Unix milliseconds) as an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def runnable_since(job: Mapping[str, Any]) -> datetime | None:
    """When a RUNNABLE job last became so: when its last attempt stopped (a retry), else
    when it was created."""
    stopped = timestamp(_last(job.get("attempts")).get("stoppedAt"))
    return stopped or timestamp(job.get("createdAt"))


def _runnable_reason(job: Mapping[str, Any], status_reason: str, now: datetime | None) -> str:
    since = runnable_since(job)
    waited = f"RUNNABLE for {format_duration(now - since)}" if now and since else "RUNNABLE"
    return f"{waited}, no compute" + (f": {status_reason}" if status_reason else "")


def _with_timeout(reason: str, job: Mapping[str, Any]) -> str:
    seconds = (job.get("timeout") or {}).get("attemptDurationSeconds")
    if isinstance(seconds, int) and not isinstance(seconds, bool) and "second" not in reason:
        return f"{reason} ({seconds} s)"
    return reason


def _last(attempts: Any) -> Mapping[str, Any]:
    if isinstance(attempts, Sequence) and attempts and isinstance(attempts[-1], Mapping):
        return attempts[-1]
    return {}


def _container(holder: Mapping[str, Any]) -> Mapping[str, Any]:
    container = holder.get("container")
    return container if isinstance(container, Mapping) else {}


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""
