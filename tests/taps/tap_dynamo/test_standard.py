"""singer-sdk's standard tap tests for tap-dynamo, against moto's DynamoDB."""

from __future__ import annotations

from tap_dynamo.tap import TapDynamo

from observes_singer.tapkit.testing import standard_tap_tests
from tests.support.aws_env import FAKE_CREDENTIALS
from tests.support.dynamo import create_table, put_items, sample_item
from tests.support.s3 import MotoServer, aws_client

# The standard tests are generated from a config at import time, so moto starts with the
# module (on a free loopback port, in a daemon thread), with two tables.
SERVER = MotoServer().start()
_client = aws_client("dynamodb", SERVER.endpoint_url)
create_table(_client, "Standard-Items")
put_items(_client, "Standard-Items", [sample_item(n)[0] for n in range(60)])
create_table(_client, "standard_events", ("source", "S"), ("at", "N"))
put_items(_client, "standard_events", [{"source": {"S": f"s{n % 3}"}, "at": {"N": str(n)},
                                        "payload": {"M": {"n": {"N": str(n)}}}}
                                       for n in range(40)])

TestTapDynamo = standard_tap_tests(
    TapDynamo, {"tables": ["Standard-Items", "standard_events"],
                "endpoint_url": SERVER.endpoint_url, "segments": 2, "page_size": 25,
                "region": FAKE_CREDENTIALS["AWS_DEFAULT_REGION"],
                "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]},
    expected_failures={
        "tap_stream_record_schema_matches_transformed_catalog":
            "DynamoDB has no fixed schema: a table's SCHEMA declares its key attributes "
            "and allows any other (additionalProperties), which observes-infer types "
            "downstream; this test wants every record field declared"})
