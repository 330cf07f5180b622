"""What went wrong with a repository, said without the token."""

from __future__ import annotations

from collections.abc import Iterable

from observes_singer.tapkit.errors import SourceError

SOURCE = "git"
HIDDEN = "***"


class GitError(SourceError):
    """A git command failed, or a repository is not what the settings say."""

    def __init__(self, message: str) -> None:
        super().__init__(message, source=SOURCE)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    return text
