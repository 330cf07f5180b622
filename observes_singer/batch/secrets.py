"""A job's ``[batch] secrets`` references as the ARNs Batch takes in ``valueFrom``.

Full ARNs pass as they are. ``secretsmanager:NAME`` and ``ssm:NAME`` are looked up by name
(Secrets Manager ``DescribeSecret``, SSM ``DescribeParameters``): only metadata is read,
never a secret's value.
"""

from __future__ import annotations

from typing import Any

from observes_singer.batch.aws import BatchError, aws_errors, client

_SHORT_FORMS = ("secretsmanager:", "ssm:")


class SecretArns:
    """Resolves references to ARNs, looking each name up once."""

    def __init__(self, region: str | None) -> None:
        self._region = region
        self._clients: dict[str, Any] = {}
        self._found: dict[str, str] = {}

    def arn(self, job: str, variable: str, reference: str) -> str:
        if reference.startswith("arn:") or not reference.startswith(_SHORT_FORMS):
            return reference
        if reference not in self._found:
            service, name = reference.split(":", 1)
            where = f"job {job}: [batch] secrets.{variable}"
            if service == "secretsmanager":
                self._found[reference] = self._secret(name, where)
            else:
                self._found[reference] = self._parameter(name, where)
        return self._found[reference]

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = client(service, region=self._region)
        return self._clients[service]

    def _secret(self, name: str, where: str) -> str:
        from botocore.exceptions import ClientError

        with aws_errors(f"look up the Secrets Manager secret {name!r} ({where})"):
            try:
                arn: str = self._client("secretsmanager").describe_secret(SecretId=name)["ARN"]
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    raise BatchError(f"{where}: no Secrets Manager secret {name!r}") from None
                raise
        return arn

    def _parameter(self, name: str, where: str) -> str:
        ssm = self._client("ssm")
        with aws_errors(f"look up the SSM parameter {name!r} ({where})"):
            found = ssm.describe_parameters(ParameterFilters=[
                {"Key": "Name", "Option": "Equals", "Values": [name]}])["Parameters"]
            if not found:
                raise BatchError(f"{where}: no SSM parameter {name!r}")
            arn = found[0].get("ARN")
            if not arn:  # older endpoints leave ARN out of the metadata
                arn = ssm.get_parameter(Name=name, WithDecryption=False)["Parameter"]["ARN"]
        return str(arn)
