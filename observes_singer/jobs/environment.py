"""What ``observes run`` tells the processes of a job about the run, in the environment.

``observes run`` sets the variables below for the tap, the filters and the target (or a
command job's command); each constant's docstring says what it holds. Each is absent (or
empty) outside ``observes run``: a plain pipe, Meltano. The commit gate
(``OBSERVES_COMMIT_FD``) and the run report (``OBSERVES_REPORT_FD``) have modules of their
own: :mod:`observes_singer.jobs.commit_gate`, :mod:`observes_singer.jobs.run_report`.

A shard is taken from AWS Batch's ``AWS_BATCH_JOB_ARRAY_INDEX`` (and
``AWS_BATCH_JOB_ARRAY_SIZE``, or ``OBSERVES_SHARD_COUNT`` which ``observes batch deploy``
sets because Batch reserves ``AWS_BATCH_*`` names, or the job's ``array_size``); the run id
from ``OBSERVES_RUN_ID``, else the Batch job id (the array's, for a shard), else a new one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

JOB_ENV = "OBSERVES_JOB"
"""The job's name. Read by target-redshift's run ledger (``observes_runs``) and by
``observes batch report-failures``, which leaves out its own job's earlier runs."""
RUN_ID_ENV = "OBSERVES_RUN_ID"
"""The run's id, shared by the shards of one sharded run. Read by target-redshift's run
ledger, and by ``observes run`` itself inside a shard; job files use it in URLs (the dynamo
job's parts: ``.../${OBSERVES_RUN_ID}/part_N``)."""
SHARD_ENV = "OBSERVES_SHARD"
"""``INDEX/COUNT`` for a shard, e.g. ``0/4`` (unset otherwise). Read by target-redshift's
run ledger."""
STATE_URL_ENV = "OBSERVES_STATE_URL"
"""Where the run's state is saved (Singer jobs). Read by target-redshift's run ledger. The
job files take their ``state_url`` from it when it is set before ``observes run``
(``${OBSERVES_STATE_URL:-s3://...}``), which moves a job's state."""
PARENT_RUN_ID_ENV = "OBSERVES_PARENT_RUN_ID"
"""For a final phase: the run id of the job it runs after (on AWS Batch the array job's
id, passed by ``observes batch submit``), so that it finds what that run wrote; the
dynamo-load job reads its parts under it."""
PARENT_SHARD_COUNT_ENV = "OBSERVES_PARENT_SHARD_COUNT"
"""For a final phase of a sharded job: that run's shard count (``--shards``, else its
``array_size``), so that it knows how many parts to expect (the dynamo-load job's
``--parts``)."""
SHARD_INDEX_ENV = "OBSERVES_SHARD_INDEX"
"""A shard's index, from 0 (unset otherwise). Job files use it to give each shard a place
of its own, e.g. target-s3's ``url`` or ``key_template`` (``.../part_${OBSERVES_SHARD_INDEX}``)."""
SHARD_COUNT_ENV = "OBSERVES_SHARD_COUNT"
"""A shard's shard count (unset otherwise). ``observes batch deploy`` also sets it in a
sharded job's containers, and ``observes run`` reads it there when
``AWS_BATCH_JOB_ARRAY_SIZE`` is missing."""
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
