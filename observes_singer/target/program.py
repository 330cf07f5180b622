"""The command line every target shares: settings, input, run id, progress and summary.

``TARGET --config FILE [--config FILE ...] [--input FILE]``: the settings files are
merged in order, a later file's keys over an earlier one's (as singer-sdk targets do);
the messages come from stdin or ``--input``. ``--about [--format json|markdown]``
describes the target and its settings. Every failure the user can cause ends in one
``PROG: error: ...`` line and exit 1 (see :func:`observes_singer.command.run_main`).
Under ``observes run``, a run that committed ends with the run report
(:mod:`observes_singer.jobs.run_report`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Generic, Protocol, TypeVar

import orjson

from observes_singer import __version__
from observes_singer.command import About, run_main
from observes_singer.jobs.commit_gate import InputIncomplete, gated
from observes_singer.jobs.run_report import ENV as REPORT_ENV
from observes_singer.jobs.run_report import ReportError, encode_report, report_fd, write_report
from observes_singer.singer.messages import MessageError
from observes_singer.store.state import StateError, StateStore
from observes_singer.store.storage import BlobStore, StorageError
from observes_singer.target.errors import ConfigError, LoadError
from observes_singer.target.kernel import Kernel
from observes_singer.target.progress import Progress
from observes_singer.target.sink import Sink

INPUT_BUFFER_BYTES = 1 << 20


class TargetConfig(Protocol):
    """What the kernel reads from any target's configuration."""

    @property
    def state_url(self) -> str | None: ...

    @property
    def endpoint_url(self) -> str | None: ...


ConfigT = TypeVar("ConfigT", bound=TargetConfig)


@dataclass(frozen=True)
class RunContext:
    """What a sink gets besides its configuration."""

    run_id: str  # UTC start time and a random suffix: 20261130T021500Z-1a2b3c4d
    started: datetime  # UTC
    blobs: BlobStore
    log: IO[str]


def new_run_id(started: datetime) -> str:
    """A run's id: its UTC start, sortable, and 8 random hex digits."""
    return started.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def read_settings(paths: list[str] | None) -> dict[str, Any]:
    """The ``--config`` files merged in order; an error names the file."""
    merged: dict[str, Any] = {}
    for path in paths or []:
        try:
            raw = orjson.loads(Path(path).read_bytes())
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise ConfigError(f"{path}: is a folder, not a JSON file") from None
        except PermissionError:
            raise ConfigError(f"{path}: permission denied") from None
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: the configuration must be a JSON object")
        merged.update(raw)
    return merged


@dataclass(frozen=True)
class TargetProgram(Generic[ConfigT]):
    """A target as a program: its name, settings and how to open its sink."""

    prog: str
    description: str
    settings: dict[str, str]
    load_config: Callable[[dict[str, Any]], ConfigT]
    open_sink: Callable[[ConfigT, RunContext], Sink]
    #: How ``--config`` defaults, for ``--help``.
    default_config: str
    capabilities: list[str] = field(default_factory=list)
    example: str = ""
    #: The target's own error types, reported like the kernel's.
    errors: tuple[type[BaseException], ...] = ()
    after_error: str = ""
    after_interrupt: str = "interrupted"

    @property
    def about(self) -> About:
        return About(self.prog, self.description, self.settings, self.capabilities)

    def parser(self) -> argparse.ArgumentParser:
        width = max(len(key) for key in self.settings) + 2
        epilog = "Settings (in the --config JSON file):\n" + "\n".join(
            f"  {key:<{width}} {text}" for key, text in self.settings.items())
        if self.example:
            epilog += f"\n\nExample:\n  {self.example}"
        parser = argparse.ArgumentParser(
            prog=self.prog, description=self.description, epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--config", metavar="FILE", action="append",
                            help="JSON settings; repeatable, later files override earlier "
                            f"ones (default: {self.default_config})")
        parser.add_argument("--input", metavar="FILE", help="read Singer messages from FILE "
                            "instead of stdin")
        parser.add_argument("--about", action="store_true", help="describe the target and exit")
        parser.add_argument("--format", dest="about_format", choices=("json", "markdown"),
                            default="json", help="format of --about (default: json)")
        parser.add_argument("--version", action="version", version=f"{self.prog} {__version__}")
        return parser

    def run(self, args: argparse.Namespace, stdin: IO[bytes], stdout: IO[bytes],
            log: IO[str]) -> int:
        config = self.load_config(read_settings(args.config))
        report_to = report_fd()  # a bad value fails before any connection or input
        started = datetime.now(UTC)
        blobs = BlobStore(endpoint_url=config.endpoint_url)
        state_store = StateStore(config.state_url, blobs) if config.state_url else None
        sink = self.open_sink(config, RunContext(new_run_id(started), started, blobs, log))
        kernel = Kernel(sink, stdout, state_store, source=args.input or "stdin",
                        prog=self.prog)
        clock = time.monotonic()
        try:
            with Progress(self.prog, kernel.progress, log):
                # Read in large blocks: each read of the input lets go of the GIL, and
                # with the loads thread waiting for it, the usual 8 KB reads made the
                # message loop wait after every third line.
                if args.input:
                    with open(args.input, "rb", buffering=INPUT_BUFFER_BYTES) as handle:
                        kernel.run(gated(handle))
                else:
                    with large_blocks(stdin) as handle:
                        kernel.run(gated(handle))
        finally:
            sink.close()
        if report_to is not None:
            self.report(report_to, kernel, sink, log)
        print(f"{self.prog}: {kernel.records} records {sink.verb} {sink.destination()} in "
              f"{time.monotonic() - clock:.1f} s ({kernel.states_emitted} STATE emitted)",
              file=log)
        for line in kernel.summary():
            print(line, file=log)
        return 0

    def report(self, fd: int, kernel: Kernel, sink: Sink, log: IO[str]) -> None:
        """The run report, once everything is committed: a report that cannot be
        delivered is a warning, never a failed run."""
        line = encode_report(kernel.records, sink.tables_written(), sink.destination(),
                             **sink.report_fields())
        try:
            write_report(fd, line)
        except OSError as exc:
            print(f"{self.prog}: warning: the run report could not be written to "
                  f"{REPORT_ENV}={fd} ({exc.strerror or exc}); the run itself committed",
                  file=log)

    def main(self, argv: list[str] | None = None) -> int:
        args = self.parser().parse_args(argv)
        if args.about:
            return self.about.print(args.about_format)
        return run_main(
            self.prog, lambda: self.run(args, sys.stdin.buffer, sys.stdout.buffer, sys.stderr),
            (ConfigError, MessageError, LoadError, StateError, StorageError, InputIncomplete,
             ReportError, *self.errors),
            after_error=self.after_error, after_interrupt=self.after_interrupt)


def large_blocks(stream: IO[bytes]) -> contextlib.AbstractContextManager[IO[bytes]]:
    """The input read through a buffer of ``INPUT_BUFFER_BYTES`` when it is a file
    descriptor (stdin); any other stream as it is."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return contextlib.nullcontext(stream)
    return open(fd, "rb", buffering=INPUT_BUFFER_BYTES, closefd=False)
