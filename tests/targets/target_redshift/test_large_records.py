"""A record too large to parse whole loads the same rows, in chunks, with bounded memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import orjson
import pytest

from tests.support.warehouses import Warehouse
from tests.targets.target_redshift.test_loading import record, schema_message

SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "owner": {"type": "object", "properties": {
        "teams": {"type": "array", "items": {"type": "string"}}}},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "n": {"type": "integer"}, "x": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}}}}},
    "big": {}}}


def _records(version: str) -> list[dict[str, Any]]:
    return [
        {"id": 1, "name": version, "owner": {"teams": ["a", "b"]},
         "items": [{"n": n, "x": n / 4, "tags": [f"t{n}"] * (n % 3)} for n in range(12_345)],
         "big": [1, 2.5, "x"]},
        {"id": 2, "name": version, "owner": None, "items": None},
    ]


def _load(warehouse: Warehouse, messages: list[dict[str, Any]] | bytes, large: int | None,
          **settings: Any) -> subprocess.CompletedProcess[str]:
    config = warehouse.workdir / "large-config.json"
    config.write_bytes(orjson.dumps({**warehouse.config, **settings}))
    env = dict(os.environ)
    if large is not None:
        env["OBSERVES_LARGE_RECORD_BYTES"] = str(large)
    data = encode(messages) if isinstance(messages, list) else messages
    return subprocess.run([sys.executable, "-m", "target_redshift.cli", "--config",
                           str(config)], input=data.decode(), capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def encode(messages: list[dict[str, Any]]) -> bytes:
    """As a tap writes them: integers past 64 bits with all their digits."""
    return b"".join(json.dumps(m, separators=(",", ":")).encode() + b"\n" for m in messages)


#: When this run read and batched the rows: of every run its own.
LOAD_TIMES = ("_sdc_received_at", "_sdc_batched_at")


def _dump(warehouse: Warehouse) -> dict[str, list[Any]]:
    """Every table's rows, without the times of the run that loaded them."""
    tables = [t for t in warehouse.tables() if t.startswith("large")]
    return {t: sorted(sorted((k, v) for k, v in r.items() if k not in LOAD_TIMES)
                      for r in warehouse.rows(t)) for t in tables}


def _messages(version: str) -> list[dict[str, Any]]:
    head = schema_message("large", SCHEMA, ["id"])
    return [head, *(record("large", r) for r in _records(version))]


@pytest.mark.parametrize("method", ["replace", "upsert"])
def test_a_large_record_loads_the_rows_of_an_ordinary_one(fast_warehouse: Warehouse,
                                                         method: str) -> None:
    result = _load(fast_warehouse, _messages("one"), None, load_method=method)
    assert result.returncode == 0, result.stderr
    ordinary = _dump(fast_warehouse)
    # The same records again, every line over the limit: read in a stream, in chunks.
    result = _load(fast_warehouse, _messages("one"), 1000, load_method=method)
    assert result.returncode == 0, result.stderr
    assert _dump(fast_warehouse) == ordinary
    for table in ("large", "large__items"):
        assert all(row[time] is not None for row in fast_warehouse.rows(table)
                   for time in LOAD_TIMES)
    assert fast_warehouse.count("large__items") == 12_345
    assert "large: 1 records too large to parse whole, read in a stream" in result.stderr


def test_a_large_line_with_an_integer_past_64_bits_is_read_whole(fast_warehouse: Warehouse
                                                                 ) -> None:
    records = _records("one")
    records[0]["big"] = 123456789012345678901234567890
    messages = [schema_message("large", SCHEMA, ["id"]),
                *(record("large", r) for r in records)]
    result = _load(fast_warehouse, messages, 1000)
    assert result.returncode == 0, result.stderr
    assert "read in a stream" not in result.stderr
    rows = {r["id"]: r["big"] for r in fast_warehouse.rows("large")}
    assert rows[1] == "123456789012345678901234567890"


def test_a_large_record_replaces_the_earlier_version_of_its_key(fast_warehouse: Warehouse
                                                                ) -> None:
    older = [schema_message("large", SCHEMA, ["id"]),
             record("large", {"id": 1, "name": "old", "items": [{"n": -1}]})]
    messages = older + _messages("new")[1:]
    result = _load(fast_warehouse, messages, 5000)
    assert result.returncode == 0, result.stderr
    assert sorted(r["name"] for r in fast_warehouse.rows("large")) == ["new", "new"]
    assert fast_warehouse.count("large__items") == 12_345


def test_a_bad_value_deep_in_a_large_record_names_its_line(fast_warehouse: Warehouse) -> None:
    records = _records("one")
    records[0]["items"][9000]["n"] = "nine thousand"
    messages = [schema_message("large", SCHEMA, ["id"]),
                *(record("large", r) for r in records)]
    result = _load(fast_warehouse, messages, 1000)
    assert result.returncode == 1
    assert "stream 'large', stdin line 2, field items[].n: \"nine thousand\" is not an " \
           "integer" in result.stderr, result.stderr
    assert "large" not in fast_warehouse.tables()


def test_a_truncated_large_line_is_malformed_json(fast_warehouse: Warehouse) -> None:
    data = encode(_messages("one"))
    lines = data.split(b"\n")
    lines[1] = lines[1][: len(lines[1]) // 2]
    result = _load(fast_warehouse, b"\n".join(lines), 1000)
    assert result.returncode == 1
    assert "stdin line 2: malformed JSON" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
