"""Running the repository's own job files with ``observes run``, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.support.paths import REPO_JOBS


def run_repo_job(job: str, cwd: Path, settings: Mapping[str, str]
                 ) -> subprocess.CompletedProcess[str]:
    """``observes run JOB`` on ``jobs/JOB.toml`` with the job's ``settings`` in the
    environment, quick retries, and this environment's console scripts first on PATH."""
    env = {**os.environ, "OBSERVES_JOBS_DIR": str(REPO_JOBS), "OBSERVES_HTTP_BACKOFF": "0.1",
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
           **settings}
    return subprocess.run([sys.executable, "-m", "observes_singer.cli", "run", job],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
