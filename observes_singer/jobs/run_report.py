"""The run report: what a target tells ``observes run`` once its final commit succeeded.

``observes run`` hands the target the write end of a pipe, named by ``OBSERVES_REPORT_FD``
(and passed with ``pass_fds``). After the target's final commit, once :meth:`Sink.finish`
returned and the last STATE went out, it writes exactly one line to that descriptor and
closes it::

    {"records": 1200, "tables": {"jobs": 1200, "jobs__tags": 3400},
     "destination": "into redshift://etl@host:5439/db schema gitlab", "schema": "gitlab"}

- ``records``: the RECORD messages the target read.
- ``tables``: rows written in this run, by table or object name. target-redshift names the
  warehouse tables (root and child) bare, as they are within ``schema``; target-s3 names
  what its objects hold (the stream for ``jsonl``, each flattened table for ``csv``, and
  ``singer`` for the raw messages, counting lines).
- ``destination``: the end-of-run line's words for where the rows went.
- A target may add keys of its own (``schema`` from target-redshift, ``manifest`` from
  target-s3); a reader ignores those it does not know.

A run that fails, is interrupted or rolls back (no go-ahead on the commit gate) writes
nothing: the reader then sees the pipe close empty, and :func:`read_report` returns None.
Without ``OBSERVES_REPORT_FD`` (a plain shell pipe, Meltano) no report is written. A
value that is not an open descriptor the target may write to stops the target before it
reads any input, like a bad ``OBSERVES_COMMIT_FD``
(:mod:`observes_singer.jobs.commit_gate`). A report that cannot be delivered (the reader went
away) is a warning on stderr: the data is committed by then, and the run stands.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

import orjson

from observes_singer.env import descriptor

ENV = "OBSERVES_REPORT_FD"
"""Set by ``observes run`` for a Singer job's target: a pipe's descriptor, on which the
target writes its run report (one JSON line) after its final commit. Read by
target-redshift, target-s3 and ``observes-infer --discard-records``."""
#: A report is a few hundred bytes; reading stops, and fails, past this.
MAX_BYTES = 8 << 20


class ReportError(Exception):
    """``OBSERVES_REPORT_FD`` is unusable, or what came through it is not a report."""


def report_fd(environ: dict[str, str] | None = None) -> int | None:
    """The descriptor named by ``OBSERVES_REPORT_FD``, checked writable; None when unset."""
    found = descriptor(ENV, ReportError, environ)
    if found is None:
        return None
    fd, raw = found
    if fd in (0, 1, 2):
        raise ReportError(f"{ENV}={raw!r} is stdin, stdout or stderr: the report needs a "
                          "descriptor of its own")
    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    except OSError:
        raise ReportError(f"{ENV}={raw!r} is not an open file descriptor") from None
    if flags & os.O_ACCMODE not in (os.O_WRONLY, os.O_RDWR):
        raise ReportError(f"{ENV}={raw!r} is not open for writing")
    return fd


def encode_report(records: int, tables: dict[str, int], destination: str,
                  **extra: Any) -> bytes:
    """The report line, ``\\n`` included (a sink's own keys never replace those three)."""
    report: dict[str, Any] = {"records": records, "tables": tables,
                              "destination": destination}
    for key, value in extra.items():
        report.setdefault(key, value)
    return orjson.dumps(report) + b"\n"


def write_report(fd: int, line: bytes) -> None:
    """Write the report line to ``fd`` and close it (closed whatever happens)."""
    try:
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def read_report(fd: int) -> dict[str, Any] | None:
    """Read ``fd`` to its end and close it: the target's report, or None when it wrote
    nothing (it failed or rolled back, or does not write reports).

    Call it with every other copy of the pipe's write end closed (the runner's own, once
    the target has started), or it waits for ever. Anything but one report line raises
    :class:`ReportError`.
    """
    received = bytearray()
    try:
        while chunk := os.read(fd, 65536):
            received += chunk
            if len(received) > MAX_BYTES:
                raise ReportError(f"the target's report is larger than {MAX_BYTES} bytes")
    finally:
        os.close(fd)
    if not received:
        return None
    text = bytes(received)
    if not text.endswith(b"\n") or b"\n" in text[:-1]:
        raise ReportError("the target's report is not one line ending in a newline")
    try:
        report = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ReportError(f"the target's report is not JSON ({exc})") from None
    if not (isinstance(report, dict)
            and _count(report.get("records"))
            and isinstance(report.get("tables"), dict)
            and all(isinstance(k, str) and _count(v) for k, v in report["tables"].items())
            and isinstance(report.get("destination"), str)):
        raise ReportError("the target's report lacks records, tables or destination, or "
                          "holds a count that is not a whole number")
    return report


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
