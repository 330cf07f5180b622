"""What the settings' schema cannot say, checked before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tap_zoho_crm.fields import stream_name
from tap_zoho_crm.regions import region_errors
from tap_zoho_crm.rest import REST_STREAMS
from tap_zoho_crm.session import parse_rate

DEFAULT_MODULES = ("Leads", "Accounts", "Contacts", "Deals", "Campaigns", "Tasks", "Cases",
                   "Events", "Calls", "Solutions", "Products", "Vendors", "Price_Books",
                   "Quotes", "Sales_Orders", "Purchase_Orders", "Invoices")
"""Zoho CRM's standard modules (their API names): every one its bulk read API exports (the
Bulk Read pages' "Possible module names"). Events export as CSV like the others (ICS only
when asked for)."""


def settings_errors(config: Mapping[str, Any]) -> list[str]:
    errors = region_errors(config)
    rate = config.get("download_rate_limit")
    if isinstance(rate, str) and parse_rate(rate) is None:
        errors.append(f"download_rate_limit: must be N/W (at most N downloads in any W "
                      f"seconds, e.g. 10/60), got {rate!r}")
    modules = config.get("modules")
    if isinstance(modules, list):
        if not modules:
            errors.append("modules: name at least one module, or leave modules out for the "
                          "standard ones")
        names = [stream_name(str(m)) for m in modules]
        twice = sorted({m for m, n in zip(modules, names, strict=True) if names.count(n) > 1})
        if twice:
            errors.append(f"modules: {', '.join(map(str, twice))} make the same stream name")
        taken = sorted(set(names) & set(REST_STREAMS))
        if taken:
            errors.append(f"modules: {', '.join(taken)} would collide with the stream of "
                          "that name the tap reads over REST")
    ledger = config.get("ledger_url")
    if isinstance(ledger, str) and not ledger.strip():
        errors.append("ledger_url: must not be empty")
    return errors
