"""The streams read over Zoho CRM's REST API, not its bulk exports: the users and the
organisation's settings, each one list of one answer.

From the CRM OpenAPI files (https://github.com/zoho/crm-oas, ``v8.0/``, commit 45dff2c of
2025-06-27; read 2026-12-07), each answer a JSON object holding the list under the
stream's key, 204 with no body when there is nothing:

- ``users``: ``GET /crm/v8/users?type=AllUsers`` (active, inactive and deleted users),
  ``users.json``; paged by ``page`` and ``per_page`` (at most 200), ``info.more_records``
  saying whether a next page follows;
- ``org``: ``GET /crm/v8/org``, ``org.json``: the organisation, one record;
- ``currencies``: ``GET /crm/v8/org/currencies``, ``currencies.json``;
- ``profiles``: ``GET /crm/v8/settings/profiles``, ``profiles.json``;
- ``roles``: ``GET /crm/v8/settings/roles``, ``roles.json``;
- ``territories``: ``GET /crm/v8/settings/territories``, ``territories.json``; paged as
  users are.

The users' own custom fields are left out, with singer-sdk's warning naming them. A page
holding the same records as the page before (Zoho ignoring ``page``, or saying
``more_records`` for ever) stops the run with an error naming the page, before they are
emitted again. The schemas keep the nested objects Zoho documents; what it documents as
free-form objects passes whole (conformance at the root only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from singer_sdk.helpers.conform import TypeConformanceLevel

from observes_singer.tapkit.paging import RepeatGuard
from observes_singer.tapkit.schemas import schema
from tap_zoho_crm.answers import SOURCE
from tap_zoho_crm.paths import (
    CURRENCIES_PATH,
    ORG_PATH,
    PROFILES_PATH,
    ROLES_PATH,
    TERRITORIES_PATH,
    USERS_PATH,
)
from tap_zoho_crm.streams import Context, ZohoStream

if TYPE_CHECKING:
    from tap_zoho_crm.tap import TapZohoCRM

PER_PAGE = 200


@dataclass(frozen=True)
class Listing:
    """Where a stream's records are: ``GET path`` with ``params``, the list under ``key``,
    page by page when ``paged``."""

    name: str
    path: str
    key: str
    paged: bool = False
    params: Mapping[str, str] = field(default_factory=dict)


LISTINGS = (
    Listing("users", USERS_PATH, "users", paged=True, params={"type": "AllUsers"}),
    Listing("org", ORG_PATH, "org"),
    Listing("currencies", CURRENCIES_PATH, "currencies"),
    Listing("profiles", PROFILES_PATH, "profiles"),
    Listing("roles", ROLES_PATH, "roles"),
    Listing("territories", TERRITORIES_PATH, "territories", paged=True),
)

FIELD_METADATA = "fields"
REST_STREAMS = (*(listing.name for listing in LISTINGS), FIELD_METADATA)
"""The names of the streams read over REST, which no module's stream may take."""


class ListingStream(ZohoStream):
    """Every record of one listing."""

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.ROOT_ONLY

    def __init__(self, tap: TapZohoCRM, listing: Listing) -> None:
        super().__init__(tap=tap, schema=schema("tap_zoho_crm", listing.name),
                         name=listing.name)
        self.listing = listing
        self.primary_keys = ["id"]

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        listing = self.listing
        page = 1
        pages = RepeatGuard(SOURCE, self.primary_keys or ())
        while True:
            params: dict[str, Any] = dict(listing.params)
            if listing.paged:
                params.update(page=page, per_page=PER_PAGE)
            body = self.zoho.api.get_json(
                listing.path, params=params,
                resource=f"{listing.name} (page {page})" if listing.paged else listing.name)
            if not isinstance(body, Mapping):
                return
            items = body.get(listing.key)
            found = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
            pages.check(found, f"{listing.name} (GET {listing.path})")
            yield from found
            info = body.get("info")
            if not listing.paged or not isinstance(info, Mapping) or \
                    info.get("more_records") is not True:
                return
            page += 1


class FieldMetadataStream(ZohoStream):
    """The field metadata of every module the tap exports, as ``GET
    /crm/v8/settings/fields?module=M`` answered it when the tap started (``fields.json``),
    each field with its ``module``: the same answers the modules' streams are typed from."""

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.ROOT_ONLY

    def __init__(self, tap: TapZohoCRM) -> None:
        super().__init__(tap=tap, schema=schema("tap_zoho_crm", FIELD_METADATA),
                         name=FIELD_METADATA)
        self.primary_keys = ["module", "id"]

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        for module, fields in self.zoho.field_metadata.items():
            for item in fields:
                yield {**item, "module": module}
