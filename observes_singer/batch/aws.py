"""boto3 clients for the Batch commands, and AWS errors turned into one clear message."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


class BatchError(Exception):
    """A Batch command cannot go on; the message says what and where, never a secret."""


NO_REGION = ("no AWS region: give --region REGION or set AWS_REGION (or AWS_DEFAULT_REGION, "
             "or a region in the AWS profile)")


def client(service: str, endpoint_url: str | None = None, region: str | None = None) -> Any:
    """A boto3 client; ``endpoint_url`` (else boto3's own ``AWS_ENDPOINT_URL*``) and
    ``region`` (else boto3's chain) as given."""
    import boto3  # late: it takes a while to import, and local runs never need it
    from botocore.config import Config
    from botocore.exceptions import NoRegionError

    try:
        return boto3.client(  # type: ignore[call-overload]
            service, endpoint_url=endpoint_url or None, region_name=region or None,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}))
    except NoRegionError:
        # Containers on EC2 get no region from older ECS agents: one line, not a traceback.
        raise BatchError(NO_REGION) from None


@contextlib.contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn botocore's errors into :class:`BatchError` saying what could not be done."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        message = error.get("Message", "")
        raise BatchError(f"cannot {action}: {code} {message}".rstrip()) from None
    except NoCredentialsError:
        raise BatchError(f"cannot {action}: no AWS credentials found (set AWS_PROFILE or "
                         "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with a role)") from None
    except BotoCoreError as exc:
        raise BatchError(f"cannot {action}: {exc}") from None
