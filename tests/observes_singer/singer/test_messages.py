"""The Singer message codec, on real bytes."""

from __future__ import annotations

import io
from decimal import Decimal

import orjson
import pytest

from observes_singer.singer.messages import (
    ActivateVersionMessage,
    BatchMessage,
    MessageError,
    MessageWriter,
    RecordMessage,
    SchemaMessage,
    StateMessage,
    dump_message,
    read_messages,
)


def read(data: bytes, **kwargs: object) -> list[object]:
    return list(read_messages(io.BytesIO(data), **kwargs))  # type: ignore[arg-type]


def test_every_message_type_round_trips_through_the_writer() -> None:
    messages = [
        SchemaMessage("jobs", {"type": "object", "properties": {"id": {"type": "integer"}}},
                      ["id"], ["updated_at"]),
        RecordMessage("jobs", {"id": 1, "name": "línea\tcon\ntab", "nested": {"a": [1, None]}},
                      version=7, time_extracted="2026-11-28T05:00:00Z"),
        StateMessage({"bookmarks": {"jobs": {"id": 1}}}),
        ActivateVersionMessage("jobs", 7),
        BatchMessage("jobs", {"format": "jsonl", "compression": "gzip"}, ["file:///x.jsonl.gz"]),
    ]
    out = io.BytesIO()
    writer = MessageWriter(out)
    for message in messages:
        writer.write(message)
    data = out.getvalue()
    assert data.count(b"\n") == 5
    back = read(data)
    for number, (got, want) in enumerate(zip(back, messages, strict=True), start=1):
        assert got.to_dict() == want.to_dict()  # type: ignore[attr-defined]
        assert got.line_no == number  # type: ignore[attr-defined]


def test_text_bytes_survive_exactly() -> None:
    record = {"text": "tab\there\nnewline \\n literal, ñandú 🦆, \"quotes\""}
    line = dump_message(RecordMessage("s", record))
    assert b"\\t" in line and b"\\n" in line
    (message,) = read(line)
    assert isinstance(message, RecordMessage)
    assert message.record == record


def test_blank_lines_are_skipped_but_counted() -> None:
    data = b'\n{"type":"STATE","value":{}}\n\n{"type":"BOGUS"}\n'
    with pytest.raises(MessageError) as info:
        read(data)
    assert info.value.line_no == 4
    assert "unknown message type 'BOGUS'" in str(info.value)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"type": "RECORD", "stream": "a", "record": {"x": 1}', "malformed JSON"),
        (b"[1, 2, 3]", "must be a JSON object"),
        (b'{"stream": "a"}', "message has no 'type'"),
        (b'{"type": "WHATEVER"}', "unknown message type 'WHATEVER'"),
        (b'{"type": "RECORD", "record": {}}', "RECORD message has no 'stream'"),
        (b'{"type": "RECORD", "stream": "a"}', "RECORD message has no 'record'"),
        (b'{"type": "RECORD", "stream": "a", "record": [1]}', "'record' that is not an object"),
        (b'{"type": "RECORD", "stream": 5, "record": {}}', "'stream' that is not a string"),
        (b'{"type": "RECORD", "stream": "a", "record": {}, "version": "x"}',
         "'version' that is not an integer"),
        (b'{"type": "SCHEMA", "stream": "a"}', "SCHEMA message has no 'schema'"),
        (b'{"type": "SCHEMA", "stream": "a", "schema": {}, "key_properties": "id"}',
         "'key_properties' that are not a list"),
        (b'{"type": "STATE"}', "STATE message has no 'value'"),
        (b'{"type": "ACTIVATE_VERSION", "stream": "a", "version": true}',
         "'version' that is not an integer"),
        (b'{"type": "BATCH", "stream": "a", "encoding": {}}', "BATCH message has no 'manifest'"),
        (b"\xff\xfe not utf-8", "malformed JSON"),
        (b'{"type": "RECORD", "stream": "a", "record": {"x": NaN}}', "malformed JSON"),
    ],
)
def test_bad_lines_name_the_line_and_show_an_excerpt(line: bytes, reason: str) -> None:
    data = b'{"type": "STATE", "value": 1}\n' + line + b"\n"
    with pytest.raises(MessageError) as info:
        read(data, source="stdin")
    message = str(info.value)
    assert message.startswith("stdin line 2: ")
    assert reason in message
    assert info.value.line_no == 2


def test_excerpt_is_short_for_long_lines() -> None:
    line = b'{"type": "RECORD", "stream": "a", "record": {"blob": "' + b"x" * 10_000 + b'"'
    with pytest.raises(MessageError) as info:
        read(line)
    assert len(str(info.value)) < 400
    assert info.value.excerpt.endswith("...'")


def test_missing_key_properties_default_to_empty() -> None:
    (message,) = read(b'{"type": "SCHEMA", "stream": "a", "schema": {"type": "object"}}\n')
    assert isinstance(message, SchemaMessage)
    assert message.key_properties == []


def test_exact_integers_keeps_digits_beyond_64_bits() -> None:
    line = b'{"type":"RECORD","stream":"a","record":{"big":123456789012345678901234567890,' \
           b'"u64":18446744073709551615,"small":5,"f":1.5}}\n'
    (loose,) = read(line)
    (exact,) = read(line, exact_integers=True)
    assert isinstance(loose, RecordMessage) and isinstance(exact, RecordMessage)
    assert isinstance(loose.record["big"], float)  # orjson's own behaviour
    assert exact.record == {"big": 123456789012345678901234567890,
                            "u64": 18446744073709551615, "small": 5, "f": 1.5}


def test_decimals_are_written_as_exact_json_numbers() -> None:
    line = dump_message(RecordMessage("a", {"amount": Decimal("12345678901234567.891")}))
    assert b'"amount":12345678901234567.891' in line


def test_state_is_flushed_at_once() -> None:
    class Spy(io.BytesIO):
        flushes = 0

        def flush(self) -> None:
            self.flushes += 1

    out = Spy()
    writer = MessageWriter(out)
    writer.write_record("a", {"x": 1})
    assert out.flushes == 0
    writer.write(StateMessage({"k": 1}))
    assert out.flushes == 1
    assert orjson.loads(out.getvalue().splitlines()[1]) == {"type": "STATE", "value": {"k": 1}}
