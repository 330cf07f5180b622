"""One ``git log`` for a repository's new history, parsed as it streams out of the pipe.

The command prints, for each commit, NUL-separated fields (:data:`FIELDS`) and then
its ``--numstat`` lines, NUL-terminated too (``-z``): ``added<TAB>removed<TAB>path``,
``-`` for both counts of a binary file, the first one preceded by a newline. A numstat
entry always holds two tabs and a hash none, so the first token after a commit's fields
that holds no tab is the next commit's hash.

What the options settle, whatever the repository's or the machine's configuration says:

- ``--no-renames``: a renamed file is a deletion of the old path and an addition of the
  new one (rename detection is costly on large changes, and its result depends on a
  similarity threshold);
- ``--diff-merges=off``: a merge has no diff of its own; the changes it brings are its
  merged commits', each counted once there (its counts are null, see the stream);
- ``--root``: a root commit's files are compared with the empty tree;
- ``--diff-algorithm=myers`` (git's default), ``--no-ext-diff``, ``--no-textconv``,
  ``--no-relative``: line counts are git's own, the same on every machine;
- ``--no-use-mailmap``, ``--encoding=UTF-8``: names, emails and subjects as recorded,
  in UTF-8 (bytes that are not UTF-8 become U+FFFD);
- ``--no-show-signature``, ``--no-notes``, ``--no-color``: nothing else in the output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, NamedTuple

FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%ct", "%s")
FORMAT = "tformat:" + "%x00".join(FIELDS)
CHUNK = 1 << 20

SINCE_AS_FILTER = (2, 37)
"""``--since-as-filter`` (every commit's date checked, none skipped on a guess) came in
2.37; before it the tap checks the dates itself."""


class FileChange(NamedTuple):
    path: str
    lines_added: int
    lines_removed: int
    binary: bool


class Commit(NamedTuple):
    hash: str
    parents: list[str]
    author_name: str
    author_email: str
    author_date: str
    committer_name: str
    committer_email: str
    committer_date: str
    committed_at: int
    subject: str
    files: list[FileChange]


def log_arguments(version: tuple[int, ...], since: int | None = None) -> list[str]:
    """``git log`` reading its revisions from stdin, as the module says."""
    args = ["log", "--stdin", "-z", f"--format={FORMAT}", "--numstat", "--no-renames",
            "--diff-merges=off", "--root", "--diff-algorithm=myers", "--no-ext-diff",
            "--no-textconv", "--no-relative", "--no-use-mailmap", "--encoding=UTF-8",
            "--no-show-signature", "--no-notes", "--no-color"]
    if since is not None and version >= SINCE_AS_FILTER:
        args.append(f"--since-as-filter={since}")
    return args


def revisions(tips: Iterable[str], excluded: Iterable[str]) -> bytes:
    """The stdin of ``git log --stdin``: the tips, then ``^hash`` for each excluded one."""
    lines = [*tips, *(f"^{commit}" for commit in excluded)]
    return ("\n".join(lines) + "\n").encode()


def _file(token: str) -> FileChange:
    added, removed, path = token.lstrip("\n").split("\t", 2)
    if added == "-" or removed == "-":
        return FileChange(path, 0, 0, True)
    return FileChange(path, int(added), int(removed), False)


def _commit(fields: list[str]) -> Commit:
    (hash_, parents, author_name, author_email, author_date, committer_name,
     committer_email, committer_date, committed_at, subject) = fields
    return Commit(hash_, parents.split(), author_name, author_email, author_date,
                  committer_name, committer_email, committer_date, int(committed_at),
                  subject, [])


def tokens(stream: IO[bytes], chunk: int = CHUNK) -> Iterator[str]:
    """The NUL-separated tokens of ``stream``, decoded (a NUL never splits a character)."""
    rest = b""
    while True:
        data = stream.read(chunk)
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\0")
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1:]
        yield from data[:cut].decode("utf-8", "replace").split("\0")
    tail = rest.decode("utf-8", "replace").strip("\n")
    if tail:
        yield tail


def read_commits(stream: IO[bytes], chunk: int = CHUNK) -> Iterator[Commit]:
    """Every commit of a ``git log`` made with :func:`log_arguments`, in its order."""
    width = len(FIELDS)
    fields: list[str] = []
    current: Commit | None = None
    for piece in tokens(stream, chunk):
        if fields:
            fields.append(piece)
            if len(fields) == width:
                current = _commit(fields)
                fields = []
        elif "\t" in piece:
            if current is None:
                raise ValueError(f"git log: a file line before any commit: {piece[:200]!r}")
            current.files.append(_file(piece))
        elif piece and piece != "\n":
            if current is not None:
                yield current
                current = None
            fields = [piece]
    if fields:
        raise ValueError(f"git log: the output ended inside commit {fields[0]}")
    if current is not None:
        yield current
