"""Pipes that `observes run` hands a target, made by hand for tests that run one alone."""

from __future__ import annotations

import os

COMMIT_FD = "OBSERVES_COMMIT_FD"


def commit_gate(environment: dict[str, str], fds: list[int], word: bytes) -> int:
    """A commit gate already holding ``word`` (and closed after it), named in
    ``environment``, its read end added to ``fds`` (for ``pass_fds``); returns that end."""
    read, write = os.pipe()
    os.write(write, word)
    os.close(write)
    fds.append(read)
    environment[COMMIT_FD] = str(read)
    return read
