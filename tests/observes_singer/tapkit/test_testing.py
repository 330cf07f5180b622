"""The tap authors' test kit: running a tap, reading its messages, the schema-coverage
check and the standard tests' wiring."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from tap_gitlab.tap import TapGitLab

from observes_singer.tapkit.testing import (
    assert_schemas_cover,
    last_state,
    records,
    run_tap,
    standard_tap_tests,
    uncovered_fields,
)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "user": {"type": ["null", "object"], "properties": {"id": {"type": "integer"}}},
        "artifacts": {"type": "array", "items": {
            "type": "object", "properties": {"size": {"type": "integer"}}}},
        "labels": {"type": "array", "items": {"type": "string"}},
        "extra": {"type": "object"},  # free-form: anything goes, and singer-sdk keeps it
        "open": {"type": "object", "properties": {}, "additionalProperties": True},
        "either": {"anyOf": [{"type": "null"},
                             {"type": "object", "properties": {"a": {"type": "string"}}}]},
    },
}


def test_uncovered_fields_are_found_at_every_depth() -> None:
    rows = [
        {"id": 1, "user": {"id": 2, "email": "a@b"}, "artifacts": [{"size": 1, "kind": "x"}],
         "labels": ["a"], "extra": {"whatever": {"deep": 1}}, "open": {"k": 1},
         "either": {"a": "x", "b": "y"}, "new_field": None},
        {"id": 2, "user": None, "artifacts": [], "either": None},
    ]
    assert uncovered_fields(rows, SCHEMA) == ["artifacts[].kind", "either.b", "new_field",
                                              "user.email"]
    assert uncovered_fields([{"id": 1, "labels": ["x"]}], SCHEMA) == []


def test_assert_schemas_cover_lists_each_stream_and_field() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_schemas_cover({"jobs": [{"id": 1, "user": {"id": 1, "bot": True}}],
                              "runners": [{"id": 1}]}, {"jobs": SCHEMA})
    assert str(failure.value) == ("fields the schemas lack (the tap would drop them):\n"
                                  "  jobs: user.bot\n  runners: no schema at all")
    messages = [{"type": "SCHEMA", "stream": "jobs", "schema": SCHEMA},
                {"type": "RECORD", "stream": "jobs", "record": {"id": 1}},
                {"type": "STATE", "value": {"bookmarks": {}}}]
    assert_schemas_cover(messages)


def test_run_tap_returns_messages_stderr_and_exit_code(tmp_path: Any) -> None:
    tap = tmp_path / "tiny_tap.py"
    tap.write_text(
        "import json, sys\n"
        "config = json.load(open(sys.argv[sys.argv.index('--config') + 1]))\n"
        "print(json.dumps({'type': 'RECORD', 'stream': 's', 'record': config}))\n"
        "print(json.dumps({'type': 'STATE', 'value': {'n': 1}}))\n"
        "print('a log line', file=sys.stderr)\n"
        "sys.exit(3)\n")
    run = run_tap([sys.executable, str(tap)], {"token": "x"})
    code, messages, stderr = run
    assert (code, stderr) == (3, "a log line\n")
    assert records(messages, "s") == [{"token": "x"}] == run.records("s")
    assert last_state(messages) == {"n": 1} == run.last_state()


def test_run_tap_refuses_stdout_that_is_not_singer(tmp_path: Any) -> None:
    tap = tmp_path / "chatty_tap.py"
    tap.write_text("print('hello')\n")
    with pytest.raises(AssertionError, match="stdout line 1 is not a Singer message: 'hello'"):
        run_tap([sys.executable, str(tap)], {})


def test_standard_tests_can_be_marked_as_expected_failures() -> None:
    config = {"api_url": "http://127.0.0.1:1/api/v4", "private_token": "x",
              "projects": ["a/b"]}
    marked = standard_tap_tests(TapGitLab, config,
                                expected_failures={"tap_cli_prints": "the reason"})
    marks = marked.test_tap_cli_prints.pytestmark
    assert [(m.name, m.kwargs) for m in marks] == [
        ("xfail", {"reason": "the reason", "strict": True})]
    with pytest.raises(ValueError, match="no standard test test_tap_nothing; they are: "):
        standard_tap_tests(TapGitLab, config, expected_failures={"tap_nothing": "?"})
