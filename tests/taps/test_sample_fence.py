"""A tap's sample server is fenced in its ``sample/`` subpackage: the tap itself never
imports it, so that an install without the samples (the Batch image) runs every tap."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support.paths import REPO

TAPS = REPO / "taps"


def imported_modules(path: Path, package: str) -> Iterator[tuple[int, str]]:
    """Every module ``path`` imports (its line and absolute name), relative imports
    resolved against ``package``, the dotted name of ``path``'s own package."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            yield node.lineno, base
            for alias in node.names:  # ``from tap_x import sample``
                yield node.lineno, f"{base}.{alias.name}"


def is_sample(module: str) -> bool:
    parts = module.split(".")
    return len(parts) >= 2 and parts[0].startswith("tap_") and parts[1] == "sample"


def test_no_tap_module_outside_sample_imports_a_sample() -> None:
    packages = sorted(p for p in TAPS.glob("tap_*") if (p / "__init__.py").is_file())
    assert {p.name for p in packages} >= {"tap_gitlab", "tap_checkly", "tap_timedoctor",
                                          "tap_zoho_crm", "tap_dynamo", "tap_git"}
    fenced = [p.name for p in packages if (p / "sample" / "__init__.py").is_file()]
    assert sorted(fenced) == ["tap_checkly", "tap_gitlab", "tap_timedoctor", "tap_zoho_crm"]
    breaches = []
    for package in packages:
        for path in sorted(package.rglob("*.py")):
            relative = path.relative_to(TAPS)
            if relative.parts[1] == "sample":
                continue
            own = ".".join(relative.parent.parts)
            breaches += [f"{relative}:{line} imports {module}"
                         for line, module in imported_modules(path, own) if is_sample(module)]
    assert breaches == []


def test_the_check_sees_every_form_of_import(tmp_path: Path) -> None:
    module = tmp_path / "streams.py"
    module.write_text("import tap_a.sample.server\nfrom tap_b.sample import data\n"
                      "from tap_c import sample\nfrom .sample.server import X\n"
                      "from . import sample as s\nimport tap_d.streams\n")
    found = [name for _, name in imported_modules(module, "tap_e") if is_sample(name)]
    assert found == ["tap_a.sample.server", "tap_b.sample", "tap_b.sample.data",
                     "tap_c.sample", "tap_e.sample.server", "tap_e.sample.server.X",
                     "tap_e.sample"]
