"""The commit gate: a target commits only when ``observes run`` says the input is complete.

End of input alone cannot mean "done" under a job runner: when ``observes run`` dies
(SIGKILL, a crash) the target's stdin ends just as it does after a finished
tap, and a target in ``replace`` mode would swap a partial table into place. So the
runner also hands the target the read end of a pipe, named by ``OBSERVES_COMMIT_FD``,
and writes ``commit\\n`` to it (then closes it) only after the tap exited 0 and all of
its output was delivered. ``gated(lines)`` yields the input unchanged and, once it is
exhausted, waits for that word: any other end (the runner died, so the pipe closed with
nothing in it) raises ``InputIncomplete`` from inside the input iteration, that is
before the target's final commit, so the target rolls back what it had not committed
(all of a ``replace`` run) and emits and saves no further state.

Without ``OBSERVES_COMMIT_FD`` (a plain shell pipe, Meltano, a run by hand) the end
of input is the end of the run, as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from observes_singer.env import descriptor

ENV = "OBSERVES_COMMIT_FD"
"""Set by ``observes run`` for a Singer job's target: a pipe's descriptor, on which the
runner writes ``commit`` once the tap exited 0 and all its output was delivered; without
that word the target rolls back. Unset, a target commits at the end of its input. Read by
target-redshift, target-s3 and ``observes-infer --discard-records``."""
GO_AHEAD = b"commit\n"


class InputIncomplete(Exception):
    """The input ended without the runner's go-ahead, or the gate is misconfigured."""


def commit_fd(environ: dict[str, str] | None = None) -> int | None:
    """The file descriptor named by ``OBSERVES_COMMIT_FD``, or None when it is not set."""
    found = descriptor(ENV, InputIncomplete, environ)
    if found is None:
        return None
    fd, raw = found
    try:
        os.fstat(fd)
    except OSError:
        raise InputIncomplete(f"{ENV}={raw!r} is not an open file descriptor") from None
    return fd


def wait_go_ahead(fd: int) -> None:
    """Read ``fd`` to its end; return only if it held exactly ``commit\\n``."""
    received = b""
    try:
        while chunk := os.read(fd, 64):
            received += chunk
            if len(received) > len(GO_AHEAD):
                break
    finally:
        os.close(fd)
    if received != GO_AHEAD:
        raise InputIncomplete(
            "input ended without the runner's go-ahead (observes run stopped before the "
            "tap finished); the run's uncommitted work was rolled back")


def gated(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Yield every line of ``lines``; at their end, wait for the go-ahead if one is due.

    ``OBSERVES_COMMIT_FD`` is checked now, so a bad value fails before any input is read.
    """
    fd = commit_fd()
    if fd is None:
        return iter(lines)
    return _gated(lines, fd)


def _gated(lines: Iterable[bytes], fd: int) -> Iterator[bytes]:
    yield from lines
    wait_go_ahead(fd)
