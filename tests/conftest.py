"""Fixtures for the local test services: PostgreSQL, moto, and Redshift through the shim."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import redshift_connector
from redshift_connector.core import Connection
from redshift_connector.error import InterfaceError

from tests.support.aws_env import fake_aws_environment
from tests.support.fixture_types import RedshiftConnect
from tests.support.postgres import EmbeddedPostgres, PostgresDatabase
from tests.support.redshift_shim import RedshiftShim
from tests.support.s3 import MotoServer, S3Bucket, create_bucket, delete_bucket, s3_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers a core (at most 8), as most tests wait on processes and
    sockets rather than compute."""
    return min(8, 2 * (os.cpu_count() or 1))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[EmbeddedPostgres]:
    with EmbeddedPostgres() as server:
        yield server


@pytest.fixture
def postgres_db(postgres_server: EmbeddedPostgres) -> Iterator[PostgresDatabase]:
    """A fresh, empty database, dropped (with FORCE) after the test."""
    with postgres_server.temporary_database() as database:
        yield database


@pytest.fixture(scope="session")
def aws_credentials() -> Iterator[None]:
    """Fake AWS credentials and no AWS profile for the whole session, restored afterwards."""
    with fake_aws_environment():
        yield


@pytest.fixture(scope="session")
def moto_server(aws_credentials: None) -> Iterator[str]:
    """The endpoint URL (http://127.0.0.1:PORT) of moto, serving S3, DynamoDB, Batch, ..."""
    with MotoServer() as server:
        yield server.endpoint_url


@pytest.fixture(name="s3_client")
def s3_client_fixture(moto_server: str) -> S3Client:
    """A boto3 S3 client pointed at the moto server."""
    return s3_client(moto_server)


@pytest.fixture
def s3_bucket(moto_server: str) -> Iterator[S3Bucket]:
    """A new, uniquely named bucket, emptied and deleted after the test."""
    bucket = create_bucket(s3_client(moto_server), moto_server)
    yield bucket
    delete_bucket(bucket)


@pytest.fixture(scope="session")
def redshift_shim(postgres_server: EmbeddedPostgres, moto_server: str) -> Iterator[RedshiftShim]:
    with RedshiftShim(postgres_server.socket_path, moto_server) as shim:
        yield shim


@pytest.fixture
def redshift_connect(redshift_shim: RedshiftShim,
                     postgres_db: PostgresDatabase) -> Iterator[RedshiftConnect]:
    """Open redshift_connector connections to the test's database through the shim.

    Every connection is closed after the test; keyword arguments override the defaults.
    """
    connections: list[Connection] = []

    def connect(**overrides: Any) -> Connection:
        arguments: dict[str, Any] = {
            "host": redshift_shim.host,
            "port": redshift_shim.port,
            "database": postgres_db.name,
            "user": postgres_db.user,
            "password": "",
            "ssl": False,
            "timeout": 30,
        }
        connection = redshift_connector.connect(**(arguments | overrides))
        connections.append(connection)
        return connection

    yield connect
    for connection in connections:
        with contextlib.suppress(InterfaceError):  # already closed by the test
            connection.close()
