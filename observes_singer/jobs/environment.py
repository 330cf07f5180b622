"""What ``observes run`` tells the processes of a job about the run, in the environment.

``observes run`` tells the tap, the target (or a command job's command) about the run in
their environment:

| variable | value |
|---|---|
| ``OBSERVES_JOB`` | the job's name |
| ``OBSERVES_RUN_ID`` | the run's id (shared by the shards of one sharded run) |
| ``OBSERVES_SHARD`` | ``INDEX/COUNT`` for a shard, e.g. ``0/4`` (unset otherwise) |
| ``OBSERVES_SHARD_INDEX``, ``OBSERVES_SHARD_COUNT`` | the same, apart |
| ``OBSERVES_STATE_URL`` | where the run's state is saved (Singer jobs) |
| ``OBSERVES_REPORT_FD`` | a pipe on which the target writes its run report (Singer jobs) |
| ``OBSERVES_PARENT_RUN_ID`` | for a final phase: the run id of the job it runs after |
| ``OBSERVES_PARENT_SHARD_COUNT`` | for a final phase of a sharded job: its shard count |

A shard is taken from AWS Batch's ``AWS_BATCH_JOB_ARRAY_INDEX`` (and
``AWS_BATCH_JOB_ARRAY_SIZE``, or ``OBSERVES_SHARD_COUNT`` which ``observes batch deploy``
sets because Batch reserves ``AWS_BATCH_*`` names, or the job's ``array_size``); the run id
from ``OBSERVES_RUN_ID``, else the Batch job id (the array's, for a shard), else a new one.

Each is absent (or empty) outside ``observes run``: a plain pipe, Meltano. The commit gate
(``OBSERVES_COMMIT_FD``) and the run report (``OBSERVES_REPORT_FD``) have modules of their
own: :mod:`observes_singer.jobs.commit_gate`, :mod:`observes_singer.jobs.run_report`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

JOB_ENV = "OBSERVES_JOB"
RUN_ID_ENV = "OBSERVES_RUN_ID"
SHARD_ENV = "OBSERVES_SHARD"
STATE_URL_ENV = "OBSERVES_STATE_URL"
PARENT_RUN_ID_ENV = "OBSERVES_PARENT_RUN_ID"
PARENT_SHARD_COUNT_ENV = "OBSERVES_PARENT_SHARD_COUNT"
SHARD_INDEX_ENV = "OBSERVES_SHARD_INDEX"
SHARD_COUNT_ENV = "OBSERVES_SHARD_COUNT"
ARRAY_INDEX_ENV = "AWS_BATCH_JOB_ARRAY_INDEX"
ARRAY_SIZE_ENV = "AWS_BATCH_JOB_ARRAY_SIZE"
BATCH_JOB_ID_ENV = "AWS_BATCH_JOB_ID"


@dataclass(frozen=True)
class JobEnv:
    """What a process of a job reads of its run; every field None outside ``observes run``."""

    job: str | None = None
    run_id: str | None = None
    shard: str | None = None
    state_url: str | None = None


def job_env(environ: Mapping[str, str] | None = None) -> JobEnv:
    """The variables as set, an empty one as unset."""
    env = os.environ if environ is None else environ
    return JobEnv(*(env.get(name) or None
                    for name in (JOB_ENV, RUN_ID_ENV, SHARD_ENV, STATE_URL_ENV)))
