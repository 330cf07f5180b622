"""``observes new-tap``: the scaffolded tap passes its own tests, lint and types as written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from observes_singer.tapkit.scaffold import ScaffoldError, TapNames, add_to_pyproject, new_tap
from tests.support.paths import REPO as ROOT

PYPROJECT = """[project]
name = "someone-elses-taps"

[project.scripts]
observes = "observes_singer.cli:main"

[project.entry-points."observes.sample_servers"]
gitlab = "tap_gitlab.sample.server:demo_source"

[tool.ruff]
line-length = 100
"""


def scaffold(tmp_path: Path, name: str = "acme-crm") -> subprocess.CompletedProcess[str]:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    return subprocess.run([sys.executable, "-m", "observes_singer.cli", "new-tap", name,
                           "--root", str(tmp_path)], capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.mark.slow
def test_the_scaffolded_tap_passes_its_tests_lint_and_types(tmp_path: Path) -> None:
    made = scaffold(tmp_path)
    assert made.returncode == 0, made.stderr
    assert "tap-acme-crm is ready" in made.stderr
    package = tmp_path / "taps" / "tap_acme_crm"
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts) == [
        "jobs/acme-crm.toml", "pyproject.toml",
        "taps/tap_acme_crm/__init__.py", "taps/tap_acme_crm/sample/__init__.py",
        "taps/tap_acme_crm/sample/server.py",
        "taps/tap_acme_crm/schemas/orders.json", "taps/tap_acme_crm/schemas/users.json",
        "taps/tap_acme_crm/streams.py", "taps/tap_acme_crm/tap.py",
        "tests/__init__.py", "tests/taps/__init__.py", "tests/taps/tap_acme_crm/__init__.py",
        "tests/taps/tap_acme_crm/test_tap.py"]
    pyproject = (tmp_path / "pyproject.toml").read_text()
    assert 'tap-acme-crm = "tap_acme_crm.tap:main"\n' in pyproject
    assert 'acme-crm = "tap_acme_crm.sample.server:demo_source"\n' in pyproject
    assert pyproject.index("tap-acme-crm =") < pyproject.index("[project.entry-points")

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "taps"), str(ROOT)])}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/taps/tap_acme_crm"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300, check=False)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout

    bin_dir = Path(sys.executable).parent
    lint = subprocess.run([str(bin_dir / "ruff"), "check", "--config",
                           str(ROOT / "pyproject.toml"), "--config", f"src = ['{ROOT}']",
                           "taps", "tests"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, check=False)
    assert lint.returncode == 0, lint.stdout
    types = subprocess.run([str(bin_dir / "mypy"), "--strict", "--explicit-package-bases",
                            "--no-incremental", "taps/tap_acme_crm", "tests"], cwd=tmp_path,
                           env={**os.environ, "MYPYPATH": env["PYTHONPATH"]},
                           capture_output=True, text=True, timeout=300, check=False)
    assert types.returncode == 0, types.stdout
    assert package.is_dir()


def test_nothing_is_overwritten(tmp_path: Path) -> None:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "acme-crm.toml").write_text("# mine\n")
    made = scaffold(tmp_path)
    assert made.returncode == 1
    assert "observes: error: tap-acme-crm: jobs/acme-crm.toml already exist(s); nothing was " \
        "written" in made.stderr
    assert (tmp_path / "jobs" / "acme-crm.toml").read_text() == "# mine\n"
    assert not (tmp_path / "taps").exists()


def test_the_tests_tree_of_other_taps_is_kept(tmp_path: Path) -> None:
    """Another tap's tests already made ``tests/__init__.py``: it is no conflict, and stays
    as it was."""
    (tmp_path / "tests" / "taps").mkdir(parents=True)
    (tmp_path / "tests" / "__init__.py").write_text('"""The tests."""\n')
    (tmp_path / "tests" / "taps" / "__init__.py").write_text("")
    names, written, _ = new_tap("acme", tmp_path)
    assert (tmp_path / "tests" / "__init__.py").read_text() == '"""The tests."""\n'
    assert tmp_path / "tests" / "taps" / "__init__.py" not in written
    assert (tmp_path / "tests" / "taps" / names.package / "test_tap.py") in written


@pytest.mark.parametrize("name", ["acmé", "acme_crm", "../x", "1acme", "acme--crm", "", "a b"])
def test_names_that_cannot_be_a_package_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="a tap name is lower-case letters and digits"):
        new_tap(name, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_names_follow_the_singer_conventions() -> None:
    names = TapNames.of("tap-acme-crm")
    assert (names.command, names.package, names.klass, names.upper) == (
        "tap-acme-crm", "tap_acme_crm", "AcmeCrm", "ACME_CRM")


def test_a_pyproject_without_the_tables_gets_the_lines_to_add(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n')
    left = add_to_pyproject(path, TapNames.of("acme"))
    assert left == ['[project.scripts]\ntap-acme = "tap_acme.tap:main"',
                    '[project.entry-points."observes.sample_servers"]\n'
                    'acme = "tap_acme.sample.server:demo_source"']
    assert path.read_text() == '[project]\nname = "x"\n'
