"""Reading Zoho's answers: its error bodies and the hints the tap gives for them.

Zoho CRM's API answers an error with ``{"code": "INVALID_TOKEN", "details": {},
"message": "invalid oauth token", "status": "error"}`` (the ``API_Exception`` of the
CRM OpenAPI document, https://github.com/zoho/crm-oas, ``v8.0/common.json``; the bulk
read API's own codes are in ``v8.0/bulk_read.json``: ``TOO_MANY_REQUESTS``,
``RESOURCE_NOT_FOUND``, ``INVALID_TOKEN``, ``NO_PERMISSION``, ...), sometimes wrapped in
``{"data": [...]}``. The code and the message name what went wrong and never hold a
token, so the tap's errors quote them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

SOURCE = "Zoho CRM"

SCOPES = ("ZohoCRM.bulk.read", "ZohoCRM.modules.ALL", "ZohoCRM.settings.fields.READ",
          "ZohoCRM.users.READ", "ZohoCRM.org.READ", "ZohoCRM.settings.currencies.READ",
          "ZohoCRM.settings.profiles.READ", "ZohoCRM.settings.roles.READ",
          "ZohoCRM.settings.territories.READ")
"""The scopes the refresh token needs (ZohoCRM.modules.READ, or each module's READ,
does instead of ZohoCRM.modules.ALL; the .ALL scope of each setting does instead of its
.READ, and is what the OpenAPI files name for the organisation, roles and territories)."""

HINTS: Mapping[int, str] = {
    400: "Zoho CRM refused the request; check modules (each must be a module's API name)",
    401: "the access token was refused; check client_id, client_secret and refresh_token "
         "(and that data_centre is the account's)",
    403: "the refresh token lacks a scope, or its user a permission",
    404: "no such resource; check api_url (or data_centre) and modules",
    429: "Zoho CRM's rate limit, still hit after every retry (the API credits of the day, "
         "or another client of the account)",
}
CODE_HINTS: Mapping[str, str] = {
    "OAUTH_SCOPE_MISMATCH": f"the refresh token lacks a scope; it needs {', '.join(SCOPES)} "
                            "(tap-zoho-crm grant makes a new one)",
    "NO_PERMISSION": "the user of the refresh token may not read this module (its profile's "
                     "permissions)",
    "INVALID_MODULE": "no module of that API name in the organisation; check modules",
    "FEATURE_NOT_SUPPORTED": "the organisation's edition does not have this",
    "PAGE_RANGE_EXCEEDED": "Zoho caps a bulk read job's page number, and the page before "
                           "carried no next_page_token to ask for the next page with",
}
"""What to do about an error code, when the status alone does not say it."""


def error_code(response: requests.Response) -> str | None:
    """The ``code`` of a Zoho error body, or None when the body is not one."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    if isinstance(body, Mapping) and isinstance(body.get("data"), list) and body["data"]:
        body = body["data"][0]
    if isinstance(body, Mapping) and isinstance(body.get("code"), str):
        return str(body["code"])
    return None


def error_summary(response: requests.Response) -> str | None:
    """``CODE: message`` of a Zoho error body, at most 200 characters, or None."""
    code = error_code(response)
    if code is None:
        return None
    try:
        body: Any = response.json()
    except ValueError:
        return code
    if isinstance(body, Mapping) and isinstance(body.get("data"), list) and body["data"]:
        body = body["data"][0]
    message = body.get("message") if isinstance(body, Mapping) else None
    text = f"{code}: {message}" if isinstance(message, str) and message else code
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{text}; {CODE_HINTS[code]}" if code in CODE_HINTS else text
