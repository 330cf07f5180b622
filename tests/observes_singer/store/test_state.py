"""The state store and `observes state`, on disk and on S3."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from observes_singer.store.state import StateError, StateStore, bare_state, tap_state
from observes_singer.store.storage import BlobStore

STATE = {"bookmarks": {"jobs": {"id": 42, "updated_at": "2026-11-28T00:00:00Z"}}}


def observes(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "observes_singer.cli", *args], input=stdin,
                          capture_output=True, env=env, cwd=cwd, timeout=60, check=False)


def test_missing_state_means_no_state(tmp_path: Path) -> None:
    assert StateStore(str(tmp_path / "none.json")).get() is None


def test_put_then_get_on_disk(tmp_path: Path) -> None:
    store = StateStore(f"file://{tmp_path}/jobs/state.json")
    store.put(STATE)
    assert store.get() == STATE
    assert orjson.loads((tmp_path / "jobs" / "state.json").read_bytes()) == STATE
    assert store.clear() is True
    assert store.get() is None
    assert store.clear() is False


def test_put_then_get_on_s3(s3_bucket: Any) -> None:
    url = f"s3://{s3_bucket.name}/gitlab/state.json"
    store = StateStore(url, BlobStore(endpoint_url=s3_bucket.endpoint_url))
    assert store.get() is None
    store.put(STATE)
    raw = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key="gitlab/state.json")["Body"]
    assert orjson.loads(raw.read()) == STATE
    assert store.get() == STATE


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b'{"bookmarks": ', "not valid JSON"),
        (b"[1, 2]", "must be a JSON object, found list"),
        (b"null", "must be a JSON object, found NoneType"),
    ],
)
def test_corrupt_state_is_an_error_never_empty(tmp_path: Path, content: bytes,
                                               reason: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(StateError) as info:
        StateStore(str(path)).get()
    assert str(path) in str(info.value)
    assert reason in str(info.value)
    assert "observes state clear" in str(info.value)


def test_state_must_be_an_object() -> None:
    with pytest.raises(StateError, match="must be a JSON object"):
        StateStore("/tmp/x.json").put([1, 2])  # type: ignore[arg-type]


def test_unreadable_bucket_is_a_state_error(s3_bucket: Any) -> None:
    store = StateStore("s3://bucket-that-is-not-there/state.json",
                       BlobStore(endpoint_url=s3_bucket.endpoint_url))
    with pytest.raises(StateError, match="bucket-that-is-not-there"):
        store.put(STATE)


def test_cli_state_get_set_clear(tmp_path: Path) -> None:
    url = str(tmp_path / "state.json")
    missing = observes("state", "get", url)
    assert missing.returncode == 3
    assert b"no state at" in missing.stderr

    saved = observes("state", "set", url, stdin=orjson.dumps(STATE))
    assert saved.returncode == 0, saved.stderr
    got = observes("state", "get", url)
    assert got.returncode == 0
    assert orjson.loads(got.stdout) == STATE

    cleared = observes("state", "clear", url)
    assert cleared.returncode == 0
    assert not Path(url).exists()


def test_cli_refuses_to_save_a_corrupt_state(tmp_path: Path) -> None:
    url = str(tmp_path / "state.json")
    Path(url).write_bytes(orjson.dumps(STATE))
    bad = observes("state", "set", url, stdin=b"{not json")
    assert bad.returncode == 1
    assert b"not valid JSON" in bad.stderr
    assert orjson.loads(Path(url).read_bytes()) == STATE


def test_cli_reports_a_corrupt_state(tmp_path: Path) -> None:
    url = str(tmp_path / "state.json")
    Path(url).write_bytes(b"{trunc")
    result = observes("state", "get", url)
    assert result.returncode == 1
    assert result.stdout == b""
    assert b"observes: error:" in result.stderr and b"not valid JSON" in result.stderr


MESSAGE = {"type": "STATE", "value": STATE}


@pytest.mark.parametrize(
    "document",
    [
        STATE,  # what a target writes on stdout and the state store keeps
        MESSAGE,  # a whole STATE message, as the targets wrote before
        {"singer_state": STATE},  # Meltano's envelope (`meltano state get`)
        {"singer_state": MESSAGE},  # what Meltano kept from the earlier targets
    ],
    ids=["bare", "message", "meltano", "meltano-message"],
)
def test_bare_state_from_every_form(document: dict[str, Any]) -> None:
    assert bare_state(document) == STATE
    assert tap_state(document) == STATE


def test_bare_state_leaves_the_rest_alone() -> None:
    assert bare_state({}) == {}
    assert bare_state({"type": "RECORD", "value": 1}) == {"type": "RECORD", "value": 1}
    assert bare_state({"type": "STATE"}) == {"type": "STATE"}  # no value: not a message
    both = {"bookmarks": {}, "singer_state": {"x": 1}}  # a state that has such a key
    assert bare_state(both) == both
    assert bare_state({"type": "STATE", "value": [1]}) == [1]
    with pytest.raises(StateError, match=r"--state: the state must be a JSON object.*found list"):
        tap_state({"type": "STATE", "value": [1]})


@pytest.mark.parametrize("document", [MESSAGE, {"singer_state": STATE}])
def test_cli_state_set_saves_the_bare_value(tmp_path: Path, document: dict[str, Any]) -> None:
    url = str(tmp_path / "state.json")
    saved = observes("state", "set", url, stdin=orjson.dumps(document))
    assert saved.returncode == 0, saved.stderr
    assert orjson.loads(Path(url).read_bytes()) == STATE
    got = observes("state", "get", url)
    assert orjson.loads(got.stdout) == STATE


def test_cli_state_set_refuses_a_message_without_an_object(tmp_path: Path) -> None:
    url = str(tmp_path / "state.json")
    bad = observes("state", "set", url, stdin=b'{"type": "STATE", "value": 3}')
    assert bad.returncode == 1
    assert b"stdin: the state must be a JSON object" in bad.stderr
    assert not Path(url).exists()
