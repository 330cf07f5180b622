"""The ``evaluateOnExit`` rules of every job definition: retry what the platform broke,
never what the job broke.

Batch tries the rules in order and takes the first whose conditions all match; when none
matches it retries, so the last rule exits on any reason, and a job's own non-zero exit
(``Essential container in task exited``, an out-of-memory kill, a refused lease) is final.
At most 5 rules; each pattern is at most 512 characters of letters, digits, ``.``, ``:``
and white space, with ``*`` only at its end (botocore's ``EvaluateOnExit`` shape).

What is retried, as AWS's own documentation and examples do (AWS Batch User Guide,
"Automated job retries", job_retries.html, and the ``AWS::Batch::JobDefinition
RetryStrategy`` example, both read 2026-12-07; ECS "Stopped tasks error codes"):

- ``Host EC2*`` (status reason): the EC2 instance was terminated or stopped, a Spot
  reclaim on EC2 included;
- ``AGENT*`` (reason): the ECS container agent went away (AWS's example retries
  ``AGENT``);
- ``Task failed to start*`` (status reason): the task never ran, which is where Batch puts
  ``CannotPullContainerError``, ``CannotStartContainerError`` and
  ``ResourceInitializationError`` (those ride in the container's reason, under this status
  reason);
- ``Your Spot Task was interrupted*`` (status reason): Fargate Spot took the capacity back.
"""

from __future__ import annotations

from typing import Final

RETRY: Final = "RETRY"
EXIT: Final = "EXIT"

EVALUATE_ON_EXIT: Final[list[dict[str, str]]] = [
    {"onStatusReason": "Host EC2*", "action": RETRY},
    {"onReason": "AGENT*", "action": RETRY},
    {"onStatusReason": "Task failed to start*", "action": RETRY},
    {"onStatusReason": "Your Spot Task was interrupted*", "action": RETRY},
    {"onReason": "*", "action": EXIT},
]
