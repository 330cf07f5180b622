"""The lease against what the holders' clocks and a damaged object can make of it: a
lease is trusted no further than one TTL past the store's last write of it."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from observes_singer.jobs.lease import Lease, LeaseError
from observes_singer.store.storage import BlobStore
from tests.observes_singer.jobs.test_runner import observes, singer_job
from tests.support.s3 import S3Bucket


def holder_document(expiry: str) -> bytes:
    return orjson.dumps({"job": "x", "run_id": "other-run", "holder": "host elsewhere pid 9",
                         "acquired_at": "2026-11-30T05:15:00Z", "members": {"main": expiry}})


def age(path: Path, seconds: float) -> None:
    """Make the object look last written ``seconds`` ago, as the store keeps time."""
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


@pytest.mark.parametrize(("content", "why"), [
    (b'{"job": "x", "run_id": "oth', "not JSON"),
    (b'["x"]', "a JSON list, not an object"),
    (b'{"job": "x", "members": []}', "no members object"),
])
def test_an_unreadable_lease_is_held_for_one_ttl_after_it_was_written(
        tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "leases" / "x.json"
    path.parent.mkdir()
    path.write_bytes(content)
    with pytest.raises(LeaseError) as refused:
        Lease(BlobStore(), str(path), "x", "run-2", ttl=60).acquire()
    message = str(refused.value)
    assert message.startswith(f"job x is held: its lease {path} cannot be read ({why}")
    assert "counted as held until" in message and "delete it if no run holds" in message
    age(path, 61)  # one TTL after its last write: free, and replaced
    Lease(BlobStore(), str(path), "x", "run-2", ttl=60).acquire()
    assert orjson.loads(path.read_bytes())["run_id"] == "run-2"


def test_an_expiry_that_is_not_a_date_holds_as_an_unreadable_lease_does(
        tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(holder_document("yesterday"))
    with pytest.raises(LeaseError, match="job x is running already: run other-run"):
        Lease(BlobStore(), str(path), "x", "run-2", ttl=60).acquire()
    age(path, 61)
    Lease(BlobStore(), str(path), "x", "run-2", ttl=60).acquire()


@pytest.mark.parametrize("written", ["+00:00", "+02:00", ".250000Z", "basic"])
def test_an_expiry_in_any_iso_8601_form_holds_the_lease(tmp_path: Path,
                                                         written: str) -> None:
    expiry = datetime.now(UTC) + timedelta(seconds=50)
    if written == "+02:00":
        text = (expiry + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S") + "+02:00"
    elif written == "basic":
        text = expiry.strftime("%Y%m%dT%H%M%SZ")
    else:
        text = expiry.strftime("%Y-%m-%dT%H:%M:%S") + written
    path = tmp_path / "x.json"
    path.write_bytes(holder_document(text))
    with pytest.raises(LeaseError, match="job x is running already: run other-run"):
        Lease(BlobStore(), str(path), "x", "run-2", ttl=60).acquire()


def test_a_holder_with_a_clock_years_ahead_blocks_the_job_for_one_ttl_at_most(
        s3_bucket: S3Bucket) -> None:
    """S3's own LastModified, not the holder's clock, bounds the lease."""
    blobs = BlobStore(endpoint_url=s3_bucket.endpoint_url, s3_client=s3_bucket.client)
    url = s3_bucket.url("leases/x.json")
    blobs.write_bytes(url, holder_document("2029-11-30T05:20:00Z"))
    with pytest.raises(LeaseError) as refused:
        Lease(blobs, url, "x", "run-2", ttl=2).acquire()
    message = str(refused.value)
    assert "job x is running already: run other-run on host elsewhere pid 9" in message
    assert "the holder's clock runs" in message and "ahead of the store's" in message
    assert "lease expires 2029" not in message
    time.sleep(3.1)
    Lease(blobs, url, "x", "run-2", ttl=2).acquire()
    assert orjson.loads(blobs.read_bytes(url))["run_id"] == "run-2"


def test_a_holder_with_a_clock_ahead_keeps_its_lease_while_it_renews(
        tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(holder_document("2029-11-30T05:20:00Z"))
    age(path, 59)  # renewed within the TTL: still held
    with pytest.raises(LeaseError, match="ahead of the store's"):
        Lease(BlobStore(), str(path), "x", "run-2", ttl=60).acquire()


def test_observes_run_refuses_a_job_whose_lease_is_unreadable_in_one_line(
        tmp_path: Path) -> None:
    singer_job(tmp_path)
    (tmp_path / "source.json").write_text("[]")
    lease = tmp_path / "state" / "leases" / "sample.json"
    lease.parent.mkdir(parents=True)
    lease.write_bytes(b"\x00\x00garbage")
    refused = observes(tmp_path, "run", "sample")
    assert refused.returncode == 75, refused.stderr
    assert "job sample is held: its lease" in refused.stderr
    assert "cannot be read (not JSON" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert lease.read_bytes() == b"\x00\x00garbage"  # left for whoever holds it
