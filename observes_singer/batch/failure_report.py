"""A failed Batch job as the report shows it, the table of them, and the log links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from urllib.parse import quote

from observes_singer.batch.dead_letters import DeadLetter
from observes_singer.batch.failure_kinds import (
    NOT_SUBMITTED,
    classify,
    exit_code,
    log_stream,
    timestamp,
)

LOG_GROUP = "/aws/batch/job"
COLUMNS = ("JOB", "JOB ID", "KIND", "CREATED (UTC)", "REASON", "LOG")


@dataclass(frozen=True)
class Failure:
    """One failed (or cancelled, or stuck) job."""

    job: str                # the job's name without the prefix: what failures group by
    label: str              # ``job``, with ``[index]`` for a shard of an array job
    batch_name: str         # the Batch job name as submitted
    job_id: str
    kind: str
    reason: str
    created: datetime | None
    status: str
    exit_code: int | None
    log_url: str | None
    region: str

    def metadata(self, queue: str) -> dict[str, Any]:
        return {"jobId": self.job_id, "jobName": self.batch_name, "queue": queue,
                "status": self.status, "exitCode": self.exit_code, "logUrl": self.log_url,
                "kind": self.kind, "reason": self.reason, "region": self.region,
                "createdAt": self.created.isoformat() if self.created else None}


def failure(job: Mapping[str, Any], prefix: str, region: str,
            now: datetime | None = None) -> Failure:
    """The :class:`Failure` for one job of ``describe_jobs``."""
    kind, reason = classify(job, now)
    name = str(job.get("jobName", ""))
    base = name[len(prefix) + 1:] if prefix and name.startswith(f"{prefix}-") else name
    index = array_index(job)
    stream = log_stream(job)
    job_region = _arn_region(str(job.get("jobArn", ""))) or region
    return Failure(
        job=base, label=f"{base}[{index}]" if index is not None else base,
        batch_name=name, job_id=str(job.get("jobId", "")), kind=kind, reason=reason,
        created=timestamp(job.get("createdAt")), status=str(job.get("status", "")),
        exit_code=exit_code(job), region=job_region,
        log_url=log_url(job_region, stream) if stream and job_region else None)


def not_submitted(letter: DeadLetter, prefix: str, region: str) -> Failure:
    """The :class:`Failure` of a submission a schedule gave up on: no job, no log."""
    name = letter.schedule
    base = name[len(prefix) + 1:] if prefix and name.startswith(f"{prefix}-") else name
    return Failure(job=base, label=base, batch_name=name, job_id="", kind=NOT_SUBMITTED,
                   reason=letter.reason, created=letter.sent, status="NOT SUBMITTED",
                   exit_code=None, log_url=None, region=region)


def array_index(job: Mapping[str, Any]) -> int | None:
    """The index of a child of an array job (``arrayProperties.index``, else the
    ``:N`` ending of its id), or None."""
    index = (job.get("arrayProperties") or {}).get("index")
    if isinstance(index, int) and not isinstance(index, bool):
        return index
    _, colon, tail = str(job.get("jobId", "")).rpartition(":")
    return int(tail) if colon and tail.isdigit() else None


def log_url(region: str, stream: str, group: str = LOG_GROUP) -> str:
    """The CloudWatch Logs console page of ``stream``: the console's fragment escapes
    each name twice and writes ``%`` as ``$`` (``/`` becomes ``$252F``)."""
    return (f"{_console(region)}/cloudwatch/home?region={region}#logsV2:log-groups/log-group/"
            f"{_console_escape(group)}/log-events/{_console_escape(stream)}")


def write_table(failures: Sequence[Failure], out: IO[str]) -> None:
    rows = [COLUMNS] + [
        (f.label, f.job_id or "-", f.kind,
         f.created.strftime("%Y-%m-%d %H:%M:%S") if f.created else "-",
         f.reason or "-", f.log_url or "-")
        for f in failures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")


def _console_escape(name: str) -> str:
    return quote(quote(name, safe=""), safe="").replace("%", "$")


def _console(region: str) -> str:
    if region.startswith("cn-"):
        return f"https://{region}.console.amazonaws.cn"
    if region.startswith("us-gov-"):
        return "https://console.amazonaws-us-gov.com"
    return f"https://{region}.console.aws.amazon.com"


def _arn_region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" else ""
