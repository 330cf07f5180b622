"""moto's AWS emulator (S3, DynamoDB, Batch, ...) on a free loopback port, and clients for it."""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from tests.support.aws_env import FAKE_CREDENTIALS

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

_CLIENT_CONFIG = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2})


class MotoServer:
    """A moto server thread; every AWS service moto emulates answers on :attr:`endpoint_url`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._host = host
        self._server: ThreadedMotoServer | None = None
        self._endpoint_url: str | None = None
        self._werkzeug_level = logging.NOTSET

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise RuntimeError("the moto server is not running")
        return self._endpoint_url

    def start(self) -> Self:
        # werkzeug logs every request at INFO unless its logger already has a level.
        werkzeug_logger = logging.getLogger("werkzeug")
        self._werkzeug_level = werkzeug_logger.level
        werkzeug_logger.setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address=self._host, port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        self._server = server
        self._endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
            self._endpoint_url = None
            logging.getLogger("werkzeug").setLevel(self._werkzeug_level)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


@functools.cache
def _session() -> boto3.session.Session:
    """A session with the fake credentials, independent of the process environment.

    Shared so that service models are loaded once; boto3 sessions are not thread-safe, so
    create clients from one thread at a time (the clients themselves are thread-safe).
    """
    return boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=FAKE_CREDENTIALS["AWS_DEFAULT_REGION"],
    )


def aws_client(service: str, endpoint_url: str) -> Any:
    """A boto3 client for any service, talking to the moto server at ``endpoint_url``."""
    return _session().client(service, endpoint_url=endpoint_url, config=_CLIENT_CONFIG)  # type: ignore[call-overload]


def s3_client(endpoint_url: str) -> S3Client:
    return _session().client("s3", endpoint_url=endpoint_url, config=_CLIENT_CONFIG)


@dataclass(frozen=True, slots=True)
class S3Bucket:
    """A bucket on the moto server, with a client for it."""

    name: str
    endpoint_url: str
    client: S3Client

    def url(self, key: str = "") -> str:
        return f"s3://{self.name}/{key}"

    def put(self, key: str, body: bytes | str) -> str:
        """Store an object and return its s3:// URL."""
        data = body.encode() if isinstance(body, str) else body
        self.client.put_object(Bucket=self.name, Key=key, Body=data)
        return self.url(key)


def create_bucket(client: S3Client, endpoint_url: str, prefix: str = "test") -> S3Bucket:
    name = f"{prefix}-{uuid.uuid4().hex}"
    client.create_bucket(Bucket=name)
    return S3Bucket(name, endpoint_url, client)


def delete_bucket(bucket: S3Bucket) -> None:
    """Empty and delete the bucket; a bucket that is already gone is fine."""
    try:
        for page in bucket.client.get_paginator("list_objects_v2").paginate(Bucket=bucket.name):
            keys: list[ObjectIdentifierTypeDef] = [{"Key": item["Key"]}
                                                   for item in page.get("Contents", [])]
            if keys:
                bucket.client.delete_objects(Bucket=bucket.name, Delete={"Objects": keys})
        bucket.client.delete_bucket(Bucket=bucket.name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise
