"""The CRM API's paths the tap calls, all of one version.

Version 8 is the current one: Zoho's API guide (https://www.zoho.com/crm/developer/docs/api/v8/)
and its OpenAPI files (https://github.com/zoho/crm-oas, ``v8.0/``, commit 45dff2c of
2025-06-27; read 2026-12-07) describe it, and the CRM SDKs of 2026 (zoho/zohocrm-python-sdk-8.0)
call it. Version 2, which the tap spoke before, names the module of a bulk read job by a
string; from version 3 on the module is ``{"api_name": ...}`` and the result of a bulk read
job carries ``next_page_token``.
"""

from __future__ import annotations

API_VERSION = "v8"
BULK_READ_PATH = f"/crm/bulk/{API_VERSION}/read"
FIELDS_PATH = f"/crm/{API_VERSION}/settings/fields"
USERS_PATH = f"/crm/{API_VERSION}/users"
ORG_PATH = f"/crm/{API_VERSION}/org"
CURRENCIES_PATH = f"/crm/{API_VERSION}/org/currencies"
PROFILES_PATH = f"/crm/{API_VERSION}/settings/profiles"
ROLES_PATH = f"/crm/{API_VERSION}/settings/roles"
TERRITORIES_PATH = f"/crm/{API_VERSION}/settings/territories"
