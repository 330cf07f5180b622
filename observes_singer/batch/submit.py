"""``observes batch submit JOB``: the job now (an array job when sharded), then the jobs
that depend on it (its final phase), each with ``dependsOn`` on the jobs it names.

A schedule of a job with dependents runs this inside Batch (the launcher), since one
schedule submits one job. A dependent gets ``OBSERVES_PARENT_RUN_ID``, the id of the job it
runs after: the run id its shards share (the array job's id), and
``OBSERVES_PARENT_SHARD_COUNT`` when that job is sharded (its ``array_size``).

With a run id (``--run-id``, else inside Batch this job's own id) every job is tagged
``observes:run=ID`` and a job of the chain that this run already submitted is not
submitted again (:mod:`observes_singer.batch.runs`): a launcher retried by Batch, or a
scheduled time delivered twice, starts the chain once.
"""

from __future__ import annotations

import argparse
import sys
from typing import IO, Any

from observes_singer.batch import runs
from observes_singer.batch.aws import BatchError, aws_errors, client
from observes_singer.batch.definition import JOB_TAG, latest_active
from observes_singer.batch.options import (
    QUEUE_ENV,
    add_prefix_and_region,
    aws_name,
    from_env,
    job_queue,
)
from observes_singer.jobs.environment import PARENT_RUN_ID_ENV, PARENT_SHARD_COUNT_ENV
from observes_singer.jobs.files import CommandJob, Job, load_job
from observes_singer.jobs.final_phases import final_phases


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("job", metavar="JOB")
    parser.add_argument("--queue", metavar="NAME", help="the job queue of jobs whose [batch] "
                        f"table names none (default: ${QUEUE_ENV})")
    parser.add_argument("--run-id", metavar="ID", help="the run this submission belongs to: "
                        f"jobs are tagged {runs.RUN_TAG}=ID, and a job of the chain already "
                        "submitted with this ID is not submitted again (default: inside "
                        f"Batch, ${runs.BATCH_JOB_ID_ENV}, the same in every attempt; the "
                        "launcher of a schedule gives the scheduled time)")
    add_prefix_and_region(parser)


def command(args: argparse.Namespace, out: IO[str]) -> int:
    job = load_job(args.job)
    chain = [job, *final_phases(job, sys.stderr)]
    default_queue = from_env(args.queue, QUEUE_ENV)
    queues = {each.name: job_queue(each, default_queue) for each in chain}
    batch = client("batch", region=args.region)
    for each in chain:
        name = aws_name(args.prefix, each.name)
        if latest_active(batch, name) is None:
            raise BatchError(f"job {each.name}: no job definition {name} is registered: run "
                             f"`observes batch deploy {each.name}` first")
    run_id = args.run_id or runs.default_run_id()
    since = runs.started(batch, run_id) if run_id else None
    by_name = {each.name: each for each in chain}
    ids: dict[str, str] = {}
    for each in chain:
        name = aws_name(args.prefix, each.name)
        earlier = runs.submitted(batch, name, queues[each.name], run_id, since) \
            if run_id else None
        if earlier is not None:
            ids[each.name] = earlier
            out.write(f"{name}  {earlier}  submitted before (run {run_id})\n")
            out.flush()
            continue
        after = [ids[parent] for parent in each.depends_on if parent in ids]
        parents = [by_name[parent] for parent in each.depends_on if parent in ids]
        ids[each.name] = _submit(batch, each, name, queues[each.name], after,
                                 parents[0].shards if parents else None, run_id)
        detail = f"array of {each.shards}" if each.shards is not None else ""
        if after:
            detail = f"{detail}, after {', '.join(after)}" if detail else \
                f"after {', '.join(after)}"
        out.write(f"{name}  {ids[each.name]}{'  ' + detail if detail else ''}\n")
        out.flush()
    return 0


def _submit(batch: Any, job: Job | CommandJob, name: str, queue: str, after: list[str],
            parent_shards: int | None, run_id: str | None) -> str:
    tags = {JOB_TAG: job.name}
    if run_id:
        tags[runs.RUN_TAG] = run_id
    request: dict[str, Any] = {"jobName": name, "jobQueue": queue, "jobDefinition": name,
                               "tags": tags}
    if job.shards is not None:
        request["arrayProperties"] = {"size": job.shards}
    if after:
        request["dependsOn"] = [{"jobId": job_id} for job_id in after]
        # The final phase learns which run it finishes: the (array) job it depends on.
        environment = [{"name": PARENT_RUN_ID_ENV, "value": after[0]}]
        if parent_shards is not None:
            environment.append({"name": PARENT_SHARD_COUNT_ENV, "value": str(parent_shards)})
        request["containerOverrides"] = {"environment": environment}
    with aws_errors(f"submit {name} to the queue {queue}"):
        job_id: str = batch.submit_job(**request)["jobId"]
    return job_id
