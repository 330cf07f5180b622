"""`observes batch report-failures` / `report-cancelled`: the classifier on job shapes as
AWS Batch documents them, and the commands against moto's Batch and a loopback Bugsnag."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from observes_singer.batch.failure_kinds import (
    APPLICATION_ERROR,
    CANCELLED,
    INFRASTRUCTURE,
    NEVER_STARTED,
    TIMEOUT,
    classify,
)
from observes_singer.batch.failure_report import failure, log_url
from observes_singer.cli import main
from tests.support.aws_batch import BatchQueue, create_queue

API_KEY = "bugsnag-test-key-" + uuid.uuid4().hex
ARN = "arn:aws:batch:us-east-1:012345678910"
NOW = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
CREATED = int((NOW - timedelta(hours=3)).timestamp() * 1000)


def documented_job(**fields: Any) -> dict[str, Any]:
    """A job as in Batch's DescribeJobs example response, changed by ``fields``."""
    job: dict[str, Any] = {
        "jobArn": f"{ARN}:job/24fa2d7a-64c4-49d2-8b47-f8da4fbde8e9",
        "jobId": "24fa2d7a-64c4-49d2-8b47-f8da4fbde8e9",
        "jobName": "observes-gitlab",
        "jobQueue": f"{ARN}:job-queue/HighPriority",
        "jobDefinition": "sleep60",
        "status": "FAILED",
        "createdAt": CREATED,
        "startedAt": CREATED + 34_490,
        "stoppedAt": CREATED + 98_689,
        "dependsOn": [],
        "parameters": {},
        "container": {"image": "busybox", "vcpus": 1, "memory": 128,
                      "command": ["sleep", "60"], "environment": [], "mountPoints": [],
                      "ulimits": [], "volumes": [],
                      "logStreamName": "sleep60/default/24fa2d7a64c4"},
    }
    job.update(fields)
    return job


def attempt(exit_code: int | None = None, reason: str | None = None,
            status_reason: str | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {
        "containerInstanceArn": f"{ARN.replace('batch', 'ecs')}:container-instance/5406d7cd",
        "taskArn": f"{ARN.replace('batch', 'ecs')}:task/6d7f9a4b",
        "logStreamName": "sleep60/default/24fa2d7a64c4", "networkInterfaces": []}
    if exit_code is not None:
        container["exitCode"] = exit_code
    if reason is not None:
        container["reason"] = reason
    result: dict[str, Any] = {"container": container, "startedAt": CREATED + 34_490,
                              "stoppedAt": CREATED + 98_689}
    if status_reason is not None:
        result["statusReason"] = status_reason
    return result


# --- the classifier, on documented shapes --------------------------------------------

def test_a_non_zero_exit_is_an_application_error_with_its_code() -> None:
    job = documented_job(statusReason="Essential container in task exited",
                         attempts=[attempt(2, status_reason="Essential container in task "
                                           "exited")])
    job["container"]["exitCode"] = 2
    assert classify(job) == (APPLICATION_ERROR, "exit code 2")


def test_a_run_refused_by_the_jobs_lease_says_so() -> None:
    job = documented_job(statusReason="Essential container in task exited",
                         attempts=[attempt(75, status_reason="Essential container in task "
                                           "exited")])
    job["container"]["exitCode"] = 75
    kind, reason = classify(job)
    assert kind == APPLICATION_ERROR
    assert reason.startswith("exit code 75: another run of the job held it")


def test_running_out_of_memory_is_the_jobs_own_failure() -> None:
    oom = "OutOfMemoryError: Container killed due to memory usage"
    job = documented_job(statusReason="Essential container in task exited",
                         attempts=[attempt(137, reason=oom)])
    assert classify(job) == (APPLICATION_ERROR, f"exit code 137: {oom}")


def test_an_attempt_past_its_timeout_is_a_timeout() -> None:
    job = documented_job(statusReason="Job attempt duration exceeded timeout",
                         timeout={"attemptDurationSeconds": 900},
                         attempts=[attempt(137, status_reason="Job attempt duration "
                                           "exceeded timeout")])
    assert classify(job) == (TIMEOUT, "Job attempt duration exceeded timeout (900 s)")


@pytest.mark.parametrize(("where", "reason"), [
    ("attempt", "Host EC2 (instance i-0a1b2c3d4e5f) terminated."),
    ("attempt", "Host EC2 (instance i-0a1b2c3d4e5f) stopped."),
    ("job", "Spot instance interrupted: capacity reclaimed"),
    ("job", "Task failed to start"),
    ("container", "CannotPullContainerError: pull image manifest has been retried 5 "
                  "time(s): failed to resolve ref"),
    ("container", "ResourceInitializationError: unable to pull secrets or registry auth"),
    ("container", "CannotStartContainerError: Error response from daemon"),
])
def test_the_host_or_runtime_going_away_is_infrastructure(where: str, reason: str) -> None:
    job = documented_job(statusReason="Essential container in task exited",
                         attempts=[attempt(reason=reason if where == "container" else None,
                                           status_reason=reason if where == "attempt"
                                           else None)])
    if where == "job":
        job["statusReason"] = reason
    assert classify(job) == (INFRASTRUCTURE, reason)


def test_a_job_cancelled_by_a_user_is_cancelled() -> None:
    job = documented_job(status="FAILED", statusReason="Cancelled by user",
                         isCancelled=True, attempts=[])
    del job["startedAt"]
    assert classify(job) == (CANCELLED, "Cancelled by user")


def test_a_job_terminated_while_running_is_cancelled() -> None:
    # TerminateJob's documented example reason; newer responses also say isTerminated.
    job = documented_job(statusReason="Terminating job.", attempts=[attempt(143)])
    assert classify(job) == (CANCELLED, "Terminating job.")
    assert classify({**job, "statusReason": "stop", "isTerminated": True}) == \
        (CANCELLED, "stop")


def test_a_job_whose_dependency_failed_never_started() -> None:
    job = documented_job(statusReason="Dependent Job failed", attempts=[],
                         isCancelled=True, dependsOn=[{"jobId": "e66ff5fd"}])
    del job["startedAt"]
    del job["container"]["logStreamName"]
    assert classify(job) == (NEVER_STARTED, "Dependent Job failed")
    assert failure(job, "observes", "us-east-1").log_url is None


def test_a_job_stuck_in_runnable_never_started() -> None:
    job = documented_job(status="RUNNABLE", attempts=[],
                         statusReason="CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - All "
                         "compute environments have insufficient capacity")
    for key in ("startedAt", "stoppedAt"):
        del job[key]
    kind, reason = classify(job, NOW)
    assert kind == NEVER_STARTED
    assert reason.startswith("RUNNABLE for 3h00m, no compute: CAPACITY:INSUFFICIENT")


def test_a_job_a_queue_time_limit_cancelled_in_runnable_never_started() -> None:
    job = documented_job(isCancelled=True, attempts=[],
                         statusReason="MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT")
    del job["startedAt"]
    assert classify(job) == (NEVER_STARTED,
                             "no compute: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT")


def test_the_log_link_is_the_console_page_of_the_stream() -> None:
    assert log_url("eu-west-1", "sleep60/default/24fa2d7a64c4") == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#logsV2:log-groups/log-group/$252Faws$252Fbatch$252Fjob/log-events/"
        "sleep60$252Fdefault$252F24fa2d7a64c4")


def test_a_failure_names_the_job_without_its_prefix() -> None:
    job = documented_job(jobArn=f"{ARN.replace('us-east-1', 'sa-east-1')}:job/x",
                         attempts=[attempt(1)])
    found = failure(job, "observes", "us-east-1")
    assert (found.job, found.label, found.kind, found.reason) == \
        ("gitlab", "gitlab", APPLICATION_ERROR, "exit code 1")
    assert found.log_url == log_url("sa-east-1", "sleep60/default/24fa2d7a64c4")
    assert found.created == NOW - timedelta(hours=3)


# --- against moto's Batch -------------------------------------------------------------

@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Bugsnag:
    """A loopback notify endpoint: answers with ``statuses`` in turn (then 200)."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)


@pytest.fixture
def bugsnag() -> Iterator[Bugsnag]:
    state = Bugsnag()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                state.requests.append(Recorded("POST", self.path, dict(self.headers.items()),
                                               json.loads(body)))
                status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class Setup:
    queue: BatchQueue
    prefix: str
    definition: str

    def submit(self, name: str, *, fail: bool, monkeypatch: pytest.MonkeyPatch,
               prefix: str | None = None, **extra: Any) -> str:
        if fail:
            monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")
        try:
            answer = self.queue.client().submit_job(
                jobName=f"{prefix or self.prefix}-{name}", jobQueue=self.queue.name,
                jobDefinition=self.definition, **extra)
        finally:
            monkeypatch.delenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", raising=False)
        return str(answer["jobId"])


@pytest.fixture
def setup(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Setup:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    for name in ("BUGSNAG_API_KEY", "OBSERVES_BUGSNAG_URL", "BUGSNAG_RELEASE_STAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OBSERVES_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("OBSERVES_HTTP_TRIES", "3")
    prefix = f"t{uuid.uuid4().hex[:8]}"
    queue = create_queue(moto_server)
    return Setup(queue, prefix, queue.definition(f"{prefix}-definition"))


def report(setup: Setup, capsys: pytest.CaptureFixture[str], *args: str,
           command: str = "report-failures") -> tuple[int, list[list[str]], str, str]:
    code = main(["batch", command, setup.queue.name, "--last-hours", "24",
                 "--prefix", setup.prefix, *args])
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    rows = [line.split("  ") for line in lines[1:-1]]
    rows = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    return code, rows, captured.out, captured.err


def test_a_job_moto_failed_is_classified(setup: Setup,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    job_id = setup.submit("gitlab", fail=True, monkeypatch=monkeypatch)
    job = setup.queue.client().describe_jobs(jobs=[job_id])["jobs"][0]
    assert job["status"] == "FAILED"
    # moto stops the attempt with no exit code and no reason: it ran and failed.
    assert classify(job) == (APPLICATION_ERROR, "failed without an exit code")
    found = failure(job, setup.prefix, "us-east-1")
    assert found.job == "gitlab"
    assert found.log_url is not None
    assert found.log_url.endswith("/log-events/" + job["container"]["logStreamName"]
                                  .replace("/", "$252F"))


def test_report_failures_lists_the_failed_jobs_and_exits_1(
        setup: Setup, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    first = setup.submit("gitlab", fail=True, monkeypatch=monkeypatch)
    second = setup.submit("zoho", fail=True, monkeypatch=monkeypatch)
    setup.submit("fine", fail=False, monkeypatch=monkeypatch)
    setup.submit("other", fail=True, monkeypatch=monkeypatch, prefix="someone-else")

    code, rows, out, _ = report(setup, capsys)

    assert code == 1
    assert out.splitlines()[0].split() == ["JOB", "JOB", "ID", "KIND", "CREATED", "(UTC)",
                                           "REASON", "LOG"]
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        ("gitlab", first, APPLICATION_ERROR, "failed without an exit code"),
        ("zoho", second, APPLICATION_ERROR, "failed without an exit code")]
    today = datetime.now(UTC)
    for row in rows:
        created = datetime.strptime(row[3], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        assert abs(created - today) < timedelta(minutes=5)
        assert row[5].startswith("https://us-east-1.console.aws.amazon.com/cloudwatch/home"
                                 "?region=us-east-1#logsV2:log-groups/log-group/"
                                 "$252Faws$252Fbatch$252Fjob/log-events/")
    assert out.splitlines()[-1] == \
        f"2 failed jobs in queue {setup.queue.name} over the last 24 h"


def test_the_reporting_jobs_own_runs_are_left_out(
        setup: Setup, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    setup.submit("batch-stability", fail=True, monkeypatch=monkeypatch)
    failed = setup.submit("gitlab", fail=True, monkeypatch=monkeypatch)
    monkeypatch.setenv("OBSERVES_JOB", "batch-stability")
    code, rows, _, _ = report(setup, capsys)
    assert code == 1
    assert [(r[0], r[1]) for r in rows] == [("gitlab", failed)]


def test_all_jobs_takes_every_name(setup: Setup, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    other = f"{setup.prefix}x"
    setup.submit("gitlab", fail=True, monkeypatch=monkeypatch)
    setup.submit("tool", fail=True, monkeypatch=monkeypatch, prefix=other)
    code, rows, _, _ = report(setup, capsys, "--all-jobs")
    assert code == 1
    assert sorted(r[0] for r in rows) == sorted([f"{other}-tool", f"{setup.prefix}-gitlab"])


def test_nothing_failed_says_so_and_exits_0(setup: Setup, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str],
                                            bugsnag: Bugsnag) -> None:
    setup.submit("gitlab", fail=False, monkeypatch=monkeypatch)
    monkeypatch.setenv("BUGSNAG_API_KEY", API_KEY)
    code = main(["batch", "report-failures", setup.queue.name, "--prefix", setup.prefix,
                 "--bugsnag-url", bugsnag.url])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out == f"no failed jobs in queue {setup.queue.name} over the last 24 h\n"
    assert bugsnag.requests == []


def test_a_failed_array_job_is_reported_shard_by_shard(
        setup: Setup, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    parent = setup.submit("sharded", fail=True, monkeypatch=monkeypatch,
                          arrayProperties={"size": 2})
    code, rows, _, _ = report(setup, capsys)
    assert code == 1
    assert [(r[0], r[1]) for r in rows] == [("sharded[0]", f"{parent}:0"),
                                            ("sharded[1]", f"{parent}:1")]


def test_each_failure_goes_to_bugsnag_as_one_event(
        setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        bugsnag: Bugsnag) -> None:
    first = setup.submit("gitlab", fail=True, monkeypatch=monkeypatch)
    second = setup.submit("zoho", fail=True, monkeypatch=monkeypatch)
    monkeypatch.setenv("BUGSNAG_API_KEY", API_KEY)
    monkeypatch.setenv("OBSERVES_BUGSNAG_URL", bugsnag.url)

    code, rows, out, err = report(setup, capsys, "--release-stage", "staging")

    assert code == 1
    assert len(rows) == 2
    assert API_KEY not in out + err
    assert err == ""
    assert len(bugsnag.requests) == 2
    for request, (name, job_id) in zip(bugsnag.requests, [("gitlab", first),
                                                          ("zoho", second)], strict=True):
        assert request.path == "/"
        assert request.headers["Bugsnag-Api-Key"] == API_KEY
        assert request.headers["Bugsnag-Payload-Version"] == "5"
        assert request.headers["Content-Type"] == "application/json"
        sent_at = datetime.fromisoformat(request.headers["Bugsnag-Sent-At"])
        assert abs(sent_at - datetime.now(UTC)) < timedelta(minutes=5)
        body = request.body
        assert body["apiKey"] == API_KEY
        assert set(body["notifier"]) == {"name", "version", "url"}
        [event] = body["events"]
        assert event["exceptions"] == [{"errorClass": APPLICATION_ERROR,
                                        "message": "failed without an exit code",
                                        "stacktrace": []}]
        assert event["groupingHash"] == name
        assert event["context"] == name
        assert event["severity"] == "error"
        assert event["unhandled"] is True
        assert event["app"] == {"releaseStage": "staging"}
        meta = event["metaData"]["batch"]
        assert meta["jobId"] == job_id
        assert meta["jobName"] == f"{setup.prefix}-{name}"
        assert meta["queue"] == setup.queue.name
        assert meta["status"] == "FAILED"
        assert meta["exitCode"] is None
        assert meta["logUrl"].startswith("https://us-east-1.console.aws.amazon.com/")


def test_a_bugsnag_500_is_retried(setup: Setup, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str],
                                  bugsnag: Bugsnag) -> None:
    setup.submit("gitlab", fail=True, monkeypatch=monkeypatch)
    bugsnag.statuses = [500]
    code, rows, out, err = report(setup, capsys, "--bugsnag-url", bugsnag.url,
                                  "--bugsnag-api-key", API_KEY)
    assert code == 1
    assert [r[0] for r in rows] == ["gitlab"]
    assert len(bugsnag.requests) == 2
    assert bugsnag.requests[0].body == bugsnag.requests[1].body
    assert "500 from Bugsnag" in err and "retrying" in err
    assert "not sent" not in err
    assert API_KEY not in out + err


def test_bugsnag_refusing_is_reported_and_the_table_still_printed(
        setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        bugsnag: Bugsnag) -> None:
    job_id = setup.submit("gitlab", fail=True, monkeypatch=monkeypatch)
    bugsnag.statuses = [500, 500, 500]
    monkeypatch.setenv("BUGSNAG_API_KEY", API_KEY)
    code, rows, out, err = report(setup, capsys, "--bugsnag-url", bugsnag.url)
    assert code != 0
    assert [r[1] for r in rows] == [job_id]
    assert len(bugsnag.requests) == 3
    assert f"500 from Bugsnag for job gitlab ({job_id})" in err
    assert "1 of 1 events were not sent to Bugsnag" in err
    assert API_KEY not in out + err


def test_an_unreachable_bugsnag_is_reported_without_the_key(
        setup: Setup, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    setup.submit("gitlab", fail=True, monkeypatch=monkeypatch)
    monkeypatch.setenv("BUGSNAG_API_KEY", API_KEY)
    code, rows, out, err = report(setup, capsys, "--bugsnag-url", "http://127.0.0.1:9/")
    assert code != 0
    assert [r[0] for r in rows] == ["gitlab"]
    assert "no answer from Bugsnag" in err
    assert API_KEY not in out + err


def test_report_cancelled_lists_only_the_cancelled_jobs(
        setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        bugsnag: Bugsnag) -> None:
    cancelled = setup.submit("gitlab", fail=True, monkeypatch=monkeypatch)
    failed = setup.submit("zoho", fail=True, monkeypatch=monkeypatch)
    # moto runs a job at once, so cancel_job finds nothing left to cancel; terminate_job
    # still records the user's reason, as Batch does.
    setup.queue.client().terminate_job(jobId=cancelled, reason="Terminated by user")

    code, rows, _, _ = report(setup, capsys, "--bugsnag-url", bugsnag.url,
                              "--bugsnag-api-key", API_KEY, command="report-cancelled")
    assert code == 1
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == \
        [("gitlab", cancelled, CANCELLED, "Terminated by user")]
    assert [r.body["events"][0]["exceptions"][0]["errorClass"] for r in bugsnag.requests] \
        == [CANCELLED]

    code, rows, _, _ = report(setup, capsys)
    assert code == 1
    assert [r[1] for r in rows] == [failed]


def test_a_queue_that_does_not_exist_is_one_error_line(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["batch", "report-failures", f"{setup.prefix}-missing"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("observes: error: cannot list the FAILED jobs of queue ")


# --- submissions Scheduler gave up on, from its dead-letter queue (moto's SQS) ---------

DEAD_LETTER_ERROR = "ValidationException: Job definition observes-gitlab:1 is inactive"


def dead_letter_queue(setup: Setup) -> tuple[Any, str, str]:
    sqs = setup.queue.client("sqs")
    url = sqs.create_queue(QueueName=f"{setup.prefix}-schedules-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    return sqs, url, arn


def dead_letter(sqs: Any, url: str, schedule: str) -> None:
    """A dead-letter event as Scheduler sends it: the target's input as the body and what
    failed as message attributes (EventBridge Scheduler User Guide, "Configuring a
    dead-letter queue", read 2026-12-07)."""
    attributes = {
        "ERROR_CODE": "ValidationException",
        "ERROR_MESSAGE": "Job definition observes-gitlab:1 is inactive",
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
        "RETRY_ATTEMPTS": "10",
        "SCHEDULE_ARN": f"arn:aws:scheduler:us-east-1:123456789012:schedule/default/{schedule}",
        "TARGET_ARN": "arn:aws:scheduler:::aws-sdk:batch:submitJob",
    }
    sqs.send_message(
        QueueUrl=url, MessageBody=json.dumps({"JobName": schedule, "JobQueue": "q",
                                              "JobDefinition": schedule}),
        MessageAttributes={name: {"DataType": "String", "StringValue": value}
                           for name, value in attributes.items()})


def waiting(sqs: Any, url: str) -> int:
    return int(sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
        "ApproximateNumberOfMessages"])


def test_a_submission_scheduler_gave_up_on_is_reported_and_left_in_the_queue(
        setup: Setup, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    sqs, url, arn = dead_letter_queue(setup)
    dead_letter(sqs, url, f"{setup.prefix}-gitlab")
    dead_letter(sqs, url, f"someone-else-{uuid.uuid4().hex[:6]}")

    code, rows, out, err = report(setup, capsys, "--schedule-dlq-arn", arn)

    assert (code, err) == (1, "")
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        ("gitlab", "-", "not submitted", DEAD_LETTER_ERROR)]
    assert out.splitlines()[-1] == \
        f"1 failed jobs in queue {setup.queue.name} over the last 24 h"
    assert waiting(sqs, url) == 2  # read, not taken: every report sees it until dealt with

    monkeypatch.setenv("OBSERVES_SCHEDULE_DLQ_ARN", arn)
    code, again, _, _ = report(setup, capsys)

    assert code == 1 and again == rows
    monkeypatch.delenv("OBSERVES_SCHEDULE_DLQ_ARN")
    assert report(setup, capsys)[0] == 0  # without the queue, nothing to see


def test_a_dead_letter_queue_that_is_not_an_sqs_arn_is_one_line(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, out, err = report(setup, capsys, "--schedule-dlq-arn",
                               "https://sqs.us-east-1.amazonaws.com/123456789012/dlq")
    assert (code, out) == (1, "")
    assert err == "observes: error: --schedule-dlq-arn " \
        "'https://sqs.us-east-1.amazonaws.com/123456789012/dlq': an SQS queue ARN " \
        "(arn:aws:sqs:REGION:ACCOUNT:NAME; a standard queue, not FIFO)\n"
