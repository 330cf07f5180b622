"""tap-checkly: a Checkly account's checks, their results and alerts, and its settings."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from singer_sdk import typing as th

from observes_singer.tapkit.budget import budget_settings
from observes_singer.tapkit.cli import tap_main
from observes_singer.tapkit.pacing import Pacing
from observes_singer.tapkit.prefetch import concurrency_setting
from observes_singer.tapkit.tap import SourceTap
from tap_checkly.alerts import AlertNotificationsStream, CheckAlertsStream
from tap_checkly.reporting import ReportingStream
from tap_checkly.results import CheckResultsStream
from tap_checkly.session import (
    DEFAULT_API_URL,
    DEFAULT_NOTIFICATIONS_RATE_LIMIT,
    DEFAULT_RATE_LIMIT,
    DEFAULT_RESULTS_RATE_LIMIT,
    checkly_pacing,
)
from tap_checkly.status_pages import STATUS_PAGE_STREAMS
from tap_checkly.streams import CONFIGURATION_STREAMS, ChecklyStream


def _rate_limit(name: str, default: dict[str, int], description: str) -> th.Property[Any]:
    return th.Property(
        name, th.ObjectType(
            th.Property("requests", th.IntegerType(minimum=1), required=True,
                        description="Requests allowed in the window (1 or more)"),
            th.Property("seconds", th.NumberType(exclusive_minimum=0), required=True,
                        description="The window, in seconds (more than 0)")),
        default=default, description=description)


class TapCheckly(SourceTap):
    """A Checkly account's checks, check groups, statuses, alert channels, dashboards,
    maintenance windows, snippets, private locations, environment variables (secret
    values never emitted), status pages with their services and incidents, and the
    locations and runtimes Checkly offers; and its check results, alerts, the
    notifications they sent and daily reports, read differentially."""

    name = "tap-checkly"
    config_jsonschema = th.PropertiesList(
        th.Property("api_key", th.StringType, required=True, secret=True,
                    description="A Checkly API key (a read-only one is enough), sent as a "
                    "Bearer token to api_url only"),
        th.Property("account_id", th.StringType, required=True,
                    description="The account's id (Account settings, General), sent as "
                    "X-Checkly-Account"),
        th.Property("api_url", th.StringType, default=DEFAULT_API_URL,
                    description="Checkly's public API root"),
        th.Property("start_date", th.DateTimeType,
                    description="Where a first run starts: check results and alerts from "
                    "then on, or from 30 days back (what Checkly keeps) if that is later; "
                    "reports from then on. By default, 30 days back"),
        *budget_settings(
            "Pages read in one run, per check for check_results, in all for "
            "check_alerts, alert_notifications and reporting",
            "Seconds check_results, check_alerts, alert_notifications and reporting may "
            "run before they stop cleanly"),
        _rate_limit("rate_limit", DEFAULT_RATE_LIMIT,
                    "{requests: N, seconds: W}: the tap sends at most N requests in any W "
                    "seconds, every route counted (Checkly allows 600 every 60 s and sends "
                    "no rate-limit header: the tap paces itself)"),
        _rate_limit("check_results_rate_limit", DEFAULT_RESULTS_RATE_LIMIT,
                    "{requests: N, seconds: W}: at most N requests to /v2/check-results in "
                    "any W seconds (Checkly allows 60 every 60 s there)"),
        _rate_limit("alert_notifications_rate_limit", DEFAULT_NOTIFICATIONS_RATE_LIMIT,
                    "{requests: N, seconds: W}: at most N requests to "
                    "/v1/alert-notifications in any W seconds (Checkly allows 5 every 10 s "
                    "there)"),
        concurrency_setting("checks (check_results, within the rate limits above)"),
    ).to_dict()

    @cached_property
    def pacing(self) -> Pacing:
        """One pace for all the streams: Checkly counts the account's requests."""
        return checkly_pacing(self.config.get("rate_limit"),
                              self.config.get("check_results_rate_limit"),
                              self.config.get("alert_notifications_rate_limit"),
                              log=self.logger.info)

    def discover_streams(self) -> list[ChecklyStream]:
        kinds: list[type[ChecklyStream]] = [*CONFIGURATION_STREAMS, *STATUS_PAGE_STREAMS,
                                            CheckResultsStream, CheckAlertsStream,
                                            AlertNotificationsStream, ReportingStream]
        return [kind(tap=self) for kind in kinds]


def main() -> None:
    tap_main(TapCheckly)


if __name__ == "__main__":
    main()
