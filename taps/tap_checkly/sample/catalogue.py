"""Sample records of what a Checkly account offers besides its checks: the locations and
runtimes Checkly supports, and the account's status pages, their services and incidents.

Shapes from Checkly's OpenAPI document (checkly/docs, ``api-reference/openapi.json`` at
28f32985, read 2026-12-07): ``PublicLocation`` (``GET /v1/locations``), ``Runtime``
(``GET /v1/runtimes``), ``StatusPageV2Read`` (``GET /v1/status-pages``),
``StatusPageV2Service`` (``GET /v1/status-pages/services``) and ``StatusPageV2Incident``
(``GET /v1/status-pages/incidents``). The document gives the status pages' timestamps
``"format": "date"``; Checkly's CLI has them as ISO 8601 date-times
(``2026-02-25T10:00:00.000Z`` in its incident fixtures, checkly/checkly-cli at c25a9045,
read 2026-12-07), as written here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from observes_singer.tapkit.fake_api.records import iso, uuid

Record = dict[str, Any]

REGIONS = {"us-east-1": "N. Virginia", "us-west-1": "N. California",
           "eu-west-1": "Ireland", "eu-central-1": "Frankfurt",
           "ap-southeast-1": "Singapore", "sa-east-1": "São Paulo"}
SERVICES = ("Shop front", "Public API", "Checkout — ñandú")
THEME = {"bodyBackgroundColor": "#FFFFFF", "headerBackgroundColor": "#F5F5F5",
         "headerFontColor": "#111111", "titleFontColor": "#111111",
         "bodyFontColor": "#333333", "bodyFontColorMuted": "#777777",
         "navigationFontColor": "#333333", "linkFontColor": "#0075FF",
         "cardBackgroundColor": "#FFFFFF", "borderColor": "#E5E5E5",
         "primaryButtonBackgroundColor": "#0075FF", "primaryButtonFontColor": "#FFFFFF"}


def locations() -> list[Record]:
    return [{"region": region, "name": name} for region, name in REGIONS.items()]


def runtimes() -> list[Record]:
    """Two runtimes, the older one deprecated (its end of life said), with the packages
    each includes."""
    return [
        {"name": "2024.09", "multiStepSupport": True, "nodeJsVersion": "v20.17.0",
         "stage": "DEPRECATED", "runtimeEndOfLife": "12/31/2026",
         "description": "Main updates are Playwright 1.47.2",
         "dependencies": {"@playwright/test": "1.47.2", "axios": "1.7.7",
                          "lodash": "4.17.21"}},
        {"name": "2025.04", "multiStepSupport": True, "nodeJsVersion": "v22.11.0",
         "stage": "CURRENT",
         "description": "Main updates are Playwright 1.52.0 and Node.js 22",
         "dependencies": {"@playwright/test": "1.52.0", "axios": "1.8.4",
                          "lodash": "4.17.21", "otpauth": "9.3.6"}},
    ]


def services(created: datetime) -> list[Record]:
    return [{"name": name, "id": uuid(n + 1, "status-service"),
             "accountId": uuid(1, "checkly-account"),
             "created_at": iso(created + timedelta(hours=n)),
             "updated_at": iso(created + timedelta(days=3)) if n == 1 else None}
            for n, name in enumerate(SERVICES)]


def incidents(now: datetime, affected: list[Record]) -> list[Record]:
    """A resolved incident of yesterday, with its updates, and one going on."""
    began = now.replace(microsecond=0) - timedelta(days=1, hours=3)
    updates = [("INVESTIGATING", "Checkout fails for some cards", 0),
               ("IDENTIFIED", "A payment provider is down — ñandú", 20),
               ("RESOLVED", "Payments work again", 95)]
    return [
        {"name": "Checkout errors", "severity": "MAJOR", "id": uuid(1, "status-incident"),
         "services": affected[1:], "lastUpdateStatus": "RESOLVED", "duration": 95 * 60,
         "created_at": iso(began), "updated_at": iso(began + timedelta(minutes=95)),
         "incidentUpdates": [
             {"description": text, "status": status,
              "publicIncidentUpdateDate": iso(began + timedelta(minutes=minutes)),
              "notifySubscribers": status != "IDENTIFIED",
              "id": uuid(10 + k, "status-incident-update"),
              "created_at": iso(began + timedelta(minutes=minutes))}
             for k, (status, text, minutes) in enumerate(updates)]},
        {"name": "Slow API answers", "severity": "MINOR", "id": uuid(2, "status-incident"),
         "services": affected[1:2], "lastUpdateStatus": "MONITORING", "duration": None,
         "created_at": iso(now - timedelta(hours=2)),
         "updated_at": iso(now - timedelta(hours=1)),
         "incidentUpdates": [
             {"description": "We are looking into slow answers", "status": "MONITORING",
              "publicIncidentUpdateDate": iso(now - timedelta(hours=1)),
              "notifySubscribers": False, "id": uuid(20, "status-incident-update"),
              "created_at": iso(now - timedelta(hours=1))}]},
    ]


def status_pages(now: datetime, listed: list[Record], happened: list[Record],
                 managed: Record, unmanaged: Record) -> list[Record]:
    """A public status page with every service, and a private one with a key."""
    created = now.replace(microsecond=0) - timedelta(days=90)
    cards = [{"id": uuid(n + 1, "status-card"), "name": name,
              "services": group, "created_at": iso(created), "updated_at": None}
             for n, (name, group) in enumerate((("Storefront", listed[:1]),
                                                ("Platform", listed[1:])))]
    common = {"logo": None, "logoDark": None, "redirectTo": None, "favicon": None,
              "version": 2, "accountId": uuid(1, "checkly-account"),
              "created_at": iso(created), "updated_at": iso(created + timedelta(days=5))}
    return [
        {**common, "name": "Observes status", "description": "The shop and its API",
         "url": "observes-status", "customDomain": "status.example.com",
         "themeColors": {"light": dict(THEME), "dark": {**THEME,
                                                        "bodyBackgroundColor": "#111111"}},
         "logo": "https://cdn.example.com/logo.png", "defaultTheme": "AUTO",
         "cards": cards, "id": uuid(1, "status-page"), "incidents": happened,
         "isPrivate": False, "keys": [], "projectBindings": managed},
        {**common, "name": "Internal — ñandú", "description": None,
         "url": "observes-internal", "customDomain": None, "themeColors": None,
         "defaultTheme": "DARK", "cards": cards[1:], "id": uuid(2, "status-page"),
         "incidents": [], "isPrivate": True, "updated_at": None,
         "keys": [{"id": uuid(1, "status-page-key"), "maskedKey": "sp_****************3f9a",
                   "created_at": iso(created), "updated_at": None}],
         "projectBindings": unmanaged},
    ]
