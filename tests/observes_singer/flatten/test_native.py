"""The C flattener gives exactly the bytes, sizes, counts and errors of the generated Python one.

The Python flattener is the reference (its tokens are checked in test_flattener.py and its
rows loaded and read back in the target tests); here both run on the same records, in
CSV and in PostgreSQL's text format, and must agree on everything they hand over.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from observes_singer.flatten import native
from observes_singer.flatten.flattener import (
    BadValue,
    Inexact,
    Repeat,
    StreamFlattener,
    build_flattener,
)
from observes_singer.flatten.plan import StreamPlan, plan_stream

pytestmark = pytest.mark.skipif(not native.AVAILABLE, reason="the C flattener is not built")

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": ["null", "string"]},
        "n": {"type": ["null", "number"]},
        "price": {"type": ["null", "number"], "multipleOf": 0.01},
        "ok": {"type": ["null", "boolean"]},
        "at": {"type": ["null", "string"], "format": "date-time"},
        "day": {"type": ["null", "string"], "format": "date"},
        "text": {"type": ["null", "string"]},
        "any": {},
        "user": {"type": ["null", "object"], "required": ["name"], "properties": {
            "name": {"type": ["null", "string"]},
            "address": {"type": ["null", "object"], "properties": {
                "city": {"type": ["null", "string"]}, "zip": {"type": ["null", "integer"]}}},
        }},
        "tags": {"type": ["null", "array"], "items": {"type": ["null", "string"]}},
        "grid": {"type": ["null", "array"], "items": {"type": "array",
                                                      "items": {"type": "integer"}}},
        "parts": {"type": ["null", "array"], "items": {"type": "object", "properties": {
            "sku": {"type": "string"}, "qty": {"type": ["null", "integer"]},
            "notes": {"type": ["null", "array"], "items": {"type": "string"}}}}},
        "labels": {"type": ["null", "object"], "additionalProperties": {"type": "integer"}},
        "meta": {"type": ["null", "object"], "additionalProperties": {
            "type": "object", "properties": {"v": {"type": ["null", "string"]}}}},
        "attrs": {"type": ["null", "object"], "properties": {"a": {"type": ["null", "integer"]}},
                  "additionalProperties": {"type": ["null", "string"]}},
    },
}

STRINGS = ["", "plain", 'q"uo""te', "tab\there", "new\nline", "cr\rlf\r\n", "back\\slash",
           "\\N", "ñandú €", "🦆", "nul\x00char", '"\\\t\n', "x" * 300, "é" * 200]
TIMESTAMPS = ["2026-11-28T05:00:00Z", "2026-11-28T05:00:00.1Z", "2026-11-28T05:00:00.123456Z",
              "2026-11-28T05:00:00.1234567Z", "2024-02-29T23:59:59Z", "2026-11-28T05:00:00+05:00",
              "2026-11-28T05:00:00", "2026-11-28 05:00:00Z", "2026-11-28T05:00:00.Z",
              "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "2026-11-28T05:00:00-00:30"]


def random_record(rng: random.Random, n: int) -> dict[str, Any]:
    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.15 else value

    record: dict[str, Any] = {"id": n}
    options: dict[str, Any] = {
        "code": lambda: rng.choice(STRINGS),
        "n": lambda: rng.choice([0.1, -2.5e-9, 1e300, 3, -(2**70), 2**63, 1.0, 0.0, 2**60,
                                 2**60 + 1, 2.0**70, -(2**53) - 1]),
        "price": lambda: rng.choice([12.34, 5, 0.1, -7.25]),
        "ok": lambda: rng.choice([True, False]),
        "at": lambda: rng.choice(TIMESTAMPS),
        "day": lambda: rng.choice(["2026-11-28", "2024-02-29"]),
        "text": lambda: "".join(rng.choice(STRINGS) for _ in range(rng.randrange(4))),
        "any": lambda: rng.choice([{"a": [1, "x"]}, [1, 2], 5, "s", 1.5, True, "tab\t",
                                   [2.0**70], 2**70, 1e-5]),
        "user": lambda: {"name": rng.choice(STRINGS),
                         "address": maybe({"city": maybe(rng.choice(STRINGS)),
                                           "zip": maybe(rng.randrange(-5, 99999))}),
                         **({"extra": 1} if rng.random() < 0.2 else {})},
        "tags": lambda: [maybe(rng.choice(STRINGS)) for _ in range(rng.randrange(4))],
        "grid": lambda: [[rng.randrange(100) for _ in range(rng.randrange(3))]
                         for _ in range(rng.randrange(3))],
        "parts": lambda: [{"sku": rng.choice(STRINGS), "qty": maybe(rng.randrange(9)),
                           "notes": maybe([rng.choice(STRINGS)])}
                          for _ in range(rng.randrange(3))],
        "labels": lambda: {rng.choice(STRINGS): rng.randrange(9) for _ in range(rng.randrange(3))},
        "meta": lambda: {f"k{i}": {"v": maybe(rng.choice(STRINGS))}
                         for i in range(rng.randrange(3))},
        "attrs": lambda: {"a": maybe(rng.randrange(9)),
                          **{rng.choice(STRINGS): maybe(rng.choice(STRINGS))
                             for _ in range(rng.randrange(3))}},
    }
    for name, make in options.items():
        roll = rng.random()
        if roll < 0.1:
            continue  # absent
        record[name] = None if roll < 0.2 else make()
    if rng.random() < 0.1:
        record["unknown"] = {"nested": True}
    return record


def both(plan: StreamPlan, text: bool) -> tuple[StreamFlattener, StreamFlattener]:
    return (build_flattener(plan, "run-1", text=text, native=False),
            build_flattener(plan, "run-1", text=text, native=True))


def flatten(compiled: StreamFlattener, record: dict[str, Any], line: int, version: str) -> None:
    """As the targets do: a record that may hold a rounded integer is flattened exactly."""
    try:
        compiled.flatten(record, line, version)
    except Inexact:
        compiled.flatten_exact(record, record, line, version)


def handed_over(compiled: StreamFlattener) -> list[tuple[bytes, int, int]]:
    return [compiled.take(i) for i in range(len(compiled.plan.tables))]


@pytest.mark.parametrize("text", [False, True], ids=["csv", "text"])
@pytest.mark.parametrize("keys", [["id"], [], ["code", "id"]], ids=["key", "keyless", "two-keys"])
def test_same_rows_sizes_and_counts(text: bool, keys: list[str]) -> None:
    plan = plan_stream("s", SCHEMA, keys)
    python, c = both(plan, text)
    rng = random.Random(7)
    for n in range(3000):
        record = random_record(rng, n)
        if "code" in keys and record.get("code") is None:
            record["code"] = rng.choice(STRINGS)
        version = rng.choice(["\\N", "17"])
        for compiled in (python, c):
            flatten(compiled, record, n + 2, version)
        if n % 700 == 0:  # hand over part of the rows now and then, as target-s3 does
            for i in range(len(plan.tables)):
                assert python.take(i, 5) == c.take(i, 5)
    assert [python.rows(i) for i in range(len(plan.tables))] == \
        [c.rows(i) for i in range(len(plan.tables))]
    assert handed_over(python) == handed_over(c)
    assert python.max_bytes == c.max_bytes
    assert python.stats == c.stats
    assert python.stats.unknown_fields  # the extras were seen and counted
    assert python.stats.rounded["n"] and python.stats.sub_microsecond["at"]


@pytest.mark.parametrize("text", [False, True], ids=["csv", "text"])
def test_long_strings_are_cut_the_same_way(text: bool) -> None:
    plan = plan_stream("s", SCHEMA, ["code"])
    python, c = both(plan, text)
    for n, record in enumerate([{"id": 1, "code": "k\t\x00\"" + "a" * 70000, "text": "é" * 40000},
                                {"id": 2, "code": "short", "text": "🦆" * 17000}]):
        for compiled in (python, c):
            compiled.flatten(record, n, "\\N")
    assert handed_over(python) == handed_over(c)
    assert python.max_bytes == c.max_bytes
    assert python.stats.cut == c.stats.cut
    assert python.stats.cut["text"] == 2


BAD = [
    {"id": "1"}, {"id": 2**64}, {"id": 1.5}, {"id": True}, {"n": "1"}, {"n": True},
    {"price": 1.234}, {"ok": 1}, {"at": "yesterday"}, {"at": "2026-02-30T00:00:00Z"},
    {"at": 5}, {"day": "2026-13-01"}, {"text": 5}, {"user": []}, {"user": {"name": 3}},
    {"user": {"address": {"zip": "x"}}}, {"tags": "a"}, {"tags": [1]}, {"grid": [["x"]]},
    {"grid": [1]}, {"parts": [{"sku": 1, "qty": 1}]}, {"parts": [{"sku": "a", "qty": "1"}]},
    {"labels": []}, {"labels": {"a": "b"}}, {"meta": {"k": 1}}, {"user": {"address": None}},
    {"attrs": {"a": 1, "b": 2}}, {"attrs": []},
]


@pytest.mark.parametrize("text", [False, True], ids=["csv", "text"])
@pytest.mark.parametrize("bad", BAD, ids=[str(b) for b in BAD])
def test_bad_values_fail_the_same_way_and_leave_no_rows(bad: dict[str, Any], text: bool) -> None:
    plan = plan_stream("s", SCHEMA, ["id"])
    python, c = both(plan, text)
    good = {"id": 0, "tags": ["a"], "parts": [{"sku": "s", "notes": ["x"]}]}
    record = {"id": 1, "tags": ["t"], "parts": [{"sku": "p", "qty": 1}], **bad}
    messages = []
    for compiled in (python, c):
        compiled.flatten(good, 1, "\\N")
        with pytest.raises(BadValue) as caught:
            compiled.flatten(record, 2, "\\N")
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    # The native flattener drops the failed record's rows; the good one stays whole.
    expected = build_flattener(plan, "run-1", text=text, native=False)
    expected.flatten(good, 1, "\\N")
    assert handed_over(c) == handed_over(expected)


def test_missing_key_and_a_record_that_is_not_an_object() -> None:
    plan = plan_stream("s", SCHEMA, ["id"])
    python, c = both(plan, False)
    for compiled in (python, c):
        with pytest.raises(BadValue, match="field id: null is missing"):
            compiled.flatten({"code": "x"}, 1, "\\N")
        with pytest.raises(BadValue, match=r"field \(record\): \[1\] is not an object"):
            compiled.flatten([1], 1, "\\N")  # type: ignore[arg-type]


@pytest.mark.parametrize("dedup", ["batch", "run"])
def test_repeated_keys_are_seen_the_same_way(dedup: str) -> None:
    schema = {"type": "object", "properties": {
        "n": {"type": "number"}, "at": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}}}}
    plan = plan_stream("s", schema, ["n", "at"])
    results = []
    for native_flag in (False, True):
        compiled = build_flattener(plan, "run-1", native=native_flag, dedup=dedup)
        events: list[Any] = []
        spellings = [(1, "2026-01-01T00:00:00Z"), (1.0, "2026-01-01T01:00:00+01:00"),
                     (2, "2026-01-01T00:00:00.000Z"), (2.0, "2026-01-01T00:00:00.000000Z"),
                     (3, "2026-01-01T00:00:00.5Z")]
        for line, (n, at) in enumerate(spellings * 2):
            try:
                compiled.flatten({"n": n, "at": at, "tags": ["x"]}, line, "\\N")
                events.append("ok")
            except Repeat:
                events.append(("repeat", compiled.next_batch(),
                               [compiled.take(i)[1] for i in range(2)]))
                compiled.flatten({"n": n, "at": at, "tags": ["x"]}, line, "\\N")
        events.append(compiled.next_batch())
        results.append(events)
    assert results[0] == results[1]
    repeats = [e for e in results[0] if isinstance(e, tuple)]
    # 1 / 1.0 at the same instant, then 2 / 2.0 with .000 and .000000, are one key each.
    assert [e[2] for e in repeats[:2]] == [[1, 1], [2, 2]]
    if dedup == "run":
        assert results[0][-1] == [] or all(len(i) == 32 for i in results[0][-1])
        assert any(e[1] for e in repeats[1:]) or results[0][-1]


def test_fingerprint_sets_agree() -> None:
    from xxhash import xxh3_128_hexdigest

    from observes_singer.flatten._native import FingerprintSet
    from observes_singer.flatten.codegen import Fingerprints

    ids = [xxh3_128_hexdigest(str(n).encode()) for n in range(5000)] + ["0" * 32]
    c, python = FingerprintSet(), Fingerprints()
    for fingerprints in (c, python):
        fingerprints.update(ids[::2])
    assert [i in c for i in ids] == [i in python for i in ids] == \
        [n % 2 == 0 for n in range(len(ids))]
    assert len(c) == len(python) == len(ids[::2])
    with pytest.raises(ValueError, match="16 hex digits"):
        c.update(["not an id"])


@pytest.mark.parametrize("text", [False, True], ids=["csv", "text"])
@pytest.mark.parametrize("keys", [["id"], []], ids=["key", "keyless"])
def test_a_list_in_chunks_gives_the_rows_of_the_whole_record(text: bool, keys: list[str]
                                                             ) -> None:
    plan = plan_stream("s", SCHEMA, keys)
    parts = next(i for i, t in enumerate(plan.tables) if t.path == ("parts",))
    rng = random.Random(3)
    record = random_record(rng, 1)
    record["parts"] = [{"sku": f"s{n}", "qty": n, "notes": [f"n{n}"] * (n % 3)}
                       for n in range(25)]
    shell = {**record, "parts": []}
    whole = build_flattener(plan, "run-1", text=text, native=False)
    flatten(whole, record, 5, "\\N")
    expected = handed_over(whole)
    for flag in (False, True):
        chunked = build_flattener(plan, "run-1", text=text, native=flag)
        flatten(chunked, shell, 5, "\\N")
        for start in range(0, 25, 10):
            chunked.extend(parts, record["parts"][start:start + 10], "\\N", start)
        assert handed_over(chunked) == expected
    with pytest.raises(ValueError, match="list's table"):
        chunked.extend(0, [], "\\N", 0)
