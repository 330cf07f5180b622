"""Checkly's streams: what they share, and the account's configuration.

Every request carries the API key as a Bearer token and the account in
``X-Checkly-Account``, to ``api_url``'s origin only, paced below Checkly's rate limits
(:mod:`tap_checkly.session`), and is retried as the tap kit retries.

The configuration streams are read whole each run (a full table: the target replaces
them): ``GET /v1/checks``, ``/v1/check-groups``, ``/v1/alert-channels``,
``/v1/dashboards``, ``/v1/maintenance-windows``, ``/v1/snippets`` and ``/v1/variables``
answer a bare JSON array, paged by ``limit`` (at most 100) and ``page`` (from 1) with no
count nor link: a page shorter than ``limit`` is the last. ``/v1/check-statuses`` and
``/v1/private-locations`` answer the whole list at once. ``max_pages`` and
``max_duration`` do not stop them: a table read in part would replace the whole one.

Secrets in them are written as null and counted (:mod:`tap_checkly.secret_values`): the
values of variables marked secret (``environment_variables``, and the
``environmentVariables`` of ``checks`` and ``check_groups``), the ``rawKey`` of the keys
of ``dashboards`` and ``private_locations``, and basic auth passwords.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.pagination import BaseAPIPaginator

from observes_singer.tapkit.pacing import Pacing
from observes_singer.tapkit.paging import NumberedPaginator
from observes_singer.tapkit.rest import SourceStream
from tap_checkly.secret_values import HiddenValues, hide_secrets
from tap_checkly.session import (
    ACCOUNT_HEADER,
    CREDENTIAL_HEADERS,
    DEFAULT_API_URL,
    HINTS,
    SOURCE,
    checkly_retry_policy,
)

if TYPE_CHECKING:
    from tap_checkly.tap import TapCheckly

Record = dict[str, Any]
Context = Mapping[str, Any]
PAGE_SIZE = 100
"""The most ``limit`` Checkly accepts."""


def page_paginator() -> NumberedPaginator:
    """Pages 1, 2, ... of a bare array, until one holds fewer than :data:`PAGE_SIZE`
    rows."""
    return NumberedPaginator(size=PAGE_SIZE, first=1)


class ChecklyStream(SourceStream):
    """A stream of Checkly's API: its credentials, hints, retries and pace."""

    source: ClassVar[str] = SOURCE
    credential_headers: ClassVar[tuple[str, ...]] = CREDENTIAL_HEADERS
    hints: ClassVar[Mapping[int, str]] = HINTS
    default_url = DEFAULT_API_URL
    schema_package = "tap_checkly"
    retry_policy = checkly_retry_policy()
    records_jsonpath = "$[*]"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hidden = HiddenValues()

    @property
    def checkly(self) -> TapCheckly:
        return cast("TapCheckly", self._tap)

    @property
    def authenticator(self) -> BearerTokenAuthenticator:
        return BearerTokenAuthenticator(token=str(self.config["api_key"]))

    @property
    def http_headers(self) -> dict[str, Any]:
        headers = dict(super().http_headers)
        headers[ACCOUNT_HEADER] = str(self.config["account_id"])
        return headers

    def request_pacing(self) -> Pacing:
        return self.checkly.pacing

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        return hide_secrets(self.name, row, self.hidden)

    def get_records(self, context: Context | None) -> Iterable[Record]:
        yield from super().get_records(context)
        self.tell_hidden()

    def tell_hidden(self) -> None:
        """Log the secrets written as null since the last time, if any."""
        summary = self.hidden.summary()
        if summary:
            self.logger.info("%s: not emitted, written as null: %s", self.name, summary)
            self.hidden = HiddenValues()


class ConfigurationStream(ChecklyStream):
    """A listing read whole each run, page by page unless ``paged`` is false."""

    primary_keys = ("id",)
    paged: ClassVar[bool] = True

    def get_new_paginator(self) -> BaseAPIPaginator[Any] | None:
        return page_paginator() if self.paged else None

    def get_url_params(self, context: Context | None, next_page_token: Any
                       ) -> dict[str, Any]:
        if not self.paged:
            return {}
        return {"limit": PAGE_SIZE, "page": next_page_token or 1}


class ChecksStream(ConfigurationStream):
    """``GET /v1/checks``: every check, of every type, with its own settings (not its
    group's). ``/v1`` rather than ``/v2`` or ``/v3``: it also answers the flat
    ``project``, ``logicalId``, ``member`` and ``pending`` (the API reference of
    ``/v2/checks``). Each check's results are read after it (``check_results``)."""

    name = "checks"
    path = "/v1/checks"

    def get_child_context(self, record: Record, context: Context | None) -> dict[str, Any]:
        return {"checkId": record["id"]}


class CheckGroupsStream(ConfigurationStream):
    """``GET /v1/check-groups``: ``checks`` lists the ids of the group's checks."""

    name = "check_groups"
    path = "/v1/check-groups"


class CheckStatusesStream(ConfigurationStream):
    """``GET /v1/check-statuses``: every check's current status, the whole list at
    once."""

    name = "check_statuses"
    path = "/v1/check-statuses"
    primary_keys = ("checkId",)
    paged = False


class AlertChannelsStream(ConfigurationStream):
    """``GET /v1/alert-channels``: each channel's ``config`` is what its type needs, as
    Checkly keeps it (a free-form object)."""

    name = "alert_channels"
    path = "/v1/alert-channels"


class DashboardsStream(ConfigurationStream):
    """``GET /v1/dashboards``; the ``rawKey`` of a private dashboard's keys is null."""

    name = "dashboards"
    path = "/v1/dashboards"


class MaintenanceWindowsStream(ConfigurationStream):
    name = "maintenance_windows"
    path = "/v1/maintenance-windows"


class SnippetsStream(ConfigurationStream):
    name = "snippets"
    path = "/v1/snippets"


class PrivateLocationsStream(ConfigurationStream):
    """``GET /v1/private-locations``, the whole list at once; the ``rawKey`` of the
    agents' API keys is null."""

    name = "private_locations"
    path = "/v1/private-locations"
    paged = False


class EnvironmentVariablesStream(ConfigurationStream):
    """``GET /v1/variables``: the account's environment variables. A variable marked
    ``secret`` never has its value emitted: Checkly answers it as null, and should it
    ever send one, the tap writes null instead; each is counted, and the count logged
    when the stream ends."""

    name = "environment_variables"
    path = "/v1/variables"
    primary_keys = ("key",)


class LocationsStream(ConfigurationStream):
    """``GET /v1/locations``: the public locations Checkly runs checks from, the whole list
    at once."""

    name = "locations"
    path = "/v1/locations"
    primary_keys = ("region",)
    paged = False


class RuntimesStream(ConfigurationStream):
    """``GET /v1/runtimes``: the runtimes Checkly offers, each with the packages it
    includes (``dependencies``, package name to version), the whole list at once."""

    name = "runtimes"
    path = "/v1/runtimes"
    primary_keys = ("name",)
    paged = False


CONFIGURATION_STREAMS: list[type[ConfigurationStream]] = [
    ChecksStream, CheckGroupsStream, CheckStatusesStream, AlertChannelsStream,
    DashboardsStream, MaintenanceWindowsStream, SnippetsStream, PrivateLocationsStream,
    EnvironmentVariablesStream, LocationsStream, RuntimesStream]
