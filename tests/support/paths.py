"""Where the repository's own files are, for tests wherever they sit in ``tests/``."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REPO_JOBS = REPO / "jobs"
SAMPLE_TAP = REPO / "tests" / "support" / "sample_tap.py"
