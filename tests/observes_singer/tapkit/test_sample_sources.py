"""Sample sources found by entry point: an install without a tap's ``sample/`` (the Batch
image) gets a clear error, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from observes_singer.tapkit.sample_sources import (
    SampleSourceError,
    sample_source_names,
    start_sample_source,
)


def install(root: Path, entry_points: dict[str, str], files: dict[str, str]) -> Path:
    """A distribution declaring ``entry_points`` (name: value) in the sample server group,
    with ``files`` (path: text) as its modules; returns the folder to put on the path."""
    info = root / "ghost_taps-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ghost-taps\nVersion: 1.0\n")
    lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[observes.sample_servers]\n{lines}")
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def test_a_declared_sample_whose_module_is_left_out_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The tap is installed, its sample/ is not: what the Batch image holds.
    root = install(tmp_path, {"ghost": "tap_ghost.sample.server:demo_source"},
                   {"tap_ghost/__init__.py": "", "tap_ghost/tap.py": ""})
    monkeypatch.syspath_prepend(str(root))
    assert "ghost" in sample_source_names()
    with pytest.raises(SampleSourceError) as raised:
        start_sample_source("ghost")
    assert str(raised.value) == (
        "the sample source 'ghost' is declared (observes.sample_servers: "
        "tap_ghost.sample.server:demo_source) but tap_ghost.sample.server is not installed: "
        "this install leaves the sample servers out (as the Batch image does); run the demo "
        "from a checkout (pip install -e .)")


def test_a_sample_server_that_imports_something_missing_is_not_hidden(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = install(tmp_path, {"broken": "tap_broken.sample.server:demo_source"},
                   {"tap_broken/__init__.py": "", "tap_broken/sample/__init__.py": "",
                    "tap_broken/sample/server.py": "import no_such_module_anywhere\n"})
    monkeypatch.syspath_prepend(str(root))
    with pytest.raises(ModuleNotFoundError, match="no_such_module_anywhere"):
        start_sample_source("broken")


def test_the_demo_says_so_in_one_line(tmp_path: Path) -> None:
    root = install(tmp_path / "site", {"ghost": "tap_ghost.sample.server:demo_source"},
                   {"tap_ghost/__init__.py": ""})
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from observes_singer.cli import main; sys.exit(main(['demo', 'ghost']))")
    result = subprocess.run([sys.executable, "-c", code, str(root)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.startswith("Observes demo failed: the sample source 'ghost' is "
                                    "declared")
