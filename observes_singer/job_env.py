"""What ``observes run`` tells the processes of a job about the run, in the environment.

- ``OBSERVES_JOB``: the job's name (its file under ``jobs/`` without ``.toml``).
- ``OBSERVES_RUN_ID``: the runner's id for this run (every process of the run shares it;
  a target keeps its own run id for its work and records this one).
- ``OBSERVES_SHARD``: ``INDEX/COUNT`` (``1/4``) when the job runs in shards.
- ``OBSERVES_STATE_URL``: where the runner keeps the job's state.

Each is absent (or empty) outside ``observes run``: a plain pipe, Meltano.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

JOB = "OBSERVES_JOB"
RUN_ID = "OBSERVES_RUN_ID"
SHARD = "OBSERVES_SHARD"
STATE_URL = "OBSERVES_STATE_URL"


@dataclass(frozen=True)
class JobEnv:
    job: str | None = None
    run_id: str | None = None
    shard: str | None = None
    state_url: str | None = None


def job_env(environ: Mapping[str, str] | None = None) -> JobEnv:
    """The variables as set, an empty one as unset."""
    env = os.environ if environ is None else environ
    return JobEnv(*(env.get(name) or None for name in (JOB, RUN_ID, SHARD, STATE_URL)))
