"""Running git: one clean environment for every command, errors that name the repository.

Every command runs with the caller's environment less what would point git elsewhere
(``GIT_DIR``, ``GIT_WORK_TREE``, ``GIT_CONFIG_PARAMETERS``... as ``git rev-parse
--local-env-vars`` lists them), less tracing (``GIT_TRACE*``, ``GIT_CURL_VERBOSE``) and
password prompts (``GIT_ASKPASS``, ``SSH_ASKPASS``, ``GIT_TERMINAL_PROMPT=0``), with
replace refs off (the history as recorded), and with the tap's own configuration in
``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``: nothing of it is in a
command line, nor written to any repository's config.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tap_git.errors import GitError, redact

MINIMUM_VERSION = (2, 31)
"""``GIT_CONFIG_COUNT`` and ``--diff-merges=off`` came in 2.31."""

_DROPPED_PREFIXES = ("GIT_TRACE",)
_DROPPED = frozenset({"GIT_CURL_VERBOSE", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_CEILING_DIRECTORIES"})


def version(executable: str = "git") -> tuple[int, ...]:
    """git's version, ``(2, 39, 5)``; an error when git is missing or too old."""
    try:
        out = subprocess.run([executable, "version"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise GitError(f"git could not be run ({executable}): {error}") from None
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    if not found:
        raise GitError(f"git's version could not be read from {out.strip()!r}")
    number = tuple(int(part) for part in found.groups() if part is not None)
    if number < MINIMUM_VERSION:
        raise GitError(f"tap-git needs git {'.'.join(map(str, MINIMUM_VERSION))} or later; "
                       f"this is {out.strip()}")
    return number


def local_variables(executable: str = "git") -> list[str]:
    """The variables that point git at another repository (``GIT_DIR``...)."""
    return subprocess.run([executable, "rev-parse", "--local-env-vars"], capture_output=True,
                          text=True, check=True).stdout.split()


def clean_environment(environ: Mapping[str, str], local: Sequence[str],
                      config: Sequence[tuple[str, str]] = (),
                      extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` for git as the module says, with ``config`` as git settings."""
    dropped = set(local) | _DROPPED
    env = {name: value for name, value in environ.items()
           if name not in dropped and not name.startswith(_DROPPED_PREFIXES)}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_NO_REPLACE_OBJECTS"] = "1"
    env["GIT_CONFIG_COUNT"] = str(len(config))
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class Git:
    """git commands in one repository (``directory``), named ``what`` in errors.

    git looks for no repository above ``directory`` (``GIT_CEILING_DIRECTORIES``), so a
    folder inside some other repository is not taken for it. ``secrets`` are hidden from
    every message."""

    directory: Path
    what: str
    env: Mapping[str, str]
    secrets: tuple[str, ...] = ()
    executable: str = "git"
    _env: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        env = dict(self.env)
        env["GIT_CEILING_DIRECTORIES"] = str(self.directory.parent)
        object.__setattr__(self, "_env", env)

    def command(self, args: Sequence[str]) -> list[str]:
        return [self.executable, "-C", str(self.directory), *args]

    def run(self, *args: str, stdin: bytes | None = None, doing: str = "") -> bytes:
        """stdout of ``git args``; a :class:`GitError` with git's message on failure."""
        try:
            result = subprocess.run(self.command(args), input=stdin, capture_output=True,
                                    env=self._env, check=False)
        except OSError as error:
            raise GitError(f"{self.what}: git could not be run: {error}") from None
        if result.returncode != 0:
            raise self.error(doing or f"git {args[0]}", result.stderr)
        return result.stdout

    @contextlib.contextmanager
    def stream(self, *args: str, stdin: bytes = b"", doing: str = ""
               ) -> Iterator[IO[bytes]]:
        """``git args`` with its stdout to read as it comes; its stderr is kept in a
        temporary file (never a pipe that could fill up) for the error, raised once the
        caller has read stdout to the end. Leaving early stops git."""
        with tempfile.TemporaryFile() as errors:
            try:
                process = subprocess.Popen(self.command(args), stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, stderr=errors,
                                           env=self._env)
            except OSError as error:
                raise GitError(f"{self.what}: git could not be run: {error}") from None
            assert process.stdin is not None and process.stdout is not None
            # git reads its revisions whole before writing anything, so the input
            # goes in before the output is read.
            with contextlib.suppress(BrokenPipeError):
                process.stdin.write(stdin)
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
            try:
                yield process.stdout
            except BaseException:
                if process.poll() is None:
                    process.kill()
                process.stdout.close()
                process.wait()
                raise
            process.stdout.close()
            if process.wait() != 0:
                errors.seek(0)
                raise self.error(doing or f"git {args[0]}", errors.read())

    def error(self, doing: str, stderr: bytes) -> GitError:
        message = stderr.decode("utf-8", "replace").strip()
        message = redact(message, self.secrets)
        return GitError(f"{self.what}: {doing} failed: {message or 'no message from git'}")

