"""A time bookmark later than the run's start stops a tap on the kit before it reads
anything, naming the stream, the partition and the value; one within the clock skew
allowed, a bookmark of another kind, and a stream not selected do not."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from singer_sdk import Stream
from singer_sdk import typing as th

from observes_singer.tapkit.bookmarks import CLOCK_SKEW, FutureBookmarkError
from observes_singer.tapkit.moments import iso
from observes_singer.tapkit.tap import SourceTap


class Stamped(Stream):
    """Records replicated on a date-time; reading one means the check let the run go."""

    name = "stamped"
    replication_key = "updated_at"
    schema = th.PropertiesList(th.Property("id", th.IntegerType),
                               th.Property("updated_at", th.DateTimeType)).to_dict()

    def get_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        raise AssertionError(f"{self.name} was read")


class Per(Stamped):
    name = "per_project"
    state_partitioning_keys = ["project"]


class Numbered(Stamped):
    name = "numbered"
    replication_key = "id"


class TapStamps(SourceTap):
    """Stamped records."""

    name = "tap-stamps"
    config_jsonschema = th.PropertiesList().to_dict()

    def discover_streams(self) -> list[Stream]:
        return [Stamped(self), Per(self), Numbered(self)]


def bookmark(key: str, value: Any) -> dict[str, Any]:
    return {"replication_key": key, "replication_key_value": value}


def check(state: dict[str, Any]) -> TapStamps:
    tap = TapStamps(config={}, state=state)
    tap.check_bookmarks()
    return tap


def test_a_bookmark_after_the_run_s_start_is_an_error_naming_it() -> None:
    tap = TapStamps(config={}, state={"bookmarks": {
        "stamped": bookmark("updated_at", "2099-01-01T00:00:00Z"),
        "per_project": {"partitions": [
            {"context": {"project": "a/b"}, **bookmark("updated_at", "2020-01-01T00:00:00Z")},
            {"context": {"project": "c/d"}, **bookmark("updated_at", "2099-03-01")}]}}})
    with pytest.raises(FutureBookmarkError) as failure:
        tap.sync_all()
    assert str(failure.value) == (
        f"2 bookmarks later than the run's start ({iso(tap.run_started)}, 10 minutes of "
        "clock skew allowed): per_project (project=c/d) updated_at=2099-03-01; stamped "
        "updated_at=2099-01-01T00:00:00Z. The state runs ahead of the source (a clock "
        "set wrong, a record stamped in the future, or a state edited by hand), and reading "
        "from there would load nothing. Nothing was read; set the bookmark to the last "
        "instant loaded (observes state get JOB > state.json, edit it, observes state set "
        "JOB state.json), or remove it to read as a first run does")


def test_a_few_are_named_and_the_others_counted() -> None:
    partitions = [{"context": {"project": f"p{n}"}, **bookmark("updated_at", "2099-01-01")}
                  for n in range(5)]
    with pytest.raises(FutureBookmarkError, match=r"^5 bookmarks .*\(project=p2\) "
                       r"updated_at=2099-01-01; and 2 more\. The state"):
        check({"bookmarks": {"per_project": {"partitions": partitions}}})


def test_a_bookmark_within_the_clock_skew_is_read_from() -> None:
    tap = TapStamps(config={})
    ahead = tap.run_started + CLOCK_SKEW - timedelta(seconds=5)
    tap.load_state({"bookmarks": {"stamped": bookmark("updated_at", iso(ahead))}})
    tap.check_bookmarks()
    past = tap.run_started + CLOCK_SKEW + timedelta(seconds=5)
    tap.load_state({"bookmarks": {"stamped": bookmark("updated_at", iso(past))}})
    with pytest.raises(FutureBookmarkError, match="a bookmark later than the run's start"):
        tap.check_bookmarks()


def test_bookmarks_of_another_kind_or_another_key_are_not_times() -> None:
    check({"bookmarks": {
        "numbered": bookmark("id", 99_999_999_999),  # an id, not a time
        "stamped": {**bookmark("created_at", "2099-01-01T00:00:00Z")},  # not this key's
    }})


def test_a_stream_not_selected_is_not_checked() -> None:
    tap = TapStamps(config={}, state={"bookmarks": {
        "stamped": bookmark("updated_at", "2099-01-01T00:00:00Z")}})
    tap.streams["stamped"].selected = False
    tap.check_bookmarks()
