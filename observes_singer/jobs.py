"""Job definitions: a tap, a target and where their state lives, in one TOML file.

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

Secrets are referenced as ``${NAME}`` (or ``${NAME:-default}``) and taken from the
environment when the job runs; they are never written in the file, and a missing one
is an error that names the variable (and never shows a value).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from observes_singer.defaults import local_bucket

JOBS_DIR_ENV = "OBSERVES_JOBS_DIR"
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class JobError(Exception):
    """A job that cannot be found, read or run; the message names the job."""


@dataclass(frozen=True)
class Step:
    command: list[str]
    config: dict[str, Any]


@dataclass(frozen=True)
class Job:
    name: str
    path: Path
    description: str
    tap: Step
    target: Step
    state_url: str


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
        raise JobError(f"{where}: needs a [{where.rsplit('.', 1)[-1]}] table")
    command = raw.get("command")
    if isinstance(command, str):
        command = [command]
    if not isinstance(command, list) or not command or \
            not all(isinstance(part, str) for part in command):
        raise JobError(f"{where}.command: a program name or a list of arguments")
    config = raw.get("config", {})
    if not isinstance(config, dict):
        raise JobError(f"{where}.config: must be a table")
    return Step(list(command), config)


def load_job(reference: str) -> Job:
    path = find_job(reference)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise JobError(f"{path}: not valid TOML ({exc})") from None
    name = path.stem
    state_url = raw.get("state_url") or str(local_bucket("observes.state") / f"{name}.json")
    if not isinstance(state_url, str):
        raise JobError(f"{path}: state_url must be a string")
    state_url = resolve_secrets(state_url, f"{path}: state_url")
    return Job(name=name, path=path, description=str(raw.get("description", "")),
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
