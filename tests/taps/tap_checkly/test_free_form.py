"""The free-form parts of check results, tap-checkly to the warehouse: every list Checkly's
spec types as free-form objects (``CheckResultFreeformObject``) or as any value arrives
whole on stdout, and loads into the warehouse whole (key/value rows; columns for the keys
the schema declares as Checkly's CLI reads them, key/value rows for the others), read
back here, each list on its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from tap_checkly.sample.account import SampleAccount
from tap_checkly.sample.check_kinds import KINDS
from tap_checkly.sample.server import ChecklyServer

from observes_singer.flatten.identifiers import MAX_IDENTIFIER_BYTES
from observes_singer.flatten.plan import plan_stream
from observes_singer.tapkit import testing
from observes_singer.tapkit.testing import TapRun
from tests.support.warehouses import Warehouse, expected, rebuild, run_target
from tests.taps.tap_checkly.documented import FREE_FORM_LISTS, FREE_FORM_OBJECT_LISTS
from tests.taps.tap_checkly.test_shapes import TYPED_BY_THE_CLI
from tests.targets.target_redshift.conftest import make_warehouse

UNPACED = {"rate_limit": {"requests": 100_000, "seconds": 1},
           "check_results_rate_limit": {"requests": 100_000, "seconds": 1}}
Record = dict[str, Any]
IDENTIFIER_BYTES = {"duckdb": MAX_IDENTIFIER_BYTES, "redshift": 63}
"""The names' limit: the Redshift of the tests is PostgreSQL behind a shim."""


@pytest.fixture(scope="module")
def account() -> SampleAccount:
    """A check of every type; 40 runs each, some failing (their free-form lists full)."""
    return SampleAccount(api_checks=1, browser_checks=1, kinds=KINDS, runs=40)


@pytest.fixture(scope="module")
def tap_run(account: SampleAccount) -> Iterator[TapRun]:
    with ChecklyServer(account) as server:
        yield testing.run_tap("tap_checkly.tap", {
            "api_url": server.url, "api_key": account.api_key,
            "account_id": account.account_id, **UNPACED}, streams=["check_results"])


def at(record: Record | None, path: str) -> Any:
    for step in path.split("."):
        if record is None:
            return None
        record = record.get(step)
    return record


def sample_results(account: SampleAccount) -> dict[str, Record]:
    return {r["id"]: r for c in account.checks for r in c.results
            if r["resultType"] == "FINAL"}


def test_the_tap_reads_every_check_type_to_the_end(tap_run: TapRun,
                                                   account: SampleAccount) -> None:
    assert tap_run.exit_code == 0, tap_run.stderr[-3000:]
    assert sorted(r["id"] for r in tap_run.records("check_results")) == \
        sorted(sample_results(account))


@pytest.mark.parametrize(("part", "path"), FREE_FORM_LISTS)
def test_each_free_form_list_arrives_whole(tap_run: TapRun, account: SampleAccount,
                                           part: str, path: str) -> None:
    assert tap_run.exit_code == 0, tap_run.stderr[-3000:]
    sent = sample_results(account)
    emitted = {r["id"]: at(r.get(part), path) for r in tap_run.records("check_results")}
    assert emitted == {i: at(r.get(part), path) for i, r in sent.items()}
    # the sample holds objects there, with keys the schema does not name
    declared = set(items_schema(tap_run, part, path).get("properties") or ())
    assert any(isinstance(item, dict) and set(item) - declared
               for items in emitted.values() for item in items or ())


def items_schema(tap_run: TapRun, part: str, path: str) -> Record:
    """The schema the tap gives the items of a list of a result type's field."""
    node = next(m for m in tap_run.messages if m["type"] == "SCHEMA"
                and m["stream"] == "check_results")["schema"]["properties"][part]
    for step in path.split("."):
        node = node["properties"][step]
    return dict(node["items"])


@pytest.mark.parametrize("kind", ["duckdb", "redshift"])
def test_the_free_form_lists_load_whole_into_the_warehouse(
        tap_run: TapRun, account: SampleAccount, kind: str, request: pytest.FixtureRequest,
        tmp_path: Path) -> None:
    """tap-checkly | target-redshift: each free-form item's keys become key/value rows
    (docs/architecture.md, the flattener), their values JSON text; read back and put
    together again, the items of each list are those Checkly sent."""
    assert tap_run.exit_code == 0, tap_run.stderr[-3000:]
    warehouse: Warehouse = make_warehouse(kind, request, tmp_path)
    loaded = run_target(warehouse, tap_run.messages)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    schema = next(m for m in tap_run.messages
                  if m["type"] == "SCHEMA" and m["stream"] == "check_results")
    plan = plan_stream("check_results", schema["schema"], schema["key_properties"],
                       max_identifier_bytes=IDENTIFIER_BYTES[kind])
    back = {r["id"]: r for r in rebuild(warehouse, plan)}
    emitted = {r["id"]: r for r in tap_run.records("check_results")}
    assert back == {i: expected(plan, r) for i, r in emitted.items()}
    sent = sample_results(account)
    for part, path in FREE_FORM_LISTS:
        for result_id, record in back.items():
            items = at(sent[result_id].get(part), path)
            # no rows is an empty list: a null list and an empty one load alike
            again = at(record.get(part), path) or []
            if (part, path) in TYPED_BY_THE_CLI:
                assert _same(again, items or []), (part, path, result_id)
            else:
                assert again == _as_loaded(
                    items, objects=(part, path) in FREE_FORM_OBJECT_LISTS), \
                    (part, path, result_id)


def _same(back: Any, sent: Any) -> bool:
    """Whether a value read back is the one sent, for items whose schema declares some
    keys and leaves the others open: a declared key the item left out comes back null,
    a number as floating point, an open key's value as JSON text."""
    if isinstance(sent, dict):
        return isinstance(back, dict) and set(sent) <= set(back) and \
            all(back[k] is None for k in set(back) - set(sent)) and \
            all(_same(back[k], v) for k, v in sent.items())
    if isinstance(sent, list):
        return isinstance(back, list) and len(back) == len(sent) and \
            all(_same(b, s) for b, s in zip(back, sent, strict=True))
    if isinstance(back, str) and not isinstance(sent, str):
        return bool(orjson.loads(back) == sent)
    return bool(back == sent)


def test_what_is_loaded_is_told_from_what_was_sent() -> None:
    sent = {"source": "STATUS_CODE", "target": 200, "actual": 500, "error": None}
    assert _same({"source": "STATUS_CODE", "target": "200", "actual": "500", "error": None,
                  "property": None, "regex": None}, sent)
    assert not _same({"source": "STATUS_CODE", "target": "200", "error": None}, sent)
    assert not _same({**sent, "actual": "501"}, sent)
    assert _same([{"url": "u", "title": "t", "webVitals": {"TBT": {"value": 162.0}}}],
                 [{"url": "u", "title": "t", "webVitals": {"TBT": {"value": 162}}}])


def _json_text(value: Any) -> Any:
    """A value the schema leaves open, as the warehouse holds it: JSON text, strings as
    themselves."""
    return value if value is None or isinstance(value, str) else orjson.dumps(value).decode()


def _as_loaded(items: list[Any] | None, *, objects: bool) -> list[Any]:
    """Free-form items as the warehouse gives them back: the keys of free-form objects
    (``objects``) each with its value as JSON text; items of any value as JSON text."""
    if objects:
        return [{key: _json_text(value) for key, value in item.items()} or None
                for item in items or ()]
    return [_json_text(item) for item in items or ()]
