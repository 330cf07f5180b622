"""tap-timedoctor: one Time Doctor company's users, projects, tasks, worklogs, computer
activity, screenshot and video metadata, and manual time edits."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from singer_sdk import typing as th

from observes_singer.tapkit.budget import budget_settings
from observes_singer.tapkit.cli import tap_main
from observes_singer.tapkit.tap import SourceTap
from tap_timedoctor.activity import (
    ActivityStream,
    ComputerActivityStream,
    TimeEditsStream,
    WorklogsStream,
)
from tap_timedoctor.files import FileActivityStream
from tap_timedoctor.periods import Period, period_errors, run_period
from tap_timedoctor.roster import user_ids
from tap_timedoctor.session import DEFAULT_API_URL, Access, sign_in
from tap_timedoctor.streams import COMPANY_STREAMS, TimeDoctorStream

ACTIVITY_STREAMS: list[type[ActivityStream]] = [
    WorklogsStream, ComputerActivityStream, FileActivityStream, TimeEditsStream]
STREAM_TYPES: list[type[TimeDoctorStream]] = [*COMPANY_STREAMS, *ACTIVITY_STREAMS]
STREAM_NAMES = ("users", "projects", "tasks", "worklogs", "computer_activity",
                "file_activity", "time_edits")
ACTIVITY = "worklogs, computer_activity, file_activity and time_edits"
"""The streams read by period, in windows."""


def credential_errors(config: Mapping[str, Any]) -> list[str]:
    if config.get("token"):
        return []
    missing = [name for name in ("email", "password") if not config.get(name)]
    if missing:
        return [f"{' and '.join(missing)}: required without a token (give token, or "
                "email and password to log in with)"]
    return []


def stream_errors(config: Mapping[str, Any]) -> list[str]:
    wanted = config.get("streams")
    if not isinstance(wanted, list):
        return []
    unknown = [name for name in wanted if name not in STREAM_NAMES]
    if not unknown:
        return [] if wanted else ["streams: name at least one stream, or leave streams "
                                  "out to sync them all"]
    return [f"streams: no stream {', '.join(map(repr, unknown))}; the streams are "
            f"{', '.join(STREAM_NAMES)}"]


class TapTimeDoctor(SourceTap):
    """A Time Doctor company's users, projects and tasks, and its worklogs, computer
    activity, screenshot and video metadata and manual time edits over a period, read in
    7-day windows."""

    name = "tap-timedoctor"
    config_jsonschema = th.PropertiesList(
        th.Property("token", th.StringType, secret=True,
                    description="A Time Doctor API token (POST /api/1.0/login gives one, "
                    "valid six months), sent as \"JWT <token>\" to api_url only. Else "
                    "email and password"),
        th.Property("email", th.StringType,
                    description="The email of a Time Doctor login (a manager or admin of "
                    "the company) the tap logs in with at start, when there is no token"),
        th.Property("password", th.StringType, secret=True,
                    description="That login's password, sent to api_url's /login only"),
        th.Property("company_id", th.StringType,
                    description="The company's id, sent as company on every call; by "
                    "default the login's only company"),
        th.Property("api_url", th.StringType, default=DEFAULT_API_URL,
                    description="Time Doctor's API root"),
        th.Property("start_date", th.DateTimeType,
                    description=f"Where {ACTIVITY} start; by default the first "
                    "instant of the run's month (UTC)"),
        th.Property("end_date", th.DateTimeType,
                    description="Where they end (excluded); by default the run's start"),
        th.Property("month", th.StringType,
                    description="YYYY-MM, \"previous\" or \"current\": read that month (UTC), "
                    "from its first instant to the next month's; not with start_date or "
                    "end_date"),
        th.Property("streams", th.ArrayType(th.StringType),
                    description=f"The streams to sync ({', '.join(STREAM_NAMES)}); by "
                    "default all"),
        *budget_settings(
            f"Pages {ACTIVITY} each read in one run, checked between 7-day windows",
            f"Seconds {ACTIVITY} each may run before they stop cleanly between two "
            "windows"),
    ).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted = self.config.get("streams")
        if wanted:
            for name, stream in self.streams.items():
                if name not in wanted:
                    stream.selected = False

    def extra_config_errors(self, config: dict[str, Any]) -> list[str]:
        return credential_errors(config) + period_errors(config) + \
            stream_errors(config)

    @cached_property
    def period(self) -> Period:
        found = run_period(self.config, self.run_started)
        self.logger.info("%s: %s", ACTIVITY, found)
        return found

    @cached_property
    def access(self) -> Access:
        """The token and the company, logged in for once a run."""
        return sign_in(self.config, log=self.logger.warning)

    @cached_property
    def user_ids(self) -> list[str]:
        return user_ids(self.config, self.access, log=self.logger.warning)

    def discover_streams(self) -> list[TimeDoctorStream]:
        return [kind(tap=self) for kind in STREAM_TYPES]


def main() -> None:
    tap_main(TapTimeDoctor)


if __name__ == "__main__":
    main()
