"""observes-infer: inferred schemas, the bytes it writes, and its error paths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import orjson
import pytest
from tap_gitlab.sample.data import gitlab_job

from observes_singer.infer.schema import SchemaInferrer


def infer(records: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    inferrer = SchemaInferrer(**options)
    for record in records:
        inferrer.add(record)
    return inferrer.schema()


def run_infer(lines: list[Any] | bytes, *args: str, cwd: Path | None = None,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    data = lines if isinstance(lines, bytes) else b"".join(orjson.dumps(x) + b"\n" for x in lines)
    return subprocess.run([sys.executable, "-m", "observes_singer.infer.cli", *args],
                          input=data, capture_output=True, timeout=60, cwd=cwd, env=env,
                          check=False)


def messages(result: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr.decode()
    return [orjson.loads(line) for line in result.stdout.splitlines()]


# -- type rules ---------------------------------------------------------------------------

def test_scalar_types() -> None:
    schema = infer([{"b": True, "i": 1, "n": 1.5, "s": "x", "z": None}])
    assert schema == {"type": "object", "properties": {
        "b": {"type": "boolean"},
        "i": {"type": "integer"},
        "n": {"type": "number"},
        "s": {"type": "string"},
        "z": {"type": ["null", "string"]},
    }}


def test_null_and_absence_make_a_field_nullable() -> None:
    schema = infer([{"a": 1, "b": 1}, {"a": None, "c": "late"}])
    props = schema["properties"]
    assert props["a"] == {"type": ["null", "integer"]}
    assert props["b"] == {"type": ["null", "integer"]}  # missing from the second record
    assert props["c"] == {"type": ["null", "string"]}  # missing from the first
    assert list(props) == ["a", "b", "c"]  # first-seen order


def test_integer_and_number_widen_to_number() -> None:
    assert infer([{"x": 1}, {"x": 2.5}])["properties"]["x"] == {"type": "number"}


def test_64_bit_integers_stay_integers() -> None:
    schema = infer([{"x": 2**63 - 1}, {"x": -(2**63)}])
    assert schema["properties"]["x"] == {"type": "integer"}


def test_anything_with_a_string_widens_to_string() -> None:
    props = infer([{"a": 1, "b": True, "c": {"k": 1}, "d": [1]},
                   {"a": "x", "b": "y", "c": "z", "d": "w"}])["properties"]
    assert all(props[name] == {"type": "string"} for name in "abcd")


def test_boolean_and_number_conflict_widens_to_string() -> None:
    assert infer([{"x": True}, {"x": 1}])["properties"]["x"] == {"type": "string"}


def test_dates_and_date_times() -> None:
    props = infer([
        {"ts": "2026-11-28T05:00:00Z", "ts2": "2026-11-28 05:00:00.123456789+05:30",
         "d": "2026-11-28", "mixed": "2026-11-28", "bad": "2026-13-45",
         "naive": "2026-01-01T10:00"},
        {"ts": "2026-11-28T05:00:00.123+00:00", "ts2": None, "d": "2000-02-29",
         "mixed": "2026-11-28T00:00:00Z", "bad": "2026-01-01", "naive": "2026-01-01T10:00:59"},
    ])["properties"]
    assert props["ts"] == {"type": "string", "format": "date-time"}
    assert props["ts2"] == {"type": ["null", "string"], "format": "date-time"}
    assert props["d"] == {"type": "string", "format": "date"}
    assert props["mixed"] == {"type": "string"}
    assert props["bad"] == {"type": "string"}
    assert props["naive"] == {"type": "string", "format": "date-time"}


def test_objects_merge_recursively_and_lists_merge_items() -> None:
    props = infer([
        {"user": {"id": 1, "tags": ["a"]}, "artifacts": [{"size": 1}, {"size": 2.5, "f": "x"}]},
        {"user": {"id": 2, "name": "b", "tags": []}, "artifacts": []},
    ])["properties"]
    assert props["user"] == {"type": "object", "properties": {
        "id": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "name": {"type": ["null", "string"]},
    }}
    assert props["artifacts"] == {"type": "array", "items": {"type": "object", "properties": {
        "size": {"type": "number"},
        "f": {"type": ["null", "string"]},
    }}}


def test_lists_of_lists_and_empty_lists() -> None:
    props = infer([{"grid": [[1, 2], [3]], "empty": []}])["properties"]
    assert props["grid"] == {"type": "array",
                             "items": {"type": "array", "items": {"type": "integer"}}}
    assert props["empty"] == {"type": "array", "items": {}}


def test_objects_with_too_many_keys_become_maps() -> None:
    record = {"by_day": {f"2026-11-{d:02d}": d for d in range(1, 29)}, "id": 1}
    props = infer([record], max_properties=10)["properties"]
    assert props["by_day"] == {"type": "object", "additionalProperties": {"type": "integer"}}
    assert props["id"] == {"type": "integer"}


# -- the filter, end to end ---------------------------------------------------------------

def test_gitlab_jobs_become_schema_then_records_in_order() -> None:
    jobs = [gitlab_job(n) for n in range(50)]
    out = messages(run_infer([{"stream": "jobs", "record": job} for job in jobs],
                             "--key", "jobs=id"))
    assert out[0]["type"] == "SCHEMA" and out[0]["key_properties"] == ["id"]
    props = out[0]["schema"]["properties"]
    assert props["created_at"] == {"type": "string", "format": "date-time"}
    assert props["runner"]["type"] == ["null", "object"]
    assert props["tag_list"] == {"type": "array", "items": {"type": "string"}}
    assert [m["record"] for m in out[1:]] == jobs


def test_state_passes_through_after_the_records_it_follows() -> None:
    lines = [
        {"stream": "a", "record": {"id": 1}},
        {"type": "STATE", "value": {"n": 1}},
        {"stream": "b", "record": {"id": "x"}},
        {"type": "RECORD", "stream": "a", "record": {"id": 2}, "time_extracted": "2026-11-28"},
        {"type": "STATE", "value": {"n": 2}},
        {"type": "ACTIVATE_VERSION", "stream": "a", "version": 3},
    ]
    out = messages(run_infer(lines))
    assert [m["type"] for m in out] == ["SCHEMA", "SCHEMA", "RECORD", "STATE", "RECORD",
                                        "RECORD", "STATE", "ACTIVATE_VERSION"]
    assert [m["stream"] for m in out[:2]] == ["a", "b"]
    assert out[5] == lines[3]  # Singer RECORDs keep their other keys


def test_bare_records_with_stream_option() -> None:
    out = messages(run_infer([{"id": 1, "stream": "not a stream"}], "--stream", "things"))
    assert out[0]["stream"] == "things"
    assert out[1] == {"type": "RECORD", "stream": "things",
                      "record": {"id": 1, "stream": "not a stream"}}


def test_widened_values_are_written_as_text() -> None:
    lines = [{"stream": "s", "record": {"v": 1, "o": {"k": [1, 2]}, "keep": 1}},
             {"stream": "s", "record": {"v": "one", "o": "plain", "keep": 2.5}},
             {"stream": "s", "record": {"v": True, "o": None, "keep": 3}}]
    out = messages(run_infer(lines))
    assert [m["record"] for m in out[1:]] == [
        {"v": "1", "o": '{"k":[1,2]}', "keep": 1},
        {"v": "one", "o": "plain", "keep": 2.5},
        {"v": "true", "o": None, "keep": 3},
    ]


def test_integers_beyond_64_bits_become_exact_strings() -> None:
    data = (b'{"stream":"s","record":{"big":123456789012345678901234567890,"small":1}}\n'
            b'{"stream":"s","record":{"big":18446744073709551615,"small":2}}\n'
            b'{"stream":"s","record":{"big":5,"small":3}}\n')
    out = messages(run_infer(data))
    assert out[0]["schema"]["properties"]["big"] == {"type": "string"}
    assert [m["record"]["big"] for m in out[1:]] == ["123456789012345678901234567890",
                                                     "18446744073709551615", "5"]


def test_extra_datetime_formats_are_rewritten_as_iso() -> None:
    lines = [{"stream": "s", "record": {"at": "28/11/2026 05:01"}},
             {"stream": "s", "record": {"at": "2026-11-28T06:00:00Z"}}]
    out = messages(run_infer(lines, "--datetime-format", "%d/%m/%Y %H:%M"))
    assert out[0]["schema"]["properties"]["at"] == {"type": "string", "format": "date-time"}
    assert [m["record"]["at"] for m in out[1:]] == ["2026-11-28T05:01:00", "2026-11-28T06:00:00Z"]


def test_input_schema_declares_its_stream() -> None:
    schema = {"type": "object", "properties": {"id": {"type": "string"}}}
    lines = [{"type": "SCHEMA", "stream": "fixed", "schema": schema, "key_properties": []},
             {"type": "RECORD", "stream": "fixed", "record": {"id": "1"}},
             {"stream": "free", "record": {"n": 1}}]
    out = messages(run_infer(lines))
    assert out[0]["stream"] == "free"
    assert out[1:3] == lines[:2]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"stream":"s","record":{"id":1}}\n{"stream":"s","record":{"id":\n', "line 2: malformed"),
        (b'{"stream":"s","record":{"id":1}}\n[1]\n', "line 2: expected a JSON object"),
        (b'{"stream":"s"}\n', "line 1: expected {\"stream\": NAME"),
        (b'{"type":"BATCH","stream":"s"}\n', "line 1: observes-infer cannot pass a 'BATCH'"),
        (b'{"stream":"s","record":{"x":1}}\n', "line 1: stream 's': record has no key property"),
        (b'{"stream":"s","record":{"id":1}}\n{"type":"SCHEMA","stream":"s","schema":{}}\n',
         "line 2: SCHEMA for stream 's' comes after records"),
    ],
)
def test_bad_input_fails_with_the_line_and_writes_nothing(data: bytes, reason: str) -> None:
    result = run_infer(data, "--key", "s=id")
    assert result.returncode == 1
    assert result.stdout == b""
    assert reason in result.stderr.decode()


def test_spool_lives_in_a_temporary_file_not_the_working_directory(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    (tmp_path / "work").mkdir()
    out = messages(run_infer([{"stream": "s", "record": {"i": n}} for n in range(100)],
                             cwd=tmp_path / "work", env=env))
    assert len(out) == 101
    assert list((tmp_path / "work").iterdir()) == []
    assert list((tmp_path / "tmp").iterdir()) == []  # unnamed, gone with the process


# -- schema cache -------------------------------------------------------------------------

def test_save_schema_then_reuse_it(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache" / "jobs.json")
    lines = [{"stream": "jobs", "record": gitlab_job(n)} for n in range(30)]
    first = messages(run_infer(lines, "--key", "jobs=id", "--save-schema", cache))
    saved = orjson.loads(Path(cache).read_bytes())
    assert saved["streams"]["jobs"] == {"schema": first[0]["schema"], "key_properties": ["id"]}
    again = messages(run_infer(lines, "--schema-cache", cache))
    assert again == first


def test_cached_schema_misfit_is_an_error(tmp_path: Path) -> None:
    cache = tmp_path / "c.json"
    cache.write_bytes(orjson.dumps({"streams": {"s": {"schema": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "at": {"type": ["null", "string"],
                                                          "format": "date-time"}},
    }}}}))
    cases = [
        ({"id": "1"}, "id: '1' is not of type integer"),
        ({"id": 1, "at": "yesterday"}, "at: 'yesterday' is not an ISO 8601 date-time"),
        ({"id": 1, "new": True}, "new: a property the schema does not declare"),
        ({"id": 2**63}, "is not of type integer"),
    ]
    for record, reason in cases:
        result = run_infer([{"stream": "s", "record": {"id": 0}},
                            {"stream": "s", "record": record}], "--schema-cache", str(cache))
        assert result.returncode == 1
        assert result.stdout == b""
        stderr = result.stderr.decode()
        assert f"stream 's', line 2: the record does not fit the cached schema {cache} (" \
            in stderr
        assert reason in stderr
    unknown = run_infer([{"stream": "other", "record": {}}], "--schema-cache", str(cache))
    assert unknown.returncode == 1
    assert "stream 'other' is not in the cached schema" in unknown.stderr.decode()


def test_missing_or_corrupt_cache_is_an_error(tmp_path: Path) -> None:
    missing = run_infer([], "--schema-cache", str(tmp_path / "none.json"))
    assert missing.returncode == 1
    assert "no cached schema there" in missing.stderr.decode()
    (tmp_path / "bad.json").write_bytes(b'{"streams": [')
    corrupt = run_infer([], "--schema-cache", str(tmp_path / "bad.json"))
    assert corrupt.returncode == 1
    assert "not valid JSON" in corrupt.stderr.decode()


def test_schema_cache_on_s3(s3_bucket: Any) -> None:
    url = f"s3://{s3_bucket.name}/observes.cache/s.json"
    lines = [{"stream": "s", "record": {"id": n, "at": "2026-11-28"}} for n in range(5)]
    endpoint = ["--endpoint-url", s3_bucket.endpoint_url]
    first = messages(run_infer(lines, "--save-schema", url, *endpoint))
    assert messages(run_infer(lines, "--schema-cache", url, *endpoint)) == first


def test_empty_input_writes_nothing() -> None:
    result = run_infer(b"")
    assert result.returncode == 0
    assert result.stdout == b""


def test_errors_name_the_input_file(tmp_path: Path) -> None:
    source = tmp_path / "raw.jsonl"
    source.write_bytes(b'{"stream":"s","record":{}}\n{oops\n')
    result = run_infer(b"", "--input", str(source))
    assert result.returncode == 1
    assert f"{source} line 2: malformed JSON" in result.stderr.decode()


def test_a_closed_pipe_is_reported_once() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "observes_singer.infer.cli"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    proc.stdin.write(b"".join(orjson.dumps({"stream": "s", "record": {"i": n, "pad": "x" * 500}})
                              + b"\n" for n in range(2000)))
    proc.stdin.close()
    assert proc.wait(timeout=60) == 1
    stderr = proc.stderr.read().decode()
    assert "output closed before everything was written" in stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr


# -- wide objects: common keys stay properties, the tail is additionalProperties -----------

def _valid(schema: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Every record fits the schema, by an independent JSON Schema validator."""
    validator = jsonschema.Draft7Validator(schema)
    for record in records:
        validator.validate(record)


def test_wide_root_keeps_common_keys_and_the_key_as_properties() -> None:
    # a, b, c and id are in every record; each record also has a key of its own.
    lines = [{"stream": "jobs", "record": {"a": n, "b": f"b{n}", "c": True, "id": n,
                                           f"custom_{n}": n * 10}} for n in range(6)]
    out = messages(run_infer(lines, "--key", "jobs=id", "--max-properties", "2"))
    assert out[0]["key_properties"] == ["id"]
    # At most two kept: the key first, then the most frequent (first seen on ties).
    assert out[0]["schema"] == {"type": "object",
                                "properties": {"a": {"type": "integer"},
                                               "id": {"type": "integer"}},
                                "additionalProperties": {"type": "string"}}
    records = [m["record"] for m in out[1:]]
    assert records == [{"a": n, "b": f"b{n}", "c": "true", "id": n, f"custom_{n}": str(n * 10)}
                       for n in range(6)]
    _valid(out[0]["schema"], records)


def test_wide_keeps_keys_in_at_least_half_of_the_objects() -> None:
    lines = []
    for n in range(10):
        record: dict[str, Any] = {"id": n, f"only_{n}": n}
        if n < 5:
            record["half"] = n  # in 5 of 10: kept
        if n < 4:
            record["fewer"] = n  # in 4 of 10: tail
        if n % 3 == 0:
            record["nulls"] = None  # tail values may be null
        lines.append({"stream": "s", "record": record})
    out = messages(run_infer(lines, "--max-properties", "3"))
    assert out[0]["schema"] == {"type": "object",
                                "properties": {"id": {"type": "integer"},
                                               "half": {"type": ["null", "integer"]}},
                                "additionalProperties": {"type": ["null", "integer"]}}
    assert [m["record"] for m in out[1:]] == [line["record"] for line in lines]


def test_wide_nested_object_keeps_properties_and_coerces_its_tail() -> None:
    lines = [{"stream": "s", "record": {"id": n, "attrs": {
        "color": "red", "size": n, f"extra_{n}": n if n % 2 else f"text {n}"}}}
        for n in range(4)]
    out = messages(run_infer(lines, "--max-properties", "3"))
    assert out[0]["schema"]["properties"]["attrs"] == {
        "type": "object",
        "properties": {"color": {"type": "string"}, "size": {"type": "integer"}},
        "additionalProperties": {"type": "string"},  # integers and strings widen to string
    }
    assert out[1:] == [{"type": "RECORD", "stream": "s", "record": {"id": n, "attrs": {
        "color": "red", "size": n, f"extra_{n}": str(n) if n % 2 else f"text {n}"}}}
        for n in range(4)]
    _valid(out[0]["schema"], [m["record"] for m in out[1:]])


def test_an_object_seen_once_with_too_many_keys_is_a_map() -> None:
    # One object cannot tell structure from data: no key is common to two of them.
    schema = infer([{"id": 1, "by_day": {f"2026-11-{d:02d}": d for d in range(1, 29)}}],
                   max_properties=10)
    assert schema["properties"]["by_day"] == {"type": "object",
                                              "additionalProperties": {"type": "integer"}}


def test_wide_object_memory_stays_bounded_and_late_keys_are_kept() -> None:
    inferrer = SchemaInferrer(max_properties=4, keep=["id"])
    records = []
    for n in range(3000):
        record: dict[str, Any] = {"id": n, "name": f"n{n}"}
        record.update({f"k{n}_{i}": i for i in range(5)})  # five keys of its own
        if n >= 1000:
            record["late"] = n  # a field that appears a third of the way in: 2000 of 3000
        if n == 3 or n >= 1400:
            # Rare at first (folded into the tail), then in most records: kept, and
            # widened with the tail, since its early value went there.
            record["back"] = "early" if n == 3 else n
        records.append(record)
        inferrer.add(record)
        assert inferrer.root.properties is not None
        assert len(inferrer.root.properties) <= 60  # not 15,000 keys
    schema = inferrer.schema()
    assert schema == {"type": "object",
                      "properties": {"id": {"type": "integer"},
                                     "name": {"type": "string"},
                                     "late": {"type": ["null", "integer"]},
                                     "back": {"type": ["null", "string"]}},
                      "additionalProperties": {"type": "string"}}
    assert inferrer.needs_coercion()
    coerced = [inferrer.coerce(r) for r in records]
    assert coerced[3]["back"] == "early" and coerced[2000]["back"] == "2000"
    assert coerced[2000]["late"] == 2000
    _valid(schema, coerced)


def test_cached_wide_schema_round_trips_and_a_new_tail_key_fits(tmp_path: Path) -> None:
    cache = str(tmp_path / "wide.json")
    lines = [{"stream": "s", "record": {"id": n, "name": f"n{n}", f"k{n}": n}}
             for n in range(5)]
    first = messages(run_infer(lines, "--key", "s=id", "--max-properties", "2",
                               "--save-schema", cache))
    schema = first[0]["schema"]
    assert schema == {"type": "object",
                      "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                      "additionalProperties": {"type": "integer"}}
    saved = orjson.loads(Path(cache).read_bytes())
    assert saved == {"streams": {"s": {"schema": schema, "key_properties": ["id"]}}}
    assert messages(run_infer(lines, "--schema-cache", cache)) == first
    new_key = [*lines, {"stream": "s", "record": {"id": 9, "name": "x", "never_seen": 7}}]
    again = messages(run_infer(new_key, "--schema-cache", cache))
    assert again[-1]["record"] == {"id": 9, "name": "x", "never_seen": 7}
    # A number where the cache says string: its text, as inference would have written it.
    mixed = messages(run_infer([*lines, {"stream": "s", "record": {"id": 9, "name": 5}}],
                               "--schema-cache", cache))
    assert mixed[-1]["record"] == {"id": 9, "name": "5"}
    for record, reason in [({"id": 9, "name": "x", "never_seen": "seven"},
                            "never_seen: 'seven' is not of type integer"),
                           ({"id": "nine", "name": "x"},
                            "id: 'nine' is not of type integer")]:
        bad = run_infer([*lines, {"stream": "s", "record": record}], "--schema-cache", cache)
        assert bad.returncode == 1
        assert bad.stdout == b""
        assert f"stream 's', line 6: the record does not fit the cached schema {cache} " \
            f"({reason})" \
            in bad.stderr.decode()


# -- repeated key values --------------------------------------------------------------------

def test_repeated_key_values_are_reported_per_stream() -> None:
    lines = [{"stream": "jobs", "record": {"id": n % 4, "v": n}} for n in range(7)]
    lines += [{"stream": "pairs", "record": {"a": 1, "b": n % 2}} for n in range(3)]
    lines += [{"stream": "fine", "record": {"id": n}} for n in range(3)]
    lines += [{"stream": "objects", "record": {"id": {"x": [1, n // 2]}}} for n in range(2)]
    result = run_infer(lines, "--key", "jobs=id", "--key", "pairs=a,b", "--key", "fine=id",
                       "--key", "objects=id")
    out = messages(result)
    assert [m["record"] for m in out if m["type"] == "RECORD"] == [x["record"] for x in lines]
    assert result.stderr.decode().splitlines() == [
        "observes-infer: stream 'jobs': 3 records repeat a value of key id (first: line 5)",
        "observes-infer: stream 'pairs': 1 record repeats a value of key a,b (first: line 10)",
        "observes-infer: stream 'objects': 1 record repeats a value of key id (first: line 15)",
        "observes-infer: 15 records, streams: jobs, pairs, fine, objects",
    ]


def test_repeated_keys_are_also_reported_with_a_cached_schema(tmp_path: Path) -> None:
    cache = tmp_path / "c.json"
    cache.write_bytes(orjson.dumps({"streams": {"s": {"schema": {
        "type": "object", "properties": {"id": {"type": "string"}}}, "key_properties": ["id"]}}}))
    result = run_infer([{"stream": "s", "record": {"id": x}} for x in "abab"],
                       "--schema-cache", str(cache))
    assert result.returncode == 0
    assert "observes-infer: stream 's': 2 records repeat a value of key id (first: line 3)" \
        in result.stderr.decode()


# -- date formats ---------------------------------------------------------------------------

def test_extra_format_without_a_time_gives_dates() -> None:
    lines = [{"stream": "s", "record": {"d": "28/11/2026", "iso": "28/11/2026", "m": "28/11/2026"}},
             {"stream": "s", "record": {"d": "01/02/2000", "iso": "2026-11-29",
                                        "m": "2026-11-29T05:00:00Z"}}]
    out = messages(run_infer(lines, "--datetime-format", "%d/%m/%Y",
                             "--datetime-format", "%d/%m/%Y %H:%M"))
    props = out[0]["schema"]["properties"]
    assert props["d"] == {"type": "string", "format": "date"}
    assert props["iso"] == {"type": "string", "format": "date"}
    assert props["m"] == {"type": "string"}  # a date and a date-time: plain strings
    assert [m["record"] for m in out[1:]] == [
        {"d": "2026-11-28", "iso": "2026-11-28", "m": "28/11/2026"},
        {"d": "2000-02-01", "iso": "2026-11-29", "m": "2026-11-29T05:00:00Z"},
    ]


def test_extra_formats_with_and_without_a_time_part() -> None:
    from observes_singer.infer.schema import has_time_part

    assert not has_time_part("%d/%m/%Y")
    assert not has_time_part("%Y%m%d %%H")  # a literal "%H"
    assert has_time_part("%d/%m/%Y %H:%M")
    assert has_time_part("%d.%m.%y %I%p")
    assert has_time_part("%Y-%m-%d%z")


@pytest.mark.parametrize("value", ["-5", "0", "ten", "1.5", "", "1e3", "-0"])
def test_max_properties_must_be_a_positive_whole_number(value: str) -> None:
    result = run_infer([{"stream": "s", "record": {"a": 1}}], f"--max-properties={value}")
    assert result.returncode == 2
    assert result.stdout == b""
    stderr = result.stderr.decode()
    errors = [line for line in stderr.splitlines() if "error" in line]
    assert errors == [f"observes-infer: error: argument --max-properties: must be a whole "
                      f"number, 1 or more, got {value!r}"], stderr
    assert "Traceback" not in stderr


def test_max_properties_of_one_is_accepted() -> None:
    result = run_infer([{"stream": "s", "record": {"a": 1, "b": 2}}], "--max-properties", "1")
    assert result.returncode == 0, result.stderr
