"""`observes demo`, the README's second command, on a fresh folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import orjson


def test_demo_runs_the_pipeline_locally_and_again(tmp_path: Path) -> None:
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "observes_singer.cli", "demo",
                                 "--records", "300"], cwd=tmp_path, capture_output=True,
                                timeout=120, check=False)
        assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "300 sample GitLab CI jobs" in out
    data = tmp_path / "observes-data"
    connection = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        assert connection.execute("SELECT count(*) FROM jobs").fetchone() == (300,)
        assert connection.execute("SELECT count(DISTINCT _sdc_root_id) FROM jobs__artifacts"
                                  ).fetchone() == (300,)
    finally:
        connection.close()
    state = orjson.loads((data / "observes.state" / "demo.json").read_bytes())
    assert state == {"bookmarks": {"jobs": {"last_id": 5_000_299}}}
    cache = orjson.loads((data / "observes.cache" / "demo" / "jobs.json").read_bytes())
    assert cache["streams"]["jobs"]["key_properties"] == ["id"]
