"""Sample records of a Checkly account's configuration, shaped as Checkly's API reference
documents them (the OpenAPI document at https://api.checklyhq.com/openapi.json, as in
the checkly/docs repository): checks as ``GET /v1/checks`` lists them (``ChecksV1Check``:
API and browser checks), check groups (``CheckGroupRead``), check statuses
(``CheckStatus``), alert channels (``AlertChannelRead``), dashboards
(``DashboardListItem``), maintenance windows (``MaintenanceWindow``), snippets
(``Snippet``), private locations (``privateLocationsSchema``) and environment variables
(``EnvironmentVariablesV1ReadResponse``).

Nullable fields are null where a resource has nothing, timestamps are ISO 8601 in UTC
with milliseconds, and a resource managed by the Checkly CLI says so in
``projectBindings`` (and, on ``/v1/checks``, in the flat ``project``, ``logicalId``,
``member`` and ``pending``). A secret variable holds its value here, as Checkly stores
it; the sample server answers it as null, as Checkly does (:func:`answered_variable`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from observes_singer.tapkit.fake_api.records import iso, person, text, uuid

Record = dict[str, Any]

LOCATIONS = ("eu-west-1", "us-east-1", "ap-southeast-1")
RUNTIME = "2025.04"
PROJECT = {"id": uuid(1, "checkly-project"), "logicalId": "observes-monitoring",
           "name": "Observes monitoring"}
OTHER_PROJECT = {"id": uuid(2, "checkly-project"), "logicalId": "observes-shop-team",
                 "name": "Observes shop team — ñandú"}


def check_id(n: int) -> str:
    return uuid(n, "checkly-check")


def unmanaged() -> Record:
    """``projectBindings`` of a resource made in the web app."""
    return {"owner": None, "references": []}


def managed(logical_id: str, *, referenced: bool = False) -> Record:
    """``projectBindings`` of a resource a Checkly CLI project deployed; ``referenced``:
    another project's constructs refer to it too (``references``)."""
    references = [{"project": dict(OTHER_PROJECT),
                   "binding": {"logicalId": f"{logical_id}-ref", "pending": False}}]
    return {"owner": {"project": dict(PROJECT),
                      "binding": {"logicalId": logical_id, "pending": False}},
            "references": references if referenced else []}


def alert_settings() -> Record:
    return {"escalationType": "RUN_BASED",
            "reminders": {"amount": 0, "interval": 5},
            "sslCertificates": {"enabled": False, "alertThreshold": 30},
            "runBasedEscalation": {"failedRunThreshold": 1},
            "timeBasedEscalation": {"minutesFailingThreshold": 5},
            "parallelRunFailureThreshold": {"enabled": False, "percentage": 10}}


def retry_strategy() -> Record:
    return {"type": "LINEAR", "baseBackoffSeconds": 60, "sameRegion": True, "maxRetries": 2,
            "maxDurationSeconds": 600, "onlyOn": []}


def variable(key: str, value: str, *, secret: bool = False, locked: bool = False) -> Record:
    """A variable as Checkly stores it (a secret one is locked too)."""
    return {"key": key, "value": value, "locked": locked or secret, "secret": secret}


def answered_variable(variable: Record, *, secret_values: bool = False) -> Record:
    """A variable as the API answers it: a secret one's value is null ("Secret values are
    always returned as null"), unless ``secret_values`` (not what Checkly does: it tests
    that the tap would drop them)."""
    if variable.get("secret") and not secret_values:
        return {**variable, "value": None}
    return variable


def as_answered(record: Record, *, secret_values: bool = False) -> Record:
    """A check or a check group as the API answers it: its variables as
    :func:`answered_variable` says."""
    variables = record.get("environmentVariables")
    if not variables:
        return record
    return {**record, "environmentVariables": [
        answered_variable(v, secret_values=secret_values) for v in variables]}


def common(n: int, name: str, created: datetime, *, group_id: int | None,
            logical_id: str | None) -> Record:
    """The fields every check type has, as ``GET /v1/checks`` lists them."""
    return {
        "id": check_id(n), "name": name, "activated": True, "muted": n % 5 == 4,
        "doubleCheck": True, "shouldFail": False, "locations": list(LOCATIONS[: 1 + n % 3]),
        "tags": ["production", "api"] if n % 2 == 0 else ["production"],
        "alertSettings": alert_settings(), "useGlobalAlertSettings": group_id is None,
        "groupId": group_id, "groupOrder": n if group_id is not None else None,
        "runtimeId": RUNTIME if n % 2 else None,
        "alertChannelSubscriptions": [{"alertChannelId": 2001, "activated": True}],
        "retryStrategy": retry_strategy() if n % 2 == 0 else None,
        "triggerIncident": None, "runParallel": n % 3 == 0,
        "description": text(n) or None, "intent": None, "aiAutoRepairEnabled": None,
        "created_at": iso(created), "updated_at": iso(created + timedelta(days=2)) if n % 2
        else None,
        "alertChannels": {"email": [], "webhook": [], "slack": [], "sms": []},
        "project": dict(PROJECT) if logical_id else None, "logicalId": logical_id,
        "member": bool(logical_id), "pending": False if logical_id else None,
        "projectBindings": managed(logical_id, referenced=n % 4 == 0) if logical_id
        else unmanaged(),
        "privateLocations": ["observes-office"] if n % 4 == 1 else [],
    }


def api_check(n: int, created: datetime, *, group_id: int | None = None) -> Record:
    """The n-th API check: a GET of a JSON health endpoint, every third from the second a
    GET of a status badge (a PNG), every third from the third a POST with a JSON body; the
    second one authenticates with basic auth, every third from the first runs a setup
    and a teardown script with the files they import."""
    logical_id = f"api-check-{n}" if n % 2 == 0 else None
    post = n % 3 == 2
    badge = n % 3 == 1
    path = "orders" if post else "badge.png" if badge else "health"
    check = common(n, f"API {path.removesuffix('.png')} #{n} — Ñandú", created,
                   group_id=group_id, logical_id=logical_id)
    scripted = n % 3 == 0
    check.update({
        "checkType": "API", "frequency": 10, "frequencyOffset": 1 + n % 9,
        "degradedResponseTime": 5000, "maxResponseTime": 20000,
        "request": {
            "method": "POST" if post else "GET",
            "url": f"https://api.example.com/v1/{path}?check={n}",
            "followRedirects": True, "skipSSL": False, "ipFamily": "IPv4",
            "body": '{"sku": "SKU-1", "quantity": 2}' if post else "",
            "bodyType": "JSON" if post else "NONE",
            "headers": [{"key": "Accept", "value": "application/json", "locked": False}],
            "queryParameters": [{"key": "check", "value": str(n), "locked": False}],
            "assertions": [
                {"source": "STATUS_CODE", "comparison": "EQUALS", "property": "",
                 "target": "200", "regex": None},
                {"source": "HEADERS", "comparison": "CONTAINS", "property": "content-type",
                 "target": "image/png", "regex": None} if badge else
                {"source": "JSON_BODY", "comparison": "EQUALS", "property": "$.status",
                 "target": "ok", "regex": None},
                {"source": "RESPONSE_TIME", "comparison": "LESS_THAN", "property": "",
                 "target": "2000", "regex": None},
            ],
            "basicAuth": {"username": "monitor", "password": f"basic-auth-{n}-S3cret"}
            if n % 4 == 1 else None,
        },
        "setupSnippetId": 3001 if n % 2 == 0 else None, "tearDownSnippetId": None,
        "localSetupScript": "request.headers['X-Trace'] = trace()" if scripted else None,
        "localTearDownScript": "report(response.statusCode)" if scripted else None,
        "setupScriptDependencies": [{"path": "scripts/trace.js",
                                     "content": "export const trace = () => 'checkly'\n"}]
        if scripted else None,
        "tearDownScriptDependencies": [{"path": "scripts/report.js",
                                        "content": "export const report = console.log\n"}]
        if scripted else None,
    })
    return check


BROWSER_SCRIPT = """const { expect, test } = require('@playwright/test')

test('the shop loads', async ({ page }) => {
  const response = await page.goto('https://shop.example.com/')
  expect(response.status()).toBeLessThan(400)
  await expect(page.getByRole('heading', { name: 'Ñandú' })).toBeVisible()
})
"""


def browser_check(n: int, created: datetime, *, secret_value: str) -> Record:
    """The n-th browser check, with a plain and a secret environment variable
    (``secret_value`` is the secret one's value)."""
    check = common(n, f"Shop front page #{n}", created, group_id=None,
                    logical_id=f"browser-check-{n}")
    check.update({
        "checkType": "BROWSER", "frequency": 15, "script": BROWSER_SCRIPT,
        "sslCheckDomain": "shop.example.com",
        "environmentVariables": [
            variable("SHOP_URL", "https://shop.example.com"),
            variable("SHOP_PASSWORD", secret_value, secret=True),
        ],
    })
    return check


def check_group(group_id: int, created: datetime, checks: list[str]) -> Record:
    """A check group with API check defaults (basic auth included) and variables, one of
    them secret."""
    return {
        "id": group_id, "name": "Public API", "activated": True, "muted": False,
        "tags": ["production", "api"], "locations": list(LOCATIONS[:2]), "concurrency": 3,
        "apiCheckDefaults": {
            "url": "https://api.example.com/v1",
            "headers": [{"key": "X-Env", "value": "production", "locked": False}],
            "queryParameters": [],
            "assertions": [{"source": "STATUS_CODE", "comparison": "LESS_THAN",
                            "property": "", "target": "400", "regex": None}],
            "basicAuth": {"username": "group-monitor", "password": "group-basic-S3cret"},
        },
        "browserCheckDefaults": "{}",
        "environmentVariables": [variable("API_BASE", "https://api.example.com"),
                                 variable("API_TOKEN", "group-token", secret=True)],
        "doubleCheck": True, "useGlobalAlertSettings": False,
        "alertSettings": alert_settings(),
        "alertChannelSubscriptions": [{"alertChannelId": 2001, "activated": True},
                                      {"alertChannelId": 2002, "activated": True}],
        "setupSnippetId": 3001, "tearDownSnippetId": None, "localSetupScript": None,
        "localTearDownScript": None, "runtimeId": RUNTIME, "privateLocations": [],
        "retryStrategy": "FALLBACK",
        "created_at": iso(created), "updated_at": iso(created + timedelta(hours=5)),
        "runParallel": False,
        "projectBindings": managed("public-api-group", referenced=True),
        "checks": checks,
    }


def storefront_group(group_id: int, created: datetime) -> Record:
    """A check group with no checks yet, created in the web app: API check defaults with
    query parameters and no auth, no variables, its own retry strategy."""
    return {
        "id": group_id, "name": "Storefront — ñandú", "activated": False, "muted": True,
        "tags": ["staging"], "locations": list(LOCATIONS[2:]), "concurrency": 1,
        "apiCheckDefaults": {
            "url": "https://staging.example.com", "headers": [],
            "queryParameters": [{"key": "preview", "value": "1", "locked": True}],
            "assertions": [], "basicAuth": None,
        },
        "browserCheckDefaults": "{}", "environmentVariables": [], "doubleCheck": False,
        "useGlobalAlertSettings": True, "alertSettings": alert_settings(),
        "alertChannelSubscriptions": [], "setupSnippetId": None, "tearDownSnippetId": None,
        "localSetupScript": None, "localTearDownScript": None, "runtimeId": None,
        "privateLocations": ["observes-office"],
        "retryStrategy": {**retry_strategy(), "type": "EXPONENTIAL",
                          "onlyOn": ["NETWORK_ERROR"]},
        "created_at": iso(created + timedelta(days=30)), "updated_at": None,
        "runParallel": True, "projectBindings": unmanaged(), "checks": [],
    }


def check_status(check: Record, results: list[Record]) -> Record:
    """``GET /v1/check-statuses`` for a check: from its latest final result."""
    finals = [r for r in results if r["resultType"] == "FINAL"]
    last = finals[-1] if finals else None
    times = [r["responseTime"] for r in finals]
    return {
        "name": check["name"], "checkId": check["id"],
        "hasFailures": bool(last and last["hasFailures"]),
        "hasErrors": bool(last and last["hasErrors"]),
        "isDegraded": bool(last and last["isDegraded"]),
        "longestRun": max(times) if times else None,
        "shortestRun": min(times) if times else None,
        "lastRunLocation": last["runLocation"] if last else None,
        "lastCheckRunId": str(last["checkRunId"]) if last else None,
        "sslDaysRemaining": 47 if check["checkType"] == "BROWSER" else None,
        "created_at": check["created_at"], "updated_at": last["created_at"] if last else None,
    }


def alert_channels(created: datetime, checks: list[Record], group_id: int) -> list[Record]:
    """An email, a Slack and a webhook channel, subscribed to checks and to the group."""
    owner = person(0)
    base = {"sendRecovery": True, "sendFailure": True, "sendDegraded": False,
            "sslExpiry": False, "sslExpiryThreshold": 30, "autoSubscribe": False,
            "created_at": iso(created), "updated_at": None,
            "projectBindings": unmanaged()}
    subscriptions = [{"id": 4000 + i, "checkId": c["id"], "groupId": None, "activated": True}
                     for i, c in enumerate(checks)]
    return [
        {**base, "id": 2001, "type": "EMAIL", "config": {"address": owner["email"]},
         "subscriptions": subscriptions,
         "projectBindings": managed("oncall-email", referenced=True)},
        {**base, "id": 2002, "type": "SLACK", "sendDegraded": True,
         "config": {"url": "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
                    "channel": "#alerts-ñandú"},
         "subscriptions": [{"id": 4100, "checkId": None, "groupId": group_id,
                            "activated": True}]},
        {**base, "id": 2003, "type": "WEBHOOK", "sslExpiry": True, "autoSubscribe": True,
         "config": {"name": "Pager bridge", "url": "https://hooks.example.com/checkly",
                    "method": "POST", "template": '{"check": "{{CHECK_NAME}}"}',
                    "headers": [], "queryParameters": []},
         "subscriptions": [], "updated_at": iso(created + timedelta(days=1))},
    ]


def dashboards(created: datetime, raw_key: str) -> list[Record]:
    """A public status dashboard and a private one with a key (``raw_key``)."""
    common = {"customCSS": None, "logo": None, "favicon": "", "link": None,
              "width": "FULL", "refreshRate": 60, "paginate": True, "paginationRate": 60,
              "sortByStatus": False, "checksPerPage": 15, "useTagsAndOperator": False,
              "hideTags": False, "enableIncidents": False, "expandChecks": False,
              "showHeader": True, "showCheckRunLinks": False, "showGroupNames": True,
              "showP95": True, "showP99": True, "created_at": iso(created),
              "projectBindings": unmanaged()}
    return [
        {**common, "id": 501, "dashboardId": "a1b2c3d4", "customUrl": "observes-status",
         "projectBindings": managed("status-dashboard", referenced=True),
         "customDomain": "status.example.com", "header": "Observes status",
         "description": "Public status of the shop and its API",
         "logo": "https://cdn.example.com/logo.png", "link": "https://www.example.com",
         "tags": ["production"], "isPrivate": False, "keys": []},
        {**common, "id": 502, "dashboardId": "e5f6a7b8", "customUrl": "observes-internal",
         "customDomain": None, "header": "Internal — ñandú team", "description": None,
         "tags": ["api"], "isPrivate": True, "width": "960PX",
         "keys": [{"id": uuid(502, "checkly-dashboard-key"), "rawKey": raw_key,
                   "maskedKey": raw_key[:4] + "*" * 12, "created_at": iso(created),
                   "updated_at": None}]},
    ]


def maintenance_windows(now: datetime) -> list[Record]:
    """A weekly window for the database upgrade, and a one-off one next week."""
    start = now.replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=3)
    visibility = {"enabled": True, "severity": "MINOR", "affectAllServices": False,
                  "suppressAutoIncidents": True, "notifyOnStart": True, "notifyOnEnd": True,
                  "reminderMinutesBefore": [60, 15], "autoStart": True, "autoEnd": True,
                  "showAffectedServices": True, "statusPageIds": [uuid(1, "status-page")],
                  "serviceIds": [uuid(1, "status-service")]}
    return [
        {"id": 601, "name": "Weekly database upgrade", "tags": ["production"],
         "startsAt": iso(start), "endsAt": iso(start + timedelta(hours=1)),
         "repeatInterval": 1, "repeatUnit": "WEEK",
         "repeatEndsAt": iso(start + timedelta(days=90)), "timezone": "Europe/Madrid",
         "description": "Minor versions only", "statusPageVisibility": visibility,
         "pauseAllChecks": False, "silenceAlertsTags": ["api"], "silenceAllAlerts": False,
         "created_at": iso(start - timedelta(days=10)), "updated_at": None,
         "projectBindings": managed("weekly-db-upgrade", referenced=True)},
        {"id": 602, "name": "Data centre move", "tags": [],
         "startsAt": iso(start + timedelta(days=10)),
         "endsAt": iso(start + timedelta(days=10, hours=4)), "repeatInterval": None,
         "repeatUnit": None, "repeatEndsAt": None, "timezone": None, "description": None,
         "statusPageVisibility": {**visibility, "enabled": False, "severity": None,
                                  "reminderMinutesBefore": [], "statusPageIds": [],
                                  "serviceIds": []},
         "pauseAllChecks": True, "silenceAlertsTags": [], "silenceAllAlerts": True,
         "created_at": iso(start - timedelta(days=1)),
         "updated_at": iso(start - timedelta(hours=20)), "projectBindings": unmanaged()},
    ]


def snippets(created: datetime) -> list[Record]:
    return [
        {"id": 3001, "name": "Sign the request",
         "script": "const crypto = require('crypto')\n"
                   "request.headers['X-Signature'] = crypto.randomUUID()\n",
         "created_at": iso(created), "updated_at": iso(created + timedelta(days=4))},
        {"id": 3002, "name": "Log in — ñandú",
         "script": "await page.fill('#user', process.env.SHOP_USER)\n",
         "created_at": iso(created + timedelta(days=1)), "updated_at": None},
    ]


def private_locations(now: datetime, raw_key: str) -> list[Record]:
    """An office location with two agents and an API key (``raw_key``)."""
    seen = now - timedelta(seconds=40)
    return [{
        "id": uuid(1, "checkly-private-location"), "name": "Observes office",
        "slugName": "observes-office", "icon": "location",
        "created_at": iso(now - timedelta(days=120)), "updated_at": None,
        "keys": [{"id": uuid(2, "checkly-private-location-key"), "rawKey": raw_key,
                  "maskedKey": "*" * 12 + raw_key[-4:],
                  "created_at": iso(now - timedelta(days=120)), "updated_at": None}],
        "proxyUrl": None, "lastSeen": iso(seen), "agentCount": 2, "minAgentVersion": "4.2.1",
        "runningAgents": [{"version": "4.2.1", "isOutdated": False, "count": 2,
                           "agents": [{"id": uuid(k, "checkly-agent"), "lastSeenAt": iso(seen)}
                                      for k in range(2)]}],
        "projectBindings": managed("observes-office", referenced=True),
    }]


def environment_variables(secret_value: str) -> list[Record]:
    """The account's variables: two plain ones (one locked) and two secrets
    (``secret_value`` is the value of one of them)."""
    return [variable("BASE_URL", "https://www.example.com"),
            variable("SHOP_USER", "monitor@example.com", locked=True),
            variable("SHOP_API_KEY", secret_value, secret=True),
            variable("SIGNING_SECRET", "signing-" + secret_value[::-1], secret=True)]
