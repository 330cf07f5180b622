"""What the account's checks alerted, differentially: ``check_alerts``, the alerts, and
``alert_notifications``, what each alert sent to each alert channel.

``GET /v1/check-alerts?from=...&to=...&limit=100&page=...`` answers a bare array of the
alerts created in the window, which may span at most 6 hours; ``GET
/v1/alert-notifications`` the same of the notifications sent in the window, which may
span at most 24 hours, at 5 requests every 10 seconds at most (the API reference). Both
are paged like every v1 listing. The tap reads windows of that length from the bookmark
to the run's start, each window's records emitted oldest first; the bookmark is the end
of the last window read. A first run starts at ``start_date`` or 30 days back, whichever
is later (the API reference gives no retention for either; 30 days is that of raw
results). A later run asks from the bookmark less :data:`OVERLAP`, so that a record
stored a little after its time is not missed, and emits only records not older than the
bookmark (a notification whose ``timestamp`` is null, not sent yet, is emitted each time
it is read: the target keeps one row per ``id``).
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


class SentAlertsStream(WindowedStream):
    """A listing of what alerts sent, asked a window at a time and paged by number."""

    primary_keys = ("id",)
    is_sorted = True

    def first_start(self) -> datetime:
        return first_run_start(self.config.get("start_date"), self.run_started,
                               RAW_RESULTS_KEPT)

    def start(self, bookmark: datetime | None) -> datetime:
        return bookmark - OVERLAP if bookmark is not None else self.first_start()

    def read_window(self, context: Context | None, bookmark: datetime | None
                    ) -> Iterable[Record]:
        """The window's records, all its pages read, oldest first; those older than the
        bookmark were emitted by an earlier run."""
        key = str(self.replication_key)
        rows = list(self.request_records(context))
        if bookmark is not None:
            rows = [r for r in rows if (instant(r.get(key)) or bookmark) >= bookmark]
        return sorted(rows, key=lambda r: (str(r.get(key) or ""), str(r.get("id"))))

    def get_new_paginator(self) -> NumberedPaginator:
        paginator = page_paginator()
        self._paginator = paginator
        return paginator

    def get_url_params(self, context: Context | None, next_page_token: Any
                       ) -> dict[str, Any]:
        return {**self.window_params(), "limit": PAGE_SIZE, "page": next_page_token or 1}


class CheckAlertsStream(SentAlertsStream):
    name = "check_alerts"
    path = "/v1/check-alerts"
    replication_key = "created_at"
    window = timedelta(hours=6)


class AlertNotificationsStream(SentAlertsStream):
    """Each notification an alert sent to an alert channel: its channel's type and
    ``alertConfig`` (as Checkly keeps the channel's settings, a free-form object), whether
    it was sent, and what the channel answered."""

    name = "alert_notifications"
    path = "/v1/alert-notifications"
    replication_key = "timestamp"
    window = timedelta(hours=24)
