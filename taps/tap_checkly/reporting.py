"""``reporting``: each check's rolled-up statistics, one record per check and UTC day.

``GET /v1/reporting?from=...&to=...&granularity=day`` answers, per check (``name``,
``checkId``, ``checkType``, ``deactivated``, ``tags``), one aggregate per day in
``aggregates`` (``successRatio``, ``avg``, ``p95``, ``p99`` and the bucket's ``from``
and ``to``, clamped to the window; days without runs left out), for windows of at most
400 days and 120 buckets (the API reference). The tap emits a record per check and day:
the check's fields, the day's ``from`` and ``to``, and its ``aggregate``; the key is
``checkId`` and ``from``.

Checkly keeps the rolled-up results indefinitely: a first run starts at ``start_date``
(by default 30 days back), at midnight UTC, and reads 120-day windows up to the run's
start. The bookmark is the start of the last day read, which was still going on: the next
run reads that day again, whole, and the target's upsert replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import requests

from observes_singer.tapkit.moments import day_start
from tap_checkly.moments import first_run_start
from tap_checkly.windows import WindowedStream

Record = dict[str, Any]
Context = Mapping[str, Any]
CHECK_FIELDS = ("name", "checkId", "checkType", "deactivated", "tags")
AGGREGATE_FIELDS = ("successRatio", "avg", "p95", "p99")


class ReportingStream(WindowedStream):
    name = "reporting"
    path = "/v1/reporting"
    primary_keys = ("checkId", "from")
    replication_key = "from"
    is_sorted = False
    window = timedelta(days=120)

    def first_start(self) -> datetime:
        return day_start(first_run_start(self.config.get("start_date"), self.run_started,
                                         None))

    def start(self, bookmark: datetime | None) -> datetime:
        return day_start(bookmark) if bookmark is not None else self.first_start()

    def window_end_bookmark(self, end: datetime) -> datetime:
        return day_start(end)

    def get_new_paginator(self) -> None:
        return None

    def get_url_params(self, context: Context | None, next_page_token: Any
                       ) -> dict[str, Any]:
        return {**self.window_params(), "granularity": "day"}

    def parse_response(self, response: requests.Response) -> Iterable[Record]:
        for entry in super().parse_response(response):
            yield from day_records(entry)


def day_records(entry: Record) -> list[Record]:
    """A check's entry of a report by day: a record per day."""
    check = {field: entry.get(field) for field in CHECK_FIELDS}
    return [{**check, "from": bucket.get("from"), "to": bucket.get("to"),
             "aggregate": {field: bucket.get(field) for field in AGGREGATE_FIELDS}}
            for bucket in entry.get("aggregates") or []]
