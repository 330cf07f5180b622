"""``observes run JOB``: tap | target, with the state fetched before and saved after;
or, for a command job, its command (:func:`run_command_job`).

The runner sits in the pipe itself instead of connecting the two processes: it copies
the tap's output to the target and holds back the end of input until the tap has
exited 0. A tap that fails half way must not look like a finished stream to the
target (which would then commit, or swap in, partial data): the target is stopped
with SIGTERM instead, and rolls back. The target's last STATE is saved only when both
exited 0. Both processes' stderr go straight to the user.

End of input alone is not trusted either: if the runner itself dies (SIGKILL, a crash)
the target's stdin ends just the same. So the target also gets the read end
of a control pipe (``OBSERVES_COMMIT_FD``, see ``observes_singer.jobs.commit_gate``) and the
runner writes ``commit`` to it only after the tap exited 0 and all its output was
delivered; a pipe closed without that word makes the target roll back. SIGHUP to the
runner is an interruption like Ctrl-C and SIGTERM: both sides stopped, nothing saved.

The configs (secrets included) and the state never touch a disk where ``memfd_create``
exists (Linux): each is an anonymous in-memory file passed to its child as
``/dev/fd/N``, gone when the last process holding it exits, SIGKILL or not. Elsewhere
they go to a private temporary folder removed at the end.

A command job is one child with this process's stdin, stdout and stderr: its exit code
is the runner's. SIGTERM, SIGINT and SIGHUP to the runner are passed on to it (SIGINT
not when both are in their terminal's foreground process group: a Ctrl-C there reached
the child already), it is killed if it is still there 30 s after the first of them, and
the runner exits 130.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from observes_singer.jobs.commit_gate import ENV as COMMIT_FD_ENV
from observes_singer.jobs.commit_gate import GO_AHEAD
from observes_singer.jobs.environment import STATE_URL_ENV
from observes_singer.jobs.files import CommandJob, Job, resolve_secrets
from observes_singer.jobs.lease import EXIT_LEASE_HELD, LeaseError
from observes_singer.jobs.run import JobRun, ReportPipe
from observes_singer.jobs.run_report import ENV as REPORT_FD_ENV
from observes_singer.store.state import StateStore, bare_state
from observes_singer.store.storage import BlobStore, StorageError

CHUNK = 1 << 20
GRACE = 30.0  # seconds a child has to stop once asked, before it is killed


class _StateReader(threading.Thread):
    """Reads the target's stdout and keeps the last state it emitted.

    A Singer target writes each state as the bare value, one JSON object a line (as
    singer-sdk's targets do, and as Meltano reads them). A whole STATE message,
    ``{"type": "STATE", "value": ...}``, as the targets here wrote before, counts as its
    value. Lines that are not JSON objects are not states and are skipped.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(name="target-stdout", daemon=True)
        self.stream = stream
        self.state: Any = None
        self.states = 0

    def run(self) -> None:
        for line in self.stream:
            try:
                document = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(document, dict):
                self.state = bare_state(document)
                self.states += 1


def _write_private(path: Path, data: bytes) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return str(path)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _in_memory(name: str, data: bytes) -> int | None:
    """An anonymous in-memory file holding ``data``, or None where there is none.

    The descriptor is close-on-exec: only the child it is passed to (``pass_fds``)
    gets it, and the child opening ``/dev/fd/N`` reads it from the start, any number of
    times.
    """
    if not hasattr(os, "memfd_create"):
        return None
    try:
        fd = os.memfd_create(name)
    except OSError:  # a kernel or sandbox without it
        return None
    try:
        _write_all(fd, data)
    except BaseException:
        os.close(fd)
        raise
    return fd


class _Configs:
    """The children's config and state files: in memory, else in a private folder."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        self.stack = stack
        self.folder: Path | None = None
        self.open: list[int] = []
        stack.callback(self.close)

    def add(self, name: str, value: Any, fds: list[int]) -> str:
        """Write ``value`` as JSON; returns the path for the child, adds its fd to ``fds``."""
        data = orjson.dumps(value)
        fd = _in_memory(name, data)
        if fd is not None:
            self.open.append(fd)
            fds.append(fd)
            return f"/dev/fd/{fd}"
        if self.folder is None:
            self.folder = Path(self.stack.enter_context(
                tempfile.TemporaryDirectory(prefix="observes-run-")))
        return _write_private(self.folder / name, data)

    def close(self, fds: list[int] | None = None) -> None:
        """Close the runner's copies (of ``fds``, or all): the children hold their own."""
        for fd in list(self.open if fds is None else fds):
            if fd in self.open:
                self.open.remove(fd)
                os.close(fd)


class _ControlPipe:
    """The pipe on which the target is told that its input is complete."""

    def __init__(self) -> None:
        self.read, self.write = os.pipe()  # both close-on-exec; the read end is passed

    def close_read(self) -> None:
        """Close the runner's copy of the read end (the target holds its own)."""
        if self.read >= 0:
            os.close(self.read)
            self.read = -1

    def go_ahead(self) -> None:
        """Tell the target its input is complete: it may commit."""
        if self.write >= 0:
            with contextlib.suppress(BrokenPipeError):  # the target is gone already
                os.write(self.write, GO_AHEAD)
        self.close()

    def close(self) -> None:
        """Close both ends; without the go-ahead first, the target rolls back."""
        self.close_read()
        if self.write >= 0:
            os.close(self.write)
            self.write = -1


@contextlib.contextmanager
def _hangup_interrupts() -> Iterator[None]:
    """SIGHUP (a closed terminal) interrupts the run as Ctrl-C and SIGTERM do."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(*_: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGHUP, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


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


def _stop(process: subprocess.Popen[bytes], grace: float = GRACE) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


def _stop_target(target: subprocess.Popen[bytes], control: _ControlPipe) -> int:
    """Stop the target before its input is complete: no go-ahead, SIGTERM, and the end of
    its input, before waiting for it.

    The end of input is what makes it stop at once: the signal may land on one of the
    target's other threads (its progress line, a driver's pool) while its main thread
    blocks reading stdin, and Python runs a signal's handler only in the main thread, once
    that runs again. The closed pipe wakes it; with no go-ahead it rolls back."""
    control.close()
    if target.poll() is None:
        target.send_signal(signal.SIGTERM)
    if target.stdin is not None:
        with contextlib.suppress(OSError):  # a full pipe the target no longer reads
            target.stdin.close()
    return _stop(target)


def run_job(job: Job, blobs: BlobStore | None = None, log: IO[str] = sys.stderr,
            stderr: IO[Any] | None = None, run: JobRun | None = None) -> int:
    """Run a job once; returns the exit code for the ``observes`` command.

    The tap's and the target's stderr go to ``stderr`` (default: this process's).
    ``run`` says which run this is (its id, its shard, the lease it holds); the target's
    run report lands in ``run.report``.
    """
    run = run or JobRun.new()
    environ = {**os.environ, **run.environment(job.name)}
    state_url = run.state_url(job.state_url)
    environ[STATE_URL_ENV] = state_url
    tap_config = resolve_secrets(job.tap.config, f"{job.path}: tap.config", environ)
    filter_argvs: list[list[str]] = [
        resolve_secrets(command, f"{job.path}: filters[{index}].command", environ)
        for index, command in enumerate(job.filters)]
    target_config = resolve_secrets(job.target.config, f"{job.path}: target.config", environ)
    tap_command = resolve_secrets(job.tap.command, f"{job.path}: tap.command", environ)
    target_command = resolve_secrets(job.target.command, f"{job.path}: target.command", environ)
    if run.shard is not None:
        tap_config = {**tap_config, "shard_index": run.shard.index,
                      "shard_count": run.shard.count}
    store = StateStore(state_url, blobs or BlobStore())
    state = store.get()
    with _hangup_interrupts(), contextlib.ExitStack() as stack:
        configs = _Configs(stack)
        tap_fds: list[int] = []
        target_fds: list[int] = []
        tap_argv = [*tap_command, "--config", configs.add("tap.json", tap_config, tap_fds)]
        if state is not None:
            tap_argv += ["--state", configs.add("state.json", state, tap_fds)]
        target_argv = [*target_command, "--config",
                       configs.add("target.json", target_config, target_fds)]
        shard = f" shard {run.shard}" if run.shard is not None else ""
        print(f"observes: job {job.name}{shard}: starting from "
              f"{'saved state' if state is not None else 'no state'} ({state_url})",
              file=log)
        tap: subprocess.Popen[bytes] | None = None
        target: subprocess.Popen[bytes] | None = None
        sources: list[tuple[str, subprocess.Popen[bytes]]] = []  # the tap, then filters
        lost: str | None = None
        try:
            try:
                tap = subprocess.Popen(tap_argv, stdin=subprocess.DEVNULL, env=environ,
                                       stdout=subprocess.PIPE, stderr=stderr, pass_fds=tap_fds)
            except FileNotFoundError:
                print(f"observes: job {job.name}: tap command not found: "
                      f"{job.tap.command[0]}", file=log)
                return 127
            sources.append(("tap", tap))
            configs.close(tap_fds)
            for argv in filter_argvs:
                try:
                    sources.append((f"filter {argv[0]}", _start_filter(
                        argv, sources[-1][1], environ, stderr)))
                except FileNotFoundError:
                    for _, started in reversed(sources):
                        _stop(started)
                    print(f"observes: job {job.name}: filter command not found: {argv[0]}",
                          file=log)
                    return 127
            control = _ControlPipe()
            stack.callback(control.close)
            report = ReportPipe()
            stack.callback(report.close)
            try:
                target = subprocess.Popen(
                    target_argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=stderr, pass_fds=[*target_fds, control.read, report.write],
                    env={**environ, COMMIT_FD_ENV: str(control.read),
                         REPORT_FD_ENV: str(report.write)})
            except FileNotFoundError:
                for _, started in reversed(sources):
                    _stop(started)
                print(f"observes: job {job.name}: target command not found: "
                      f"{job.target.command[0]}", file=log)
                return 127
            configs.close()
            control.close_read()
            report.close_write()
            last = sources[-1][1]
            assert last.stdout is not None and target.stdin is not None
            assert target.stdout is not None
            reader = _StateReader(target.stdout)
            reader.start()
            delivered = _pump(last.stdout, target.stdin)
            codes = [(name, source.wait() if delivered else _stop(source))
                     for name, source in reversed(sources)][::-1]
            tap_code = next((code for _, code in codes if code != 0), 0)
            lost = _lease_lost(run) if tap_code == 0 and delivered else None
            if lost is not None:
                print(f"observes: {lost}", file=log)
            if tap_code == 0 and delivered and lost is None:
                with contextlib.suppress(BrokenPipeError):
                    target.stdin.close()  # end of input, and then ...
                control.go_ahead()  # ... the word that it is complete: it may commit now
                target_code = target.wait()
                run.report = report.read()
                if report.problem is not None:
                    print(f"observes: job {job.name}: {report.problem}; the run ledger "
                          "records no row counts", file=log)
            else:
                tap_code = tap_code or (EXIT_LEASE_HELD if lost else 0)
                target_code = _stop_target(target, control)  # no go-ahead: it rolls back
            reader.join()
        except KeyboardInterrupt:  # Ctrl-C, SIGTERM (see observes_singer.command), SIGHUP
            if target is not None:
                _stop_target(target, control)
            for _, started in reversed(sources):
                _stop(started)
            with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
                print(f"observes: job {job.name}: interrupted; nothing saved", file=log)
            return 130
    if tap_code != 0 or target_code != 0:
        sides = ", ".join(f"{name} exited {code}" for name, code in codes)
        if lost is not None:  # the input was whole, but the run may not commit
            sides += " (no go-ahead: the lease was lost)"
        print(f"observes: job {job.name} failed: {sides}, target exited {target_code}; the "
              f"state at {state_url} is unchanged", file=log)
        return tap_code or target_code or 1
    if reader.state is None:
        print(f"observes: job {job.name}: done; the target emitted no STATE, the state at "
              f"{state_url} is unchanged", file=log)
        return 0
    if not isinstance(reader.state, dict):
        print(f"observes: job {job.name}: the target's last STATE is not a JSON object; "
              "not saved", file=log)
        return 1
    store.put(reader.state)
    print(f"observes: job {job.name}: done; state saved to {state_url}", file=log)
    return 0


def _start_filter(argv: list[str], upstream: subprocess.Popen[bytes], environ: dict[str, str],
                  stderr: IO[Any] | None) -> subprocess.Popen[bytes]:
    """A filter reading what ``upstream`` writes; the runner keeps no copy of that pipe,
    so that the filter sees the end of its input when ``upstream`` exits."""
    assert upstream.stdout is not None
    child = subprocess.Popen(argv, stdin=upstream.stdout, stdout=subprocess.PIPE,
                             stderr=stderr, env=environ)
    upstream.stdout.close()
    return child


def _lease_lost(run: JobRun) -> str | None:
    """Why the run may not commit (its lease is gone), or None: checked last thing
    before the go-ahead, so that a run that lost its lease never commits."""
    if run.lease is None:
        return None
    try:
        run.lease.check()
    except LeaseError as exc:
        return str(exc)
    except StorageError as exc:
        return f"job {run.lease.job}: cannot renew the lease ({exc}); not committing"
    return None


def _terminal_reached(child: subprocess.Popen[bytes]) -> bool:
    """Whether a Ctrl-C on this process's terminal reached ``child`` too: it does when
    both are in the terminal's foreground process group (the terminal signals the whole
    group)."""
    try:
        if os.getpgid(child.pid) != os.getpgrp():
            return False
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:  # the child is gone, or there is no controlling terminal
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


class _Forwarder:
    """Passes SIGTERM, SIGINT and SIGHUP on to a command job's child, and remembers when
    the first of them came."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self.first: float | None = None
        self.pending: list[int] = []  # came before the child started

    def __call__(self, signum: int, _frame: Any) -> None:
        if self.first is None:
            self.first = time.monotonic()
        if self.child is None:
            self.pending.append(signum)
        else:
            self.forward(signum)

    def forward(self, signum: int) -> None:
        child = self.child
        if child is None or child.returncode is not None:
            return
        if signum == signal.SIGINT and _terminal_reached(child):
            return
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signals are handled in the main thread only
            return
        previous = {signum: signal.signal(signum, self) for signum in self.SIGNALS}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def run_command_job(job: CommandJob, extra: Sequence[str] = (), log: IO[str] = sys.stderr,
                    grace: float = GRACE, run: JobRun | None = None) -> int:
    """Run a command job's command, ``extra`` appended; returns its exit code (128 + N
    for a child killed by signal N, 130 when the runner was interrupted)."""
    environ = {**os.environ, **(run or JobRun.new()).environment(job.name)}
    argv = job.argv((), environ)
    config = None if job.config is None else \
        resolve_secrets(job.config, f"{job.path}: config", environ)
    env = job.environment(environ)
    program = job.command[0]  # as written in the job: never a resolved secret
    forwarder = _Forwarder()
    with forwarder.installed(), contextlib.ExitStack() as stack:
        if forwarder.first is not None:
            return 130
        fds: list[int] = []
        if config is not None:
            argv += ["--config", _Configs(stack).add("config.json", config, fds)]
        argv += extra
        try:
            child = subprocess.Popen(argv, env=env, pass_fds=fds)
        except FileNotFoundError:
            print(f"observes: job {job.name}: command not found: {program}", file=log)
            return 127
        except OSError as exc:  # not executable, not a program, ...
            print(f"observes: job {job.name}: cannot run {program}: {exc.strerror}",
                  file=log)
            return 126
        forwarder.child = child
        while forwarder.pending:  # signals that came while the child was starting
            forwarder.forward(forwarder.pending.pop(0))
        while True:
            try:
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if forwarder.first is not None and time.monotonic() - forwarder.first > grace:
                    child.kill()
    if forwarder.first is not None:
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            print(f"observes: job {job.name}: interrupted; {program} {_ended(code)}",
                  file=log)
        return 130
    if code != 0:
        print(f"observes: job {job.name}: {program} {_ended(code)}", file=log)
    return 128 - code if code < 0 else code


def _ended(code: int) -> str:
    return f"was killed by signal {-code}" if code < 0 else f"exited {code}"
