"""tap-zoho-crm: a Zoho CRM organisation's modules, from the bulk exports ``prepare``
asked for, its users and its settings (organisation, currencies, profiles, roles,
territories and the modules' field metadata).

The run (this tap, no subcommand) first consumes the ledger entries its ``--state`` lists
as loaded, then checks that every selected module's export is ready, following
``more_records`` with next-page jobs (:mod:`tap_zoho_crm.readiness`). If one is not, it
writes nothing to stdout and exits 69 with one line naming each module and its state.
Otherwise it emits each module's SCHEMA (typed from the module's field metadata) and
records, then the streams read over REST (:mod:`tap_zoho_crm.rest`).
"""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any

from singer_sdk import typing as th

from observes_singer.tapkit.cli import tap_main
from observes_singer.tapkit.tap import SourceTap
from tap_zoho_crm.answers import SCOPES
from tap_zoho_crm.consume import consume
from tap_zoho_crm.fields import parse_fields
from tap_zoho_crm.ledger import Ledger
from tap_zoho_crm.oauth import Credentials, TokenSource
from tap_zoho_crm.paths import FIELDS_PATH
from tap_zoho_crm.readiness import EXIT_NOT_READY, NotReady, Plan, Readiness
from tap_zoho_crm.regions import DATA_CENTRES, DEFAULT_DATA_CENTRE, Endpoints, endpoints
from tap_zoho_crm.rest import LISTINGS, FieldMetadataStream, ListingStream
from tap_zoho_crm.session import DEFAULT_DOWNLOAD_RATE_LIMIT, ZohoApi, download_pacing
from tap_zoho_crm.settings import DEFAULT_MODULES, settings_errors
from tap_zoho_crm.streams import ModuleStream, ZohoStream

DEFAULT_PAGE_WAIT = 1800
DEFAULT_POLL_INTERVAL = 30


class TapZohoCRM(SourceTap):
    """Zoho CRM's modules, from the bulk exports tap-zoho-crm prepare asked for, its users
    and its organisation's settings."""

    name = "tap-zoho-crm"
    dynamic_catalog = True
    config_jsonschema = th.PropertiesList(
        th.Property("client_id", th.StringType, required=True,
                    description="The client's id, from Zoho's API Console (a Self Client "
                    "will do)"),
        th.Property("client_secret", th.StringType, required=True, secret=True,
                    description="The client's secret, sent to the accounts server only"),
        th.Property("refresh_token", th.StringType, required=True, secret=True,
                    description="A refresh token of the client (tap-zoho-crm grant makes "
                    f"one from a grant code), with the scopes {', '.join(SCOPES)}; "
                    "exchanged at the accounts server for access tokens"),
        th.Property("data_centre", th.StringType, default=DEFAULT_DATA_CENTRE,
                    allowed_values=list(DATA_CENTRES),
                    description="The account's data centre, the suffix of its Zoho domains "
                    "(com: United States, eu, in, com.au, com.cn, jp, ca: Canada, sa: Saudi "
                    "Arabia): its accounts server is accounts.zoho.<dc> (accounts.zohocloud.ca "
                    "for ca) and its API domain www.zohoapis.<dc>"),
        th.Property("accounts_url", th.StringType,
                    description="The accounts server, instead of data_centre's"),
        th.Property("api_url", th.StringType,
                    description="The API domain, instead of data_centre's; the access "
                    "token is sent to it only"),
        th.Property("modules", th.ArrayType(th.StringType), default=list(DEFAULT_MODULES),
                    description="The modules to export, by API name; a stream each, named "
                    "in lower snake case (Price_Books: price_books)"),
        th.Property("ledger_url", th.StringType, required=True,
                    description="Where the bulk-job ledger lives (s3://..., file://... or a "
                    "path): which jobs hold each module's export, written by prepare and the "
                    "run"),
        th.Property("state_url", th.StringType,
                    description="The run's saved (committed) state, which prepare reads, "
                    "never writes, to consume the ledger entries already loaded (observes "
                    "run saves it at the job's state_url)"),
        th.Property("page_wait", th.NumberType(minimum=0), default=DEFAULT_PAGE_WAIT,
                    description="Seconds the run waits, in all, for the next-page jobs it "
                    "creates when Zoho has more records than a page (200,000); then it "
                    "stops as not ready (0 or more)"),
        th.Property("poll_interval", th.NumberType(exclusive_minimum=0),
                    default=DEFAULT_POLL_INTERVAL,
                    description="Seconds between two looks at those jobs' state (more "
                    "than 0)"),
        th.Property("download_rate_limit", th.StringType,
                    default=DEFAULT_DOWNLOAD_RATE_LIMIT,
                    description="N/W: at most N downloads of exports in any W seconds "
                    "(Zoho allows 10 a minute; the default keeps below)"),
        th.Property("redirect_uri", th.StringType,
                    description="For tap-zoho-crm grant with a web client's code: the "
                    "client's redirect URI (a Self Client needs none)"),
    ).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._plan: Plan | None = None
        self.field_metadata: dict[str, list[dict[str, Any]]] = {}
        """Each module's field metadata, as Zoho answered it when the streams were made."""
        super().__init__(*args, **kwargs)

    def extra_config_errors(self, config: dict[str, Any]) -> list[str]:
        return settings_errors(config)

    @cached_property
    def endpoints(self) -> Endpoints:
        return endpoints(self.config)

    @cached_property
    def api(self) -> ZohoApi:
        """Zoho CRM's API, with the access tokens of the refresh token."""
        tokens = TokenSource(self.endpoints.accounts_url, Credentials.from_config(self.config),
                             log=self.logger.warning)
        return ZohoApi(self.endpoints.api_url, tokens,
                       pacing=download_pacing(self.config.get("download_rate_limit"),
                                              log=self.logger.info),
                       log=self.logger.warning)

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(str(self.config["ledger_url"]))

    @property
    def modules(self) -> list[str]:
        return list(self.config.get("modules") or DEFAULT_MODULES)

    def discover_streams(self) -> list[ZohoStream]:
        streams: list[ZohoStream] = []
        for module in self.modules:
            body = self.api.get_json(FIELDS_PATH, params={"module": module},
                                     resource=f"the fields of {module}")
            fields = parse_fields(body)
            raw = body.get("fields") if isinstance(body, dict) else None
            self.field_metadata[module] = [f for f in raw if isinstance(f, dict)] \
                if isinstance(raw, list) else []
            unknown = [f"{f.api_name} ({f.kind})" for f in fields if not f.known]
            if unknown:
                self.logger.info("%s: fields of a data type the tap does not type, loaded "
                                 "as text: %s", module, ", ".join(unknown))
            streams.append(ModuleStream(self, module, fields))
        streams.extend(ListingStream(self, listing) for listing in LISTINGS)
        streams.append(FieldMetadataStream(self))
        return streams

    def plan(self) -> Plan:
        """Every selected module's pages, once the ledger entries the input state lists
        as loaded are consumed; :class:`NotReady` when an export is not ready."""
        if self._plan is None:
            consume(self.ledger, self.state, log=self.logger.info)
            streams = {s.module: s for s in self.streams.values()
                       if isinstance(s, ModuleStream)}
            selected = [m for m in self.modules if m in streams and streams[m].selected]
            readiness = Readiness(
                self.api, self.ledger,
                page_wait=float(self.config.get("page_wait", DEFAULT_PAGE_WAIT)),
                poll_interval=float(self.config.get("poll_interval", DEFAULT_POLL_INTERVAL)),
                log=self.logger.info)
            self._plan = readiness.plan(selected)
        return self._plan

    def sync_all(self) -> None:  # type: ignore[misc]
        """Nothing is written before every export is known to be ready. singer-sdk marks
        ``sync_all`` final, but writes the input state before the first stream: the check
        has to come first, so it wraps the whole of it."""
        try:
            self.plan()
        except NotReady as exc:
            self.logger.error("%s", exc)
            sys.exit(EXIT_NOT_READY)
        super().sync_all()


def main() -> None:
    tap_main(TapZohoCRM)


if __name__ == "__main__":
    main()
