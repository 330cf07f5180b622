"""The ``then`` tap: a live tap run after the backups, its messages joining the stream.

Its SCHEMA for a stream widens the backups' union, and the widened SCHEMA is written
again when it differs from the one written (a target opens the stream anew with the
wider schema and keeps the rows it has); its RECORDs pass as they are; its STATE and
ACTIVATE_VERSION are dropped, as the backups' are. Its stderr goes to ours; its config
is handed over as a private file (in memory where the system has ``memfd_create``),
never logged. A non-zero exit fails the replay.
"""

from __future__ import annotations

import contextlib
import subprocess
from typing import IO

from observes_singer.jobs.pipes import _Configs
from observes_singer.replay.catalog import Catalog
from observes_singer.replay.config import LiveTap
from observes_singer.replay.errors import ReplayError
from observes_singer.singer.messages import (
    BatchMessage,
    MessageWriter,
    SchemaMessage,
    decode_message,
    parse_line,
)

STOP_GRACE = 10.0  # seconds the live tap has to stop when the replay fails


def run_live(tap: LiveTap, catalog: Catalog, wanted: frozenset[str] | None,
             writer: MessageWriter, out: IO[bytes]) -> int:
    """Run the live tap to its end, relaying its messages; returns its RECORD count."""
    with contextlib.ExitStack() as stack:
        fds: list[int] = []
        argv = list(tap.command)
        configs = _Configs(stack)
        if tap.config is not None:
            argv += ["--config", configs.add("config.json", tap.config, fds)]
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       pass_fds=fds)
        except OSError as exc:
            raise ReplayError(f"then: cannot start {tap.name}: "
                              f"{exc.strerror or exc}") from None
        configs.close()
        assert process.stdout is not None
        try:
            with process.stdout:
                records = _relay(process.stdout, tap.name, catalog, wanted, writer, out)
        except BaseException:
            _stop(process)
            raise
        code = process.wait()
    if code != 0:
        raise ReplayError(f"then: {tap.name} exited with code {code}")
    return records


def _relay(lines: IO[bytes], name: str, catalog: Catalog, wanted: frozenset[str] | None,
           writer: MessageWriter, out: IO[bytes]) -> int:
    source = f"{name} output"
    records = 0
    line_no = 0
    for raw in lines:
        line_no += 1
        if not raw.strip():
            continue
        obj = parse_line(raw, line_no, source)
        if type(obj) is dict and obj.get("type") == "RECORD" and \
                type(obj.get("stream")) is str and type(obj.get("record")) is dict:
            stream = obj["stream"]
            if wanted is not None and stream not in wanted:
                continue
            if stream not in catalog:
                raise ReplayError(f"{source} line {line_no}: RECORD for stream {stream!r} "
                                  "before its SCHEMA")
            out.write(raw if raw.endswith(b"\n") else raw + b"\n")
            records += 1
            continue
        message = decode_message(obj, raw, line_no, source)
        if isinstance(message, SchemaMessage):
            if wanted is None or message.stream in wanted:
                where = f"the live tap {name} (line {line_no})"
                if catalog.add(message, where):
                    writer.write(catalog.streams[message.stream].message())
        elif isinstance(message, BatchMessage):
            raise ReplayError(f"{source} line {line_no}: BATCH messages cannot be relayed")
    return records


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
