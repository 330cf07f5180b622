"""A test kit for tap authors: run a tap, read its messages, check its schemas.

- :func:`run_tap` runs a tap as a real process (its config in a private temporary file)
  and returns its parsed messages, stderr and exit code; ``streams=[...]`` runs it with a
  catalog that selects only those streams (from its own ``--discover``, see
  :func:`select_streams`), so a test reads only what it checks.
- :func:`records` and :func:`last_state` pick out of those messages.
- :func:`standard_tap_tests` is singer-sdk's standard tap tests in one line, with the
  tests that cannot pass for a tap marked as expected failures, each with its reason.
- :func:`uncovered_fields` and :func:`assert_schemas_cover` find the fields a source
  returns that a stream's schema lacks: singer-sdk drops those from the records without
  failing, so a tap's own output never shows them; check what the sample server returns.
"""

from __future__ import annotations

import copy
import inspect
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

Message = dict[str, Any]


class TapRun(NamedTuple):
    """What a tap run left: unpacks as ``code, messages, stderr``."""

    exit_code: int
    messages: list[Message]
    stderr: str

    def records(self, stream: str) -> list[dict[str, Any]]:
        return records(self.messages, stream)

    def last_state(self) -> dict[str, Any]:
        return last_state(self.messages)


def tap_command(tap: str | Sequence[str]) -> list[str]:
    """A module name (``tap_gitlab.tap``) runs as ``python -m`` with this interpreter; a
    sequence is a command as it is."""
    return [sys.executable, "-m", tap] if isinstance(tap, str) else list(tap)


def run_tap(tap: str | Sequence[str], config: Mapping[str, Any],
            state: Mapping[str, Any] | None = None, *,
            catalog: Mapping[str, Any] | None = None, streams: Iterable[str] | None = None,
            args: Sequence[str] = (), env: Mapping[str, str] | None = None,
            timeout: float = 120) -> TapRun:
    """Run ``tap`` with ``--config`` (and ``--state``, ``--catalog``, then ``args``) and
    parse its stdout as Singer messages, one JSON object a line. A line that is not one
    fails the run at once, naming it: a tap writes nothing else on stdout. ``streams``
    selects those streams alone (a catalog made from the tap's ``--discover``)."""
    if streams is not None:
        if catalog is not None:
            raise ValueError("give run_tap a catalog or streams, not both")
        catalog = select_streams(discover(tap, config, env=env, timeout=timeout), streams)
    with tempfile.TemporaryDirectory(prefix="observes-tap-") as folder:
        command = [*tap_command(tap), "--config", _write(folder, "config.json", config)]
        if state is not None:
            command += ["--state", _write(folder, "state.json", state)]
        if catalog is not None:
            command += ["--catalog", _write(folder, "catalog.json", catalog)]
        result = subprocess.run([*command, *args], capture_output=True, text=True,
                                timeout=timeout, check=False,
                                env={**os.environ, **(env or {})})
    return TapRun(result.returncode, parse_messages(result.stdout), result.stderr)


_discovered: dict[tuple[tuple[str, ...], str, str], dict[str, Any]] = {}


def discover(tap: str | Sequence[str], config: Mapping[str, Any], *,
             env: Mapping[str, str] | None = None, timeout: float = 120) -> dict[str, Any]:
    """The tap's catalog (``--discover``), asked once per tap, config and environment in a
    test session; a fresh copy each call."""
    command = tap_command(tap)
    key = (tuple(command), json.dumps(config, sort_keys=True, default=str),
           json.dumps(dict(env or {}), sort_keys=True))
    if key not in _discovered:
        with tempfile.TemporaryDirectory(prefix="observes-tap-") as folder:
            result = subprocess.run(
                [*command, "--config", _write(folder, "config.json", config), "--discover"],
                capture_output=True, text=True, timeout=timeout, check=False,
                env={**os.environ, **(env or {})})
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} --discover exited "
                                 f"{result.returncode}: {result.stderr[-2000:]}")
        _discovered[key] = json.loads(result.stdout)
    return copy.deepcopy(_discovered[key])


def select_streams(catalog: Mapping[str, Any], streams: Iterable[str]) -> dict[str, Any]:
    """``catalog`` with ``streams`` selected and every other stream not: the ``selected``
    of each stream's top-level metadata, as Meltano writes it. singer-sdk still reads the
    parents of a selected child stream, without emitting their records."""
    wanted = set(streams)
    chosen: dict[str, Any] = copy.deepcopy(dict(catalog))
    known = {entry["tap_stream_id"] for entry in chosen["streams"]}
    if wanted - known:
        raise ValueError(f"no stream {', '.join(sorted(wanted - known))} in the catalog; "
                         f"it has: {', '.join(sorted(known))}")
    for entry in chosen["streams"]:
        metadata = entry.setdefault("metadata", [])
        top = next((m for m in metadata if m.get("breadcrumb") == []), None)
        if top is None:
            top = {"breadcrumb": [], "metadata": {}}
            metadata.append(top)
        top["metadata"]["selected"] = entry["tap_stream_id"] in wanted
    return chosen


def parse_messages(stdout: str) -> list[Message]:
    messages: list[Message] = []
    for number, line in enumerate(stdout.splitlines(), 1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if not isinstance(message, dict) or "type" not in message:
            raise AssertionError(f"stdout line {number} is not a Singer message: {line[:200]!r}")
        messages.append(message)
    return messages


def _write(folder: str, name: str, document: Mapping[str, Any]) -> str:
    path = Path(folder) / name
    path.touch(mode=0o600)
    path.write_text(json.dumps(document))
    return str(path)


def records(messages: Iterable[Message], stream: str) -> list[dict[str, Any]]:
    """The records of ``stream``, in order."""
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]


def last_state(messages: Sequence[Message]) -> dict[str, Any]:
    """The value of the last STATE message."""
    for message in reversed(messages):
        if message["type"] == "STATE":
            return dict(message["value"])
    raise AssertionError("the tap emitted no STATE message")


TIMINGS = ("time_extracted", "replication_key_signpost")
"""What differs between two runs of a tap on the same data: when each record was read, and
the signposts (when a stream's reading started, kept in the state while it reads)."""


def untimed(messages: Iterable[Any]) -> list[Any]:
    """``messages`` without :data:`TIMINGS`, at any depth: two runs that read the same
    data the same way give the same list."""
    def strip(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: strip(v) for k, v in value.items() if k not in TIMINGS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return [strip(message) for message in messages]


def same_output(runs: Sequence[TapRun], code: int = 0) -> list[Any]:
    """The output (:func:`untimed`) of ``runs``, checked to be the same for each and each
    run to have ended with ``code``."""
    for run in runs:
        assert run.exit_code == code, run.stderr[-2000:]
    outputs = [untimed(run.messages) for run in runs]
    for output in outputs[1:]:
        assert output == outputs[0], "the runs' outputs differ"
    return outputs[0]


# -- singer-sdk's standard tests --------------------------------------------------------------

def standard_tap_tests(tap_class: type[Any], config: Mapping[str, Any], *,
                       expected_failures: Mapping[str, str] | None = None,
                       **options: Any) -> type[Any]:
    """singer-sdk's standard tests for ``tap_class`` with ``config``, as a class for pytest
    to collect (``TestTapX = standard_tap_tests(TapX, config)``). ``expected_failures``
    maps a test's name (``test_tap_stream_connections``, or without ``test_``) to why it
    cannot pass for this tap: it runs as a strict xfail. ``options`` go to singer-sdk's
    ``get_tap_test_class`` (``suite_config``, ``include_stream_attribute_tests``...)."""
    import pytest
    from singer_sdk.testing import get_tap_test_class

    test_class: type[Any] = get_tap_test_class(tap_class=tap_class, config=dict(config),
                                               **options)
    for name, reason in (expected_failures or {}).items():
        attribute = name if name.startswith("test_") else f"test_{name}"
        test = getattr(test_class, attribute, None)
        if test is None:
            known = sorted(n for n in dir(test_class) if n.startswith("test_"))
            raise ValueError(f"no standard test {attribute}; they are: {', '.join(known)}")
        marked = _as_method(test)
        setattr(test_class, attribute,
                pytest.mark.xfail(reason=reason, strict=True)(marked))
    return test_class


def _as_method(test: Callable[..., None]) -> Callable[..., None]:
    """singer-sdk sets each test as another object's bound method, which a mark cannot be
    put on: a plain method with the same parameters (for pytest's fixtures) can."""
    def method(self: Any, *args: Any, **kwargs: Any) -> None:
        test(*args, **kwargs)

    parameters = list(inspect.signature(test).parameters.values())
    self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    method.__signature__ = inspect.Signature([self_parameter, *parameters])  # type: ignore[attr-defined]
    method.__doc__ = test.__doc__
    return method


# -- schema coverage --------------------------------------------------------------------------

def uncovered_fields(items: Iterable[Mapping[str, Any]], schema: Mapping[str, Any]
                     ) -> list[str]:
    """The fields of ``items`` that ``schema`` lacks, as singer-sdk would drop them:
    ``commit.author_email`` for an object's property, ``artifacts[].size`` for a property
    of a list's items. An object without ``properties`` keeps everything, as does one with
    ``additionalProperties``."""
    found: set[str] = set()
    for item in items:
        _walk(item, schema, "", found)
    return sorted(found)


def assert_schemas_cover(samples: Mapping[str, Iterable[Mapping[str, Any]]] | Iterable[Message],
                         schemas: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Fail, listing each ``stream: field``, when a sample has a field its stream's schema
    lacks. ``samples`` maps a stream to what the source returns for it, or is a tap's
    messages (records by stream, and their SCHEMA messages when ``schemas`` is None)."""
    if not isinstance(samples, Mapping):
        messages = list(samples)
        by_stream: dict[str, list[Mapping[str, Any]]] = {}
        for m in messages:
            if m["type"] == "RECORD":
                by_stream.setdefault(m["stream"], []).append(m["record"])
        if schemas is None:
            schemas = {m["stream"]: m["schema"] for m in messages if m["type"] == "SCHEMA"}
        samples = by_stream
    if schemas is None:
        raise ValueError("schemas are needed when samples are given by stream")
    problems: list[str] = []
    for stream, items in samples.items():
        if stream not in schemas:
            problems.append(f"{stream}: no schema at all")
            continue
        problems += [f"{stream}: {path}" for path in uncovered_fields(items, schemas[stream])]
    if problems:
        raise AssertionError("fields the schemas lack (the tap would drop them):\n  "
                             + "\n  ".join(problems))


def _walk(value: Any, schema: Mapping[str, Any], path: str, found: set[str]) -> None:
    if isinstance(value, dict):
        branch = _branch(schema, "properties")
        properties = branch.get("properties")
        if properties is None:
            return
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in properties:
                _walk(item, properties[key], where, found)
            elif not branch.get("additionalProperties"):
                found.add(where)
    elif isinstance(value, list):
        items = _branch(schema, "items").get("items")
        if isinstance(items, Mapping):
            for item in value:
                _walk(item, items, f"{path}[]", found)


def _branch(schema: Mapping[str, Any], wanted: str) -> Mapping[str, Any]:
    """The part of ``schema`` that declares ``wanted``, looking into anyOf/oneOf/allOf."""
    if wanted in schema:
        return schema
    for combinator in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(combinator) or []:
            if isinstance(option, Mapping) and wanted in option:
                return option
    return schema
