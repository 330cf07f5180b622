"""Job files and run ledgers for the report's tests, written as the runner writes them."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

from observes_singer.jobs.ledger import record_run
from observes_singer.store.storage import BlobStore


def command_job(root: Path, name: str, extra: str = "") -> Path:
    """A command job ``name`` in ``root/jobs``; its runs go to ``root/store``."""
    jobs = root / "jobs"
    jobs.mkdir(exist_ok=True)
    path = jobs / f"{name}.toml"
    path.write_text(f"command = {json.dumps([sys.executable, '-c', 'pass'])}\n{extra}\n")
    return path


def record_runs(root: Path, job: str, finished: list[datetime],
                tables: dict[str, int] | None = None) -> None:
    """One ledger record per finish time, each run 2 minutes long, its record and row
    counts growing with its number."""
    for number, moment in enumerate(finished, 1):
        counts = {table: rows * number for table, rows in (tables or {}).items()}
        record_run(BlobStore(), f"{root / 'store'}/", job, f"run-{job}-{number}",
                   moment - timedelta(minutes=2), moment,
                   report={"records": 10 * number, "tables": counts})
