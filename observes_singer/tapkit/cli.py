"""Every tap's console script: singer-sdk's command line, ending a failure in one line.

singer-sdk lets an error of the sync escape as a traceback (its ``excepthook`` logs it with
the stack). :func:`tap_main` runs the tap's command and turns any error into one line on
stderr, ``tap-x: error: <what failed>``, exit 1, the way every Observes command ends
(:func:`observes_singer.command.run_main`): the stream that was being read is named when
the message does not name it already, the message is put on one line, and the values of
the tap's secret settings found in ``--config`` files are masked. Under Meltano, which
logs a plugin's stderr line by line, the log shows that same line.

``--debug`` (removed before singer-sdk reads the arguments) or ``OBSERVES_DEBUG=1`` prints
the traceback before the line, for whoever wants it.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson
from singer_sdk import Stream, Tap

from observes_singer.command import run_main

__all__ = ["DEBUG_ENV", "TapFailure", "failure_line", "tap_main"]

DEBUG_ENV = "OBSERVES_DEBUG"
"""`1`: a tap that fails prints the traceback before its one `tap-x: error:` line (as
`--debug` does). Read by every tap on the tap kit."""
DEBUG_FLAG = "--debug"
MASK = "***"
SHORTEST_SECRET = 4
"""Shorter secret values are not masked: they would mask ordinary words."""


class TapFailure(Exception):
    """A tap's run failed; the message is the one line to show."""


def tap_main(tap: type[Tap], argv: Sequence[str] | None = None) -> None:
    """Run ``tap``'s singer-sdk command line (``argv``, else ``sys.argv[1:]``) and exit
    with its code: 0, 1 with one ``tap-x: error:`` line, 2 for a usage error, 130 when
    interrupted."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_FLAG in args or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    args = [arg for arg in args if arg != DEBUG_FLAG]

    def run() -> int:
        try:
            tap.cli.main(args=args, prog_name=tap.name, standalone_mode=True)
        except Exception as exc:  # every failure ends in one line, whatever its kind
            if debug:
                traceback.print_exc()
            raise TapFailure(failure_line(exc, secret_values(tap, args))) from exc
        return 0

    sys.exit(run_main(tap.name, run, (TapFailure,)))


def failure_line(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """What failed, on one line: the message (a builtin exception's kind before it, as
    ``KeyError: 'id'`` says more than ``'id'``), the stream being read when the message
    does not name it, every secret value masked."""
    message = " ".join(str(error).split())
    kind = type(error)
    if kind.__module__ == "builtins" or not message:
        message = f"{kind.__name__}: {message}" if message else kind.__name__
    stream = failing_stream(error.__traceback__)
    if stream and stream not in message:
        message = f"stream {stream}: {message}"
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, MASK)
    return message


def failing_stream(trace: TracebackType | None) -> str | None:
    """The name of the innermost singer-sdk stream whose code was running, if any."""
    name = None
    for frame, _ in traceback.walk_tb(trace):
        owner = frame.f_locals.get("self")
        if isinstance(owner, Stream):
            name = owner.name
    return name


def secret_values(tap: type[Tap], args: Sequence[str]) -> set[str]:
    """The values of ``tap``'s secret settings in the ``--config`` files of ``args``."""
    properties = (tap.config_jsonschema or {}).get("properties") or {}
    secret = {name for name, spec in properties.items()
              if isinstance(spec, dict) and (spec.get("secret") or spec.get("writeOnly"))}
    found: set[str] = set()
    for path in config_paths(args):
        try:
            config = orjson.loads(Path(path).read_bytes())
        except (OSError, ValueError):
            continue
        if isinstance(config, dict):
            found.update(_strings(value for key, value in config.items() if key in secret))
    return {value for value in found if len(value) >= SHORTEST_SECRET}


def config_paths(args: Sequence[str]) -> Iterator[str]:
    """The files named by ``--config FILE`` and ``--config=FILE`` (not ``ENV``)."""
    for index, arg in enumerate(args):
        if arg == "--config" and index + 1 < len(args):
            path = args[index + 1]
        elif arg.startswith("--config="):
            path = arg.partition("=")[2]
        else:
            continue
        if path != "ENV":
            yield path


def _strings(values: Iterable[Any]) -> Iterator[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from _strings(value.values())
        elif isinstance(value, list):
            yield from _strings(value)
