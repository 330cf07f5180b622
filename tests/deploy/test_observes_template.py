"""deploy/observes.yaml: valid for CloudFormation (cfn-lint), and its roles allow every AWS
call the code makes, each to the role that makes it, and what AWS Batch and EventBridge
Scheduler do with them (pull the image, write the logs, read the secrets, submit)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint

from observes_singer.batch import definition, fargate, schedules
from observes_singer.batch.deploy import STACK_SETTINGS
from observes_singer.batch.stack import output_key
from observes_singer.jobs.files import CommandJob, Job, all_jobs
from tests.support.aws_calls import Call, calls
from tests.support.cfn_template import ACCOUNT, REGION, Template
from tests.support.observes_stack import TEMPLATE
from tests.support.paths import REPO, REPO_JOBS

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "sa-east-1", "ap-southeast-1"]
DEPLOY_ONLY = ("observes_singer/batch/deploy.py", "observes_singer/batch/schedules.py",
               "observes_singer/batch/secrets.py", "observes_singer/batch/stack.py")
"""The modules only ``observes batch deploy`` runs, with the deployer's credentials."""
OPERATOR = ("DeployPolicy", "SubmitPolicy", "DeadLetterReadPolicy")
"""What the template gives whoever runs the ``observes batch`` commands."""
DEAD_LETTERS = "arn:aws:sqs:us-east-1:123456789012:observes-dead-letters"
"""A dead-letter queue given to the template, so that every policy it can make is there."""
DEPLOY_PAGE = REPO / "docs" / "deploy-aws.md"
_OUTPUT_ROW = re.compile(r"^\| `(?P<output>[A-Za-z0-9]+)` \|.*\| (?P<read>[^|]+) \|$", re.M)
BILLS_DEFAULT = "integrates"
"""The bucket compute-bills writes to unless BILLS_URL says otherwise: not one the template
makes (docs/deploy-aws.md: point BILLS_URL at the bills bucket)."""


def missing(template: Template, principal: str | tuple[str, ...],
            made: list[Call]) -> list[str]:
    """``principal may not ACTION (where: service.Operation)`` for each action a call needs
    that none of ``principal``'s policies allows."""
    names = (principal,) if isinstance(principal, str) else principal
    return [f"{'/'.join(names)} may not {action} ({call.where}: {call.service}."
            f"{call.operation})"
            for call in made for action in call.actions()
            if not any(template.allows(name, action) for name in names)]


def coverage(template: Template) -> list[str]:
    """What the template's roles lack of what the code calls."""
    made = calls()
    in_containers = [call for call in made if call.path not in DEPLOY_ONLY]
    by_operator = [call for call in made if call.path.startswith("observes_singer/batch/")]
    return missing(template, "JobRole", in_containers) + \
        missing(template, OPERATOR, by_operator) + scheduler_missing(template)


def scheduler_missing(template: Template) -> list[str]:
    """What the scheduler role lacks to make the call of the schedules' target (SubmitJob,
    tagging nothing: the schedules' requests carry no tags)."""
    service, operation = schedules.SUBMIT_JOB.rsplit(":", 2)[-2:]
    action = f"{service}:{operation[0].upper()}{operation[1:]}"
    requests = [schedules.submit_input("observes-job", "queue", 2),
                schedules.launcher_input("observes-job", "job", "queue", "observes", "queue",
                                         REGION)]
    assert not any("Tags" in request for request in requests)
    return [] if template.allows("SchedulerRole", action) else \
        [f"SchedulerRole may not {action} ({schedules.SUBMIT_JOB})"]


PLATFORMS = {"FARGATE": "fargate", "FARGATE_SPOT": "fargate", "EC2": "ec2", "SPOT": "ec2"}
"""The ``[batch] platform`` a compute environment of each ``ComputeResources.Type`` runs:
Batch puts a job on it only when the job definition's platformCapabilities say so."""


def queue_platforms(template: Template) -> set[str]:
    """The platforms of the compute environments behind the template's job queue, for each
    value its parameters allow (``FargateCapacity``: FARGATE or FARGATE_SPOT)."""
    found = set()
    for capacity in template.body["Parameters"]["FargateCapacity"]["AllowedValues"]:
        given = Template(template.path, {"FargateCapacity": capacity})
        [queue] = given.of_type("AWS::Batch::JobQueue")
        for entry in given.resources[queue]["Properties"]["ComputeEnvironmentOrder"]:
            environment = given.resources[entry["ComputeEnvironment"]["Ref"]]
            found.add(PLATFORMS[given.value(environment["Properties"]["ComputeResources"]
                                            ["Type"])])
    return found


def misfits(template: Template, jobs: list[Job | CommandJob]) -> list[str]:
    """``job NAME: why`` for each job with a ``[batch]`` table the template's queue would not
    run: another platform, a size Fargate does not run, more vCPUs than the compute
    environment has, or another queue (which the template neither makes nor lets submit to)."""
    platforms = queue_platforms(template)
    most = int(template.body["Parameters"]["MaxVcpus"]["Default"])
    found = []
    for job in jobs:
        settings = job.batch
        if settings is None:
            continue
        request = definition.desired(f"observes-{job.name}", job.name, settings,
                                     definition.Container(image="observes:1"), {})
        capability = "fargate" if request.get("platformCapabilities") == ["FARGATE"] \
            else "ec2"
        if capability not in platforms:
            found.append(f"job {job.name}: runs on {capability}, the template's queue on "
                         f"{' and '.join(sorted(platforms))}")
        elif capability == "fargate" and not fargate.is_valid(settings.vcpus, settings.memory):
            found.append(f"job {job.name}: {fargate.refusal(settings.vcpus, settings.memory)}")
        if settings.vcpus > most:
            found.append(f"job {job.name}: {settings.vcpus:g} vCPUs, more than the compute "
                         f"environment's MaxVcpus ({most})")
        if settings.queue is not None:
            found.append(f"job {job.name}: queue {settings.queue}, not the template's")
    return found


def test_the_templates_queue_runs_every_job_in_the_repository(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(REPO_JOBS))
    template = Template(TEMPLATE)
    jobs = all_jobs()

    assert queue_platforms(template) == {"fargate"}
    assert {job.name for job in jobs if job.batch is not None} == \
        {path.stem for path in REPO_JOBS.glob("*.toml")}
    assert misfits(template, jobs) == []


def test_a_job_the_templates_queue_would_not_run_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "on-ec2.toml").write_text('command = ["true"]\n[batch]\nmemory = 2048\n')
    (tmp_path / "too-big.toml").write_text(
        'command = ["true"]\n[batch]\nplatform = "fargate"\nvcpus = 32\nmemory = 61440\n')
    (tmp_path / "elsewhere.toml").write_text(
        'command = ["true"]\n[batch]\nqueue = "other"\nplatform = "fargate"\n'
        'vcpus = 0.25\nmemory = 512\n')
    (tmp_path / "fits.toml").write_text(
        'command = ["true"]\n[batch]\nplatform = "fargate"\nvcpus = 0.25\nmemory = 512\n')
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(tmp_path))

    assert misfits(Template(TEMPLATE), all_jobs()) == [
        "job elsewhere: queue other, not the template's",
        "job on-ec2: runs on ec2, the template's queue on fargate",
        "job too-big: 32 vCPUs, more than the compute environment's MaxVcpus (16)"]


def test_cfn_lint_finds_nothing() -> None:
    found = lint(TEMPLATE.read_text(), config=ManualArgs(regions=REGIONS,
                                                         include_checks=["I"]))

    assert [f"{match.rule.id} line {match.linenumber}: {match.message}"
            for match in found] == []


def test_the_roles_allow_every_call_the_code_makes() -> None:
    made = {f"{call.service}.{call.operation}" for call in calls()}
    # the scan finds the calls it must, so that nothing found is not nothing missing
    assert {"s3.GetObject", "s3.PutObject", "s3.DeleteObject", "s3.DeleteObjects",
            "s3.ListObjectsV2", "s3.CreateMultipartUpload", "dynamodb.Scan",
            "dynamodb.DescribeTable", "batch.SubmitJob", "batch.ListJobs",
            "batch.DescribeJobs", "batch.RegisterJobDefinition", "scheduler.CreateSchedule",
            "secretsmanager.DescribeSecret", "ssm.DescribeParameters",
            "cloudformation.DescribeStacks"} <= made

    assert coverage(Template(TEMPLATE, {"DeadLetterQueueArn": DEAD_LETTERS})) == []


def test_an_action_the_template_lacks_is_named(tmp_path: Path) -> None:
    lacking = tmp_path / "observes.yaml"
    lacking.write_text(TEMPLATE.read_text().replace(
        "[s3:GetObject, s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload]",
        "[s3:GetObject, s3:PutObject, s3:AbortMultipartUpload]", 1))

    found = coverage(Template(lacking, {"DeadLetterQueueArn": DEAD_LETTERS}))

    assert found
    assert all(line.startswith("JobRole may not s3:DeleteObject (observes_singer/store/"
                               "storage.py:") for line in found), found
    assert {line.rsplit(": ", 1)[1] for line in found} == {"s3.DeleteObject)",
                                                           "s3.DeleteObjects)"}


def test_the_job_role_reaches_every_bucket_the_jobs_name() -> None:
    template = Template(TEMPLATE)
    named = {bucket for path in REPO_JOBS.glob("*.toml")
             for bucket in re.findall(r"s3://([a-z0-9.-]+)", path.read_text())}
    made = {template.value(template.resources[bucket]["Properties"]["BucketName"])
            for bucket in template.of_type("AWS::S3::Bucket")}

    assert named - {BILLS_DEFAULT} <= made
    assert made == {"observes.state", "observes.cache", "observes.etl-data",
                    "observes.backups", "observes.bills", "observes.reports"}
    for bucket in made:
        for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                       "s3:AbortMultipartUpload"):
            assert template.allows("JobRole", action, f"arn:aws:s3:::{bucket}/a/key.json"), \
                (action, bucket)
        assert template.allows("JobRole", "s3:ListBucket", f"arn:aws:s3:::{bucket}")
    assert not template.allows("JobRole", "s3:PutObject", "arn:aws:s3:::someone-else/key")


def test_only_the_state_and_backups_are_versioned_and_every_bucket_is_private() -> None:
    template = Template(TEMPLATE)
    versioned = set()
    for bucket in template.of_type("AWS::S3::Bucket"):
        resource = template.resources[bucket]
        properties = resource["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True}, bucket
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"], bucket
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == \
            ("Retain", "Retain"), bucket
        if properties.get("VersioningConfiguration", {}).get("Status") == "Enabled":
            versioned.add(bucket)

    assert versioned == {"StateBucket", "BackupBucket"}


def test_the_execution_role_reads_every_secret_the_jobs_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVES_JOBS_DIR", str(REPO_JOBS))
    template = Template(TEMPLATE)
    references = {reference for job in all_jobs() if job.batch is not None
                  for reference in job.batch.secrets.values()}
    assert references  # the repository's jobs have secrets

    for reference in references:
        service, name = reference.split(":", 1)
        if service == "secretsmanager":  # Secrets Manager adds six characters to the name
            arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"
            assert template.allows("ExecutionRole", "secretsmanager:GetSecretValue", arn), arn
        else:
            arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{name.lstrip('/')}"
            assert template.allows("ExecutionRole", "ssm:GetParameters", arn), arn
    assert not template.allows("ExecutionRole", "secretsmanager:GetSecretValue",
                               f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other-AbCdEf")
    # nor the job role: the code never reads a secret's value itself
    assert not template.allows("JobRole", "secretsmanager:GetSecretValue")
    assert not template.allows("JobRole", "ssm:GetParameters")


def test_the_execution_role_pulls_the_image_and_writes_the_logs() -> None:
    template = Template(TEMPLATE)
    repository = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/observes-singer"
    stream = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/batch/job:log-stream:x/y/z"

    assert template.allows("ExecutionRole", "ecr:GetAuthorizationToken", "*")
    for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                   "ecr:BatchCheckLayerAvailability"):
        assert template.allows("ExecutionRole", action, repository), action
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        assert template.allows("ExecutionRole", action, stream), action


def test_the_scheduler_role_submits_the_prefix_jobs_and_sends_dead_letters_only_if_given(
) -> None:
    queue = DEAD_LETTERS
    plain, with_queue = Template(TEMPLATE), Template(TEMPLATE, {"DeadLetterQueueArn": queue})
    definition = f"arn:aws:batch:{REGION}:{ACCOUNT}:job-definition/observes-gitlab:3"

    for template in (plain, with_queue):
        assert template.allows("SchedulerRole", "batch:SubmitJob", definition)
        assert template.allows("SchedulerRole", "batch:SubmitJob",
                               f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/observes_default")
        assert not template.allows("SchedulerRole", "batch:SubmitJob", definition.replace(
            "observes-gitlab", "others-gitlab"))
    assert with_queue.allows("SchedulerRole", "sqs:SendMessage", queue)
    assert not plain.allows("SchedulerRole", "sqs:SendMessage")


def test_the_deploy_page_lists_every_output_and_what_deploy_reads_of_them() -> None:
    """docs/deploy-aws.md's table of outputs: each the template gives, each once, and the
    setting deploy reads it as for exactly the ones ``--stack`` reads."""
    rows = [(m.group("output"), m.group("read")) for m in _OUTPUT_ROW.finditer(
        DEPLOY_PAGE.read_text())]
    documented = [output for output, _ in rows]
    read = {output_key(env): env for env in STACK_SETTINGS.values()}

    assert sorted(documented) == sorted(Template(TEMPLATE).body["Outputs"])
    assert len(set(documented)) == len(documented)
    assert {"ObservesScheduleDlqArn", "DeadLetterReadPolicyArn"} <= set(documented)
    for output, how in rows:
        expected = f"`{read[output]}`" if output in read else "not read"
        assert how.startswith(expected), (output, how)
