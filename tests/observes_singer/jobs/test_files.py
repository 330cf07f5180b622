"""Job files: Singer jobs and command jobs, as `load_job` reads them and `observes run`
runs them (command jobs here; Singer jobs in test_pipes.py)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from observes_singer.jobs.files import CommandJob, Job, JobError, load_job, resolve_secrets
from tests.support.paths import REPO_JOBS

# A command that says what it got: its arguments, and FOO from its environment.
ECHO = ("import json, os, sys; print(json.dumps({'argv': sys.argv[1:], "
        "'foo': os.environ.get('FOO')})); print('to stderr', file=sys.stderr); "
        "sys.exit(int(os.environ.get('EXIT', '0')))")


def write(tmp_path: Path, name: str, text: str) -> Path:
    jobs = tmp_path / "jobs"
    jobs.mkdir(exist_ok=True)
    path = jobs / f"{name}.toml"
    path.write_text(text)
    return path


def command_job(tmp_path: Path, name: str, command: list[str], env: str = "") -> Path:
    return write(tmp_path, name, f'description = "a command job"\n'
                                 f"command = {json.dumps(command)}\n{env}")


def observes(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
             drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in drop}
    environment.update({"OBSERVES_JOBS_DIR": str(tmp_path / "jobs"), **(env or {})})
    return subprocess.run([sys.executable, "-m", "observes_singer.cli", *args], cwd=tmp_path,
                          capture_output=True, text=True, env=environment, timeout=120,
                          check=False)


@pytest.fixture
def jobs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(tmp_path / "jobs"))
    return tmp_path


def test_a_command_job_passes_its_output_and_exit_code_through(tmp_path: Path) -> None:
    command_job(tmp_path, "echo", [sys.executable, "-c", ECHO, "one"])
    ok = observes(tmp_path, "run", "echo")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"argv": ["one"], "foo": None}
    assert ok.stderr == "to stderr\n"  # nothing of the runner's when all went well
    failed = observes(tmp_path, "run", "echo", env={"EXIT": "7"})
    assert failed.returncode == 7
    assert json.loads(failed.stdout) == {"argv": ["one"], "foo": None}
    assert failed.stderr.endswith(f"observes: job echo: {sys.executable} exited 7\n")


def test_references_are_resolved_from_the_environment(tmp_path: Path) -> None:
    command_job(tmp_path, "echo", [sys.executable, "-c", ECHO, "${GREETING:-hello}", "${WHO}"],
                env='env = { FOO = "${SECRET_FOO}-x", EXIT = "${EXIT:-0}" }\n')
    ok = observes(tmp_path, "run", "echo", env={"WHO": "world", "SECRET_FOO": "s3cr3t"},
                  drop=("GREETING", "EXIT"))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"argv": ["hello", "world"], "foo": "s3cr3t-x"}
    told = observes(tmp_path, "run", "echo",
                    env={"GREETING": "hi", "WHO": "", "SECRET_FOO": "", "EXIT": "3"})
    assert told.returncode == 3
    assert json.loads(told.stdout) == {"argv": ["hi", ""], "foo": "-x"}


@pytest.mark.parametrize(("missing", "where"), [("WHO", "command[4]"),
                                                ("SECRET_FOO", "env.FOO")])
def test_a_missing_variable_is_an_error_naming_it(tmp_path: Path, missing: str,
                                                  where: str) -> None:
    path = command_job(tmp_path, "echo", [sys.executable, "-c", ECHO, "x", "${WHO}"],
                       env='env = { FOO = "${SECRET_FOO}" }\n')
    values = {"WHO": "visible-who", "SECRET_FOO": "visible-foo"}
    env = {k: v for k, v in values.items() if k != missing}
    result = observes(tmp_path, "run", "echo", env=env, drop=(missing,))
    assert result.returncode == 1
    assert result.stdout == ""  # the command never ran
    assert result.stderr == (f"observes: error: {path}: {where}: the environment variable "
                             f"{missing} is not set\n")


def test_extra_arguments_after_a_double_dash(tmp_path: Path) -> None:
    command_job(tmp_path, "echo", [sys.executable, "-c", ECHO, "${GREETING:-hi}"])
    result = observes(tmp_path, "run", "echo", "--", "--dry-run", "--", "${GREETING}", "")
    assert result.returncode == 0, result.stderr
    # Appended as they are: not parsed, not resolved.
    assert json.loads(result.stdout)["argv"] == ["hi", "--dry-run", "--", "${GREETING}", ""]
    before = observes(tmp_path, "run", "echo", "extra")
    assert before.returncode == 2
    assert "unrecognized arguments: extra" in before.stderr
    elsewhere = observes(tmp_path, "state", "get", "echo", "--", "x")
    assert elsewhere.returncode == 2
    assert "arguments after -- are only for observes run" in elsewhere.stderr


def singer_job(tmp_path: Path, name: str = "singer") -> Path:
    return write(tmp_path, name, f"""
state_url = "{tmp_path / 'state.json'}"
[tap]
command = "tap-x"
[target]
command = ["target-y"]
""")


def test_extra_arguments_are_refused_for_a_singer_job(tmp_path: Path) -> None:
    singer_job(tmp_path)
    result = observes(tmp_path, "run", "singer", "--", "--dry-run")
    assert result.returncode == 1
    assert result.stderr == ("observes: error: job singer is a Singer job ([tap] and "
                             "[target]): arguments after -- are only for command jobs\n")


def test_a_command_job_config_reaches_its_command_in_memory(tmp_path: Path) -> None:
    reader = ("import json, sys; args = sys.argv[1:]; i = args.index('--config'); "
              "print(json.dumps({'args': args[:i] + args[i + 2:], 'path': args[i + 1], "
              "'config': json.load(open(args[i + 1]))}))")
    command_job(tmp_path, "configured", [sys.executable, "-c", reader, "first"],
                env='config = { url = "${WAREHOUSE:-duckdb:///w.duckdb}", parts = 4, '
                    'nested = { token = "${TOKEN}" } }\n')
    ok = observes(tmp_path, "run", "configured", "--", "--extra", env={"TOKEN": "t0k3n"},
                  drop=("WAREHOUSE",))
    assert ok.returncode == 0, ok.stderr
    seen = json.loads(ok.stdout)
    # The config comes after the command's own arguments and before the extra ones.
    assert seen["args"] == ["first", "--extra"]
    assert seen["config"] == {"url": "duckdb:///w.duckdb", "parts": 4,
                              "nested": {"token": "t0k3n"}}
    assert seen["path"].startswith("/dev/fd/") or "observes-run-" in seen["path"]
    assert "t0k3n" not in ok.stderr
    missing = observes(tmp_path, "run", "configured", drop=("TOKEN",))
    assert missing.returncode != 0 and "TOKEN" in missing.stderr
    write(tmp_path, "bad", 'command = ["true"]\nconfig = "x"\n')
    with pytest.raises(JobError, match="config: must be a table"):
        load_job(str(tmp_path / "jobs" / "bad.toml"))


def test_a_command_that_is_not_there(tmp_path: Path) -> None:
    command_job(tmp_path, "nothing", ["observes-no-such-program", "--flag"])
    result = observes(tmp_path, "run", "nothing")
    assert result.returncode == 127
    assert result.stderr == ("observes: job nothing: command not found: "
                             "observes-no-such-program\n")


def test_a_command_that_cannot_run(tmp_path: Path) -> None:
    script = tmp_path / "not-executable.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    command_job(tmp_path, "cannot", [str(script)])
    result = observes(tmp_path, "run", "cannot")
    assert result.returncode == 126
    assert result.stderr == (f"observes: job cannot: cannot run {script}: Permission "
                             "denied\n")


def test_a_command_killed_by_a_signal_exits_128_plus_its_number(tmp_path: Path) -> None:
    command_job(tmp_path, "killed", [sys.executable, "-c",
                                     "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])
    result = observes(tmp_path, "run", "killed")
    assert result.returncode == 128 + signal.SIGKILL
    assert "was killed by signal 9" in result.stderr


# Writes its pid, then waits; on SIGTERM or SIGINT writes which one and exits 5. (A
# signal sent to the whole group without a terminal reaches it twice: from the sender,
# and passed on by the runner, which cannot tell that it was sent to the group too.)
WAITER = """
import os, signal, sys, time
out = sys.argv[1]
def stop(signum, frame):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(out + ".got", "a") as handle:
        handle.write(signal.Signals(signum).name + "\\n")
    sys.exit(5)
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
with open(out + ".tmp", "w") as handle:
    handle.write(str(os.getpid()))
os.rename(out + ".tmp", out)
time.sleep(60)
"""


def wait_for(condition: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_an_interrupted_command_job_stops_its_child_and_exits_130(tmp_path: Path,
                                                                  how: str) -> None:
    ready = tmp_path / "child.pid"
    command_job(tmp_path, "wait", [sys.executable, "-c", WAITER, str(ready)])
    environment = {**os.environ, "OBSERVES_JOBS_DIR": str(tmp_path / "jobs")}
    process = subprocess.Popen([sys.executable, "-m", "observes_singer.cli", "run", "wait"],
                               cwd=tmp_path, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for(ready.exists, "the command to start")
        child = int(ready.read_text())
        if how == "sigterm":
            os.kill(process.pid, signal.SIGTERM)  # the runner only: it passes it on
        else:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does to the foreground group
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, stderr
    assert stderr == f"observes: job wait: interrupted; {sys.executable} exited 5\n"
    expected = "SIGTERM" if how == "sigterm" else "SIGINT"
    assert (tmp_path / "child.pid.got").read_text().splitlines()[0] == expected
    assert gone(child)


def test_a_command_that_ignores_the_signal_is_killed_after_the_grace(
        jobs_dir: Path) -> None:
    from observes_singer.jobs.pipes import run_command_job

    ready = jobs_dir / "child.pid"
    stubborn = WAITER.replace("signal.signal(signal.SIGTERM, stop)",
                              "signal.signal(signal.SIGTERM, signal.SIG_IGN)")
    command_job(jobs_dir, "stubborn", [sys.executable, "-c", stubborn, str(ready)])
    job = load_job("stubborn")
    assert isinstance(job, CommandJob)

    def interrupt() -> None:
        wait_for(ready.exists, "the command to start")
        os.kill(os.getpid(), signal.SIGTERM)  # to this process, where the runner runs

    previous = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=interrupt)
    thread.start()
    log = open(os.devnull, "w")  # noqa: SIM115
    with log:
        started = time.monotonic()
        code = run_command_job(job, log=log, grace=1.0)
    thread.join()
    assert code == 130
    assert 1.0 <= time.monotonic() - started < 30
    assert gone(int(ready.read_text()))
    assert signal.getsignal(signal.SIGTERM) == previous  # put back


def test_state_commands_refuse_a_command_job(tmp_path: Path) -> None:
    path = command_job(tmp_path, "echo", [sys.executable, "-c", ECHO])
    for args in (["get", "echo"], ["clear", "echo"], ["get", str(path)],
                 ["set", "echo", os.devnull]):
        result = observes(tmp_path, "state", *args)
        assert result.returncode == 1, args
        assert result.stderr == (f"observes: error: job echo ({path}) runs a command and "
                                 "keeps no state: only a Singer job ([tap] and [target]) "
                                 "has one\n"), args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs"]  # no state written


@pytest.mark.parametrize(("text", "message"), [
    ('command = ["x"]\n[tap]\ncommand = "t"\n[target]\ncommand = "u"\n',
     "a job is either a Singer job ([tap] and [target]) or a command job (command), not both"),
    ('command = "x"\n[tap]\ncommand = "t"\n',
     "a job is either a Singer job ([tap] and [target]) or a command job (command), not both"),
    ('description = "nothing"\n',
     "nothing to run: give [tap] and [target] (a Singer job) or command (a command job)"),
    ("",
     "nothing to run: give [tap] and [target] (a Singer job) or command (a command job)"),
    ('[tap]\ncommand = "t"\n', "target: needs a [target] table"),
    ('command = "x"\nstate_url = "s3://b/k.json"\n',
     "state_url: a command job keeps no state (only a Singer job, [tap] and [target], has "
     "one)"),
    ('[tap]\ncommand = "t"\n[target]\ncommand = "u"\n[env]\nA = "b"\n',
     "env: only a command job takes env (a Singer job's tap and target take their settings "
     "in config)"),
    ('command = "x"\nschedule = "daily"\n',
     "schedule belongs in the [batch] table (how the job runs on AWS Batch)"),
    ("command = []\n", "command: a program name or a list of arguments"),
    ('command = ""\n', "command: a program name or a list of arguments"),
    ('command = ["x", 1]\n', "command: a program name or a list of arguments"),
    ('command = "x"\nenv = "A=b"\n', 'env: must be a table of NAME = "value"'),
    ('command = "x"\nenv = { A = 1 }\n', "env.A: must be a string (quote it)"),
    ('command = "x"\nenv = { "A-B" = "c" }\n',
     "env: 'A-B' is not an environment variable name (letters, digits and _, not starting "
     "with a digit)"),
])
def test_a_job_file_that_is_neither_or_both_kinds(jobs_dir: Path, text: str,
                                                  message: str) -> None:
    path = write(jobs_dir, "bad", text)
    with pytest.raises(JobError) as error:
        load_job("bad")
    assert str(error.value) == f"{path}: {message}"


def test_the_two_kinds_load_as_their_classes(jobs_dir: Path) -> None:
    singer_job(jobs_dir)
    command_job(jobs_dir, "cmd", ["prog", "${A:-a}"], env='env = { B = "${B}" }\n')
    singer = load_job("singer")
    assert isinstance(singer, Job)
    assert (singer.tap.command, singer.target.command) == (["tap-x"], ["target-y"])
    command = load_job("cmd")
    assert isinstance(command, CommandJob)
    assert (command.command, command.env) == (["prog", "${A:-a}"], {"B": "${B}"})
    assert command.argv(["--x"], {}) == ["prog", "a", "--x"]
    assert command.environment({"B": "b", "PATH": "/bin"}) == {"B": "b", "PATH": "/bin"}
    # A command job whose variables are not set still loads: they are read when it runs.
    with pytest.raises(JobError, match="the environment variable B is not set"):
        command.environment({})


def references(text: str) -> set[str]:
    """The variables a job file refers to without a default."""
    return {m.group(1) for m in re.finditer(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text)}


@pytest.mark.parametrize("path", sorted(REPO_JOBS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_job_in_the_repository_loads(path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    environ = {name: f"dummy-{name.lower()}" for name in references(path.read_text())}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(REPO_JOBS))
    job = load_job(path.stem)
    assert job.description
    if isinstance(job, CommandJob):
        argv = job.argv()
        assert argv[0] and "${" not in " ".join(argv)
        assert all("${" not in value for value in job.environment(environ).values())
        if job.config is not None:
            assert "${" not in json.dumps(resolve_secrets(job.config, f"{path}: config"))
    else:
        for step in (job.tap, job.target):
            config = resolve_secrets(step.config, f"{path}: config")
            assert "${" not in json.dumps(config)
            assert "${" not in " ".join(resolve_secrets(step.command, f"{path}: command"))
        for command in job.filters:
            assert "${" not in " ".join(resolve_secrets(command, f"{path}: filters"))
        assert "${" not in job.state_url


def test_the_cancel_ci_jobs_job(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(REPO_JOBS))
    job = load_job("cancel-ci-jobs")
    assert isinstance(job, CommandJob)
    assert job.argv(["--dry-run"], {}) == [
        "gitlab-cancel-stuck-jobs", "--project", "fluidattacks/universe", "--older-than", "8h",
        "--api-url", "https://gitlab.com/api/v4", "--dry-run"]
    assert job.argv((), {"GITLAB_PROJECT": "g/p", "OLDER_THAN": "2d",
                         "GITLAB_API_URL": "https://gitlab.example/api/v4"})[1:] == [
        "--project", "g/p", "--older-than", "2d", "--api-url", "https://gitlab.example/api/v4"]
    assert job.environment({"GITLAB_TOKEN": "glpat-x"}) == {"GITLAB_TOKEN": "glpat-x"}
    with pytest.raises(JobError, match=r"env\.GITLAB_TOKEN: the environment variable "
                                       r"GITLAB_TOKEN is not set"):
        job.environment({})


def test_the_cancel_ci_jobs_job_against_the_loopback_gitlab(tmp_path: Path) -> None:
    from tap_gitlab.sample.server import GitLabServer, SampleGitLab

    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "gitlab-cancel-stuck-jobs").exists(), \
        "pyproject.toml installs gitlab-cancel-stuck-jobs: pip install -e . again"
    token = "glpat-cancel-ci"
    with GitLabServer(SampleGitLab(projects=1, pipelines=12, token=token)) as server:
        before = [job["status"] for job in server.data.projects[0].jobs]
        env = {"OBSERVES_JOBS_DIR": str(REPO_JOBS), "GITLAB_TOKEN": token,
               "GITLAB_API_URL": server.url, "GITLAB_PROJECT": "observes/project-0",
               "PATH": str(bin_dir) + os.pathsep + os.environ["PATH"]}
        result = observes(tmp_path, "run", "cancel-ci-jobs", "--", "--dry-run", env=env)
        after = [job["status"] for job in server.data.projects[0].jobs]
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("would cancel observes/project-0 job ")
                         for line in lines)
    assert after == before  # --dry-run reached the command
    assert token not in result.stdout + result.stderr
