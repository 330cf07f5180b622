"""Where the repository's own files are, for tests wherever they sit in ``tests/``."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REPO_JOBS = REPO / "jobs"
SAMPLE_TAP = REPO / "tests" / "support" / "sample_tap.py"


def console_script(name: str) -> str:
    """The path of the console script ``name`` of the environment running the tests, so a
    test finds it whether or not that environment's ``bin`` is on ``PATH``."""
    return str(Path(sys.executable).parent / name)
