"""The account's status pages, their services and their incidents, read whole each run.

``GET /v1/status-pages``, ``/v1/status-pages/services`` and ``/v1/status-pages/incidents``
answer ``{"length", "entries", "nextId"}``, paged by ``limit`` (at most 100) and the
``nextId`` of the answer before, null on the last page (the API reference). The incidents
are "the latest 100 incidents for all services": the job upserts them, so that an
incident stays in the warehouse once Checkly lists newer ones instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from observes_singer.tapkit.paging import NextTokenPaginator
from tap_checkly.session import SOURCE
from tap_checkly.streams import PAGE_SIZE, ConfigurationStream

Context = Mapping[str, Any]


class StatusPageListing(ConfigurationStream):
    """A status pages listing, followed by its ``nextId`` to the end."""

    records_jsonpath = "$.entries[*]"

    def get_new_paginator(self) -> NextTokenPaginator:
        return NextTokenPaginator("nextId", source=SOURCE)

    def get_url_params(self, context: Context | None, next_page_token: Any
                       ) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if next_page_token:
            params["nextId"] = next_page_token
        return params


class StatusPagesStream(StatusPageListing):
    """``GET /v1/status-pages``: each page with its cards (and their services), its
    incidents and its keys (masked)."""

    name = "status_pages"
    path = "/v1/status-pages"


class StatusPageServicesStream(StatusPageListing):
    name = "status_page_services"
    path = "/v1/status-pages/services"


class StatusPageIncidentsStream(StatusPageListing):
    """``GET /v1/status-pages/incidents``: the latest incidents, with their updates."""

    name = "status_page_incidents"
    path = "/v1/status-pages/incidents"


STATUS_PAGE_STREAMS: list[type[ConfigurationStream]] = [
    StatusPagesStream, StatusPageServicesStream, StatusPageIncidentsStream]
