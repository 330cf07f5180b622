"""``observes batch deploy [JOB ...]``: one Batch job definition per job, and its schedule.

Everything is checked (settings, queues, roles, secret references) before anything is
changed. A job definition is registered only when the latest ACTIVE revision differs
from the wanted one (the ``observes:spec`` tag holds the digest of what was wanted); a
schedule is created when missing and updated only when different. Deploying every job
(no names) also deletes this prefix's schedules whose job has no schedule any more.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

from observes_singer.batch import definition, schedules, stack
from observes_singer.batch.aws import BatchError, aws_errors, client
from observes_singer.batch.options import (
    QUEUE_ENV,
    SCHEDULE_DLQ_ENV,
    add_prefix_and_region,
    add_schedule_dlq,
    aws_name,
    from_env,
    job_queue,
    schedule_dlq,
)
from observes_singer.batch.secrets import SecretArns
from observes_singer.jobs.files import (
    STATE_STORE_ENV,
    BatchSettings,
    CommandJob,
    Job,
    all_jobs,
    dependents,
    jobs_dir,
    load_job,
)
from observes_singer.jobs.schedule_expressions import ScheduleError, check_ahead

IMAGE_ENV = "OBSERVES_BATCH_IMAGE"
"""The container image of ``observes batch deploy`` when ``--image`` is not given."""
JOB_ROLE_ENV = "OBSERVES_BATCH_JOB_ROLE_ARN"
"""The role the containers run as, for ``observes batch deploy`` when ``--job-role-arn``
is not given."""
EXECUTION_ROLE_ENV = "OBSERVES_BATCH_EXECUTION_ROLE_ARN"
"""The role that pulls the image and reads the secrets, for ``observes batch deploy`` when
``--execution-role-arn`` is not given."""
SCHEDULER_ROLE_ENV = "OBSERVES_SCHEDULER_ROLE_ARN"
"""The role EventBridge Scheduler submits jobs with, for ``observes batch deploy`` when
``--scheduler-role-arn`` is not given."""

STACK_SETTINGS = {"image": IMAGE_ENV, "queue": QUEUE_ENV, "job_role_arn": JOB_ROLE_ENV,
                  "execution_role_arn": EXECUTION_ROLE_ENV,
                  "scheduler_role_arn": SCHEDULER_ROLE_ENV, "state_store": STATE_STORE_ENV,
                  "schedule_dlq_arn": SCHEDULE_DLQ_ENV}
"""The settings ``--stack`` gives, by attribute: each from the output named after its
variable."""

AnyJob = Job | CommandJob


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("jobs", nargs="*", metavar="JOB", help="the jobs to deploy (default: "
                        "every job with a [batch] table; a named job without one gets the "
                        "defaults)")
    parser.add_argument("--image", metavar="URI", help=f"the container image, whose "
                        f"entrypoint is `observes` (default: ${IMAGE_ENV}); required")
    parser.add_argument("--queue", metavar="NAME", help="the job queue of jobs whose [batch] "
                        f"table names none (default: ${QUEUE_ENV})")
    parser.add_argument("--job-role-arn", metavar="ARN", help="the role the jobs run with "
                        f"(default: ${JOB_ROLE_ENV})")
    parser.add_argument("--execution-role-arn", metavar="ARN", help="the role Batch pulls the "
                        "image and fetches the secrets with; required when a job has secrets "
                        f"or runs on Fargate (default: ${EXECUTION_ROLE_ENV})")
    parser.add_argument("--scheduler-role-arn", metavar="ARN", help="the role EventBridge "
                        "Scheduler submits the jobs with; required when a job has a schedule "
                        f"(default: ${SCHEDULER_ROLE_ENV})")
    parser.add_argument("--schedule-group", metavar="NAME", default="default",
                        help="the EventBridge Scheduler group (default: %(default)s)")
    add_schedule_dlq(parser, "the SQS queue where EventBridge Scheduler puts a submission "
                     "it still cannot make after its retries; the scheduler role must be "
                     "allowed sqs:SendMessage on it")
    parser.add_argument("--state-store", metavar="URL", help="s3://bucket/prefix/ where "
                        "command jobs keep their lease and run records, set as "
                        f"{STATE_STORE_ENV} in the jobs' environment; required when a "
                        f"command job is deployed (default: ${STATE_STORE_ENV})")
    stack.add_argument(parser)
    add_prefix_and_region(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would change and change nothing")


def command(args: argparse.Namespace, out: IO[str]) -> int:
    stack.fill_in(args, STACK_SETTINGS)
    image = from_env(args.image, IMAGE_ENV)
    if not image:
        raise BatchError(f"no image: give --image URI or set {IMAGE_ENV}")
    default_queue = from_env(args.queue, QUEUE_ENV)
    args.schedule_dlq_arn = schedule_dlq(args.schedule_dlq_arn)
    batch = client("batch", region=args.region)
    container = definition.Container(
        image=image, region=batch.meta.region_name,
        state_store=from_env(args.state_store, STATE_STORE_ENV), queue=default_queue,
        job_role_arn=from_env(args.job_role_arn, JOB_ROLE_ENV),
        execution_role_arn=from_env(args.execution_role_arn, EXECUTION_ROLE_ENV),
        schedule_dlq_arn=args.schedule_dlq_arn)
    scheduler_role = from_env(args.scheduler_role_arn, SCHEDULER_ROLE_ENV)
    everything = all_jobs()
    jobs = _selected(args.jobs, everything)
    _check_roles(jobs, container, scheduler_role)

    secret_arns = SecretArns(args.region)
    wanted: dict[str, dict[str, Any]] = {}
    wanted_schedules: dict[str, dict[str, Any]] = {}
    for job in jobs:
        settings = _settings(job)
        arns = {var: secret_arns.arn(job.name, var, ref) for var, ref in settings.secrets.items()}
        wanted[job.name] = definition.desired(aws_name(args.prefix, job.name), job.name,
                                              settings, container, arns)
        if settings.schedule is not None:
            assert scheduler_role is not None  # _check_roles
            wanted_schedules[job.name] = _schedule(job, everything, args, default_queue,
                                                   scheduler_role, batch.meta.region_name)
    _check_launched_jobs(batch, jobs, everything, args.prefix)

    say = _Output(out, args.dry_run)
    for job in jobs:
        _deploy_definition(batch, wanted[job.name], say)
    _deploy_schedules(client("scheduler", region=args.region), jobs, everything,
                      wanted_schedules, args, say)
    say.summary()
    return 0


class _Output:
    """One line per change (``would ...`` in a dry run), and what is up to date."""

    def __init__(self, out: IO[str], dry_run: bool) -> None:
        self.out, self.dry_run, self.changed = out, dry_run, 0

    def change(self, what: str, detail: str, apply: Callable[[], str]) -> None:
        """Run ``apply`` (unless a dry run) and print ``what`` with what ``apply`` returns
        (`` (revision 3)``), then ``detail``."""
        self.changed += 1
        if self.dry_run:
            self.out.write(f"would {what}: {detail}\n")
        else:
            self.out.write(f"{what}{apply()}: {detail}\n")
        self.out.flush()

    def same(self, text: str) -> None:
        self.out.write(f"{text}: up to date\n")

    def summary(self) -> None:
        if not self.changed:
            self.out.write("everything is up to date\n")
        else:
            self.out.write(f"{'would make' if self.dry_run else 'made'} {self.changed} "
                           f"change{'s' if self.changed != 1 else ''}\n")


def _selected(names: list[str], everything: list[AnyJob]) -> list[AnyJob]:
    if not names:
        return [job for job in everything if job.batch is not None]
    chosen: dict[str, AnyJob] = {}
    for reference in names:
        job = load_job(reference)
        chosen.setdefault(job.name, job)
    return list(chosen.values())


def _settings(job: AnyJob) -> BatchSettings:
    return job.batch if job.batch is not None else BatchSettings()


def _check_roles(jobs: list[AnyJob], container: definition.Container,
                 scheduler_role: str | None) -> None:
    on_fargate = [job.name for job in jobs if _settings(job).platform == "fargate"]
    if on_fargate and not container.execution_role_arn:
        raise BatchError(f"job {', '.join(on_fargate)} runs on Fargate, which pulls the image "
                         "and sends the logs with the execution role: give "
                         f"--execution-role-arn ARN or set {EXECUTION_ROLE_ENV}")
    with_secrets = [job.name for job in jobs if _settings(job).secrets]
    if with_secrets and not container.execution_role_arn:
        raise BatchError(f"job {', '.join(with_secrets)} has secrets, which Batch fetches with "
                         "the execution role: give --execution-role-arn ARN or set "
                         f"{EXECUTION_ROLE_ENV}")
    store = container.state_store
    if store is not None and not store.startswith("s3://"):
        raise BatchError(f"--state-store {store}: a container's disk is gone when it stops; "
                         "give an S3 URL (s3://bucket/prefix/)")
    commands = [job.name for job in jobs if isinstance(job, CommandJob)]
    if commands and store is None:
        raise BatchError(f"job {', '.join(commands)} runs a command: its lease and run records "
                         "live in the state store, which must outlive the container: give "
                         f"--state-store s3://bucket/prefix/ or set {STATE_STORE_ENV}")
    scheduled = [job.name for job in jobs if _settings(job).schedule is not None]
    if scheduled and not scheduler_role:
        raise BatchError(f"job {', '.join(scheduled)} has a schedule, which EventBridge "
                         "Scheduler runs with its own role: give --scheduler-role-arn ARN or "
                         f"set {SCHEDULER_ROLE_ENV}")


def _schedule(job: AnyJob, everything: list[AnyJob], args: argparse.Namespace,
              default_queue: str | None, role_arn: str, region: str) -> dict[str, Any]:
    settings = _settings(job)
    assert settings.schedule is not None
    try:
        check_ahead(settings.schedule, settings.timezone, datetime.now(UTC))
    except ScheduleError as exc:
        raise BatchError(f"job {job.name}: [batch] schedule: {exc}") from None
    name = aws_name(args.prefix, job.name)
    if len(name) > 64:
        raise BatchError(f"job {job.name}: the schedule name {name!r} is longer than the 64 "
                         "characters EventBridge Scheduler takes; use a shorter --prefix")
    queue = job_queue(job, default_queue)
    after = dependents(job, everything)
    for other in after:  # the launcher submits them with the same queue settings
        job_queue(other, default_queue)
    submit = schedules.launcher_input(name, job.name, queue, args.prefix, default_queue,
                                      region) if after else \
        schedules.submit_input(name, queue, job.shards)
    return schedules.desired(name, args.schedule_group, settings.schedule, settings.timezone,
                             role_arn, submit, args.prefix, job.name, args.schedule_dlq_arn)


def _check_launched_jobs(batch: Any, jobs: list[AnyJob], everything: list[AnyJob],
                         prefix: str) -> None:
    """A launcher submits a scheduled job's dependents: each must have a job definition."""
    deployed = {job.name for job in jobs}
    for job in jobs:
        if _settings(job).schedule is None:
            continue
        for other in dependents(job, everything):
            if other.name not in deployed and \
                    definition.latest_active(batch, aws_name(prefix, other.name)) is None:
                raise BatchError(f"job {job.name} runs {other.name} after it, which has no "
                                 f"job definition: deploy {other.name} too (name it, or give "
                                 "it a [batch] table)")


def _deploy_schedules(scheduler: Any, jobs: list[AnyJob], everything: list[AnyJob],
                      wanted: dict[str, dict[str, Any]], args: argparse.Namespace,
                      say: _Output) -> None:
    """Create or update the wanted schedules; delete the deployed jobs' schedules they no
    longer have and, deploying every job, this prefix's schedules of jobs not deployed."""
    group, prefix = args.schedule_group, args.prefix
    for job in jobs:
        name = aws_name(prefix, job.name)
        if job.name in wanted:
            _deploy_schedule(scheduler, wanted[job.name], say)
        elif (current := schedules.existing(scheduler, group, name)) is not None \
                and current.get("Description") == schedules.description(prefix, job.name):
            _delete_schedule(scheduler, group, name, f"job {job.name} has no schedule", say)
    if args.jobs:
        return
    deployed = {job.name for job in jobs}
    known = {job.name for job in everything}
    for name, job_name in schedules.ours(scheduler, group, prefix).items():
        if job_name not in deployed:
            reason = f"job {job_name} has no [batch] table" if job_name in known else \
                f"no job {job_name} in {jobs_dir()}"
            _delete_schedule(scheduler, group, name, reason, say)


def _deploy_definition(batch: Any, wanted: dict[str, Any], say: _Output) -> None:
    name = wanted["jobDefinitionName"]
    current = definition.latest_active(batch, name)
    if current is not None and definition.is_current(current, wanted):
        say.same(f"job definition {name} (revision {current['revision']})")
        return
    why = "new" if current is None else \
        "changed: " + ", ".join(definition.changes(current, wanted))

    def register() -> str:
        with aws_errors(f"register the job definition {name}"):
            revision = batch.register_job_definition(**wanted)["revision"]
        return f" (revision {revision})"

    say.change(f"register job definition {name}", why, register)


def _deploy_schedule(scheduler: Any, wanted: dict[str, Any], say: _Output) -> None:
    name, group = wanted["Name"], wanted["GroupName"]
    current = schedules.existing(scheduler, group, name)
    if current is None:
        def create() -> str:
            with aws_errors(f"create the schedule {name}"):
                scheduler.create_schedule(**wanted)
            return ""

        submits = json.loads(wanted["Target"]["Input"])["JobName"]
        say.change(f"create schedule {name}", f"{wanted['ScheduleExpression']} "
                   f"{wanted['ScheduleExpressionTimezone']}, submits {submits}", create)
        return
    differences = schedules.changes(current, wanted)
    if not differences:
        say.same(f"schedule {name}")
        return

    def update() -> str:
        with aws_errors(f"update the schedule {name}"):
            scheduler.update_schedule(**wanted)
        return ""

    say.change(f"update schedule {name}", ", ".join(differences), update)


def _delete_schedule(scheduler: Any, group: str, name: str, reason: str, say: _Output) -> None:
    def delete() -> str:
        with aws_errors(f"delete the schedule {name}"):
            scheduler.delete_schedule(Name=name, GroupName=group)
        return ""

    say.change(f"delete schedule {name}", reason, delete)
