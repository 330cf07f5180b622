"""ci/min-versions.txt pins every direct dependency to the floor pyproject.toml declares,
so that CI's second venv runs the tests on exactly what a user may install."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def floors() -> dict[str, Version]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found: dict[str, Version] = {}
    for line in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        requirement = Requirement(line)
        [floor] = [s.version for s in requirement.specifier if s.operator == ">="]
        found[canonicalize_name(requirement.name)] = Version(floor)
    return found


def pins() -> dict[str, Version]:
    found: dict[str, Version] = {}
    for line in (ROOT / "ci" / "min-versions.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            found[canonicalize_name(name)] = Version(version)
    return found


def test_each_floor_is_pinned_in_the_constraints() -> None:
    pinned = pins()
    assert {name: pinned.get(name) for name in floors()} == floors()

