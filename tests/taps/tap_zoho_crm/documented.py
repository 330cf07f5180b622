"""Zoho CRM's answers as Zoho documents them, as data: the tap's schemas, settings and
defaults are held to these (tests/taps/tap_zoho_crm/test_documented.py), not to the
sample Zoho, so that a field Zoho documents and the tap drops fails a test.

Sources (read 2026-12-07):

- the CRM OpenAPI files, https://github.com/zoho/crm-oas, ``v8.0/`` at commit 45dff2c
  (2025-06-27): each list below is the properties of one answer's items, its type as the
  file gives it (``string:date-time`` for a string of that format; ``$ref`` and
  ``oneOf`` followed, across files too), and :data:`NESTED` the properties of the objects
  inside them (read 2026-12-07, as the top-level ones);
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


USERS_NESTED: Mapping[str, str] = {
    "$current_shift.id": "string", "$current_shift.name": "string", "$next_shift.id": "string",
    "$next_shift.name": "string", "Modified_By.first_name": "string", "Modified_By.id": "string",
    "Modified_By.last_name": "string", "Modified_By.name": "string",
    "Reporting_To.email": "string", "Reporting_To.id": "string", "Reporting_To.name": "string",
    "created_by.email": "string", "created_by.id": "string", "created_by.name": "string",
    "customize_info.bc_view": "object", "customize_info.notes_desc": "object",
    "customize_info.show_detail_view": "boolean", "customize_info.show_home": "boolean",
    "customize_info.show_right_panel": "object", "customize_info.unpin_recent_item": "object",
    "profile.id": "string", "profile.name": "string", "role.id": "string", "role.name": "string",
    "theme.background": "string", "theme.new_background": "string", "theme.normal_tab": "object",
    "theme.normal_tab.background": "string", "theme.normal_tab.font_color": "string",
    "theme.screen": "string", "theme.selected_tab": "object",
    "theme.selected_tab.background": "string", "theme.selected_tab.font_color": "string",
    "theme.type": "string"
}
"""The nested fields of ``users``: ``users.json`` (``Minified_User``, ``owner``, ``shift``,
``theme`` and its ``tab``, ``customize_info``)."""


ORG_NESTED: Mapping[str, str] = {
    "checkin_preferences.restricted_event_types": "string",
    "hierarchy_preferences.strictly_reporting": "boolean", "hierarchy_preferences.type": "string",
    "license_details.paid": "boolean", "license_details.paid_expiry": "string:date-time",
    "license_details.paid_type": "string", "license_details.trial_action": "string",
    "license_details.trial_expiry": "string", "license_details.trial_type": "string",
    "license_details.users_license_purchased": "integer"
}
"""The nested fields of ``org``: ``org.json``."""


CURRENCIES_NESTED: Mapping[str, str] = {
    "created_by.email": "string", "created_by.id": "string", "created_by.name": "string",
    "format.decimal_places": "string", "format.decimal_separator": "string",
    "format.thousand_separator": "string", "modified_by.email": "string",
    "modified_by.id": "string", "modified_by.name": "string"
}
"""The nested fields of ``currencies``: ``currencies.json`` (its ``format``; ``users.json``'s
``Minified_User``)."""


PROFILES_NESTED: Mapping[str, str] = {
    "_default_view.id": "string", "_default_view.name": "string", "_default_view.type": "string",
    "created_by.email": "string", "created_by.id": "string", "created_by.name": "string",
    "modified_by.email": "string", "modified_by.id": "string", "modified_by.name": "string",
    "permissions_details.[]": "object", "permissions_details.[].customizable": "boolean",
    "permissions_details.[].display_label": "string", "permissions_details.[].enabled": "boolean",
    "permissions_details.[].id": "string", "permissions_details.[].module": "string",
    "permissions_details.[].name": "string", "permissions_details.[].parent_permissions": "array",
    "permissions_details.[].parent_permissions.[]": "string", "sections.[]": "object",
    "sections.[].categories": "array", "sections.[].categories.[]": "object",
    "sections.[].categories.[].display_label": "string",
    "sections.[].categories.[].module": "string", "sections.[].categories.[].name": "string",
    "sections.[].categories.[].permissions_details": "array",
    "sections.[].categories.[].permissions_details.[]": "string", "sections.[].name": "string"
}
"""The nested fields of ``profiles``: ``profiles.json`` (``Default_View``,
``Permission_Detail``, ``Section`` and its categories, each a ``Category_Others`` or a
``Category_Module``; ``users.json``'s ``Minified_User``)."""


ROLES_NESTED: Mapping[str, str] = {
    "created_by__s.email": "string", "created_by__s.id": "string", "created_by__s.name": "string",
    "forecast_manager.id": "string", "forecast_manager.name": "string",
    "modified_by__s.email": "string", "modified_by__s.id": "string",
    "modified_by__s.name": "string", "reporting_to.id": "string", "reporting_to.name": "string"
}
"""The nested fields of ``roles``: ``roles.json`` (``users.json``'s ``Minified_User``)."""


TERRITORIES_NESTED: Mapping[str, str] = {
    "account_rule_criteria.comparator": "string", "account_rule_criteria.field": "object",
    "account_rule_criteria.field.api_name": "string", "account_rule_criteria.field.id": "string",
    "account_rule_criteria.group": "array", "account_rule_criteria.group.[]": "object",
    "account_rule_criteria.group_operator": "string", "account_rule_criteria.value": "object",
    "created_by.email": "string", "created_by.id": "string", "created_by.name": "string",
    "deal_rule_criteria.comparator": "string", "deal_rule_criteria.field": "object",
    "deal_rule_criteria.field.api_name": "string", "deal_rule_criteria.field.id": "string",
    "deal_rule_criteria.group": "array", "deal_rule_criteria.group.[]": "object",
    "deal_rule_criteria.group_operator": "string", "deal_rule_criteria.value": "object",
    "lead_rule_criteria.comparator": "string", "lead_rule_criteria.field": "object",
    "lead_rule_criteria.field.api_name": "string", "lead_rule_criteria.field.id": "string",
    "lead_rule_criteria.group": "array", "lead_rule_criteria.group.[]": "object",
    "lead_rule_criteria.group_operator": "string", "lead_rule_criteria.value": "object",
    "manager.id": "string", "manager.name": "string", "modified_by.email": "string",
    "modified_by.id": "string", "modified_by.name": "string", "reporting_to.id": "string",
    "reporting_to.name": "string"
}
"""The nested fields of ``territories``: ``territories.json`` (``manager``,
``reporting_to``, the rules' ``Criteria``; ``users.json``'s ``Minified_User``)."""


FIELDS_NESTED: Mapping[str, str] = {
    "allowed_modules.[]": "object", "allowed_modules.[].api_name": "string",
    "allowed_modules.[].id": "string", "allowed_modules.[].module": "string",
    "allowed_modules.[].module_name": "string", "associated_module.api_name": "string",
    "associated_module.id": "string", "associated_module.module": "string",
    "associated_module.module_name": "string", "association_details.lookup_field": "object",
    "association_details.lookup_field.api_name": "string",
    "association_details.lookup_field.id": "string",
    "association_details.lookup_field.module": "string",
    "association_details.lookup_field.module_name": "string",
    "association_details.related_field": "object",
    "association_details.related_field.api_name": "string",
    "association_details.related_field.id": "string",
    "association_details.related_field.module": "string",
    "association_details.related_field.module_name": "string", "autonumber.prefix": "string",
    "autonumber.start_number": "integer", "autonumber.starting_number_length": "integer",
    "autonumber.suffix": "string", "convert_mapping.Accounts": "string",
    "convert_mapping.Contacts": "string", "convert_mapping.Deals": "string",
    "crypt.column": "string", "crypt.encFldIds": "array", "crypt.encFldIds.[]": "string",
    "crypt.mode": "string", "crypt.notify": "string", "crypt.status": "integer",
    "crypt.table": "string", "customizable_properties.[]": "string",
    "email_parser.fields_update_supported": "boolean",
    "email_parser.record_operations_supported": "boolean",
    "external.allow_multiple_config": "boolean", "external.show": "boolean",
    "external.type": "string", "file_upolad_optionlist.[]": "object",
    "file_upolad_optionlist.[].actual_value": "string",
    "file_upolad_optionlist.[].display_value": "string", "hipaa_compliance.restricted": "boolean",
    "hipaa_compliance.restricted_in_export": "boolean",
    "history_tracking.duration_configured_field": "object",
    "history_tracking.duration_configured_field.api_name": "string",
    "history_tracking.duration_configured_field.id": "string",
    "history_tracking.duration_configured_field.module": "string",
    "history_tracking.duration_configured_field.module_name": "string",
    "history_tracking.module": "object", "history_tracking.module.api_name": "string",
    "history_tracking.module.display_label": "string", "history_tracking.module.id": "string",
    "history_tracking.module.layout": "object", "history_tracking.module.module": "object",
    "history_tracking.module.module_name": "string", "layout_associations.[]": "object",
    "layout_associations.[].api_name": "string", "layout_associations.[].id": "string",
    "layout_associations.[].name": "string", "multiuserlookup.api_name": "string",
    "multiuserlookup.connected_module": "object",
    "multiuserlookup.connected_module.api_name": "string",
    "multiuserlookup.connected_module.id": "string",
    "multiuserlookup.connected_module.module": "string",
    "multiuserlookup.connected_module.module_name": "string",
    "multiuserlookup.connectedfield_apiname": "string",
    "multiuserlookup.connectedlookup_apiname": "string", "multiuserlookup.display_label": "string",
    "multiuserlookup.id": "string", "multiuserlookup.linking_module": "object",
    "multiuserlookup.linking_module.api_name": "string",
    "multiuserlookup.linking_module.id": "string",
    "multiuserlookup.linking_module.module": "string",
    "multiuserlookup.linking_module.module_name": "string",
    "multiuserlookup.lookup_apiname": "string", "multiuserlookup.record_access": "boolean",
    "operation_type.api_create": "boolean", "operation_type.api_update": "boolean",
    "operation_type.web_create": "boolean", "operation_type.web_update": "boolean",
    "pick_list_values.[]": "object", "pick_list_values.[]._delete": "boolean",
    "pick_list_values.[].actual_value": "string", "pick_list_values.[].colour_code": "string",
    "pick_list_values.[].deal_category": "string", "pick_list_values.[].display_value": "string",
    "pick_list_values.[].expected_data_type": "string",
    "pick_list_values.[].forecast_category": "object",
    "pick_list_values.[].forecast_category.id": "string",
    "pick_list_values.[].forecast_category.name": "string",
    "pick_list_values.[].forecast_type": "string", "pick_list_values.[].id": "string",
    "pick_list_values.[].maps": "array", "pick_list_values.[].maps.[]": "object",
    "pick_list_values.[].maps.[].api_name": "string",
    "pick_list_values.[].maps.[].pick_list_values": "array",
    "pick_list_values.[].maps.[].pick_list_values.[]": "object",
    "pick_list_values.[].probability": "integer", "pick_list_values.[].reference_value": "string",
    "pick_list_values.[].sequence_number": "integer", "pick_list_values.[].show_value": "boolean",
    "pick_list_values.[].sys_ref_name": "string", "pick_list_values.[].type": "string",
    "private.export": "boolean", "private.restricted": "boolean", "private.type": "string",
    "profiles.[]": "object", "profiles.[].id": "string", "profiles.[].name": "string",
    "profiles.[].permission_type": "string", "refer_from_field.api_name": "string",
    "refer_from_field.id": "string", "sharing_properties.scheduler_status": "string",
    "sharing_properties.share_permission": "string",
    "sharing_properties.share_preference_enabled": "boolean", "sub_module.api_name": "string",
    "sub_module.id": "string", "sub_module.module": "string", "sub_module.module_name": "string",
    "textarea.type": "string", "tooltip.name": "string", "tooltip.value": "string",
    "view_type.create": "boolean", "view_type.edit": "boolean",
    "view_type.quick_create": "boolean", "view_type.view": "boolean"
}
"""The nested fields of ``fields``: ``fields.json`` (``history_tracking`` and its
``HistoryTrackingModule``, ``pick_list_values`` and their ``Maps``, ...; ``modules.json``'s
``Minified_Module``)."""


NESTED: Mapping[str, Mapping[str, str]] = {
    "users": USERS_NESTED, "org": ORG_NESTED, "currencies": CURRENCIES_NESTED,
    "profiles": PROFILES_NESTED, "roles": ROLES_NESTED, "territories": TERRITORIES_NESTED,
    "fields": FIELDS_NESTED}
"""Every field the OpenAPI files give the objects inside each REST stream's records, as a
dotted path from the record (``[]`` for a list's items), with its type as the top-level
fields have theirs (``object`` alone: an object the files leave free-form)."""

WHOLE: Mapping[str, tuple[str, ...]] = {
    "fields": ("history_tracking.module.layout", "history_tracking.module.module",
               "pick_list_values.[].maps.[].pick_list_values.[]"),
    "territories": ("account_rule_criteria.group.[]", "deal_rule_criteria.group.[]",
                    "lead_rule_criteria.group.[]"),
}
"""Nested objects listed above without what they hold: a field's history tracking module
has a whole ``Layout`` of ``layouts.json`` (its sections, and their fields) and a module
of its own shape again; a pick list map's values are pick list values again, and a
territory rule's criteria group holds criteria again. The tap keeps them whole (objects
with no declared properties: key/value rows in the warehouse)."""
