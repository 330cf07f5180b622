"""The target kernel: one message loop, STATE gating, command line and run id for every sink.

A sink written here (rows kept in memory, each flush made durable unless it holds)
shows the kernel's contract on its own; the two targets show the shared command line.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from observes_singer.flatten.flattener import build_flattener
from observes_singer.flatten.plan import plan_stream
from observes_singer.singer.messages import MessageError, SchemaMessage
from observes_singer.target.errors import LoadError
from observes_singer.target.kernel import Kernel
from observes_singer.target.program import new_run_id
from observes_singer.target.sink import Sink, Stream
from tests.support.warehouses import encode

SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"},
                                           "tags": {"type": "array",
                                                    "items": {"type": "string"}}}}


class MemorySink(Sink):
    """Rows as CSV text per table; what a flush hands over is durable at once unless
    ``hold`` is set, in which case only ``finish`` makes it durable."""

    def __init__(self, hold: bool = False, batch_records: int = 2) -> None:
        self.hold = hold
        self.batch_records = batch_records
        self.pending: list[bytes] = []
        self.durable: list[bytes] = []
        self.events: list[str] = []

    def open_stream(self, message: SchemaMessage, known: Stream | None) -> Stream:
        plan = plan_stream(message.stream, message.schema, message.key_properties)
        return Stream(message.stream, message.schema, message.key_properties,
                      build_flattener(plan, "run"))

    def flush_stream(self, stream: Stream) -> None:
        assert stream.flattener is not None
        for index in range(len(stream.flattener.plan.tables)):
            if stream.flattener.rows(index):
                self.pending.append(stream.flattener.take(index)[0])

    def flush(self, streams: list[Stream]) -> None:
        super().flush(streams)
        if not self.hold:
            self.commit()

    def commit(self) -> None:
        self.durable += self.pending
        self.pending = []
        rows = sum(block.count(b"\n") for block in self.durable)
        self.events.append(f"commit {rows} rows")

    def holds_state(self) -> bool:
        return self.hold

    def finish(self, streams: list[Stream]) -> None:
        super().flush(streams)
        self.commit()

    def abort(self) -> None:
        self.pending = []
        self.events.append("abort")


class Output(io.BytesIO):
    def __init__(self, sink: MemorySink) -> None:
        super().__init__()
        self.sink = sink

    def write(self, data: Any) -> int:
        self.sink.events.append(f"STATE {bytes(data).decode().strip()}")
        return super().write(data)


def run_kernel(sink: MemorySink, messages: list[dict[str, Any]]) -> Kernel:
    kernel = Kernel(sink, Output(sink))
    kernel.run(encode(messages).splitlines())
    return kernel


def input_with_states() -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"type": "SCHEMA", "stream": "s", "schema": SCHEMA,
                                       "key_properties": ["id"]}]
    for n in range(5):
        messages.append({"type": "RECORD", "stream": "s", "record": {"id": n, "tags": ["a"]}})
        messages.append({"type": "STATE", "value": {"upto": n}})
    return messages


def test_a_state_follows_the_commit_of_the_records_before_it() -> None:
    sink = MemorySink(batch_records=2)
    run_kernel(sink, input_with_states())
    # Each STATE waits for the commit of the records before it, and goes out as soon as
    # nothing is buffered.
    assert sink.events == [
        "commit 4 rows", 'STATE {"upto":0}', 'STATE {"upto":1}',
        "commit 8 rows", 'STATE {"upto":2}', 'STATE {"upto":3}',
        "commit 10 rows", 'STATE {"upto":4}',
    ]


def test_a_sink_that_holds_its_rows_gets_the_state_at_the_end_only() -> None:
    sink = MemorySink(hold=True, batch_records=2)
    run_kernel(sink, input_with_states())
    assert sink.events == ["commit 10 rows", 'STATE {"upto":4}']


def test_a_failed_run_aborts_and_emits_no_state_past_the_last_commit() -> None:
    sink = MemorySink(batch_records=2)
    messages = [*input_with_states()[:6],
                {"type": "RECORD", "stream": "s", "record": {"id": "x"}}]
    with pytest.raises(LoadError, match=r"stream 's', stdin line 7, field id: \"x\""):
        run_kernel(sink, messages)
    assert sink.events == ["commit 4 rows", 'STATE {"upto":0}', 'STATE {"upto":1}', "abort"]


@pytest.mark.parametrize(("line", "expected"), [
    (b'{"type": "RECORD", "stream": "other", "record": {}}',
     "RECORD for stream 'other' before its SCHEMA"),
    (b'{"type": "BATCH", "stream": "s", "encoding": {"format": "jsonl"}, "manifest": []}',
     "BATCH messages are not supported by target-x"),
    (b'{"type": "ACTIVATE_VERSION", "stream": "nope", "version": 1}',
     "ACTIVATE_VERSION for stream 'nope' before its SCHEMA"),
    (b'{"type": "RECORD", "stream": "s", "record": {"id": 1}', "malformed JSON"),
])
def test_bad_lines_are_named(line: bytes, expected: str) -> None:
    sink = MemorySink()
    schema = orjson.dumps({"type": "SCHEMA", "stream": "s", "schema": SCHEMA,
                           "key_properties": ["id"]})
    kernel = Kernel(sink, Output(sink), source="in.jsonl", prog="target-x")
    with pytest.raises(MessageError) as caught:
        kernel.run([schema, line])
    assert expected in str(caught.value) and "in.jsonl line 2" in str(caught.value)


def test_run_ids_are_utc_and_sort_by_time() -> None:
    moment = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    local = moment.astimezone(timezone(timedelta(hours=-5)))
    assert new_run_id(local).startswith("20261130T233000Z-")
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}", new_run_id(moment))


def run_target(module: str, args: list[str], data: bytes, cwd: Path
               ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", module, *args], input=data, cwd=cwd,
                          capture_output=True, timeout=120, check=False)


@pytest.mark.parametrize("module", ["target_redshift.cli", "target_s3.cli"])
def test_every_target_names_a_missing_or_broken_config_file(module: str,
                                                            tmp_path: Path) -> None:
    missing = run_target(module, ["--config", "nope.json"], b"", tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.decode().splitlines()[0].endswith("error: nope.json: no such file")
    (tmp_path / "broken.json").write_text("{")
    broken = run_target(module, ["--config", "broken.json"], b"", tmp_path)
    assert broken.returncode == 1 and "broken.json: not valid JSON" in broken.stderr.decode()
    (tmp_path / "list.json").write_text("[]")
    listed = run_target(module, ["--config", "list.json"], b"", tmp_path)
    assert listed.returncode == 1 and "list.json: the configuration must be a JSON object" \
        in listed.stderr.decode()


def test_config_files_merge_in_order_later_keys_win(tmp_path: Path) -> None:
    (tmp_path / "base.json").write_text(orjson.dumps(
        {"url": str(tmp_path / "out"), "format": "csv"}).decode())
    (tmp_path / "override.json").write_text('{"format": "jsonl"}')
    data = encode([{"type": "SCHEMA", "stream": "s", "schema": SCHEMA, "key_properties": []},
                   {"type": "RECORD", "stream": "s", "record": {"id": 1, "tags": ["a"]}}])
    result = run_target("target_s3.cli", ["--config", "base.json", "--config",
                                          "override.json"], data, tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    written = sorted(p.name for p in (tmp_path / "out").rglob("*") if p.is_file()
                     and "_manifests" not in p.parts)
    assert written == ["s-00001.jsonl"]


@pytest.mark.parametrize("module", ["target_redshift.cli", "target_s3.cli"])
def test_every_target_reports_the_same_way(module: str, tmp_path: Path) -> None:
    data = encode([{"type": "SCHEMA", "stream": "s", "schema": SCHEMA, "key_properties": []},
                   {"type": "RECORD", "stream": "s", "record": {"id": 1, "surprise": 2}}])
    data += b'{"type": "STATE", "value": {"n": 123456789012345678901234567890}}\n'

    (tmp_path / "csv.json").write_text('{"format": "csv"}')
    result = run_target(module, ["--config", "csv.json"] if "s3" in module else [], data,
                        tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b'{"n":123456789012345678901234567890}\n'
    log = result.stderr.decode()
    assert re.search(r": 1 records (loaded|written) .* in [\d.]+ s \(1 STATE emitted\)",
                     log), log
    assert re.search(r"s\.surprise: 1 values not (loaded|written) \(field not in the schema\)",
                     log), log
