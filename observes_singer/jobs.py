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

Secrets are referenced as ``${NAME}`` (or ``${NAME:-default}``) and taken from the
environment when the job runs; they are never written in the file, and a missing one
is an error that names the variable (and never shows a value).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from observes_singer.defaults import local_bucket

JOBS_DIR_ENV = "OBSERVES_JOBS_DIR"
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SINGER_KEYS = ("description", "state_url", "tap", "target")
_COMMAND_KEYS = ("description", "command", "env")


class JobError(Exception):
    """A job that cannot be found, read or run; the message names the job."""


@dataclass(frozen=True)
class Step:
    command: list[str]
    config: dict[str, Any]


@dataclass(frozen=True)
class Job:
    """A Singer job: its tap piped into its target, with the state at ``state_url``."""

    name: str
    path: Path
    description: str
    tap: Step
    target: Step
    state_url: str


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
            kind = "command" if command else "Singer"
            raise JobError(f"{path}: unknown key {key!r}; a {kind} job has "
                           f"{', '.join(known)}")


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
    _check_keys(raw, path)
    description = str(raw.get("description", ""))
    if "command" in raw:
        return CommandJob(name=name, path=path, description=description,
                          command=_command(raw["command"], f"{path}: command"),
                          env=_env(raw.get("env", {}), f"{path}: env"))
    state_url = raw.get("state_url") or str(local_bucket("observes.state") / f"{name}.json")
    if not isinstance(state_url, str):
        raise JobError(f"{path}: state_url must be a string")
    state_url = resolve_secrets(state_url, f"{path}: state_url")
    return Job(name=name, path=path, description=description,
               tap=_step(raw.get("tap"), f"{path}: tap"),
               target=_step(raw.get("target"), f"{path}: target"), state_url=state_url)


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
