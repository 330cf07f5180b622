"""A broken job file stops the runs it may concern, and only those."""

from __future__ import annotations

from pathlib import Path

from tests.observes_singer.jobs.test_runner import command_job, observes


def test_a_broken_unrelated_file_is_a_warning_and_the_run_goes_on(tmp_path: Path) -> None:
    command_job(tmp_path, "hello", "print('hello ran')")
    (tmp_path / "jobs" / "bad.toml").write_text('command = ["x"\nenv = {')
    (tmp_path / "jobs" / "odd.toml").write_text('command = ["x"]\nstate_url = "s3://b/k"\n')
    ran = observes(tmp_path, "run", "hello")
    assert ran.returncode == 0, ran.stderr
    assert "hello ran" in ran.stdout
    warnings = [line for line in ran.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 2
    assert "bad.toml: not valid TOML" in warnings[0]
    assert "odd.toml: state_url: a command job keeps no state" in warnings[1]
    assert all("names none of hello" in line for line in warnings)


def test_a_broken_file_that_may_be_a_final_phase_stops_the_run(tmp_path: Path) -> None:
    command_job(tmp_path, "shards", "print('shards ran')")
    command_job(tmp_path, "load", "print('load ran')", 'depends_on = ["shards"]')
    # Not TOML: its depends_on cannot be read, but it names the job's final phase.
    (tmp_path / "jobs" / "report.toml").write_text('depends_on = ["load"\ncommand = [')
    refused = observes(tmp_path, "run", "shards")
    assert refused.returncode != 0
    assert "shards ran" not in refused.stdout
    assert "report.toml: not valid TOML" in refused.stderr
    assert "may be a final phase of shards (it names load)" in refused.stderr
    assert "--only" in refused.stderr and "Traceback" not in refused.stderr
    alone = observes(tmp_path, "run", "shards", "--only")
    assert alone.returncode == 0, alone.stderr


def test_a_valid_toml_file_that_depends_on_the_job_but_is_broken_stops_it(
        tmp_path: Path) -> None:
    command_job(tmp_path, "shards", "print('shards ran')")
    command_job(tmp_path, "load", "1", 'depends_on = ["shards"]\nretries = 2')
    command_job(tmp_path, "after-load", "1", 'depends_on = ["load"]')
    refused = observes(tmp_path, "run", "shards")
    assert refused.returncode != 0 and "shards ran" not in refused.stdout
    assert "load.toml: unknown key 'retries'" in refused.stderr
    assert "(it names shards)" in refused.stderr
    after = observes(tmp_path, "run", "after-load")  # runs after the broken one: not ours
    assert after.returncode == 0, after.stderr
    (warning,) = [line for line in after.stderr.splitlines() if "warning" in line]
    assert "load.toml: unknown key 'retries'" in warning
