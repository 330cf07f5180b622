"""The sample organisation's settings, as Zoho CRM's version 8 answers them: the
organisation, its currencies, profiles, roles and territories.

Each record holds the fields the CRM OpenAPI files (https://github.com/zoho/crm-oas,
``v8.0/org.json``, ``currencies.json``, ``profiles.json``, ``roles.json``,
``territories.json``, commit 45dff2c; read 2026-12-07) list for its answer, and the
objects inside hold the fields the files give them, with values in the shapes of the API
guide's examples (a territory rule's criterion compares a field with a string, where the
files leave its ``value`` free-form).
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]

ADMIN = {"name": "Ana María Pérez", "id": "3652397000000186017",
         "email": "ana@example.com"}
CREATED = "2025-03-04T09:15:00-05:00"
MODIFIED = "2025-11-20T16:40:12-05:00"


def organisation() -> Record:
    return {
        "id": "3652397000000081003", "company_name": "Zylker Andina S.A.S.",
        "alias": "Zylker", "primary_email": "ana@example.com", "primary_zuid": "60000000",
        "zgid": "60000001", "ezgid": "e60000001", "zia_portal_id": None, "zia_zgid": None,
        "domain_name": "org60000001", "description": "Línea 1\nlínea 2 🚀",
        "phone": "+57 604 000 0000", "mobile": None, "fax": None,
        "website": "https://example.com", "employee_count": "120", "street": "Cra. 43A",
        "city": "Medellín", "state": "Antioquia", "zip": "050021", "country": "Colombia",
        "country_code": "CO", "time_zone": "America/Bogota", "currency": "Colombian Peso",
        "currency_symbol": "$", "currency_locale": "es_CO", "iso_code": "COP",
        "mc_status": True, "gapps_enabled": False, "translation_enabled": True,
        "privacy_settings": True, "hipaa_compliance_enabled": False,
        "lite_users_enabled": False, "deletable_org_account": False,
        "oauth_presence": True, "max_per_page": 200, "photo_id": None,
        "call_icon": None, "type": "production", "created_time": CREATED,
        "license_details": {"paid_expiry": "2026-03-04T00:00:00-05:00",
                            "users_license_purchased": 25, "trial_type": None,
                            "trial_expiry": None, "paid": True, "paid_type": "enterprise",
                            "trial_action": None},
        "hierarchy_preferences": {"type": "Role_Hierarchy", "strictly_reporting": False},
        "checkin_preferences": {"restricted_event_types": None},
    }


def currencies() -> list[Record]:
    def currency(n: int, iso: str, name: str, symbol: str, rate: str, base: bool) -> Record:
        return {"id": str(3652397000000310001 + n), "iso_code": iso, "name": name,
                "symbol": symbol, "exchange_rate": rate, "is_base": base,
                "is_active": True, "prefix_symbol": True,
                "format": {"decimal_separator": "Comma", "thousand_separator": "Period",
                           "decimal_places": "2"},
                "created_by": ADMIN, "created_time": CREATED, "modified_by": ADMIN,
                "modified_time": MODIFIED}

    return [currency(0, "COP", "Colombian Peso - COP", "$", "1.000000000", True),
            currency(1, "USD", "US Dollar - USD", "US$", "0.000245000", False)]


VIEW, EDIT, MASS_DELETE = "3652397000000026200", "3652397000000026201", "3652397000000026202"
SECTIONS = [
    {"name": "modules", "categories": [{"display_label": "Leads", "name": "Leads",
                                        "module": "Leads", "permissions_details": [VIEW, EDIT]}]},
    {"name": "tools", "categories": [{"display_label": "Borrado masivo", "name": "mass_delete",
                                      "permissions_details": [MASS_DELETE]}]},
]
"""A profile's permissions as its settings page groups them: a module's (a category with
its ``module``), and the others (a category without)."""


def permissions(everything: bool) -> list[Record]:
    """A profile's permission details: viewing and editing leads (editing implies
    viewing), and deleting many at once, given to the profiles Zoho made
    (``everything``)."""
    def permission(pid: str, name: str, label: str, parents: list[str],
                   enabled: bool, customizable: bool) -> Record:
        return {"id": pid, "name": name, "display_label": label, "module": "Leads",
                "enabled": enabled, "customizable": customizable,
                "parent_permissions": parents}

    return [permission(VIEW, "Crm_Implied_View_Leads", "Leads View", [], True, False),
            permission(EDIT, "Crm_Implied_Edit_Leads", "Leads Edit", [VIEW], True, True),
            permission(MASS_DELETE, "Crm_Implied_Mass_Delete", "Borrado masivo — ñ", [],
                       everything, True)]


def profiles() -> list[Record]:
    def profile(n: int, name: str, custom: bool) -> Record:
        return {"id": str(3652397000000026011 + n), "name": name, "display_label": name,
                "description": None if n else "Full access", "default": not custom,
                "custom": custom, "_delete": custom, "category": False,
                "permission_type": "crm", "type": "normal_profile",
                "_default_view": {"name": "Home", "id": "3652397000000026100",
                                  "type": "module"},
                "permissions_details": permissions(not custom),
                "sections": SECTIONS,
                "created_by": None if not custom else ADMIN,
                "created_time": None if not custom else CREATED,
                "modified_by": ADMIN, "modified_time": MODIFIED}

    return [profile(0, "Administrator", False), profile(1, "Standard", False),
            profile(2, "Ventas (Medellín)", True)]


def roles() -> list[Record]:
    ceo = {"name": "CEO", "id": "3652397000000026005"}
    return [
        {"id": ceo["id"], "name": "CEO", "display_label": "CEO", "reporting_to": None,
         "forecast_manager": None, "share_with_peers": True, "admin_user": True,
         "description": "The organisation's head", "created_by__s": None,
         "created_time__s": None, "modified_by__s": ADMIN, "modified_time__s": MODIFIED},
        {"id": "3652397000000026008", "name": "Manager", "display_label": "Manager",
         "reporting_to": ceo, "forecast_manager": {"id": ADMIN["id"], "name": ADMIN["name"]},
         "share_with_peers": False, "admin_user": False, "description": None,
         "created_by__s": ADMIN, "created_time__s": CREATED, "modified_by__s": ADMIN,
         "modified_time__s": MODIFIED},
    ]


DEAL_RULE = {"group_operator": "and", "group": [
    {"comparator": "greater_than", "field": {"api_name": "Amount", "id": "2"},
     "value": "100000"},
    {"comparator": "equal", "field": {"api_name": "Stage", "id": "3"},
     "value": "Negociación"}]}
"""A rule of criteria grouped: each criterion as a rule of one is."""


def territories(count: int) -> list[Record]:
    def territory(n: int) -> Record:
        return {"id": str(3652397000000400001 + n), "name": f"Territorio {n} (Norte)",
                "api_name": f"Territorio_{n}", "description": None,
                "permission_type": "read_write_delete",
                "manager": {"id": ADMIN["id"], "name": ADMIN["name"]},
                "reporting_to": None if n == 0 else {"id": "3652397000000400001",
                                                     "name": "Territorio 0 (Norte)"},
                "account_rule_criteria": {"comparator": "equal",
                                          "field": {"api_name": "Billing_City", "id": "1"},
                                          "value": "Medellín"} if n % 2 == 0 else None,
                "deal_rule_criteria": DEAL_RULE if n == 1 else None,
                "lead_rule_criteria": None,
                "created_by": ADMIN, "created_time": CREATED, "modified_by": ADMIN,
                "modified_time": MODIFIED}

    return [territory(n) for n in range(count)]
