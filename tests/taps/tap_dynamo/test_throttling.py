"""tap-dynamo throttled for real: a proxy in front of moto answers Scan calls with
DynamoDB's 400 ProvisionedThroughputExceededException until the tap has waited."""

from __future__ import annotations

import time
import uuid
from collections import Counter

from observes_singer.tapkit.testing import run_tap
from tests.support.dynamo import ThrottlingProxy, create_table, put_items
from tests.support.s3 import aws_client

TAP = "tap_dynamo.tap"
FAST_BACKOFF = {"OBSERVES_HTTP_BACKOFF": "0.2", "OBSERVES_HTTP_MAX_WAIT": "1"}


def _table(moto_server: str, size: int) -> str:
    client = aws_client("dynamodb", moto_server)
    name = f"throttled-{uuid.uuid4().hex[:8]}"
    create_table(client, name)
    put_items(client, name, [{"pk": {"S": f"k{n}"}, "n": {"N": str(n)}} for n in range(size)])
    return name


def test_a_throttled_scan_waits_and_reads_every_item_once(moto_server: str) -> None:
    name = _table(moto_server, 120)
    # boto3 tries each call twice; 6 throttled answers make it give up 3 times, and the
    # tap waits after each before calling again.
    with ThrottlingProxy(moto_server, throttle=6) as proxy:
        started = time.monotonic()
        run = run_tap(TAP, {"tables": [name], "endpoint_url": proxy.url, "segments": 2,
                            "page_size": 25, "retry_mode": "standard", "max_attempts": 2},
                      env=FAST_BACKOFF)
        took = time.monotonic() - started
    assert run.exit_code == 0, run.stderr
    assert proxy.throttled == 6 and proxy.scans > 6
    waits = [line for line in run.stderr.splitlines()
             if "throttled (ProvisionedThroughputExceededException) after boto3's retries; "
                "waiting" in line]
    assert len(waits) == 3, run.stderr
    assert "3 calls throttled past boto3's retries" in run.stderr
    assert took >= 0.3  # three waits of at least 0.1, 0.2 and 0.4 s
    keys = Counter(record["pk"] for record in run.records(name.replace("-", "_")))
    assert len(keys) == 120 and set(keys.values()) == {1}


def test_adaptive_retries_ride_out_a_short_throttle_alone(moto_server: str) -> None:
    name = _table(moto_server, 30)
    with ThrottlingProxy(moto_server, throttle=2) as proxy:
        run = run_tap(TAP, {"tables": [name], "endpoint_url": proxy.url}, env=FAST_BACKOFF)
    assert run.exit_code == 0, run.stderr
    assert proxy.throttled == 2
    assert "after boto3's retries" not in run.stderr  # boto3 (10 attempts) was enough
    assert len(run.records(name.replace("-", "_"))) == 30


def test_a_throttle_that_never_ends_stops_the_run_naming_it(moto_server: str) -> None:
    name = _table(moto_server, 5)
    with ThrottlingProxy(moto_server, throttle=10**6) as proxy:
        run = run_tap(TAP, {"tables": [name], "endpoint_url": proxy.url,
                            "retry_mode": "standard", "max_attempts": 1},
                      env={**FAST_BACKOFF, "OBSERVES_HTTP_TRIES": "3"})
    assert run.exit_code != 0
    assert f"Scan of table {name!r} segment 0: still throttled " \
        "(ProvisionedThroughputExceededException) after 3 tries" in run.stderr
    assert proxy.throttled == 3
    assert not run.records(name.replace("-", "_"))
