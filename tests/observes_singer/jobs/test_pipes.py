"""`observes run`: a real tap piped into a real target, with state, twice."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from tests.support.gitlab_checks import assert_gitlab_loaded
from tests.support.paths import REPO_JOBS, SAMPLE_TAP
from tests.support.pipes import commit_gate


def item(n: int, updated: str, name: str | None = None) -> dict[str, Any]:
    return {"id": n, "name": name or f"item {n}", "updated": updated, "tags": ["a", f"t{n}"]}


def write_job(tmp_path: Path, *, load_method: str = "upsert", fail_after: int | None = None,
              token: str = "${SOURCE_TOKEN}", pause: float = 0,
              tap_command: list[str] | None = None) -> Path:
    jobs = tmp_path / "jobs"
    jobs.mkdir(exist_ok=True)
    tap_config: dict[str, Any] = {"source": str(tmp_path / "source.json"), "stream": "items",
                                  "token": token}
    if fail_after is not None:
        tap_config["fail_after"] = fail_after
    if pause:
        tap_config["pause"] = pause
    job = jobs / "sample.toml"
    job.write_text(f"""
description = "sample items into the local warehouse"
state_url = "{tmp_path / 'state' / 'sample.json'}"

[tap]
command = {json.dumps(tap_command or [sys.executable, str(SAMPLE_TAP)])}
config = {toml_inline(tap_config)}

[target]
command = {json.dumps([sys.executable, "-m", "target_redshift.cli"])}
config = {{ url = "duckdb://{tmp_path / 'warehouse.duckdb'}", load_method = "{load_method}" }}
""")
    return job


def toml_inline(value: dict[str, Any]) -> str:
    return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items()) + " }"


def observes(tmp_path: Path, *args: str, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "OBSERVES_JOBS_DIR": str(tmp_path / "jobs"),
                   "SOURCE_TOKEN": "tok-3141592", **(env or {})}
    return subprocess.run([sys.executable, "-m", "observes_singer.cli", *args], cwd=tmp_path,
                          capture_output=True, text=True, env=environment, timeout=120,
                          check=False)


def rows(tmp_path: Path) -> list[tuple[Any, ...]]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        return connection.execute("SELECT id, name FROM items ORDER BY id").fetchall()
    finally:
        connection.close()


def emitted(tmp_path: Path) -> list[list[int]]:
    path = tmp_path / "source.json.emitted"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_two_runs_extract_only_what_changed(tmp_path: Path) -> None:
    source = tmp_path / "source.json"
    source.write_text(json.dumps([item(1, "2026-11-01T00:00:00Z"),
                                  item(2, "2026-11-02T00:00:00Z")]))
    write_job(tmp_path)
    first = observes(tmp_path, "run", "sample")
    assert first.returncode == 0, first.stderr
    assert "state saved to" in first.stderr
    assert rows(tmp_path) == [(1, "item 1"), (2, "item 2")]

    source.write_text(json.dumps([item(1, "2026-11-01T00:00:00Z"),
                                  item(2, "2026-11-03T00:00:00Z", "renamed"),
                                  item(3, "2026-11-04T00:00:00Z")]))
    second = observes(tmp_path, "run", "sample")
    assert second.returncode == 0, second.stderr
    assert emitted(tmp_path) == [[1, 2], [2, 3]]
    assert rows(tmp_path) == [(1, "item 1"), (2, "renamed"), (3, "item 3")]
    assert sorted(rows_tags(tmp_path)) == [(1, "a"), (1, "t1"), (2, "a"), (2, "t2"), (3, "a"),
                                           (3, "t3")]

    state = observes(tmp_path, "state", "get", "sample")
    assert json.loads(state.stdout) == {"bookmarks": {"items": {
        "updated": "2026-11-04T00:00:00Z"}}}


def test_the_runner_reads_bare_states_and_whole_state_messages() -> None:
    from observes_singer.jobs.pipes import _StateReader

    lines = [b'{"bookmarks":{"items":{"updated":"1"}}}\n',  # what the targets write now
             b"target: some chatter that is not JSON\n", b"[1, 2]\n", b"7\n",
             b'{"type":"STATE","value":{"bookmarks":{"items":{"updated":"2"}}}}\n']
    reader = _StateReader(io.BytesIO(b"".join(lines)))
    reader.run()
    assert (reader.states, reader.state) == (2, {"bookmarks": {"items": {"updated": "2"}}})
    reader = _StateReader(io.BytesIO(b"".join([*lines[1:], lines[0]])))
    reader.run()
    assert (reader.states, reader.state) == (2, {"bookmarks": {"items": {"updated": "1"}}})


def rows_tags(tmp_path: Path) -> list[tuple[Any, ...]]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        return connection.execute("SELECT _sdc_source_key_id, value FROM items__tags").fetchall()
    finally:
        connection.close()


def first_replace_run(tmp_path: Path) -> tuple[Path, bytes]:
    """One good replace run of one item: the source file and the state it saved."""
    source = tmp_path / "source.json"
    source.write_text(json.dumps([item(1, "2026-11-01T00:00:00Z")]))
    write_job(tmp_path, load_method="replace")
    assert observes(tmp_path, "run", "sample").returncode == 0
    return source, (tmp_path / "state" / "sample.json").read_bytes()


def test_a_tap_that_fails_half_way_changes_nothing(tmp_path: Path) -> None:
    source, saved = first_replace_run(tmp_path)

    source.write_text(json.dumps([item(n, f"2026-11-{n:02d}T00:00:00Z") for n in range(2, 9)]))
    write_job(tmp_path, load_method="replace", fail_after=4)
    failed = observes(tmp_path, "run", "sample")
    assert failed.returncode == 3
    assert "sample tap: the source went away" in failed.stderr
    # The target was stopped before its input ended (SIGTERM: 130, or -15 if it was
    # still starting up), so it never committed.
    assert "tap exited 3, target exited " in failed.stderr
    assert rows(tmp_path) == [(1, "item 1")]  # the replace never happened
    assert (tmp_path / "state" / "sample.json").read_bytes() == saved


# A target whose main thread blocks reading stdin while SIGTERM can only land on its other
# thread (as it may on any target: its progress thread, a driver's pool). Python runs the
# handler in the main thread only once that runs again.
SIGNAL_ON_ANOTHER_THREAD = """
import signal, sys, threading, time
def stop(*_):
    raise KeyboardInterrupt
try:
    signal.signal(signal.SIGTERM, stop)
    threading.Thread(target=lambda: time.sleep(3600), daemon=True).start()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    sys.stdin.buffer.read()
    time.sleep(0.5)  # the handler runs here at the latest
except KeyboardInterrupt:
    sys.exit(130)
sys.exit(4)
"""


def test_a_target_stops_at_once_when_the_signal_lands_on_another_thread(tmp_path: Path
                                                                          ) -> None:
    """The runner ends the target's input when it stops it, instead of waiting its grace
    period out (30 s) and killing it."""
    (tmp_path / "source.json").write_text(json.dumps(
        [item(n, f"2026-11-{n:02d}T00:00:00Z") for n in range(1, 9)]))
    job = write_job(tmp_path, fail_after=2, pause=0.5)  # the target is ready when it fails
    job.write_text(job.read_text().replace(
        json.dumps([sys.executable, "-m", "target_redshift.cli"]),
        json.dumps([sys.executable, "-c", SIGNAL_ON_ANOTHER_THREAD])))
    started = time.monotonic()
    failed = observes(tmp_path, "run", "sample")
    assert time.monotonic() - started < 15, failed.stderr
    assert failed.returncode == 3
    # 130 from its handler, or -15 when SIGTERM came before the handler was set
    assert re.search(r"tap exited 3, target exited (130|-15)\b", failed.stderr), failed.stderr
    assert not (tmp_path / "state" / "sample.json").exists()


def test_secrets_come_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "source.json").write_text(json.dumps([item(1, "2026-11-01T00:00:00Z")]))
    write_job(tmp_path)
    empty = observes(tmp_path, "run", "sample", env={"SOURCE_TOKEN": ""})
    assert empty.returncode == 0  # an empty value is a value
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "observes_singer.cli", "run", "sample"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**environment, "OBSERVES_JOBS_DIR": str(tmp_path / "jobs")},
                            check=False)
    assert result.returncode == 1
    assert "the environment variable SOURCE_TOKEN is not set" in result.stderr
    ok = observes(tmp_path, "run", "sample")
    assert "tok-3141592" not in ok.stderr + ok.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "jobs", "source.json", "source.json.emitted", "state", "warehouse.duckdb"]


def test_unknown_job_and_state_commands(tmp_path: Path) -> None:
    write_job(tmp_path)
    unknown = observes(tmp_path, "run", "nope")
    assert unknown.returncode == 1
    assert "no job 'nope'; jobs in" in unknown.stderr and "sample" in unknown.stderr
    assert observes(tmp_path, "state", "get", "sample").returncode == 3
    saved = observes(tmp_path, "state", "set", "sample", str(write_state(tmp_path)))
    assert saved.returncode == 0, saved.stderr
    assert orjson.loads((tmp_path / "state" / "sample.json").read_bytes()) == {"k": 1}
    assert observes(tmp_path, "state", "clear", "sample").returncode == 0
    assert not (tmp_path / "state" / "sample.json").exists()


def write_state(tmp_path: Path) -> Path:
    path = tmp_path / "new-state.json"
    path.write_text('{"k": 1}')
    return path


def test_a_target_that_fails_saves_no_state(tmp_path: Path) -> None:
    (tmp_path / "source.json").write_text(json.dumps([
        item(1, "2026-11-01T00:00:00Z"), {**item(2, "2026-11-02T00:00:00Z"), "id": "two"}]))
    write_job(tmp_path)
    result = observes(tmp_path, "run", "sample")
    assert result.returncode == 1
    assert "field id: \"two\" is not an integer" in result.stderr
    assert "tap exited 0, target exited 1" in result.stderr
    assert not (tmp_path / "state" / "sample.json").exists()


def test_the_gitlab_job_twice_against_the_loopback_gitlab(tmp_path: Path) -> None:
    from tap_gitlab.sample.server import GitLabServer, SampleGitLab

    repo_jobs = REPO_JOBS
    warehouse = tmp_path / "gitlab.duckdb"
    with GitLabServer(SampleGitLab(projects=1, pipelines=120, token="glpat-e2e")) as server:
        env = {"OBSERVES_JOBS_DIR": str(repo_jobs), "GITLAB_API_URL": server.url,
               "GITLAB_TOKEN": "glpat-e2e", "GITLAB_PROJECT": "observes/project-0",
               "WAREHOUSE_URL": f"duckdb://{warehouse}", "WAREHOUSE_SCHEMA": "main",
               "OBSERVES_STATE_URL": str(tmp_path / "state" / "gitlab.json"),
               "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
        first = observes(tmp_path, "run", "gitlab", env=env)
        assert first.returncode == 0, first.stderr[-3000:]
        project = server.data.projects[0]
        server.data.touch_pipeline(project, 5, "success", minutes=300_000)
        server.data.add_pipeline(project, 500, minutes=300_001)
        calls_before = len(server.requests)
        second = observes(tmp_path, "run", "gitlab", env=env)
        assert second.returncode == 0, second.stderr[-3000:]
        second_calls = [path for path, _ in server.requests[calls_before:]]
    assert_gitlab_loaded(warehouse, project, 121)
    # The second run asked only for what changed: two pipelines, so two job lists (one
    # page of the project's pipelines, one of its child pipelines).
    assert sum(1 for path in second_calls if path.endswith("/jobs")) == 2
    assert sum(1 for path in second_calls if path.endswith("/pipelines")) == 2


@pytest.mark.parametrize("how", ["ctrl-c", "sighup"])
def test_an_interruption_stops_both_sides_and_saves_nothing(tmp_path: Path, how: str) -> None:
    source, saved = first_replace_run(tmp_path)
    source.write_text(json.dumps([item(n, f"2026-11-{n:02d}T00:00:00Z") for n in range(2, 30)]))
    write_job(tmp_path, load_method="replace", pause=0.2)
    environment = {**os.environ, "OBSERVES_JOBS_DIR": str(tmp_path / "jobs"),
                   "SOURCE_TOKEN": "x"}
    process = subprocess.Popen([sys.executable, "-m", "observes_singer.cli", "run", "sample"],
                               cwd=tmp_path, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(2.0)
    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does to the foreground group
    else:
        os.kill(process.pid, signal.SIGHUP)  # the runner only, as when its terminal closes
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted; nothing saved" in stderr
    assert rows(tmp_path) == [(1, "item 1")]
    assert (tmp_path / "state" / "sample.json").read_bytes() == saved


SECRET = b"tok-3141592"  # the SOURCE_TOKEN of observes(): it reaches the tap's config
GATE_MESSAGE = "input ended without the runner's go-ahead"

# Runs the command in argv as a child subreaper: the runner's children, orphaned when
# the runner is killed, are reaped here, and every exit is reported as a JSON line.
REAPER = """
import ctypes, json, os, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
log = open(sys.argv[1], "wb")
runner = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
print(json.dumps({"runner": runner.pid}), flush=True)
while True:
    try:
        pid, status = os.wait()
    except ChildProcessError:
        break
    print(json.dumps({"pid": pid, "code": os.waitstatus_to_exitcode(status)}), flush=True)
"""


def files_holding(folder: Path, needle: bytes) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with contextlib.suppress(OSError):  # gone while we looked
                if needle in path.read_bytes():
                    found.append(path)
    return found


def children(pid: int) -> dict[int, str]:
    """The live child processes of ``pid``, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(
                    b"\0", b" ").decode()
    return found


def wait_for(condition: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_killed_runner_commits_nothing_and_leaves_no_secret(tmp_path: Path) -> None:
    source, saved = first_replace_run(tmp_path)
    source.write_text(json.dumps([item(n, f"2026-11-{n:02d}T00:00:00Z") for n in range(2, 30)]))
    progress = tmp_path / "tap-output.jsonl"  # a copy of what the tap wrote, to watch
    tap = (f'"{sys.executable}" "{SAMPLE_TAP}" "$@" | tee "{progress}"')
    write_job(tmp_path, load_method="replace", pause=0.3, tap_command=["sh", "-c", tap, "tap"])
    temp = tmp_path / "tmp"
    temp.mkdir()
    environment = {**os.environ, "OBSERVES_JOBS_DIR": str(tmp_path / "jobs"),
                   "SOURCE_TOKEN": SECRET.decode(), "TMPDIR": str(temp)}
    log = tmp_path / "run.log"
    reaper = subprocess.Popen(
        [sys.executable, "-c", REAPER, str(log), sys.executable, "-m", "observes_singer.cli",
         "run", "sample"], cwd=tmp_path, env=environment, stdout=subprocess.PIPE, text=True)
    try:
        assert reaper.stdout is not None
        runner = json.loads(reaper.stdout.readline())["runner"]
        wait_for(lambda: progress.exists() and progress.read_text().count('"RECORD"') >= 3,
                 "the first records")
        time.sleep(0.5)  # and into the target, through the runner
        target = [pid for pid, cmd in children(runner).items() if "target_redshift" in cmd]
        assert len(target) == 1, children(runner)
        # The configs and the state are in memory, passed as /dev/fd/N: nothing on disk.
        assert "--config /dev/fd/" in children(runner)[target[0]]
        assert files_holding(tmp_path, SECRET) == []
        os.kill(runner, signal.SIGKILL)  # the runner only: its children live on
        reports, _ = reaper.communicate(timeout=60)
    finally:
        if reaper.poll() is None:
            reaper.kill()
            reaper.wait()
    codes = {r["pid"]: r["code"] for r in map(json.loads, reports.splitlines())}
    assert codes[runner] == -signal.SIGKILL
    assert codes[target[0]] == 1  # the target ended on its own, non-zero
    stderr = log.read_text()
    assert f"target-redshift: error: {GATE_MESSAGE} (observes run stopped before the tap " \
        "finished)" in stderr
    # One line from the target, not a traceback (the tap's broken pipe may follow it).
    assert stderr.split("target-redshift: error: ")[1].splitlines()[1].startswith(
        "target-redshift: ")
    assert rows(tmp_path) == [(1, "item 1")]  # yesterday's table, whole
    assert (tmp_path / "state" / "sample.json").read_bytes() == saved
    assert files_holding(tmp_path, SECRET) == []
    assert list(temp.iterdir()) == []


def test_without_memfd_the_configs_go_to_a_private_folder_removed_after(tmp_path: Path
                                                                        ) -> None:
    (tmp_path / "source.json").write_text(json.dumps([item(1, "2026-11-01T00:00:00Z")]))
    write_job(tmp_path)
    temp = tmp_path / "tmp"
    temp.mkdir()
    environment = {**os.environ, "OBSERVES_JOBS_DIR": str(tmp_path / "jobs"),
                   "SOURCE_TOKEN": SECRET.decode(), "TMPDIR": str(temp)}
    program = ("import os, sys\ndel os.memfd_create\nfrom observes_singer.cli import main\n"
               "sys.exit(main(sys.argv[1:]))")
    for _ in range(2):  # the second run passes a state too
        result = subprocess.run([sys.executable, "-c", program, "run", "sample"],
                                cwd=tmp_path, env=environment, capture_output=True, text=True,
                                timeout=120, check=False)
        assert result.returncode == 0, result.stderr
    assert rows(tmp_path) == [(1, "item 1")]
    assert list(temp.iterdir()) == []


def run_target(tmp_path: Path, module: str, config: dict[str, Any], records: list[int], *,
               commit_word: bytes | None = None, fd_value: str | None = None
               ) -> subprocess.CompletedProcess[str]:
    """Run a target on SCHEMA + RECORDs + STATE; with ``commit_word``, behind a control
    pipe whose writer sent that word and closed (``b""``: closed with no word)."""
    (tmp_path / "target.json").write_text(json.dumps(config))
    schema = {"type": "object", "properties": {"id": {"type": "integer"},
                                               "name": {"type": "string"}}}
    lines = [{"type": "SCHEMA", "stream": "items", "schema": schema, "key_properties": ["id"]}]
    lines += [{"type": "RECORD", "stream": "items", "record": {"id": n, "name": f"item {n}"}}
              for n in records]
    lines.append({"type": "STATE", "value": {"bookmarks": {"items": {"last": records[-1]}}}})
    environment = {k: v for k, v in os.environ.items() if k != "OBSERVES_COMMIT_FD"}
    pass_fds: list[int] = []
    read = None
    if commit_word is not None:
        read = commit_gate(environment, pass_fds, commit_word)
    if fd_value is not None:
        environment["OBSERVES_COMMIT_FD"] = fd_value
    try:
        return subprocess.run(
            [sys.executable, "-m", module, "--config", str(tmp_path / "target.json")],
            input="".join(json.dumps(line) + "\n" for line in lines), capture_output=True,
            text=True, env=environment, pass_fds=pass_fds, timeout=120, check=False)
    finally:
        if read is not None:
            os.close(read)


def last_state(stdout: str) -> Any:
    """The last state a target wrote: the bare value, as singer-sdk's targets write it."""
    last = json.loads(stdout.splitlines()[-1])
    assert isinstance(last, dict) and "type" not in last, last  # not a whole STATE message
    return last


def test_target_redshift_commits_only_on_the_go_ahead(tmp_path: Path) -> None:
    config = {"url": f"duckdb://{tmp_path / 'warehouse.duckdb'}", "load_method": "replace"}
    plain = run_target(tmp_path, "target_redshift.cli", config, [1])  # no gate: as before
    assert plain.returncode == 0, plain.stderr
    assert last_state(plain.stdout) == {"bookmarks": {"items": {"last": 1}}}
    assert rows(tmp_path) == [(1, "item 1")]

    for word in (b"", b"commit", b"commit\ncommit\n", b"abort\n"):
        refused = run_target(tmp_path, "target_redshift.cli", config, [2, 3],
                             commit_word=word)
        assert refused.returncode == 1, (word, refused.stderr)
        assert f"target-redshift: error: {GATE_MESSAGE}" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert refused.stdout == ""  # no STATE
        assert rows(tmp_path) == [(1, "item 1")]

    for value, problem in (("three", "is not a file descriptor number"),
                           ("987", "is not an open file descriptor")):
        bad = run_target(tmp_path, "target_redshift.cli", config, [2, 3], fd_value=value)
        assert bad.returncode == 1
        assert f"target-redshift: error: OBSERVES_COMMIT_FD={value!r} {problem}" in bad.stderr
        assert rows(tmp_path) == [(1, "item 1")]

    allowed = run_target(tmp_path, "target_redshift.cli", config, [2, 3],
                         commit_word=b"commit\n")
    assert allowed.returncode == 0, allowed.stderr
    assert last_state(allowed.stdout) == {"bookmarks": {"items": {"last": 3}}}
    assert rows(tmp_path) == [(2, "item 2"), (3, "item 3")]


def test_target_s3_writes_its_manifest_only_on_the_go_ahead(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    config = {"url": str(bucket)}
    refused = run_target(tmp_path, "target_s3.cli", config, [1, 2], commit_word=b"")
    assert refused.returncode == 1, refused.stderr
    assert f"target-s3: error: {GATE_MESSAGE}" in refused.stderr
    assert refused.stdout == ""
    assert not (bucket / "_manifests").exists()

    allowed = run_target(tmp_path, "target_s3.cli", config, [1, 2], commit_word=b"commit\n")
    assert allowed.returncode == 0, allowed.stderr
    assert last_state(allowed.stdout) == {"bookmarks": {"items": {"last": 2}}}
    assert len(list((bucket / "_manifests").glob("*.json"))) == 1

    plain = run_target(tmp_path, "target_s3.cli", config, [3])
    assert plain.returncode == 0, plain.stderr
    assert len(list((bucket / "_manifests").glob("*.json"))) == 2
