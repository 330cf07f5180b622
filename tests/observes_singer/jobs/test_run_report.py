"""The run report: one JSON line on OBSERVES_REPORT_FD after a committed run, never else.

The targets run as processes with the write end of a pipe passed to them, as
``observes run`` passes it; the report is read back with the reader the runner uses
and compared with what is in the warehouse or the objects.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from observes_singer.jobs.run_report import ENV, ReportError, read_report, report_fd
from tests.support.pipes import commit_gate
from tests.support.warehouses import encode

SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "tags": {"type": "array", "items": {"type": "string"}}}}


def messages(stream: str, ids: range, bad_at: int | None = None) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = [{"type": "SCHEMA", "stream": stream, "schema": SCHEMA,
                                    "key_properties": ["id"]}]
    for n in ids:
        record: dict[str, Any] = {"id": "x" if n == bad_at else n, "name": f"item {n}",
                                  "tags": ["t"] * (n % 3)}
        lines.append({"type": "RECORD", "stream": stream, "record": record})
    lines.append({"type": "STATE", "value": {"upto": ids[-1]}})
    return lines


def run_reporting(module: str, config: dict[str, Any], data: bytes, workdir: Path, *,
                  go_ahead: bytes | None = None
                  ) -> tuple[subprocess.CompletedProcess[bytes], dict[str, Any] | None]:
    """Run a target with a report pipe (and, with ``go_ahead``, a commit gate whose
    writer sent that and closed); returns the process and what the reader got."""
    (workdir / "config.json").write_bytes(orjson.dumps(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVES_")}
    read, write = os.pipe()
    fds = [write]
    env[ENV] = str(write)
    gate = None
    if go_ahead is not None:
        gate = commit_gate(env, fds, go_ahead)
    try:
        result = subprocess.run(
            [sys.executable, "-m", module, "--config", str(workdir / "config.json")],
            input=data, capture_output=True, env=env, pass_fds=fds, cwd=workdir,
            timeout=120, check=False)
    finally:
        os.close(write)
        if gate is not None:
            os.close(gate)
    return result, read_report(read)


def duckdb_counts(path: Path, schema: str) -> dict[str, int]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
            "ORDER BY 1", [schema]).fetchall()]
        return {t: connection.execute(f'SELECT count(*) FROM "{schema}"."{t}"').fetchone()[0]
                for t in tables}
    finally:
        connection.close()


# -- target-redshift ---------------------------------------------------------------------


def test_target_redshift_reports_the_tables_it_loaded(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    config = {"url": f"duckdb://{path}", "schema": "gitlab", "batch_size_records": 4}
    data = encode(messages("jobs", range(10)) + messages("Pipelines", range(3)))
    result, report = run_reporting("target_redshift.cli", config, data, tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert report == {
        "records": 13,
        "tables": {"jobs": 10, "jobs__tags": 9, "pipelines": 3, "pipelines__tags": 3},
        "destination": f"into duckdb://{path} schema gitlab",
        "schema": "gitlab",
    }
    assert report["tables"] == duckdb_counts(path, "gitlab")

    # An upsert run reports the rows it loaded, not what the tables hold.
    config["load_method"] = "upsert"
    result, report = run_reporting("target_redshift.cli", config,
                                   encode(messages("jobs", range(8, 12))), tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert report is not None
    assert report["records"] == 4
    assert report["tables"] == {"jobs": 4, "jobs__tags": 5}
    assert duckdb_counts(path, "gitlab")["jobs"] == 12


def test_a_failed_or_refused_run_writes_no_report(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    config = {"url": f"duckdb://{path}"}
    bad = encode(messages("jobs", range(10), bad_at=6))
    result, report = run_reporting("target_redshift.cli", config, bad, tmp_path)
    assert result.returncode == 1
    assert b"field id" in result.stderr
    assert report is None

    good = encode(messages("jobs", range(5)))
    refused, report = run_reporting("target_redshift.cli", config, good, tmp_path,
                                    go_ahead=b"")
    assert refused.returncode == 1 and b"go-ahead" in refused.stderr
    assert report is None
    assert not path.exists() or duckdb_counts(path, "main") == {}

    allowed, report = run_reporting("target_redshift.cli", config, good, tmp_path,
                                    go_ahead=b"commit\n")
    assert allowed.returncode == 0, allowed.stderr.decode()
    assert report is not None and report["tables"] == {"jobs": 5, "jobs__tags": 4}


@pytest.mark.parametrize(("value", "problem"), [
    ("three", "is not a file descriptor number"),
    ("987", "is not an open file descriptor"),
    ("1", "is stdin, stdout or stderr"),
])
def test_a_bad_report_fd_stops_the_target_before_any_input(tmp_path: Path, value: str,
                                                            problem: str) -> None:
    path = tmp_path / "w.duckdb"
    (tmp_path / "config.json").write_bytes(orjson.dumps({"url": f"duckdb://{path}"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVES_")}
    result = subprocess.run(
        [sys.executable, "-m", "target_redshift.cli", "--config", str(tmp_path / "config.json")],
        input=encode(messages("jobs", range(3))), capture_output=True,
        env={**env, ENV: value}, timeout=120, check=False)
    assert result.returncode == 1
    assert f"target-redshift: error: {ENV}={value!r} {problem}" in result.stderr.decode()
    assert result.stdout == b""
    assert not path.exists()  # not even connected


def test_a_report_nobody_reads_is_a_warning_the_run_stands(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    (tmp_path / "config.json").write_bytes(orjson.dumps({"url": f"duckdb://{path}"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVES_")}
    read, write = os.pipe()
    os.close(read)  # the runner went away
    try:
        result = subprocess.run(
            [sys.executable, "-m", "target_redshift.cli", "--config",
             str(tmp_path / "config.json")],
            input=encode(messages("jobs", range(3))), capture_output=True,
            env={**env, ENV: str(write)}, pass_fds=[write], timeout=120, check=False)
    finally:
        os.close(write)
    assert result.returncode == 0, result.stderr.decode()
    assert "warning: the run report could not be written" in result.stderr.decode()
    assert result.stdout == b'{"upto":2}\n'
    assert duckdb_counts(path, "main") == {"jobs": 3, "jobs__tags": 3}


def test_a_report_fd_open_for_reading_only_is_refused() -> None:
    read, write = os.pipe()
    try:
        with pytest.raises(ReportError, match="is not open for writing"):
            report_fd({ENV: str(read)})
        assert report_fd({ENV: str(write)}) == write
        assert report_fd({}) is None and report_fd({ENV: ""}) is None
    finally:
        os.close(read)
        os.close(write)


# -- target-s3 ---------------------------------------------------------------------------


def object_rows(bucket: Path) -> tuple[dict[str, int], dict[str, Any]]:
    """Rows per table from the objects themselves (lines, less a csv header), and the
    run's manifest."""
    (manifest_path,) = (bucket / "_manifests").glob("*.json")
    manifest = orjson.loads(manifest_path.read_bytes())
    rows: dict[str, int] = {}
    for entry in manifest["objects"]:
        body = Path(entry["url"]).read_bytes()
        lines = body.count(b"\n") - (1 if entry.get("columns") else 0)
        rows[entry["table"]] = rows.get(entry["table"], 0) + lines
    return rows, manifest


@pytest.mark.parametrize(("fmt", "tables"), [
    ("jsonl", {"jobs": 10, "pipelines": 3}),
    ("csv", {"jobs": 10, "jobs__tags": 9, "pipelines": 3, "pipelines__tags": 3}),
])
def test_target_s3_reports_what_its_objects_hold(tmp_path: Path, fmt: str,
                                                 tables: dict[str, int]) -> None:
    bucket = tmp_path / "bucket"
    data = encode(messages("jobs", range(10)) + messages("pipelines", range(3)))
    result, report = run_reporting("target_s3.cli", {"url": str(bucket), "format": fmt,
                                                     "max_rows_per_object": 4},
                                   data, tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    rows, manifest = object_rows(bucket)
    assert report is not None
    assert report["records"] == 13
    assert report["tables"] == tables == rows
    manifest_url = str(next((bucket / "_manifests").glob("*.json")))
    assert report["manifest"] == manifest_url
    assert report["destination"] == (f"in {len(manifest['objects'])} objects ("
                                     f"{sum(tables.values())} rows) with the manifest "
                                     f"{manifest_url}")


def test_target_s3_writes_no_report_for_a_failed_run(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    data = encode(messages("jobs", range(10), bad_at=7))
    result, report = run_reporting("target_s3.cli", {"url": str(bucket), "format": "csv",
                                                     "max_rows_per_object": 2},
                                   data, tmp_path)
    assert result.returncode == 1 and b"field id" in result.stderr
    assert report is None
    assert not (bucket / "_manifests").exists()


# -- the reader ----------------------------------------------------------------------------


def pipe_with(data: bytes) -> int:
    read, write = os.pipe()
    os.write(write, data)
    os.close(write)
    return read


def test_the_reader_takes_one_report_line_or_nothing() -> None:
    line = b'{"records":2,"tables":{"t":2},"destination":"into x","extra":[1]}\n'
    assert read_report(pipe_with(line)) == {"records": 2, "tables": {"t": 2},
                                            "destination": "into x", "extra": [1]}
    assert read_report(pipe_with(b"")) is None
    for bad in (b'{"records":2}\n', line.rstrip(), line + line, b"nope\n",
                b'{"records":-1,"tables":{},"destination":""}\n',
                b'{"records":1,"tables":{"t":true},"destination":""}\n'):
        with pytest.raises(ReportError):
            read_report(pipe_with(bad))
