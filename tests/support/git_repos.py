"""Real git repositories for tests, made with the git command line.

:class:`Repo` commits with a given author, committer and date (``GIT_AUTHOR_*`` and
``GIT_COMMITTER_*`` in git's environment, so runs are reproducible and nothing comes
from the machine's configuration). :func:`generate_history` writes a large history in
one ``git fast-import`` (100k commits in well under a minute).
"""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

BASE_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    offset: str = "+0000"  # the UTC offset git records with the dates


ALICE = Person("Alice Liddell", "alice@example.com", "+0200")
BOB = Person("Bob Ñandú", "bob@example.org", "-0500")
CAROL = Person("Carol 李", "carol@example.net", "+0530")


def isolated_environment(home: Path) -> dict[str, str]:
    """The environment without the machine's git configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": str(home / "gitconfig")})
    return env


def git(directory: Path, *args: str, env: Mapping[str, str] | None = None,
        stdin: bytes | None = None) -> str:
    result = subprocess.run(["git", "-C", str(directory), *args], input=stdin,
                            capture_output=True, env=dict(env or os.environ), check=False)
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr.decode()}")
    return result.stdout.decode()


class Repo:
    """A repository under test, with a clock: each commit is a minute after the last."""

    def __init__(self, path: Path, *, bare: bool = False, clock: int = BASE_TIME) -> None:
        self.path = path
        self.clock = clock
        self.home = path.parent / f".home-{path.name}"
        self.home.mkdir(parents=True, exist_ok=True)
        self.env = isolated_environment(self.home)
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--initial-branch=main", *(["--bare"] if bare else []))

    def git(self, *args: str, stdin: bytes | None = None,
            env: Mapping[str, str] | None = None) -> str:
        return git(self.path, *args, env={**self.env, **(env or {})}, stdin=stdin)

    def dated(self, author: Person, committer: Person | None = None) -> dict[str, str]:
        self.clock += 60
        committer = committer or author
        return {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
                "GIT_AUTHOR_DATE": f"@{self.clock - 30} {author.offset}",
                "GIT_COMMITTER_NAME": committer.name, "GIT_COMMITTER_EMAIL": committer.email,
                "GIT_COMMITTER_DATE": f"@{self.clock} {committer.offset}"}

    def write(self, files: Mapping[str, str | bytes | None]) -> None:
        """Write (text or bytes) or delete (None) files, and stage them."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                self.git("rm", "--quiet", "--", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
            self.git("add", "--", name)

    def commit(self, message: str, files: Mapping[str, str | bytes | None] | None = None,
               author: Person = ALICE, committer: Person | None = None) -> str:
        self.write(files or {})
        self.git("commit", "--quiet", "--allow-empty", "--allow-empty-message", "-m", message,
                 env=self.dated(author, committer))
        return self.head()

    def merge(self, branch: str, message: str, author: Person = ALICE) -> str:
        self.git("merge", "--quiet", "--no-ff", "-m", message, branch,
                 env=self.dated(author))
        return self.head()

    def rebase(self, onto: str, author: Person = ALICE) -> str:
        """Rebase the current branch onto ``onto``: new hashes, new committer dates."""
        self.git("rebase", "--quiet", onto, env=self.dated(author))
        return self.head()

    def head(self, ref: str = "HEAD") -> str:
        return self.git("rev-parse", ref).strip()

    def checkout(self, branch: str, *, new: bool = False, start: str | None = None) -> None:
        self.git("checkout", "--quiet", *(["-b"] if new else []), branch,
                 *([start] if start else []))


# -- a large history ----------------------------------------------------------------------

PEOPLE = (ALICE, BOB, CAROL, Person("Dan O'Neil", "dan@example.com", "-0800"),
          Person("Eve", "eve@example.com", "+0100"))


@dataclass
class _Files:
    """The generator's working tree: a pool of text files of numbered lines."""

    rng: random.Random
    files: dict[str, list[str]]
    counter: int = 0

    def line(self) -> str:
        self.counter += 1
        return f"line {self.counter} {self.rng.getrandbits(32):08x}"

    def change(self, path: str) -> bytes:
        lines = self.files.setdefault(path, [])
        edits = self.rng.randint(1, 4)
        for _ in range(edits):
            where = self.rng.randint(0, len(lines))
            kind = self.rng.random()
            if (kind < 0.5 and len(lines) < 40) or not lines:
                lines.insert(where, self.line())
            elif kind < 0.8:
                lines[min(where, len(lines) - 1)] = self.line()
            else:
                del lines[min(where, len(lines) - 1)]
        return ("\n".join(lines) + "\n").encode()


def _data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def _who(kind: str, person: Person, when: int) -> bytes:
    return f"{kind} {person.name} <{person.email}> {when} {person.offset}\n".encode()


def history_stream(commits: int, *, seed: int = 7, files: int = 2000,
                   merge_every: int = 200) -> bytes:
    """A ``git fast-import`` stream of ``commits`` commits on ``main``: each changes 1 to
    3 text files (a few lines each, files of at most about 40 lines, 50 to a folder) of
    a pool of ``files``, now and then a binary file,
    a deletion or a new file; every ``merge_every`` commits, a merge of a side branch of
    3 commits (counted in ``commits``)."""
    rng = random.Random(seed)
    tree = _Files(rng, {})
    out: list[bytes] = []
    mark = 0
    made = 0
    main_tip = 0
    clock = BASE_TIME

    def commit(ref: str, parents: Sequence[int], message: str) -> int:
        nonlocal mark, made, clock
        mark += 1
        made += 1
        clock += 60
        person = PEOPLE[rng.randrange(len(PEOPLE))]
        out.append(f"commit {ref}\nmark :{mark}\n".encode())
        out.append(_who("author", person, clock - 30) + _who("committer", person, clock))
        out.append(_data(message.encode()))
        if parents:
            out.append(f"from :{parents[0]}\n".encode())
        out.extend(f"merge :{parent}\n".encode() for parent in parents[1:])
        if len(parents) < 2:
            for _ in range(rng.randint(1, 3)):
                roll = rng.random()
                number = rng.randrange(files)
                path = f"src/pkg_{number // 50:03d}/module_{number:05d}.txt"
                if roll < 0.01:
                    out.append(f"M 100644 inline assets/image_{rng.randrange(50)}.bin\n"
                               .encode() + _data(rng.randbytes(256) + b"\0"))
                elif roll < 0.02 and path in tree.files:
                    del tree.files[path]
                    out.append(f"D {path}\n".encode())
                else:
                    out.append(f"M 100644 inline {path}\n".encode() + _data(tree.change(path)))
        out.append(b"\n")
        return mark

    while made < commits:
        if made and made % merge_every == 0 and commits - made >= 4:
            side = main_tip
            for step in range(3):
                side = commit("refs/heads/side", [side], f"side work {made} step {step}")
            main_tip = commit("refs/heads/main", [main_tip, side], f"Merge side at {made}")
        else:
            main_tip = commit("refs/heads/main", [main_tip] if main_tip else [],
                              f"change {made}\n\nbody of change {made}")
    out.append(f"reset refs/heads/side\nfrom :{main_tip}\n\n".encode())
    return b"".join(out)


def generate_history(path: Path, commits: int, **options: int) -> Path:
    """A bare repository at ``path`` holding :func:`history_stream`'s history."""
    path.mkdir(parents=True, exist_ok=True)
    env = isolated_environment(path.parent)
    git(path, "init", "--quiet", "--bare", "--initial-branch=main", env=env)
    git(path, "fast-import", "--quiet", env=env, stdin=history_stream(commits, **options))
    return path
