"""Zoho CRM's answers as Zoho documents them, as data: the tap's schemas, settings and
defaults are held to these (tests/taps/tap_zoho_crm/test_documented.py), not to the
sample Zoho, so that a field Zoho documents and the tap drops fails a test.

Sources (read 2026-12-07):

- the CRM OpenAPI files, https://github.com/zoho/crm-oas, ``v8.0/`` at commit 45dff2c
  (2025-06-27): each list below is the properties of one answer's items, its type as the
  file gives it (``string:date-time`` for a string of that format; ``$ref`` and
  ``oneOf`` followed, across files too);
- the CRM SDK for version 8, https://github.com/zoho/zohocrm-python-sdk-8.0,
  ``versions/6.0.0/zohocrmsdk/src/com/zoho/crm/api/dc/`` at commit 6ad8183 (2026-05-11):
  the data centres, each with its accounts server and API domain;
- the API guide's Bulk Read pages: "Get the Status of the Bulk Read Job"
  (https://www.zoho.com/crm/developer/docs/api/v7/bulk-read/job-details.html, and the
  same list in v6's) for the modules a bulk read job exports ("Possible module names", in
  the lower case of its scopes), and the overview
  (https://www.zoho.com/crm/developer/docs/api/v8/bulk-read/overview.html): results are
  CSV, or ICS for the Events module only when asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

DATA_CENTRES: Mapping[str, tuple[str, str]] = {
    "us": ("https://accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("https://accounts.zoho.in", "https://www.zohoapis.in"),
    "au": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "cn": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
    "jp": ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "ca": ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "sa": ("https://accounts.zoho.sa", "https://www.zohoapis.sa"),
}
"""The SDK's ``USDataCenter`` ... ``SADataCenter``: ``get_iam_url()`` (less its
``/oauth/v2/token``) and ``PRODUCTION()``'s API domain, by the data centre's location."""

BULK_READ_MODULES = ("leads", "accounts", "contacts", "deals", "campaigns", "tasks", "cases",
                     "events", "calls", "solutions", "products", "vendors", "pricebooks",
                     "quotes", "salesorders", "purchaseorders", "invoices")
"""The standard modules a bulk read job exports (besides custom modules)."""

BULK_READ_QUERY = ("module", "cvid", "fields", "page", "criteria", "file_type", "page_token")
"""``v8.0/bulk_read.json``, ``Query``: what a bulk read job is asked for."""

BULK_READ_RESULT = ("page", "count", "download_url", "per_page", "more_records",
                    "next_page_token")
"""``v8.0/bulk_read.json``, ``Result``: what a completed bulk read job answers."""


USERS: Mapping[str, str] = {
    "$current_shift": "object", "$next_shift": "object",
    "$shift_effective_from": "object", "alias": "string", "category": "string",
    "city": "string", "confirm": "boolean", "country": "string",
    "country_locale": "string", "created_by": "object",
    "created_time": "string:date-time", "Currency": "string",
    "customize_info": "object", "date_format": "string", "decimal_separator": "string",
    "default_tab_group": "string", "dob": "string:date", "email": "string",
    "fax": "string", "first_name": "string", "full_name": "string", "id": "string",
    "Isonline": "boolean", "language": "string", "last_name": "string",
    "locale": "string", "microsoft": "boolean", "mobile": "string",
    "Modified_By": "object", "Modified_Time": "string:date-time",
    "name_format__s": "string", "number_separator": "string", "offset": "integer",
    "personal_account": "boolean", "phone": "string", "profile": "object",
    "Reporting_To": "object", "role": "object", "sandboxDeveloper": "boolean",
    "signature": "string", "sort_order_preference": "string",
    "sort_order_preference__s": "string", "state": "string", "status": "string",
    "status_reason__s": "string", "street": "string", "theme": "object",
    "time_format": "string", "time_zone": "object", "website": "string",
    "zip": "string", "zuid": "string",
}
"""``GET /crm/v8/users``, ``users`` items: ``v8.0/users.json``."""


ORG: Mapping[str, str] = {
    "alias": "string", "call_icon": "string", "checkin_preferences": "object",
    "city": "string", "company_name": "string", "country": "string",
    "country_code": "string", "created_time": "string:date-time", "currency": "string",
    "currency_locale": "string", "currency_symbol": "string",
    "deletable_org_account": "boolean", "description": "string",
    "domain_name": "string", "employee_count": "string", "ezgid": "string",
    "fax": "string", "gapps_enabled": "boolean", "hierarchy_preferences": "object",
    "hipaa_compliance_enabled": "boolean", "id": "string", "iso_code": "string",
    "license_details": "object", "lite_users_enabled": "boolean",
    "max_per_page": "integer", "mc_status": "boolean", "mobile": "string",
    "oauth_presence": "boolean", "phone": "string", "photo_id": "string",
    "primary_email": "string", "primary_zuid": "string", "privacy_settings": "boolean",
    "state": "string", "street": "string", "time_zone": "string",
    "translation_enabled": "boolean", "type": "string", "website": "string",
    "zgid": "string", "zia_portal_id": "string", "zia_zgid": "integer", "zip": "string",
}
"""``GET /crm/v8/org``, ``org`` items: ``v8.0/org.json``."""


CURRENCIES: Mapping[str, str] = {
    "created_by": "object", "created_time": "string:date-time",
    "exchange_rate": "string", "format": "object", "id": "string",
    "is_active": "boolean", "is_base": "boolean", "iso_code": "string",
    "modified_by": "object", "modified_time": "string:date-time", "name": "string",
    "prefix_symbol": "boolean", "symbol": "string",
}
"""``GET /crm/v8/org/currencies``, ``currencies`` items: ``v8.0/currencies.json``."""


PROFILES: Mapping[str, str] = {
    "_default_view": "object", "_delete": "boolean", "category": "boolean",
    "created_by": "object", "created_time": "string:date-time", "custom": "boolean",
    "default": "boolean", "description": "string", "display_label": "string",
    "id": "string", "modified_by": "object", "modified_time": "string:date-time",
    "name": "string", "permission_type": "string", "permissions_details": "array",
    "sections": "array", "type": "string",
}
"""``GET /crm/v8/settings/profiles``, ``profiles`` items: ``v8.0/profiles.json``."""


ROLES: Mapping[str, str] = {
    "admin_user": "boolean", "created_by__s": "object",
    "created_time__s": "string:date-time", "description": "string",
    "display_label": "string", "forecast_manager": "object", "id": "string",
    "modified_by__s": "object", "modified_time__s": "string:date-time",
    "name": "string", "reporting_to": "object", "share_with_peers": "boolean",
}
"""``GET /crm/v8/settings/roles``, ``roles`` items: ``v8.0/roles.json``."""


TERRITORIES: Mapping[str, str] = {
    "account_rule_criteria": "object", "api_name": "string", "created_by": "object",
    "created_time": "string:date-time", "deal_rule_criteria": "object",
    "description": "string", "id": "string", "lead_rule_criteria": "object",
    "manager": "object", "modified_by": "object", "modified_time": "string:date-time",
    "name": "string", "permission_type": "string", "reporting_to": "object",
}
"""``GET /crm/v8/settings/territories``, ``territories`` items: ``v8.0/territories.json``."""


FIELDS: Mapping[str, str] = {
    "_update_existing_records": "boolean", "additional_column": "string",
    "allowed_modules": "array", "api_name": "string", "associated_module": "object",
    "association_details": "object", "auto_number": "object", "autonumber": "object",
    "available_in_user_layout": "boolean", "blueprint_supported": "boolean",
    "businesscard_supported": "boolean", "category": "integer",
    "colour_code_enabled_by_system": "boolean", "column_name": "string",
    "common.picklist": "object", "convert_mapping": "object",
    "created_source": "string", "created_time": "string:date-time", "crypt": "object",
    "currency": "object", "custom_field": "boolean", "customizable_properties": "array",
    "data_type": "string", "decimal_place": "integer", "default_value": "string",
    "display_field": "boolean", "display_label": "string", "display_type": "integer",
    "email_parser": "object", "enable_colour_code": "boolean", "external": "object",
    "field_label": "string", "field_read_only": "boolean",
    "file_upolad_optionlist": "array", "filterable": "boolean", "formula": "object",
    "hipaa_compliance": "object", "hipaa_compliance_enabled": "boolean",
    "history_tracking": "object", "id": "string", "json_type": "string",
    "layout_associations": "array", "length": "integer", "lookup": "object",
    "mass_update": "boolean", "modified_time": "string:date-time",
    "multi_module_lookup": "object", "multiselectlookup": "object",
    "multiuserlookup": "object", "number_separator": "boolean",
    "operation_type": "object", "pick_list_values": "array",
    "pick_list_values_sorted_lexically": "boolean", "private": "object",
    "profiles": "array", "quick_sequence_number": "string", "read_only": "boolean",
    "refer_from_field": "object", "rollup_summary": "object", "searchable": "boolean",
    "separator": "boolean", "sequence_number": "integer",
    "sharing_properties": "object", "show_type": "integer", "sortable": "boolean",
    "static_field": "boolean", "sub_module": "object", "subform": "object",
    "system_mandatory": "boolean", "textarea": "object", "tooltip": "object",
    "type": "string", "ui_type": "integer", "unique": "object", "view_type": "object",
    "virtual_field": "boolean", "visible": "boolean", "webhook": "boolean",
}
"""``GET /crm/v8/settings/fields``, ``fields`` items: ``v8.0/fields.json``."""
