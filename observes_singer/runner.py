"""``observes run JOB``: tap | target, with the state fetched before and saved after.

The runner sits in the pipe itself instead of connecting the two processes: it copies
the tap's output to the target and holds back the end of input until the tap has
exited 0. A tap that fails half way must not look like a finished stream to the
target (which would then commit, or swap in, partial data): the target is stopped
with SIGTERM instead, and rolls back. The target's last STATE is saved only when both
exited 0. Both processes' stderr go straight to the user.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

import orjson

from observes_singer.jobs import Job, resolve_secrets
from observes_singer.state import StateStore
from observes_singer.storage import BlobStore

CHUNK = 1 << 20


class _StateReader(threading.Thread):
    """Reads the target's stdout and keeps the last STATE value it emitted."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(name="target-stdout", daemon=True)
        self.stream = stream
        self.state: Any = None
        self.states = 0

    def run(self) -> None:
        for line in self.stream:
            try:
                message = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(message, dict) and message.get("type") == "STATE":
                self.state = message.get("value")
                self.states += 1


def _write_private(path: Path, value: Any) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps(value))
    return str(path)


def _pump(source: IO[bytes], sink: IO[bytes]) -> bool:
    """Copy the tap's output to the target; False when the target stopped reading."""
    read = os.read
    fd = source.fileno()
    while chunk := read(fd, CHUNK):
        try:
            sink.write(chunk)
            sink.flush()
        except BrokenPipeError:
            return False
    return True


def _stop(process: subprocess.Popen[bytes], grace: float = 30.0) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


def run_job(job: Job, blobs: BlobStore | None = None, log: IO[str] = sys.stderr,
            stderr: IO[Any] | None = None) -> int:
    """Run a job once; returns the exit code for the ``observes`` command.

    The tap's and the target's stderr go to ``stderr`` (default: this process's).
    """
    tap_config = resolve_secrets(job.tap.config, f"{job.path}: tap.config")
    target_config = resolve_secrets(job.target.config, f"{job.path}: target.config")
    store = StateStore(job.state_url, blobs or BlobStore())
    state = store.get()
    with tempfile.TemporaryDirectory(prefix="observes-run-") as work:
        tap_argv = [*job.tap.command, "--config",
                    _write_private(Path(work) / "tap.json", tap_config)]
        if state is not None:
            tap_argv += ["--state", _write_private(Path(work) / "state.json", state)]
        target_argv = [*job.target.command, "--config",
                       _write_private(Path(work) / "target.json", target_config)]
        print(f"observes: job {job.name}: starting from "
              f"{'saved state' if state is not None else 'no state'} ({job.state_url})",
              file=log)
        try:
            tap = subprocess.Popen(tap_argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=stderr)
        except FileNotFoundError:
            print(f"observes: job {job.name}: tap command not found: {job.tap.command[0]}",
                  file=log)
            return 127
        try:
            target = subprocess.Popen(target_argv, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=stderr)
        except FileNotFoundError:
            _stop(tap)
            print(f"observes: job {job.name}: target command not found: "
                  f"{job.target.command[0]}", file=log)
            return 127
        assert tap.stdout is not None and target.stdin is not None
        assert target.stdout is not None
        reader = _StateReader(target.stdout)
        reader.start()
        try:
            delivered = _pump(tap.stdout, target.stdin)
            tap_code = tap.wait() if delivered else _stop(tap)
            if tap_code == 0 and delivered:
                with contextlib.suppress(BrokenPipeError):
                    target.stdin.close()  # end of input: the target may commit now
                target_code = target.wait()
            else:
                target_code = _stop(target)  # before its input ends: it rolls back
                with contextlib.suppress(BrokenPipeError):
                    target.stdin.close()
        except KeyboardInterrupt:
            _stop(target)
            _stop(tap)
            print(f"observes: job {job.name}: interrupted; nothing saved", file=log)
            return 130
        reader.join()
    if tap_code != 0 or target_code != 0:
        print(f"observes: job {job.name} failed: tap exited {tap_code}, target exited "
              f"{target_code}; the state at {job.state_url} is unchanged", file=log)
        return tap_code or target_code or 1
    if reader.state is None:
        print(f"observes: job {job.name}: done; the target emitted no STATE, the state at "
              f"{job.state_url} is unchanged", file=log)
        return 0
    if not isinstance(reader.state, dict):
        print(f"observes: job {job.name}: the target's last STATE is not a JSON object; "
              "not saved", file=log)
        return 1
    store.put(reader.state)
    print(f"observes: job {job.name}: done; state saved to {job.state_url}", file=log)
    return 0
