"""Malformed messages and values end in one clear line and a non-zero exit, never a traceback.

Three layers: both flatteners on generated values (the same bytes or the same error, and
only ``BadValue``), the target-redshift loader in-process on generated message streams
(only its own error types, and the warehouse as it was), and a table of hostile inputs
through the real ``target-redshift`` and ``target-s3`` processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from target_redshift.config import load_config
from target_redshift.dialects.base import WarehouseError
from target_redshift.dialects.duckdb import DuckDBDialect
from target_redshift.sink import WarehouseSink

from observes_singer.flatten import native
from observes_singer.flatten.flattener import BadValue, Inexact, Repeat, build_flattener
from observes_singer.flatten.plan import plan_stream
from observes_singer.singer.messages import MessageError
from observes_singer.target.errors import LoadError
from observes_singer.target.kernel import Kernel
from tests.observes_singer.flatten.test_native import SCHEMA as PARITY_SCHEMA

# The parity tests' schema (every kind, lists, maps, an object with extra keys), with the
# record's id required.
SCHEMA: dict[str, Any] = {**PARITY_SCHEMA, "required": ["id"]}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
    | st.sampled_from(["2026-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00",
                       "9999-12-31T23:30:00-01:00", "2026-02-30", "2026-01-01",
                       "2026-01-01T00:00:00.1234567Z", "\x00", "\\N"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
records = st.dictionaries(st.sampled_from([*sorted(SCHEMA["properties"]), "other"]),
                          json_values, max_size=6)


def _outcome(compiled: Any, record: Any) -> tuple[str, Any]:
    try:
        try:
            compiled.flatten(record, 7, "\\N")
        except Inexact:
            compiled.flatten_exact(record, record, 7, "\\N")
    except BadValue as exc:
        return "error", str(exc)
    return "rows", [compiled.take(i) for i in range(len(compiled.plan.tables))]


@pytest.mark.skipif(not native.AVAILABLE, reason="the C flattener is not built")
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records | json_values, keyed=st.booleans())
def test_both_flatteners_agree_and_only_ever_raise_bad_value(record: Any, keyed: bool) -> None:
    plan = plan_stream("s", SCHEMA, ["id"] if keyed else [])
    outcomes = [_outcome(build_flattener(plan, "run", native=flag), record)
                for flag in (False, True)]
    assert outcomes[0] == outcomes[1]
    if outcomes[0][0] == "error":
        assert outcomes[0][1].startswith("field ")


messages = st.one_of(
    st.builds(lambda r: {"type": "RECORD", "stream": "s", "record": r}, records | json_values),
    st.builds(lambda s: {"type": "RECORD", "stream": s, "record": {"id": 1}}, json_values),
    st.builds(lambda v: {"type": "STATE", "value": v}, json_values),
    st.builds(lambda v: {"type": "ACTIVATE_VERSION", "stream": "s", "version": v}, json_values),
    st.builds(lambda s: {"type": "SCHEMA", "stream": "s", "schema": s,
                         "key_properties": ["id"]}, json_values),
    st.builds(lambda k: {"type": "SCHEMA", "stream": "s", "schema": SCHEMA,
                         "key_properties": k}, json_values),
    json_values,
)


@pytest.fixture(scope="module")
def duckdb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "warehouse.duckdb"
    config = load_config({"url": f"duckdb://{path}", "schema": "fuzz"})
    dialect = DuckDBDialect(config.database)
    Kernel(WarehouseSink(config, dialect, "run-0"), _Output()).run([
        orjson.dumps({"type": "SCHEMA", "stream": "s", "schema": SCHEMA,
                      "key_properties": ["id"]}),
        orjson.dumps({"type": "RECORD", "stream": "s", "record": {"id": 1}})])
    dialect.close()
    return path


class _Output:
    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass


def _contents(connection: Any) -> list[Any]:
    """Every table of the ``fuzz`` schema with its rows, on an open DuckDB connection."""
    tables = connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'fuzz' "
        "ORDER BY 1").fetchall()
    return [(name, connection.execute(f'SELECT * FROM fuzz."{name}" ORDER BY 1').fetchall())
            for (name,) in tables]


def _contents_of(path: Path) -> list[Any]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return _contents(connection)
    finally:
        connection.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(stream=st.lists(messages, min_size=1, max_size=5), method=st.sampled_from(
    ["replace", "upsert", "append"]))
@pytest.mark.slow
def test_the_loader_fails_only_with_its_own_errors_and_leaves_the_warehouse_whole(
        duckdb_file: Path, stream: list[Any], method: str) -> None:
    before = _contents_of(duckdb_file)
    lines = [orjson.dumps({"type": "SCHEMA", "stream": "s", "schema": SCHEMA,
                           "key_properties": ["id"]})]
    for message in stream:
        try:
            lines.append(orjson.dumps(message))
        except TypeError:  # an integer past 64 bits: what a tap would write
            lines.append(json.dumps(message).encode())
    config = load_config({"url": f"duckdb://{duckdb_file}", "schema": "fuzz",
                          "load_method": method, "state_url": str(duckdb_file) + ".state"})
    dialect = DuckDBDialect(config.database)
    try:
        kernel = Kernel(WarehouseSink(config, dialect, "run-1"), _Output())
        try:
            kernel.run(lines)
        except (LoadError, MessageError, WarehouseError) as exc:
            dialect.rollback()
            text = str(exc)
            assert "\n" not in text and "line" in text, text
            if method == "replace":
                assert _contents(dialect.conn) == before
            return
        except (Repeat, Inexact) as exc:  # pragma: no cover - signals must never escape
            raise AssertionError(f"a flattener signal escaped: {exc!r}") from None
        dialect.rollback()  # a run that passed: keep the file as it was for the next example
    finally:
        dialect.close()


HOSTILE = [
    (b'{"type":"RECORD","stream":"s","record":{"id":1,"at":"0001-01-01T00:30:00+01:00"}}',
     "stdin line 2, field at: \"0001-01-01T00:30:00+01:00\" is outside the supported years"),
    (b'{"type":"RECORD","stream":"s","record":{"id":1,"at":"9999-12-31T23:30:00-01:00"}}',
     "field at: \"9999-12-31T23:30:00-01:00\" is outside the supported years"),
    (b'{"type":"RECORD","stream":"s","record":{"id":[1]}}', "field id: [1] is not an integer"),
    (b'{"type":"RECORD","stream":"s","record":{"id":{"a":1}}}', "field id: {\"a\":1} is not"),
    (b'{"type":"RECORD","stream":["s"],"record":{"id":1}}',
     "line 2: RECORD message has a 'stream' that is not a string"),
    (b'{"type":"RECORD","stream":{"a":1},"record":{"id":1}}', "'stream' that is not a string"),
    (b'{"type":"RECORD","stream":"s","record":[1]}', "line 2"),
    (b'{"type":"RECORD","stream":"s","record":{"id":1},"version":"x"}', "line 2"),
    (b'{"type":"RECORD","stream":"s","record":{"n":1}}', "line 2, field id"),
    (b'{"type":"RECORD","stream":"s","record":{"id":1,"user":{}}}',
     "field user.name: null is missing"),
    (b'{"type":"RECORD","stream":"s","record":{"id":99999999999999999999999}}',
     "field id: 99999999999999999999999 is outside the 64-bit integer range"),
    (b'{"type":"RECORD","stream":"s","record":{"id":1,"day":"2026-02-30"}}', "field day"),
    (b'{"type":"RECORD","stream":"s","record":{"id":1,"attrs":{"a":1,"b":2}}}',
     "field attrs{}: 2 is not a string"),
    (b'{"type":"SCHEMA","stream":"t","schema":{"type":"object","properties":{"a":'
     b'{"type":"nope"}}},"key_properties":[]}', "line 2: invalid SCHEMA"),
    (b'{"type":"STATE"}', "line 2"),
    (b'{"type":"RECORD","stream":"s","record":{"id":1}', "line 2: malformed JSON"),
    (b'[1, 2]', "line 2"),
]
HEAD = orjson.dumps({"type": "SCHEMA", "stream": "s", "schema": SCHEMA,
                     "key_properties": ["id"]}) + b"\n"


def _run(command: list[str], config: dict[str, Any], data: bytes, cwd: Path
         ) -> subprocess.CompletedProcess[str]:
    path = cwd / "config.json"
    path.write_bytes(orjson.dumps(config))
    return subprocess.run([sys.executable, "-m", *command, "--config", str(path)],
                          input=data.decode(), capture_output=True, text=True, timeout=120,
                          cwd=cwd, check=False)


@pytest.mark.parametrize(("line", "expected"), HOSTILE, ids=[h[1][:40] for h in HOSTILE])
@pytest.mark.parametrize("method", ["replace", "upsert"])
def test_target_redshift_hostile_inputs(tmp_path: Path, line: bytes, expected: str,
                                        method: str) -> None:
    path = tmp_path / "w.duckdb"
    config = {"url": f"duckdb://{path}", "schema": "fuzz", "load_method": method}
    good = HEAD + b'{"type":"RECORD","stream":"s","record":{"id":1,"text":"kept"}}\n'
    assert _run(["target_redshift.cli"], config, good, tmp_path).returncode == 0
    kept = _contents_of(path)
    result = _run(["target_redshift.cli"], config, HEAD + line + b"\n", tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [text for text in result.stderr.splitlines() if ": error: " in text]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert _contents_of(path) == kept


@pytest.mark.parametrize(("line", "expected"), HOSTILE, ids=[h[1][:40] for h in HOSTILE])
def test_target_s3_hostile_inputs(tmp_path: Path, line: bytes, expected: str) -> None:
    config = {"url": str(tmp_path / "bucket"), "format": "csv"}
    result = _run(["target_s3.cli"], config, HEAD + line + b"\n", tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [text for text in result.stderr.splitlines() if ": error: " in text]
    assert len(errors) == 1 and "line 2" in errors[0], result.stderr
    assert not any(p.name.endswith(".json") for p in (tmp_path / "bucket").rglob("*"))
