"""The retry strategy of every job definition: the platform's failures are retried, the
job's own exits are final, and the rules fit what Batch takes."""

from __future__ import annotations

import re

import pytest

from observes_singer.batch.failure_kinds import INFRASTRUCTURE, classify
from observes_singer.batch.retry_rules import EVALUATE_ON_EXIT
from tests.observes_singer.batch.test_failures import attempt, documented_job
from tests.support.batch_retries import action

# EvaluateOnExit (botocore's batch model): letters, digits, '.', ':' and white space, '*'
# only at the end, at most 512 characters; at most 5 rules.
_PATTERN = re.compile(r"[A-Za-z0-9.: \t]*\*?")

PLATFORM_FAILURES = [
    # (statusReason, container reason) of a failed attempt, as Batch and ECS write them
    ("Host EC2 (instance i-0a1b2c3d4e5f) terminated.", None),
    ("Host EC2 (instance i-0a1b2c3d4e5f) stopped.", None),
    ("Essential container in task exited", "AGENT"),
    ("Task failed to start", "CannotPullContainerError: pull image manifest has been "
     "retried 5 time(s): failed to resolve ref"),
    ("Task failed to start", "ResourceInitializationError: unable to pull secrets or "
     "registry auth: execution resource retrieval failed"),
    ("Task failed to start", "CannotStartContainerError: Error response from daemon"),
    ("Your Spot Task was interrupted.", None),
]
JOB_FAILURES = [
    # (statusReason, container reason, exit code): what the job itself did
    ("Essential container in task exited", None, 1),
    ("Essential container in task exited", None, 75),  # another run held the lease
    ("Essential container in task exited",
     "OutOfMemoryError: Container killed due to memory usage", 137),
    ("Job attempt duration exceeded timeout", None, 137),
]


def test_the_rules_fit_what_batch_takes() -> None:
    assert 1 <= len(EVALUATE_ON_EXIT) <= 5
    for rule in EVALUATE_ON_EXIT:
        assert rule["action"] in ("RETRY", "EXIT")
        for key, pattern in rule.items():
            if key != "action":
                assert key in ("onStatusReason", "onReason", "onExitCode")
                assert len(pattern) <= 512 and _PATTERN.fullmatch(pattern), pattern
    assert EVALUATE_ON_EXIT[-1] == {"onReason": "*", "action": "EXIT"}


@pytest.mark.parametrize(("status_reason", "reason"), PLATFORM_FAILURES)
def test_what_the_platform_broke_is_retried(status_reason: str, reason: str | None) -> None:
    assert action(EVALUATE_ON_EXIT, {"statusReason": status_reason, "reason": reason}) == \
        "RETRY"
    # ... and the failure report calls it what it is.
    job = documented_job(statusReason=status_reason,
                         attempts=[attempt(reason=reason, status_reason=status_reason)])
    assert classify(job)[0] == INFRASTRUCTURE


@pytest.mark.parametrize(("status_reason", "reason", "exit_code"), JOB_FAILURES)
def test_the_jobs_own_exit_is_final(status_reason: str, reason: str | None,
                                    exit_code: int) -> None:
    assert action(EVALUATE_ON_EXIT, {"statusReason": status_reason, "reason": reason,
                                     "exitCode": exit_code}) == "EXIT"
    assert action([], {"statusReason": status_reason, "exitCode": exit_code}) == "RETRY", \
        "without a final EXIT rule Batch would retry it"
