"""Job definitions: one TOML file a job, run by ``observes run``.

A Singer job pipes a tap into a target, with its state kept between runs:

```toml
description = "GitLab into the warehouse"
state_url = "s3://observes.state/gitlab.json"

[tap]
command = ["tap-gitlab"]
config = { api_url = "https://gitlab.com/api/v4", private_token = "${GITLAB_TOKEN}" }

[target]
command = ["target-redshift"]
config = { url = "${WAREHOUSE_URL}", load_method = "upsert" }
```

A command job runs one program as it is (no tap, no target, no state), with extra
environment variables if it needs them:

```toml
description = "Cancel GitLab CI jobs stuck for hours"
command = ["gitlab-cancel-stuck-jobs", "--older-than", "${OLDER_THAN:-8h}"]
env = { GITLAB_TOKEN = "${GITLAB_TOKEN}" }
```

A command job may also have a ``config`` table: it reaches the command as a tap's or a
target's does, ``--config /dev/fd/N`` (in memory, never on disk), after the command's
own arguments.

Secrets are referenced as ``${NAME}`` (or ``${NAME:-default}``) and taken from the
environment when the job runs; they are never written in the file, and a missing one
is an error that names the variable (and never shows a value).

Either kind may also say how old its last success may get before ``observes freshness``
calls it stale (``max_age = "26h"``), which jobs it runs after (``depends_on``: the final
phase of a sharded job names the sharded job), and how it runs on AWS Batch:

```toml
max_age = "26h"

[batch]
queue = "observes_small"             # default: the queue given to `observes batch deploy`
platform = "ec2"                     # or "fargate"
vcpus = 1                            # whole on EC2; on Fargate 0.25, 0.5, 1, 2, ...
memory = 2048                        # MiB; on Fargate a size it pairs with vcpus
timeout = "2h"
attempts = 3                         # retried only when the platform failed the job
schedule = "cron(0 5 * * ? *)"       # or rate(6 hours); EventBridge Scheduler syntax
timezone = "UTC"
array_size = 4                       # a sharded job: 4 shards as one array job
environment = { GITLAB_PROJECT = "fluidattacks/universe" }
secrets = { GITLAB_TOKEN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:gitlab" }
```

On Fargate (``platform = "fargate"``) a job may also say ``assign_public_ip = true`` (a
task in a public subnet without a NAT gateway needs one to pull its image),
``ephemeral_storage = 50`` (GiB, 21-200; Fargate's default is 20) and
``platform_version = "1.4.0"`` (default ``LATEST``).

``secrets`` holds references only (a Secrets Manager or SSM Parameter Store ARN, or
``secretsmanager:NAME`` / ``ssm:NAME``); Batch puts the value in the container's
environment, where ``${GITLAB_TOKEN}`` finds it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from observes_singer.batch import fargate
from observes_singer.defaults import local_bucket
from observes_singer.jobs.durations import DurationError, parse_duration
from observes_singer.jobs.schedule_expressions import (
    ScheduleError,
    check_expression,
    check_timezone,
)

JOBS_DIR_ENV = "OBSERVES_JOBS_DIR"
"""The folder of the job files (default ``jobs`` in the working directory). Read by the
``observes`` commands that take a job name: ``run``, ``freshness``, ``state``, ``batch``."""
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMMON_KEYS = ("max_age", "depends_on", "batch")
_SINGER_KEYS = ("description", "state_url", "tap", "filters", "target", *_COMMON_KEYS)
_COMMAND_KEYS = ("description", "command", "config", "env", *_COMMON_KEYS)
PLATFORMS = ("ec2", "fargate")
FARGATE_KEYS = ("assign_public_ip", "ephemeral_storage", "platform_version")
_BATCH_KEYS = ("queue", "platform", "vcpus", "memory", "timeout", "attempts", "schedule",
               "timezone", "array_size", "environment", "secrets", *FARGATE_KEYS)
_JOB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|TOKEN|SECRET|KEY|CREDENTIAL", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s@]*:[^/\s@]*@")
_SECRET_REF = re.compile(
    r"arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:[0-9]{12}:(secret:|parameter/)\S+"
    r"|(secretsmanager|ssm):\S+")
STATE_STORE_ENV = "OBSERVES_STATE_STORE"
"""Where a command job keeps its lease and run records (a Singer job keeps them beside its
``state_url``); default ``observes-data/observes.state/``. Read by ``observes run`` and
``observes freshness``; the default of ``observes batch deploy --state-store``, which sets it
in the containers."""
MAX_ARRAY_SIZE = 10_000
_PLATFORM_VERSION = re.compile(r"LATEST|[0-9]+\.[0-9]+\.[0-9]+")


class JobError(Exception):
    """A job that cannot be found, read or run; the message names the job."""


@dataclass(frozen=True)
class Step:
    command: list[str]
    config: dict[str, Any]


@dataclass(frozen=True)
class BatchSettings:
    """How a job runs on AWS Batch (the ``[batch]`` table); see ``observes batch deploy``."""

    queue: str | None = None
    platform: str = "ec2"  # or "fargate"
    vcpus: float = 1.0
    memory: int = 2048
    timeout: timedelta | None = None
    attempts: int = 3
    schedule: str | None = None
    timezone: str = "UTC"
    array_size: int | None = None
    environment: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    # Fargate only:
    assign_public_ip: bool = False
    ephemeral_storage: int | None = None  # GiB, 21-200; None: Fargate's 20
    platform_version: str = "LATEST"


@dataclass(frozen=True)
class Job:
    """A Singer job: its tap piped into its target, with the state at ``state_url``."""

    name: str
    path: Path
    description: str
    tap: Step
    target: Step
    state_url: str
    batch: BatchSettings | None = None  # None: no [batch] table
    depends_on: tuple[str, ...] = ()
    max_age: timedelta | None = None
    filters: tuple[list[str], ...] = ()
    """Programs between the tap and the target (``[[filters]] command = [...]``), each
    reading the one before (e.g. ``observes-infer``); references resolved at run time."""

    @property
    def state_store(self) -> str:
        """Where the job's lease and run records live: the folder of its state."""
        return self.state_url.rsplit("/", 1)[0] + "/" if "/" in self.state_url else "./"

    @property
    def shards(self) -> int | None:
        """How many shards the job runs as (its ``[batch] array_size``), or None."""
        return self.batch.array_size if self.batch is not None else None


@dataclass(frozen=True)
class CommandJob:
    """A command job: one program run as it is, with no tap, target or state.

    ``command`` and the values of ``env`` may hold ``${NAME}`` references, resolved
    when the job runs (:meth:`argv`, :meth:`environment`).
    """

    name: str
    path: Path
    description: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] | None = None  # handed as --config FILE when given
    batch: BatchSettings | None = None  # None: no [batch] table
    depends_on: tuple[str, ...] = ()
    max_age: timedelta | None = None

    @property
    def state_store(self) -> str:
        """Where the job's lease and run records live: ``$OBSERVES_STATE_STORE``, else
        the local state folder (a command job keeps no state of its own)."""
        store = os.environ.get(STATE_STORE_ENV) or str(local_bucket("observes.state"))
        return store if store.endswith("/") else store + "/"

    @property
    def shards(self) -> int | None:
        """How many shards the job runs as (its ``[batch] array_size``), or None."""
        return self.batch.array_size if self.batch is not None else None

    def argv(self, extra: list[str] | tuple[str, ...] = (),
             environ: Mapping[str, str] | None = None) -> list[str]:
        """The command with its references resolved, then ``extra`` as they are."""
        argv: list[str] = resolve_secrets(self.command, f"{self.path}: command", environ)
        if not argv[0]:
            raise JobError(f"{self.path}: command: the program name is empty")
        return [*argv, *extra]

    def environment(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """The child's environment: this process's, plus ``env`` resolved."""
        base: Mapping[str, str] = os.environ if environ is None else environ
        extra: dict[str, str] = resolve_secrets(self.env, f"{self.path}: env", base)
        return {**base, **extra}


def jobs_dir() -> Path:
    return Path(os.environ.get(JOBS_DIR_ENV) or "jobs")


def find_job(reference: str) -> Path:
    """A job by name (``jobs/NAME.toml``) or by path to its file."""
    candidate = Path(reference)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    path = jobs_dir() / f"{reference}.toml"
    if path.is_file():
        return path
    known = sorted(p.stem for p in jobs_dir().glob("*.toml")) if jobs_dir().is_dir() else []
    hint = f"; jobs in {jobs_dir()}: {', '.join(known)}" if known else \
        f" (no jobs in {jobs_dir()}; set {JOBS_DIR_ENV} or pass a .toml path)"
    raise JobError(f"no job {reference!r}{hint}")


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict):
        raise JobError(f"{where}: needs a [{where.rsplit(' ', 1)[-1]}] table")
    command = _command(raw.get("command"), f"{where}.command")
    config = raw.get("config", {})
    if not isinstance(config, dict):
        raise JobError(f"{where}.config: must be a table")
    return Step(command, config)


def _config(raw: Any, where: str) -> dict[str, Any] | None:
    if raw is not None and not isinstance(raw, dict):
        raise JobError(f"{where}: must be a table")
    return raw


def _command(raw: Any, where: str) -> list[str]:
    command = [raw] if isinstance(raw, str) else raw
    if not isinstance(command, list) or not command or \
            not all(isinstance(part, str) for part in command) or not command[0]:
        raise JobError(f"{where}: a program name or a list of arguments")
    return list(command)


def _env(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise JobError(f"{where}: must be a table of NAME = \"value\"")
    for name, value in raw.items():
        if not _ENV_NAME.fullmatch(name):
            raise JobError(f"{where}: {name!r} is not an environment variable name "
                           "(letters, digits and _, not starting with a digit)")
        if not isinstance(value, str):
            raise JobError(f"{where}.{name}: must be a string (quote it)")
    return dict(raw)


def _check_keys(raw: dict[str, Any], path: Path) -> None:
    singer = "tap" in raw or "target" in raw
    command = "command" in raw
    if singer and command:
        raise JobError(f"{path}: a job is either a Singer job ([tap] and [target]) or a "
                       "command job (command), not both")
    if not singer and not command:
        raise JobError(f"{path}: nothing to run: give [tap] and [target] (a Singer job) or "
                       "command (a command job)")
    known = _COMMAND_KEYS if command else _SINGER_KEYS
    for key in raw:
        if key not in known:
            if key == "state_url":
                raise JobError(f"{path}: state_url: a command job keeps no state (only a "
                               "Singer job, [tap] and [target], has one)")
            if key == "env":
                raise JobError(f"{path}: env: only a command job takes env (a Singer job's "
                               "tap and target take their settings in config)")
            if key in _BATCH_KEYS:
                raise JobError(f"{path}: {key} belongs in the [batch] table (how the job runs "
                               "on AWS Batch)")
            kind = "command" if command else "Singer"
            raise JobError(f"{path}: unknown key {key!r}; a {kind} job has "
                           f"{', '.join(known)}")


def _batch(raw: Any, path: Path) -> BatchSettings:
    where = f"{path}: batch"
    if not isinstance(raw, dict):
        raise JobError(f"{where}: must be a table ([batch])")
    for key in raw:
        if key not in _BATCH_KEYS:
            raise JobError(f"{where}: unknown key {key!r}; [batch] has "
                           f"{', '.join(_BATCH_KEYS)}")
    settings: dict[str, Any] = {}
    if "queue" in raw:
        settings["queue"] = _text(raw["queue"], f"{where}.queue")
    platform = raw.get("platform", "ec2")
    if platform not in PLATFORMS:
        raise JobError(f"{where}.platform: {platform!r}: one of {', '.join(PLATFORMS)}")
    settings["platform"] = platform
    if "vcpus" in raw:
        settings["vcpus"] = _vcpus(raw["vcpus"], platform, f"{where}.vcpus")
    settings.update(_integers(raw, where, memory=(128, None), attempts=(1, 10),
                              array_size=(2, MAX_ARRAY_SIZE)))
    if platform == "fargate":
        settings.update(_fargate(raw, where))
        vcpus = settings.get("vcpus", BatchSettings.vcpus)
        memory = settings.get("memory", BatchSettings.memory)
        if not fargate.is_valid(vcpus, memory):
            raise JobError(f"{where}: vcpus and memory: {fargate.refusal(vcpus, memory)}")
    else:
        for key in FARGATE_KEYS:
            if key in raw:
                raise JobError(f"{where}.{key}: only a job on Fargate takes it (platform = "
                               "\"fargate\")")
    if "timeout" in raw:
        try:
            timeout = parse_duration(raw["timeout"], f"{where}.timeout")
        except DurationError as exc:
            raise JobError(str(exc)) from None
        if timeout.total_seconds() < 60:
            raise JobError(f"{where}.timeout: AWS Batch needs at least 60 seconds")
        settings["timeout"] = timeout
    if "schedule" in raw:
        settings["schedule"] = _schedule(raw["schedule"], f"{where}.schedule")
    if "timezone" in raw:
        settings["timezone"] = _timezone(raw["timezone"], f"{where}.timezone")
    environment = _env(raw.get("environment", {}), f"{where}.environment")
    secrets = _env(raw.get("secrets", {}), f"{where}.secrets")
    for name, reference in secrets.items():
        if not _SECRET_REF.fullmatch(reference):
            raise JobError(f"{where}.secrets.{name}: give a reference, never the value: a "
                           "Secrets Manager or SSM parameter ARN, or secretsmanager:NAME / "
                           "ssm:NAME")
    for name, value in environment.items():
        _refuse_secret(name, value, f"{where}.environment")
    for name in (*environment, *secrets):
        if name.upper().startswith("AWS_BATCH"):
            raise JobError(f"{where}: {name}: AWS Batch reserves names starting with "
                           "AWS_BATCH")
    both = sorted(set(environment) & set(secrets))
    if both:
        raise JobError(f"{where}: {', '.join(both)} in both environment and secrets")
    return BatchSettings(environment=environment, secrets=secrets, **settings)


def _vcpus(raw: Any, platform: str, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise JobError(f"{where}: a number of vCPUs above zero (1, 2, 4, ...)")
    if platform == "ec2" and not float(raw).is_integer():
        # RegisterJobDefinition takes a fraction, but a job on EC2 never starts with one.
        raise JobError(f"{where}: {raw:g}: AWS Batch on EC2 takes whole vCPUs "
                       "(1, 2, 4, ...); fractions are for Fargate only")
    return float(raw)


def _fargate(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """The settings only a job on Fargate takes."""
    settings: dict[str, Any] = _integers(raw, where, ephemeral_storage=(21, 200))
    if "assign_public_ip" in raw:
        if not isinstance(raw["assign_public_ip"], bool):
            raise JobError(f"{where}.assign_public_ip: true or false")
        settings["assign_public_ip"] = raw["assign_public_ip"]
    if "platform_version" in raw:
        version = raw["platform_version"]
        if not isinstance(version, str) or not _PLATFORM_VERSION.fullmatch(version):
            raise JobError(f"{where}.platform_version: {version!r}: LATEST or a Fargate "
                           "platform version such as 1.4.0")
        settings["platform_version"] = version
    return settings


def _refuse_secret(name: str, value: str, where: str) -> None:
    """``[batch] environment`` is stored in clear in the job definition, where anyone who
    may describe job definitions reads it: a name or a value that looks like a secret
    belongs in ``secrets``. The message never shows the value."""
    if _SECRET_NAME.search(name):
        why = f"{name} looks like a secret's name"
    elif _URL_CREDENTIALS.search(value):
        why = f"{name} holds a URL with credentials"
    else:
        return
    raise JobError(f"{where}: {why}, and the environment is stored in clear in the job "
                   f"definition: keep it in Secrets Manager or SSM Parameter Store and name it "
                   f"in secrets ({name} = \"arn:...\" or \"ssm:/...\"), which Batch puts in "
                   "the container's environment")


def _text(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise JobError(f"{where}: must be a non-empty string")
    return raw


def _integers(raw: dict[str, Any], where: str,
              **bounds: tuple[int, int | None]) -> dict[str, int]:
    found: dict[str, int] = {}
    for key, (low, high) in bounds.items():
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low or \
                (high is not None and value > high):
            limit = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise JobError(f"{where}.{key}: a whole number {limit}, not {value!r}")
        found[key] = value
    return found


def _schedule(raw: Any, where: str) -> str:
    text = _text(raw, where).strip()
    try:
        return check_expression(text)
    except ScheduleError as exc:
        raise JobError(f"{where}: {text!r}: {exc}") from None


def _timezone(raw: Any, where: str) -> str:
    text = _text(raw, where)
    try:
        check_timezone(text)
    except ScheduleError as exc:
        raise JobError(f"{where}: {exc}") from None
    return text


def _filters(raw: Any, path: Path) -> tuple[list[str], ...]:
    if not isinstance(raw, list):
        raise JobError(f"{path}: filters: a list of [[filters]] tables, each with a command")
    found = []
    for index, table in enumerate(raw):
        where = f"{path}: filters[{index}]"
        if not isinstance(table, dict) or set(table) != {"command"}:
            raise JobError(f"{where}: a [[filters]] table holds one key, command")
        found.append(_command(table["command"], f"{where}.command"))
    return tuple(found)


def _depends_on(raw: Any, path: Path) -> tuple[str, ...]:
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise JobError(f"{path}: depends_on: a job name or a list of job names")
    for name in names:
        if not _JOB_NAME.fullmatch(name):
            raise JobError(f"{path}: depends_on: {name!r} is not a job name")
        if name == path.stem:
            raise JobError(f"{path}: depends_on: a job cannot depend on itself")
    return tuple(names)


def _max_age(raw: Any, path: Path) -> timedelta | None:
    if raw is None:
        return None
    try:
        return parse_duration(raw, f"{path}: max_age")
    except DurationError as exc:
        raise JobError(str(exc)) from None


def _common(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    return {"batch": _batch(raw["batch"], path) if "batch" in raw else None,
            "depends_on": _depends_on(raw.get("depends_on", []), path),
            "max_age": _max_age(raw.get("max_age"), path)}


def all_jobs() -> list[Job | CommandJob]:
    """Every job in the jobs folder, by name; a broken file is an error."""
    jobs, broken = read_jobs()
    if broken:
        raise JobError(broken[0].error)
    return jobs


@dataclass(frozen=True)
class BrokenJob:
    """A job file that cannot be loaded, and what it may be told of it: the jobs it depends
    on (None when the file is not valid TOML, or its ``depends_on`` is broken too)."""

    path: Path
    error: str
    text: str
    depends_on: tuple[str, ...] | None


def read_jobs() -> tuple[list[Job | CommandJob], list[BrokenJob]]:
    """Every job in the jobs folder, by name, and the files that cannot be loaded."""
    folder = jobs_dir()
    if not folder.is_dir():
        return [], []
    jobs: list[Job | CommandJob] = []
    broken: list[BrokenJob] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            jobs.append(load_job(str(path)))
        except JobError as exc:
            broken.append(BrokenJob(path, str(exc), *_what_is_readable(path)))
    return jobs, broken


def _what_is_readable(path: Path) -> tuple[str, tuple[str, ...] | None]:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "", None
    try:
        return text, _depends_on(tomllib.loads(text).get("depends_on", []), path)
    except (tomllib.TOMLDecodeError, JobError):
        return text, None


def dependents(job: Job | CommandJob, jobs: list[Job | CommandJob] | None = None
               ) -> list[Job | CommandJob]:
    """The jobs that name ``job`` in their ``depends_on`` (its final phases), in the order
    they run: each after every job it depends on. A cycle is an error."""
    jobs = all_jobs() if jobs is None else jobs
    by_name = {j.name: j for j in jobs}
    for other in jobs:
        for name in other.depends_on:
            if name not in by_name:
                raise JobError(f"{other.path}: depends_on: no job {name!r} in {jobs_dir()}")
    ordered: list[Job | CommandJob] = []
    reached = {job.name}
    changed = True
    while changed:
        changed = False
        for other in jobs:
            if other.name in reached or not other.depends_on:
                continue
            if any(name in reached for name in other.depends_on):
                _check_no_cycle(other, by_name)
                reached.add(other.name)
                ordered.append(other)
                changed = True
    return ordered


def _check_no_cycle(job: Job | CommandJob, by_name: dict[str, Job | CommandJob]) -> None:
    path: list[str] = []

    def visit(name: str) -> None:
        if name in path:
            cycle = " -> ".join([*path[path.index(name):], name])
            raise JobError(f"depends_on makes a cycle: {cycle}")
        path.append(name)
        for parent in by_name[name].depends_on:
            visit(parent)
        path.pop()

    visit(job.name)


def load_job(reference: str) -> Job | CommandJob:
    """The job ``reference`` names (see :func:`find_job`), checked.

    A Singer job's ``state_url`` is resolved here; the configs, a command and its
    ``env`` only when the job runs, so that a job whose secrets are not set can still be
    looked at.
    """
    path = find_job(reference)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise JobError(f"{path}: not valid TOML ({exc})") from None
    name = path.stem
    if not _JOB_NAME.fullmatch(name):
        raise JobError(f"{path}: a job's file name is its name: letters, digits, - and _ "
                       "(at most 100), starting with a letter or digit")
    _check_keys(raw, path)
    description = str(raw.get("description", ""))
    common = _common(raw, path)
    if "command" in raw:
        return CommandJob(name=name, path=path, description=description,
                          command=_command(raw["command"], f"{path}: command"),
                          env=_env(raw.get("env", {}), f"{path}: env"),
                          config=_config(raw.get("config"), f"{path}: config"), **common)
    state_url = raw.get("state_url") or str(local_bucket("observes.state") / f"{name}.json")
    if not isinstance(state_url, str):
        raise JobError(f"{path}: state_url must be a string")
    state_url = resolve_secrets(state_url, f"{path}: state_url")
    return Job(name=name, path=path, description=description,
               tap=_step(raw.get("tap"), f"{path}: tap"),
               target=_step(raw.get("target"), f"{path}: target"), state_url=state_url,
               filters=_filters(raw.get("filters", []), path), **common)


def resolve_secrets(value: Any, where: str, environ: Mapping[str, str] | None = None) -> Any:
    """``value`` with every ``${NAME}`` replaced from the environment."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    if isinstance(value, str):
        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise JobError(f"{where}: the environment variable {name} is not set")

        return _REFERENCE.sub(replace, value)
    if isinstance(value, dict):
        return {k: resolve_secrets(v, f"{where}.{k}", env) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_secrets(v, f"{where}[{i}]", env) for i, v in enumerate(value)]
    return value
