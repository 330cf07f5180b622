"""A sample Checkly account: its configuration, the results of its checks, and the changes
tests make to it between runs (new results, old ones, a check deleted).

The checks run every ``every`` (10 minutes) from ``runs`` runs ago until ``now``, in
their locations in turn; every 17th run fails, every 19th of an API check is degraded,
every 13th was retried (a failed ``ATTEMPT`` result, then the ``FINAL`` one). Alerts and
check statuses follow from the results, and reports are rolled up from them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from observes_singer.tapkit.fake_api.records import iso, uuid
from tap_checkly.sample import catalogue, check_kinds, data
from tap_checkly.sample.results import alerts, at, notifications, report, run_results

Record = dict[str, Any]

API_KEY = "cu_7f3c0d2e9b8a4c6d8e1f2a3b4c5d6e7f"
ACCOUNT_ID = uuid(1, "checkly-account")
GROUP_ID = 1001
ALERTS_PER_CHECK = 100_000


@dataclass
class SampleCheck:
    """A check and its results, oldest first."""

    record: Record
    index: int
    results: list[Record] = field(default_factory=list)
    runs: int = 0

    @property
    def id(self) -> str:
        return str(self.record["id"])

    def location(self, run: int) -> str:
        locations = self.record.get("locations") or ["eu-west-1"]
        return str(locations[run % len(locations)])

    def add_run(self, started: datetime) -> list[Record]:
        made = run_results(self.record, self.runs, started, self.location(self.runs))
        self.runs += 1
        self.results.extend(made)
        self.results.sort(key=lambda r: (r["created_at"], r["id"]))
        return made


class SampleAccount:
    """``api_checks`` API checks (the first two in a check group), ``browser_checks``
    browser checks and a check of each type in ``kinds`` (``check_kinds.KINDS``: their
    results hold the free-form shapes), each with ``runs`` runs ``every`` apart ending at
    ``now``."""

    def __init__(self, *, api_checks: int = 3, browser_checks: int = 1,
                 kinds: Sequence[str] = (), runs: int = 150,
                 every: timedelta = timedelta(minutes=10), now: datetime | None = None,
                 api_key: str = API_KEY, account_id: str = ACCOUNT_ID) -> None:
        self.now = (now or datetime.now(UTC)).replace(microsecond=0)
        self.api_key = api_key
        self.account_id = account_id
        self.every = every
        self.answer_secret_values = False
        """Answer secret variables' values (Checkly answers null): tests the tap's guard."""
        self.lock = threading.Lock()
        self.secret_value = "shop-api-S3cret-7b1e"  # noqa: S105 - the sample account's own
        self.dashboard_key = "dk_5e8a0c3f6b9d2e1a4c7f"
        self.location_key = "pl_9c2e5a8b1d4f7a0c3e6b"
        created = self.now - timedelta(days=200)
        self.checks: list[SampleCheck] = []
        for n in range(api_checks):
            group = GROUP_ID if n < 2 else None
            self.checks.append(SampleCheck(
                data.api_check(n, created + timedelta(days=n), group_id=group), n))
        for k in range(browser_checks):
            n = api_checks + k
            self.checks.append(SampleCheck(data.browser_check(
                n, created + timedelta(days=n), secret_value=f"browser-{n}-S3cret"), n))
        for k, kind in enumerate(kinds):
            n = api_checks + browser_checks + k
            common = data.common(n, f"{kind.title()} check #{n}", created + timedelta(days=n),
                                 group_id=None, logical_id=f"{kind.lower()}-check-{n}")
            self.checks.append(SampleCheck(check_kinds.check(kind, common), n))
        for check in self.checks:
            offset = timedelta(seconds=(7 * check.index + 3) % 300)
            for run in range(runs):
                check.add_run(self.now - (runs - run) * every + offset)
        self.groups = [data.check_group(
            GROUP_ID, created, [c.id for c in self.checks if c.record["groupId"] == GROUP_ID]),
            data.storefront_group(GROUP_ID + 1, created)]
        self.alert_channels = data.alert_channels(
            created, [c.record for c in self.checks], GROUP_ID)
        self.dashboards = data.dashboards(created, self.dashboard_key)
        self.maintenance_windows = data.maintenance_windows(self.now)
        self.snippets = data.snippets(created)
        self.private_locations = data.private_locations(self.now, self.location_key)
        self.variables = data.environment_variables(self.secret_value)
        self.locations = catalogue.locations()
        self.runtimes = catalogue.runtimes()
        self.services = catalogue.services(created)
        self.incidents = catalogue.incidents(self.now, self.services)
        self.status_pages = catalogue.status_pages(
            self.now, self.services, self.incidents,
            data.managed("observes-status-page", referenced=True), data.unmanaged())

    # -- reading ------------------------------------------------------------------------------

    def check(self, check_id: str) -> SampleCheck | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def check_records(self) -> list[Record]:
        return [data.as_answered(c.record, secret_values=self.answer_secret_values)
                for c in self.checks]

    def group_records(self) -> list[Record]:
        return [data.as_answered(g, secret_values=self.answer_secret_values)
                for g in self.groups]

    def variable_records(self) -> list[Record]:
        return [data.answered_variable(v, secret_values=self.answer_secret_values)
                for v in self.variables]

    def statuses(self) -> list[Record]:
        return [data.check_status(c.record, c.results) for c in self.checks]

    def alerts(self) -> list[Record]:
        """Every check's alerts, oldest first."""
        found = [alert for c in self.checks
                 for alert in alerts(c.record, c.results, 1 + ALERTS_PER_CHECK * c.index)]
        return sorted(found, key=lambda a: (a["created_at"], a["id"]))

    def notifications(self) -> list[Record]:
        """What every check's alerts sent to the alert channels the check and its group
        are subscribed to, oldest first."""
        found = []
        for check in self.checks:
            subscribed = {s["alertChannelId"]
                          for holder in [check.record, *(g for g in self.groups
                                                         if g["id"] == check.record["groupId"])]
                          for s in holder["alertChannelSubscriptions"]}
            channels = [c for c in self.alert_channels if c["id"] in subscribed]
            found += notifications(check.record, check.results,
                                   1 + ALERTS_PER_CHECK * check.index, channels)
        return sorted(found, key=lambda n: (n["timestamp"], n["id"]))

    def report(self, start: datetime, end: datetime, granularity: str | None) -> list[Record]:
        return [report(c.record, c.results, start, end, granularity) for c in self.checks]

    def secrets(self) -> list[str]:
        """Every secret the account holds: secret variables' values, keys, passwords."""
        values = [v["value"] for v in self.variables if v["secret"]]
        for holder in [c.record for c in self.checks] + self.groups:
            values += [v["value"] for v in holder.get("environmentVariables") or []
                       if v["secret"]]
            auth = (holder.get("request") or holder.get("apiCheckDefaults") or {}
                    ).get("basicAuth")
            if auth:
                values.append(auth["password"])
        return [*values, self.dashboard_key, self.location_key]

    def records(self) -> dict[str, list[Record]]:
        """What the API answers for each stream (results of every type; reports by day
        over the results' span)."""
        results = [r for c in self.checks for r in c.results]
        start = min((at(r["startedAt"]) for r in results), default=self.now)
        return {
            "checks": self.check_records(), "check_groups": self.group_records(),
            "check_statuses": self.statuses(), "alert_channels": self.alert_channels,
            "check_alerts": self.alerts(), "alert_notifications": self.notifications(),
            "dashboards": self.dashboards,
            "maintenance_windows": self.maintenance_windows, "snippets": self.snippets,
            "private_locations": self.private_locations,
            "environment_variables": self.variable_records(), "check_results": results,
            "reporting": self.report(start, datetime.now(UTC), "day"),
            "locations": self.locations, "runtimes": self.runtimes,
            "status_pages": self.status_pages, "status_page_services": self.services,
            "status_page_incidents": self.incidents,
        }

    # -- changing -----------------------------------------------------------------------------

    def add_results(self, check_id: str, runs: int) -> list[Record]:
        """``runs`` new runs of a check, started after its newest result and done a few
        seconds ago (a retried run takes up to about 13 s)."""
        check = self._existing(check_id)
        with self.lock:
            newest = at(check.results[-1]["created_at"]) if check.results else self.now
            until = datetime.now(UTC) - timedelta(seconds=20)
            step = (until - newest) / runs
            made = []
            for k in range(runs):
                made += check.add_run(newest + step * k + timedelta(milliseconds=1))
            return made

    def add_run(self, check_id: str, started: datetime, stored_after: timedelta
                ) -> list[Record]:
        """A run of a check that started at ``started`` and whose results Checkly stored
        ``stored_after`` later (their ``created_at``)."""
        check = self._existing(check_id)
        with self.lock:
            made = check.add_run(started)
            for result in made:
                stored = at(result["startedAt"]) + stored_after
                result["stoppedAt"] = iso(stored - timedelta(milliseconds=200))
                result["created_at"] = result["createdAt"] = iso(stored)
            check.results.sort(key=lambda r: (r["created_at"], r["id"]))
            return made

    def add_old_results(self, check_id: str, ages: Sequence[timedelta]) -> list[Record]:
        """Runs of a check that started ``ages`` before ``now``."""
        check = self._existing(check_id)
        with self.lock:
            return [r for age in ages for r in check.add_run(self.now - age)]

    def delete_check(self, check_id: str) -> None:
        """The check is gone, and its status, results and alerts with it."""
        check = self._existing(check_id)
        with self.lock:
            self.checks.remove(check)
            for group in self.groups:
                group["checks"] = [c for c in group["checks"] if c != check_id]

    def _existing(self, check_id: str) -> SampleCheck:
        check = self.check(check_id)
        if check is None:
            raise KeyError(f"no check {check_id} in the sample account")
        return check
