"""``observes run JOB`` around the runner: one run of a job at a time, its shards, its
record in the run ledger, and its final phase.

- The run takes the job's lease (:mod:`observes_singer.jobs.lease`) before anything starts,
  keeps it alive while it runs and gives it back at the end; the shards of one sharded
  run share it.
- A sharded job (``[batch] array_size``, or ``--shards N``) run on one machine starts its
  N shards as parallel ``observes run`` processes with the environment AWS Batch gives an
  array job's children (``AWS_BATCH_JOB_ARRAY_INDEX``/``AWS_BATCH_JOB_ARRAY_SIZE``), so
  it behaves the same here and on Batch. A shard hands its index and count to the tap as
  the ``shard_index`` and ``shard_count`` settings, and keeps its own state.
- A successful run writes its record to the run ledger (:mod:`observes_singer.jobs.ledger`).
- Then, unless it runs inside AWS Batch (where ``dependsOn`` does it) or ``--only`` is
  given, the jobs that depend on it (its final phase) run, each in turn.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from observes_singer.jobs.environment import (
    ARRAY_INDEX_ENV,
    ARRAY_SIZE_ENV,
    BATCH_JOB_ID_ENV,
    PARENT_RUN_ID_ENV,
    PARENT_SHARD_COUNT_ENV,
    RUN_ID_ENV,
)
from observes_singer.jobs.files import CommandJob, Job, JobError
from observes_singer.jobs.final_phases import final_phases
from observes_singer.jobs.lease import Lease, holder_name, lease_url
from observes_singer.jobs.ledger import Shard, record_run
from observes_singer.jobs.run import (
    JobRun,
    new_run_id,
    run_id_from_environment,
    shard_from_environment,
)
from observes_singer.store.storage import BlobStore

GRACE = 30.0


def run(job: Job | CommandJob, blobs: BlobStore, extra: Sequence[str] = (),
        shards: int | None = None, wait: bool = False, only: bool = False,
        endpoint_url: str | None = None, log: IO[str] = sys.stderr,
        stderr: IO[Any] | None = None) -> int:
    """Run ``job`` as ``observes run`` does; returns the exit code. A Singer job's tap
    and target write their stderr to ``stderr`` (default: this process's)."""
    shard = shard_from_environment(job)
    if shards is not None and shard is not None:
        raise JobError(f"job {job.name}: --shards is for a run on one machine; this process "
                       f"is shard {shard} of an array job already")
    count = shards if shards is not None else job.shards
    # Known before the run starts: a broken job file fails now, not after the work.
    finals = [] if only or shard is not None or os.environ.get(BATCH_JOB_ID_ENV) else \
        final_phases(job, log)
    run_id = run_id_from_environment() or new_run_id()
    if shard is None and count is not None:
        code = _fan_out(job, blobs, count, extra, wait, endpoint_url, log, run_id)
    else:
        code = _run_once(job, blobs, extra, shard, wait, log, stderr, run_id)
    if code != 0:
        return code
    for final in finals:
        print(f"observes: job {job.name} done; now {final.name}, which depends on it",
              file=log)
        with _parent_run(run_id, count):
            code = run(final, blobs, wait=wait, only=True, endpoint_url=endpoint_url,
                       log=log)
        if code != 0:
            return code
    return code


@contextlib.contextmanager
def _parent_run(run_id: str, shards: int | None) -> Iterator[None]:
    """A final phase sees which run it finishes (``OBSERVES_PARENT_RUN_ID``) and, when
    that run was sharded, into how many shards (``OBSERVES_PARENT_SHARD_COUNT``), as
    ``observes batch submit`` tells it on Batch; its own run id is new."""
    names = (PARENT_RUN_ID_ENV, PARENT_SHARD_COUNT_ENV, RUN_ID_ENV)
    saved = {name: os.environ.get(name) for name in names}
    os.environ[PARENT_RUN_ID_ENV] = run_id
    if shards is None:
        os.environ.pop(PARENT_SHARD_COUNT_ENV, None)
    else:
        os.environ[PARENT_SHARD_COUNT_ENV] = str(shards)
    os.environ.pop(RUN_ID_ENV, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _lease(job: Job | CommandJob, blobs: BlobStore, run_id: str, member: str) -> Lease:
    batch_id = os.environ.get(BATCH_JOB_ID_ENV)
    return Lease(blobs, lease_url(job.state_store, job.name), job.name, run_id,
                 member=member, holder=holder_name(batch_id))


def _run_once(job: Job | CommandJob, blobs: BlobStore, extra: Sequence[str],
              shard: Shard | None, wait: bool, log: IO[str], stderr: IO[Any] | None,
              run_id: str) -> int:
    from observes_singer.jobs.pipes import run_command_job, run_job

    if shard is not None and isinstance(job, Job):
        _check_tap_takes_shards(job)
    job_run = JobRun(run_id, shard)
    lease = _lease(job, blobs, job_run.run_id, f"shard {shard}" if shard else "main")
    with lease.held(wait=wait, log=log):
        job_run.lease = lease
        job_run.started = datetime.now(UTC)
        if isinstance(job, CommandJob):
            code = run_command_job(job, extra, log=log, run=job_run)
            state_url = None
        else:
            code = run_job(job, blobs, log=log, stderr=stderr, run=job_run)
            state_url = job_run.state_url(job.state_url)
        if code == 0:
            record_run(blobs, job.state_store, job.name, job_run.run_id, job_run.started,
                       datetime.now(UTC), shard, job_run.report, state_url)
    return code


def _fan_out(job: Job | CommandJob, blobs: BlobStore, count: int, extra: Sequence[str],
             wait: bool, endpoint_url: str | None, log: IO[str], run_id: str) -> int:
    """Run the ``count`` shards of ``job`` in parallel, as AWS Batch runs an array job."""
    if count < 1:
        raise JobError(f"job {job.name}: --shards must be at least 1")
    if isinstance(job, Job):
        _check_tap_takes_shards(job)
    argv = [sys.executable, "-m", "observes_singer.cli", "run", str(job.path), "--only"]
    if endpoint_url:
        argv += ["--endpoint-url", endpoint_url]
    if extra:
        argv += ["--", *extra]
    lease = _lease(job, blobs, run_id, "main")
    with lease.held(wait=wait, log=log):
        print(f"observes: job {job.name}: run {run_id} as {count} shards", file=log)
        children: list[subprocess.Popen[bytes]] = []
        try:
            for index in range(count):
                env = {**os.environ, ARRAY_INDEX_ENV: str(index), ARRAY_SIZE_ENV: str(count),
                       RUN_ID_ENV: run_id}
                children.append(subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL))
            codes = [child.wait() for child in children]
        except KeyboardInterrupt:
            for child in children:
                with contextlib.suppress(ProcessLookupError):
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=GRACE)
                except subprocess.TimeoutExpired:
                    child.kill()
            print(f"observes: job {job.name}: interrupted; every shard was stopped",
                  file=log)
            return 130
    failed = [(index, code) for index, code in enumerate(codes) if code != 0]
    if failed:
        shards = ", ".join(f"shard {index}/{count} exited {code}" for index, code in failed)
        print(f"observes: job {job.name} failed: {shards}; what the other shards committed "
              "stays, and a rerun resumes each shard from its own state", file=log)
        return failed[0][1]
    print(f"observes: job {job.name}: all {count} shards done", file=log)
    return 0


def _check_tap_takes_shards(job: Job) -> None:
    """A tap that ignores the shard settings would extract everything in every shard: a
    sharded job's tap must list ``shard_index`` and ``shard_count`` in its ``--about``."""
    command = [*job.tap.command, "--about", "--format", "json"]
    try:
        about = subprocess.run(command, capture_output=True, timeout=60, check=False,
                               stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise JobError(f"job {job.name}: tap command not found: {job.tap.command[0]}") \
            from None
    except subprocess.TimeoutExpired:
        raise JobError(f"job {job.name}: {job.tap.command[0]} --about did not answer within "
                       "60 s") from None
    settings: object = None
    with contextlib.suppress(orjson.JSONDecodeError):
        document = orjson.loads(about.stdout)
        if isinstance(document, dict):
            settings = document.get("settings", {})
    properties = settings.get("properties", {}) if isinstance(settings, dict) else {}
    if about.returncode != 0 or not isinstance(properties, dict) or \
            not {"shard_index", "shard_count"} <= set(properties):
        raise JobError(f"job {job.name}: {job.tap.command[0]} cannot run as shards: its "
                       "--about lists no shard_index and shard_count settings, so every "
                       "shard would extract everything")
