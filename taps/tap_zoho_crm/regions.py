"""Where an account lives: its data centre's accounts server and API domain.

Zoho keeps an account in one data centre, and both its OAuth tokens and its data stay
there: the refresh token is exchanged at that data centre's accounts server and the
access token works only on that data centre's API domain. The data centres are those
Zoho CRM lists with both hosts (read 2026-12-07):

- the CRM API guide's "Multi DC Support" page
  (https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html): the accounts servers of
  US, AU, EU, IN, CN, JP and CA, and the API domains www.zohoapis.<dc>;
- Zoho's CRM SDK for version 8 (https://github.com/zoho/zohocrm-python-sdk-8.0,
  ``versions/6.0.0/zohocrmsdk/src/com/zoho/crm/api/dc/``, commit 6ad8183 of 2026-05-11):
  a class per data centre with its accounts server and API domain, US, EU, IN, AU, CN, JP,
  CA and SA;
- Zoho Accounts' "Multi DC support" page
  (https://www.zoho.com/accounts/protocol/oauth/multi-dc.html), which adds SA's
  accounts server, ``accounts.zoho.sa``, and a United Kingdom one, ``accounts.zoho.uk``.

Canada's accounts server is ``accounts.zohocloud.ca`` and its API domain
``www.zohoapis.ca``. No Zoho CRM source names an API domain in the United Kingdom, so the
tap does not offer one: an account there sets ``accounts_url`` and ``api_url``.

``accounts_url`` and ``api_url`` override the data centre (the sample server, a proxy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DataCentre:
    name: str
    location: str
    """What Zoho's authorization redirect calls it (``location=us``)."""
    accounts_url: str
    api_url: str


DEFAULT_DATA_CENTRE = "com"
DATA_CENTRES: Mapping[str, DataCentre] = {
    "com": DataCentre("United States", "us", "https://accounts.zoho.com",
                      "https://www.zohoapis.com"),
    "eu": DataCentre("Europe", "eu", "https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": DataCentre("India", "in", "https://accounts.zoho.in", "https://www.zohoapis.in"),
    "com.au": DataCentre("Australia", "au", "https://accounts.zoho.com.au",
                         "https://www.zohoapis.com.au"),
    "com.cn": DataCentre("China", "cn", "https://accounts.zoho.com.cn",
                         "https://www.zohoapis.com.cn"),
    "jp": DataCentre("Japan", "jp", "https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "ca": DataCentre("Canada", "ca", "https://accounts.zohocloud.ca",
                     "https://www.zohoapis.ca"),
    "sa": DataCentre("Saudi Arabia", "sa", "https://accounts.zoho.sa",
                     "https://www.zohoapis.sa"),
}
"""Data centre, by the suffix of its Zoho domains."""


@dataclass(frozen=True)
class Endpoints:
    accounts_url: str
    api_url: str


def endpoints(config: Mapping[str, Any]) -> Endpoints:
    """The accounts server and API domain the settings name: ``accounts_url`` and
    ``api_url`` when given (an empty value counts as not given), else the data
    centre's."""
    centre = DATA_CENTRES.get(str(config.get("data_centre") or DEFAULT_DATA_CENTRE),
                              DATA_CENTRES[DEFAULT_DATA_CENTRE])
    return Endpoints(str(config.get("accounts_url") or centre.accounts_url).rstrip("/"),
                     str(config.get("api_url") or centre.api_url).rstrip("/"))


def region_errors(config: Mapping[str, Any]) -> list[str]:
    centre = config.get("data_centre")
    if centre and centre not in DATA_CENTRES:
        return [f"data_centre: must be one of {', '.join(DATA_CENTRES)}, got {centre!r} "
                "(another data centre: set accounts_url and api_url)"]
    return []
