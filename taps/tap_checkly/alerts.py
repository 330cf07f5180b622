"""``check_alerts``: the alerts Checkly sent for the account's checks, differentially.

``GET /v1/check-alerts?from=...&to=...&limit=100&page=...`` answers a bare array of the
alerts created in the window, which may span at most 6 hours (the API reference), paged
like every v1 listing. The tap reads 6-hour windows from the bookmark to the run's start,
each window's alerts emitted oldest first; the bookmark is the end of the last window
read. A first run starts at ``start_date`` or 30 days back, whichever is later (the API
reference gives no retention for alerts; 30 days is that of raw results). A later run
asks from the bookmark less :data:`OVERLAP`, so that an alert stored a little after it
was created is not missed, and emits only alerts not older than the bookmark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from observes_singer.tapkit.moments import instant
from observes_singer.tapkit.paging import NumberedPaginator
from tap_checkly.moments import RAW_RESULTS_KEPT, first_run_start
from tap_checkly.streams import PAGE_SIZE, page_paginator
from tap_checkly.windows import WindowedStream

Record = dict[str, Any]
Context = Mapping[str, Any]
OVERLAP = timedelta(minutes=10)


class CheckAlertsStream(WindowedStream):
    name = "check_alerts"
    path = "/v1/check-alerts"
    primary_keys = ("id",)
    replication_key = "created_at"
    is_sorted = True
    window = timedelta(hours=6)

    def first_start(self) -> datetime:
        return first_run_start(self.config.get("start_date"), self.run_started,
                               RAW_RESULTS_KEPT)

    def start(self, bookmark: datetime | None) -> datetime:
        return bookmark - OVERLAP if bookmark is not None else self.first_start()

    def read_window(self, context: Context | None, bookmark: datetime | None
                    ) -> Iterable[Record]:
        """The window's alerts, all its pages read, oldest first; those older than the
        bookmark were emitted by an earlier run."""
        rows = list(self.request_records(context))
        if bookmark is not None:
            rows = [r for r in rows if (instant(r.get("created_at")) or bookmark) >= bookmark]
        return sorted(rows, key=lambda r: (str(r.get("created_at")), str(r.get("id"))))

    def get_new_paginator(self) -> NumberedPaginator:
        paginator = page_paginator()
        self._paginator = paginator
        return paginator

    def get_url_params(self, context: Context | None, next_page_token: Any
                       ) -> dict[str, Any]:
        return {**self.window_params(), "limit": PAGE_SIZE, "page": next_page_token or 1}
