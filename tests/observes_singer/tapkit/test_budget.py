"""The run budget (``max_pages``, ``max_duration``) and what every source's stream takes
from the kit: its budget, its base URL and its schema."""

from __future__ import annotations

from typing import Any

import pytest
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from observes_singer.tapkit import budget as budget_module
from observes_singer.tapkit.budget import BUDGET_SETTINGS, RunBudget, Spent
from observes_singer.tapkit.rest import SourceStream
from observes_singer.tapkit.schemas import schema


class Clock:
    """``time.monotonic`` in these tests: moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(budget_module.time, "monotonic", ticking)
    return ticking


def test_no_settings_no_bound(clock: Clock) -> None:
    budget = RunBudget.from_config({})
    budget.page_read(10_000)
    clock.now += 1e9
    assert budget.exhausted() is None


def test_pages_are_counted_per_part_on_one_clock(clock: Clock) -> None:
    budget = RunBudget.from_config({"max_pages": 2, "max_duration": 60})
    first, second = budget.part(), budget.part()
    first.page_read()
    assert first.exhausted() is None
    first.page_read()
    assert first.exhausted() == Spent("max_pages", 2)
    assert str(first.exhausted()) == "max_pages (2)"
    assert second.exhausted() is None  # its own pages
    clock.now += 61
    assert second.exhausted() == Spent("max_duration", 60.0)  # the same clock
    assert str(second.exhausted()) == "max_duration (60 s)"


def test_the_clock_starts_at_start_or_at_the_first_question(clock: Clock) -> None:
    asked = RunBudget(max_duration=5)
    started = RunBudget(max_duration=5)
    started.start()
    clock.now += 10
    assert started.out_of_time()
    assert not asked.out_of_time()  # its clock starts now
    clock.now += 5
    assert not asked.out_of_time()  # 5 s: not past
    clock.now += 0.5
    assert asked.out_of_time()


def test_max_duration_is_named_first(clock: Clock) -> None:
    budget = RunBudget(max_pages=1, max_duration=1)
    budget.start()
    budget.page_read()
    clock.now += 2
    spent = budget.exhausted()
    assert spent is not None and spent.setting == "max_duration"


def test_read_first_lets_the_run_read_a_page(clock: Clock) -> None:
    run = RunBudget(max_duration=1, read_first=True)
    run.start()
    clock.now += 10
    table = run.part()
    assert table.exhausted() is None  # nothing read yet on the run's clock
    table.page_read()
    assert str(table.exhausted()) == "max_duration (1 s)"
    assert str(run.part().exhausted()) == "max_duration (1 s)"  # the next table too


def test_the_settings_are_declared_once() -> None:
    properties = th.PropertiesList(*BUDGET_SETTINGS).to_dict()["properties"]
    assert properties["max_pages"]["type"] == ["integer", "null"]
    assert properties["max_pages"]["minimum"] == 1
    assert properties["max_duration"]["exclusiveMinimum"] == 0
    assert all(p["description"] for p in properties.values())


# -- what a stream takes from the kit ------------------------------------------------------------

class ProjectsStream(SourceStream):
    name = "projects"
    path = "/projects"
    source = "Somewhere"
    default_url = "https://api.example.com/v2/"
    schema_package = "tap_gitlab"


class TapSomewhere(Tap):
    name = "tap-somewhere"
    config_jsonschema = th.PropertiesList(th.Property("api_url", th.StringType),
                                          *BUDGET_SETTINGS).to_dict()

    def discover_streams(self) -> list[ProjectsStream]:
        return [ProjectsStream(tap=self)]


def stream(**config: Any) -> ProjectsStream:
    found = TapSomewhere(config=config).streams["projects"]
    assert isinstance(found, ProjectsStream)
    return found


def test_the_url_is_the_setting_else_the_default_without_a_trailing_slash() -> None:
    assert stream().url_base == "https://api.example.com/v2"
    assert stream(api_url="http://127.0.0.1:8080/api/").url_base == "http://127.0.0.1:8080/api"


def test_no_url_at_all_names_the_setting() -> None:
    class Nowhere(ProjectsStream):
        default_url = None

    tap = TapSomewhere(config={})
    with pytest.raises(ConfigValidationError, match="api_url: required, the root of "
                                                    "Somewhere's API"):
        _ = Nowhere(tap=tap).url_base


def test_the_schema_comes_from_the_package_unless_given() -> None:
    assert stream().schema == schema("tap_gitlab", "projects")
    given = {"type": "object", "properties": {"id": {"type": "integer"}}}
    tap = TapSomewhere(config={})
    assert ProjectsStream(tap=tap, schema=given).schema == given


def test_the_stream_budget_is_the_settings() -> None:
    found = stream(max_pages=3, max_duration=1.5).budget
    assert (found.max_pages, found.max_duration) == (3, 1.5)
