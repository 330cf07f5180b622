"""What every Observes command-line tool does the same way.

``--about`` in singer-sdk's shape (JSON or Markdown), and a ``main`` wrapper that turns
the expected failures into one ``PROG: error: ...`` line and an exit code: 1 for an
error, 130 for an interruption (Ctrl-C, or SIGTERM from a job runner or SIGHUP from a
closed terminal, which are treated the same), and a quiet exit when stdout is closed by
the reader.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from observes_singer import __version__


@dataclass(frozen=True)
class About:
    name: str
    description: str
    settings: dict[str, str]
    capabilities: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "version": __version__,
            "capabilities": self.capabilities,
            "supported_python_versions": ["3.11", "3.12", "3.13"],
            "settings": {"type": "object",
                         "properties": {k: {"description": v} for k, v in self.settings.items()}},
        }

    def markdown(self) -> str:
        lines = [f"# `{self.name}`", "", self.description, "", f"Version: {__version__}", "",
                 "## Settings", "", "| Setting | Description |", "|---|---|"]
        lines += [f"| `{key}` | {markdown_cell(text)} |" for key, text in self.settings.items()]
        if self.capabilities:
            lines += ["", "## Capabilities", ""] + [f"- {c}" for c in self.capabilities]
        return "\n".join(lines) + "\n"

    def print(self, fmt: str) -> int:
        if fmt == "markdown":
            sys.stdout.write(self.markdown())
        else:
            sys.stdout.write(orjson.dumps(self.as_dict(), option=orjson.OPT_INDENT_2).decode()
                             + "\n")
        return 0


def markdown_cell(text: str) -> str:
    """``text`` as it reads, fit for a cell of a Markdown table: on one line, with ``\\``,
    ``|`` and ``<`` escaped (a column separator, or a backslash or tag taken as markup,
    would change what it says)."""
    escaped = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
    return " ".join(escaped.split())


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def run_main(prog: str, body: Callable[[], int], errors: tuple[type[BaseException], ...], *,
             after_error: str = "", after_interrupt: str = "interrupted") -> int:
    """Run ``body`` with the common error handling; returns the exit code."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        return body()
    except errors as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        if after_error:
            print(f"{prog}: {after_error}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"{prog}: error: {exc.filename}: no such file", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: {after_interrupt}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Keep the interpreter from failing again while flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"{prog}: error: output closed before everything was written", file=sys.stderr)
        return 1


def check_settings(raw: Any, known: dict[str, str], error: type[Exception] = ValueError
                   ) -> dict[str, Any]:
    """``raw`` as a settings object, refusing anything but an object of known keys."""
    if not isinstance(raw, dict):
        raise error("the configuration must be a JSON object")
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise error(f"unknown configuration key {unknown[0]!r}; known keys: "
                    f"{', '.join(known)}")
    return raw


def positive_int(raw: dict[str, Any], key: str, default: int,
                 error: type[Exception] = ValueError) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise error(f"{key}: must be a positive integer, got {value!r}")
    return value


def positive_int_option(text: str) -> int:
    """An ``argparse`` type: a whole number, 1 or more (``--max-properties 0``, ``-5`` or
    ``ten`` are usage errors naming the option, exit 2)."""
    try:
        value = int(text.strip(), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number, 1 or more, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more, got {text!r}")
    return value
