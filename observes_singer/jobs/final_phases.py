"""The final phases a run of a job starts after it, when some job files are broken.

A broken job file (not valid TOML, or not a valid job) must not stop the jobs it has
nothing to do with, yet a run must never skip a final phase that the broken file may be:
the shards' output would be left unloaded with the run counted a success. So a broken
file fails a job's run only when it may concern it:

- its ``depends_on`` can be read and names the job or one of the job's final phases;
- or it cannot be read (a TOML syntax error) and its text names one of them as a word,
  since ``depends_on = ["gitlab"]`` holds the name whatever else is wrong with the file.

Any other broken file is named in a warning, and the run goes on.
"""

from __future__ import annotations

import dataclasses
import re
from typing import IO

from observes_singer.jobs.files import (
    BrokenJob,
    CommandJob,
    Job,
    JobError,
    dependents,
    read_jobs,
)

AnyJob = Job | CommandJob


def final_phases(job: AnyJob, log: IO[str]) -> list[AnyJob]:
    """The jobs that run after ``job`` (see :func:`dependents`); a broken file that may
    be one of them is a :class:`JobError`, any other a warning on ``log``."""
    jobs, broken = read_jobs()
    jobs, broken = _through_broken([other for other in jobs if other.name != job.name],
                                   broken)
    unreadable = {each.path.stem for each in broken}  # the job runs without them
    jobs.append(dataclasses.replace(job, depends_on=tuple(
        name for name in job.depends_on if name not in unreadable)))
    after = dependents(job, jobs)
    chain = {job.name, *(other.name for other in after)}
    for each in broken:
        if named := _named(each, chain):
            raise JobError(f"job {job.name}: {each.error}; this file may be a final phase of "
                           f"{job.name} (it names {', '.join(sorted(named))}), "
                           f"so the run does not start: fix it, or run {job.name} alone "
                           "with --only")
        print(f"observes: warning: skipping a broken job file, which names none of "
              f"{', '.join(sorted(chain))}: {each.error}", file=log)
    return after


def _through_broken(jobs: list[AnyJob], broken: list[BrokenJob]
                    ) -> tuple[list[AnyJob], list[BrokenJob]]:
    """Jobs that depend on a broken one cannot run after it either: they count as broken,
    with their ``depends_on`` known."""
    broken = list(broken)
    while True:
        missing = {each.path.stem for each in broken}
        through = [other for other in jobs if missing.intersection(other.depends_on)]
        if not through:
            return jobs, broken
        jobs = [other for other in jobs if other not in through]
        broken += [BrokenJob(other.path, f"{other.path}: depends_on: "
                             f"{', '.join(sorted(missing.intersection(other.depends_on)))} "
                             "cannot be loaded", "", other.depends_on) for other in through]


def _named(broken: BrokenJob, chain: set[str]) -> set[str]:
    """The names of ``chain`` that the broken file depends on, or may."""
    if broken.depends_on is not None:
        return chain.intersection(broken.depends_on)
    return {name for name in chain
            if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(name)}(?![A-Za-z0-9_-])",
                         broken.text)}
