"""Every Batch command without an AWS region: one line naming what to set, exit 1, no
traceback, nothing changed."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from tests.observes_singer.batch.test_deploy import Deployment, make_deployment

NO_REGION = ("observes: error: no AWS region: give --region REGION or set AWS_REGION (or "
             "AWS_DEFAULT_REGION, or a region in the AWS profile)\n")


@pytest.fixture
def regionless(moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> Deployment:
    deployment = make_deployment(moto_server, tmp_path, monkeypatch, capsys)
    deployment.write("gitlab", 'command = ["true"]\n[batch]\nschedule = "rate(1 day)"\n')
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return deployment


@pytest.mark.parametrize("command", [
    ["deploy"], ["submit", "gitlab"], ["status", "gitlab"], ["report-failures", "some-queue"],
    ["report-cancelled", "some-queue"]])
def test_a_missing_region_is_one_line(regionless: Deployment, command: list[str]) -> None:
    code, out, err = regionless.observes("batch", *command, "--prefix", regionless.prefix)

    assert (code, out, err) == (1, "", NO_REGION)


def test_deploy_without_a_region_registers_nothing(regionless: Deployment) -> None:
    assert regionless.deploy()[0] == 1
    assert regionless.revisions("gitlab") == []
    assert regionless.schedule("gitlab") is None


def test_deploy_sets_its_region_in_each_definition(regionless: Deployment) -> None:
    code, _, err = regionless.deploy("--region", "eu-west-1")

    assert (code, err) == (0, "")
    batch = boto3.client("batch", region_name="eu-west-1",
                         endpoint_url=regionless.queue.endpoint_url,
                         aws_access_key_id="testing", aws_secret_access_key="testing")
    [registered] = batch.describe_job_definitions(
        jobDefinitionName=regionless.name("gitlab"))["jobDefinitions"]
    environment = {e["name"]: e["value"] for e in registered["containerProperties"]["environment"]}
    assert environment["AWS_REGION"] == environment["AWS_DEFAULT_REGION"] == "eu-west-1"
