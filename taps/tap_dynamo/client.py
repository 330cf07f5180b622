"""The DynamoDB client: boto3's retries, then the tap's own backoff on throttling.

boto3 retries a throttled call itself (``retry_mode``, ``max_attempts``: ``adaptive``
also slows the client down after throttling). When it gives up, the tap waits with the
kit's capped exponential backoff with jitter (:class:`~observes_singer.tapkit.retry.
RetryPolicy`, tuned by ``OBSERVES_HTTP_TRIES``, ``OBSERVES_HTTP_BACKOFF`` and
``OBSERVES_HTTP_MAX_WAIT``) and calls again, so that a long throttle costs time, not the
run. Errors name the table and what failed, never a credential.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError

from observes_singer.tapkit.errors import SourceError
from observes_singer.tapkit.retry import RetryPolicy

SOURCE = "DynamoDB"
THROTTLING = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException",
                        "RequestLimitExceeded"})


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def dynamodb_client(config: Mapping[str, Any]) -> Any:
    """A low-level client: credentials from the settings, else boto3's chain; endpoint
    from ``endpoint_url``, else boto3's (``AWS_ENDPOINT_URL_DYNAMODB``,
    ``AWS_ENDPOINT_URL``, then AWS)."""
    session = boto3.session.Session(
        aws_access_key_id=config.get("aws_access_key_id"),
        aws_secret_access_key=config.get("aws_secret_access_key"),
        aws_session_token=config.get("aws_session_token"),
        region_name=config.get("region"))
    retries: Any = {"mode": config.get("retry_mode", "adaptive"),
                    "total_max_attempts": int(config.get("max_attempts", 10))}
    try:
        return session.client("dynamodb", endpoint_url=config.get("endpoint_url") or None,
                              config=Config(retries=retries, connect_timeout=10,
                                            read_timeout=60))
    except NoRegionError:
        raise SourceError("no AWS region: set region, or AWS_REGION / AWS_DEFAULT_REGION",
                          source=SOURCE) from None


@dataclass
class Table:
    """What DescribeTable says of a table: its key attributes and their types."""

    name: str
    keys: list[str]
    key_types: dict[str, str]  # attribute -> "S", "N" or "B"
    items: int | None = None


def describe(client: Any, table: str) -> Table:
    try:
        answer = client.describe_table(TableName=table).get("Table") or {}
    except ClientError as error:
        code = error_code(error)
        if code == "ResourceNotFoundException":
            raise SourceError(f"table {table!r} not found ({where(client)}); check tables, "
                              "region and endpoint_url", source=SOURCE) from None
        raise SourceError(f"DynamoDB DescribeTable of {table!r} failed: {code}: "
                          f"{error.response.get('Error', {}).get('Message', '')}",
                          source=SOURCE) from None
    except BotoCoreError as error:
        raise SourceError(f"DynamoDB DescribeTable of {table!r} failed: {error}",
                          source=SOURCE) from None
    try:
        schema = sorted(answer["KeySchema"], key=lambda part: part["KeyType"] != "HASH")
        types = {a["AttributeName"]: a["AttributeType"]
                 for a in answer["AttributeDefinitions"]}
        keys = [part["AttributeName"] for part in schema]
    except (KeyError, TypeError):
        raise SourceError(f"DynamoDB DescribeTable of {table!r} answered no key schema "
                          f"({where(client)}); is endpoint_url a DynamoDB endpoint?",
                          source=SOURCE) from None
    return Table(table, keys, {key: types[key] for key in keys}, answer.get("ItemCount"))


def where(client: Any) -> str:
    """The region and, when not AWS's own, the endpoint: no credentials."""
    endpoint = client.meta.endpoint_url
    region = client.meta.region_name
    return f"region {region}" if "amazonaws.com" in endpoint else \
        f"region {region}, endpoint {endpoint}"


@dataclass
class Scanner:
    """Scan calls on one client, retried on throttling once boto3 has given up."""

    client: Any
    log: Callable[[str], None]
    policy: RetryPolicy = field(default_factory=RetryPolicy.from_environment)
    throttled: int = 0  # calls boto3 gave up on and the tap waited after

    def pages(self, request: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Each answer of a Scan from ``request``'s ``ExclusiveStartKey`` (if any) to the
        segment's end."""
        call = dict(request)
        while True:
            answer = self.scan(call)
            yield answer
            last = answer.get("LastEvaluatedKey")
            if not last:
                return
            call["ExclusiveStartKey"] = last

    def scan(self, request: Mapping[str, Any]) -> dict[str, Any]:
        what = f"table {request['TableName']!r} segment {request.get('Segment', 0)}"
        tries = 0
        while True:
            tries += 1
            try:
                answer: dict[str, Any] = self.client.scan(**request)
                return answer
            except ClientError as error:
                code = error_code(error)
                if code not in THROTTLING:
                    message = error.response.get("Error", {}).get("Message", "")
                    raise SourceError(f"DynamoDB Scan of {what} failed: {code}: {message}",
                                      source=SOURCE) from None
                if tries >= self.policy.max_tries:
                    raise SourceError(f"DynamoDB Scan of {what}: still throttled ({code}) after "
                                      f"{tries} tries, each retried by boto3; try later or "
                                      "with fewer segments", source=SOURCE) from None
                self.throttled += 1
                wait = self.policy.wait(tries)
                self.log(f"{what}: throttled ({code}) after boto3's retries; waiting "
                         f"{wait:.1f} s (try {tries + 1} of {self.policy.max_tries})")
                self.policy.sleep(wait)
            except BotoCoreError as error:
                raise SourceError(f"DynamoDB Scan of {what} failed: {error}",
                                  source=SOURCE) from None
