"""``observes new-tap NAME``: a working tap for a new REST source, on the tap kit.

It writes, below the project root: the package ``taps/tap_<name>/`` (the singer-sdk tap,
two example streams on the kit's ``SourceStream``, their schemas as package data, and a
sample server on the kit's fake API fenced in ``sample/``, which the tap never imports),
``tests/taps/tap_<name>/test_tap.py`` (the tap against its sample server, the
schema-coverage check and singer-sdk's standard tests) with the ``__init__.py`` files the
tests tree needs, and ``jobs/<name>.toml``; then it adds the console script and the
sample-server entry point to ``pyproject.toml``. Nothing that exists is overwritten (the
tests tree's shared ``__init__.py`` files are written only when missing). The generated
tests pass as written, so the author starts from green and changes endpoints, schemas and
samples to the source's documentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


class ScaffoldError(Exception):
    """The name is not usable, or a file the tap needs already exists."""


@dataclass(frozen=True)
class TapNames:
    name: str  # acme-crm
    command: str  # tap-acme-crm
    package: str  # tap_acme_crm
    snake: str  # acme_crm
    upper: str  # ACME_CRM
    klass: str  # AcmeCrm
    title: str  # Acme Crm

    @classmethod
    def of(cls, name: str) -> TapNames:
        name = name.strip().lower().removeprefix("tap-")
        if not NAME.fullmatch(name):
            raise ScaffoldError(f"{name!r}: a tap name is lower-case letters and digits, words "
                                "joined by '-', starting with a letter (e.g. acme-crm)")
        words = name.split("-")
        snake = "_".join(words)
        return cls(name, f"tap-{name}", f"tap_{snake}", snake, snake.upper(),
                   "".join(w.capitalize() for w in words), " ".join(w.capitalize()
                                                                    for w in words))

    def fill(self, text: str) -> str:
        for key, value in (("name", self.name), ("command", self.command),
                           ("package", self.package), ("snake", self.snake),
                           ("upper", self.upper), ("Class", self.klass),
                           ("Title", self.title)):
            text = text.replace("{{" + key + "}}", value)
        return text


def _template(name: str) -> str:
    return resources.files(__package__).joinpath("templates", name).read_text()


SHARED = ("tests/__init__.py", "tests/taps/__init__.py")
"""Files every tap's tests need and other taps may have written: written when missing."""


def plan(names: TapNames) -> dict[str, str]:
    """Each file to write, by path below the project root, with its text."""
    package = f"taps/{names.package}"
    files = {
        f"{package}/__init__.py": f'"""{names.command}: a Singer tap of {names.title}."""\n',
        f"{package}/tap.py": "tap.py.tmpl",
        f"{package}/streams.py": "streams.py.tmpl",
        f"{package}/sample/__init__.py": "sample_package.py.tmpl",
        f"{package}/sample/server.py": "sample_server.py.tmpl",
        f"{package}/schemas/users.json": "users.json.tmpl",
        f"{package}/schemas/orders.json": "orders.json.tmpl",
        **dict.fromkeys(SHARED, ""),
        f"tests/taps/{names.package}/__init__.py": "",
        f"tests/taps/{names.package}/test_tap.py": "test_tap.py.tmpl",
        f"jobs/{names.name}.toml": "job.toml.tmpl",
    }
    return {path: names.fill(_template(text) if text.endswith(".tmpl") else text)
            for path, text in files.items()}


def pyproject_lines(names: TapNames) -> dict[str, str]:
    """The lines each pyproject.toml table needs for the tap."""
    return {
        "[project.scripts]": f'{names.command} = "{names.package}.tap:main"',
        '[project.entry-points."observes.sample_servers"]':
            f'{names.name} = "{names.package}.sample.server:demo_source"',
    }


def add_to_pyproject(path: Path, names: TapNames) -> list[str]:
    """Add the tap's lines to ``path``'s tables; returns the lines it could not place."""
    text = path.read_text()
    missing = []
    for table, line in pyproject_lines(names).items():
        if line in text:
            continue
        start = text.find(f"\n{table}\n")
        if start < 0:
            missing.append(f"{table}\n{line}")
            continue
        body = start + len(table) + 2
        following = text.find("\n[", body)
        end = len(text) if following < 0 else following
        block = text[body:end].rstrip("\n")
        text = text[:body] + block + ("\n" if block else "") + line + "\n" + text[end:]
    path.write_text(text)
    return missing


def new_tap(name: str, root: Path) -> tuple[TapNames, list[Path], list[str]]:
    """Write the tap's files below ``root``; returns its names, the files written and the
    pyproject lines still to add by hand (when ``root`` has no such table)."""
    names = TapNames.of(name)
    files = plan(names)
    existing = [path for path in files if (root / path).exists() and path not in SHARED]
    if existing:
        raise ScaffoldError(f"{names.command}: {', '.join(existing)} already exist(s); "
                            "nothing was written")
    written = []
    for relative, text in files.items():
        path = root / relative
        if relative in SHARED and path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        left = add_to_pyproject(pyproject, names)
    else:
        left = [f"{table}\n{line}" for table, line in pyproject_lines(names).items()]
    return names, written, left
