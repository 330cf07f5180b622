"""Where an account lives: its data centre's accounts server and API domain.

Zoho keeps an account in one data centre, and both its OAuth tokens and its data stay
there: the refresh token is exchanged at that data centre's accounts server and the
access token works only on that data centre's API domain ("Multi DC",
https://www.zoho.com/crm/developer/docs/api/multi-dc.html and
https://www.zoho.com/accounts/protocol/oauth/multi-dc.html, which lists the accounts
servers; the API domains follow the same suffixes, www.zohoapis.<dc>, as the CRM
OpenAPI document's servers, https://github.com/zoho/crm-oas). Canada's accounts server is
``accounts.zohocloud.ca``, not ``accounts.zoho.ca``.

``accounts_url`` and ``api_url`` override the data centre (the sample server, a proxy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_DATA_CENTRE = "com"
DATA_CENTRES: Mapping[str, tuple[str, str]] = {
    "com": ("https://accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("https://accounts.zoho.in", "https://www.zohoapis.in"),
    "com.au": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "com.cn": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
    "ca": ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "sa": ("https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    "uk": ("https://accounts.zoho.uk", "https://www.zohoapis.uk"),
}
"""Data centre (the suffix of its domains) -> (accounts server, API domain)."""


@dataclass(frozen=True)
class Endpoints:
    accounts_url: str
    api_url: str


def endpoints(config: Mapping[str, Any]) -> Endpoints:
    """The accounts server and API domain the settings name: ``accounts_url`` and
    ``api_url`` when given (an empty value counts as not given), else the data
    centre's."""
    centre = str(config.get("data_centre") or DEFAULT_DATA_CENTRE)
    accounts, api = DATA_CENTRES.get(centre, DATA_CENTRES[DEFAULT_DATA_CENTRE])
    return Endpoints(str(config.get("accounts_url") or accounts).rstrip("/"),
                     str(config.get("api_url") or api).rstrip("/"))


def region_errors(config: Mapping[str, Any]) -> list[str]:
    centre = config.get("data_centre")
    if centre and centre not in DATA_CENTRES:
        return [f"data_centre: must be one of {', '.join(DATA_CENTRES)}, got {centre!r}"]
    return []
