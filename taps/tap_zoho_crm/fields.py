"""A module's fields, from Zoho's field metadata: the stream's JSON Schema and how each
CSV value of a bulk export becomes a typed value.

``GET /crm/v8/settings/fields?module={module}`` answers ``{"fields": [{"api_name",
"data_type", "json_type", "field_label", "decimal_place", "length", "lookup",
"pick_list_values", "formula": {"return_type"}, ...}]}`` (the CRM API guide's "Fields
Metadata" page, and the CRM OpenAPI document's ``v8.0/fields.json``). The ``data_type``
values, with the field types of the "Create Custom Fields" page: ``text``, ``textarea``,
``email``, ``phone``, ``website``, ``picklist``, ``multiselectpicklist``, ``integer``
(Number), ``bigint`` (Long Integer, up to 18 digits), ``double`` (Decimal), ``currency``,
``percent``, ``date``, ``datetime``, ``boolean`` (Checkbox), ``autonumber``, ``lookup``,
``ownerlookup``, ``userlookup``, ``formula`` (typed as its ``return_type``), and more
(``fileupload``, ``imageupload``, ``subform``, ``multiselectlookup``, ``RRULE``, ...).

How the tap types them:

- ``integer``, ``bigint``: integer, read exactly;
- ``double``, ``currency``, ``percent`` (and ``decimal``): number, exact (``Decimal``),
  with ``multipleOf`` 10^-``decimal_place`` when the field has decimal places (a
  currency's ``currency.precision`` otherwise), so that the warehouse keeps a DECIMAL;
- ``date``: string, format date, as written (yyyy-MM-dd);
- ``datetime``: string, format date-time, as written (ISO 8601 with its offset; the
  warehouse stores it in UTC);
- ``boolean``: boolean, from ``true`` / ``false``;
- ``lookup``, ``ownerlookup``, ``userlookup``: an object ``{"id"}``, the id of the
  related record (or user), which is what the export holds for a lookup;
- ``multiselectpicklist``: a list of strings, the value split on ``;``;
- ``text``, ``textarea``, ``email``, ``phone``, ``website``, ``picklist``,
  ``autonumber``: string, as written;
- anything else: string, as written, and the tap says so once per field.

An empty CSV value is null. A value that does not read as its type stops the run with an
error naming the module, the job, the CSV line, the field and the value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

INTEGER = frozenset({"integer", "bigint"})
NUMBER = frozenset({"double", "currency", "percent", "decimal"})
BOOLEAN = frozenset({"boolean"})
DATE = frozenset({"date"})
DATETIME = frozenset({"datetime"})
LOOKUP = frozenset({"lookup", "ownerlookup", "userlookup"})
MULTI = frozenset({"multiselectpicklist"})
TEXT = frozenset({"text", "textarea", "email", "phone", "website", "picklist", "autonumber"})
KNOWN = INTEGER | NUMBER | BOOLEAN | DATE | DATETIME | LOOKUP | MULTI | TEXT
MULTI_SEPARATOR = ";"
ID = "id"

Convert = Callable[[str], Any]


class BadValue(ValueError):
    """A CSV value that does not read as its field's type."""


@dataclass(frozen=True)
class Field:
    api_name: str
    data_type: str
    decimal_place: int | None = None
    return_type: str | None = None

    @property
    def kind(self) -> str:
        """The data type the value is read as: a formula's return type, else its own."""
        if self.data_type == "formula" and self.return_type:
            return self.return_type
        return self.data_type

    @property
    def known(self) -> bool:
        return self.kind in KNOWN


def parse_fields(body: Any) -> list[Field]:
    """The fields of a fields-metadata answer (``{"fields": [...]}``)."""
    raw = body.get("fields") if isinstance(body, Mapping) else None
    found: list[Field] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping) or not item.get("api_name"):
            continue
        formula = item.get("formula")
        return_type = formula.get("return_type") if isinstance(formula, Mapping) else None
        places = item.get("decimal_place")
        if not isinstance(places, int) or isinstance(places, bool):
            currency = item.get("currency")
            precision = currency.get("precision") if isinstance(currency, Mapping) else None
            places = precision if isinstance(precision, int) and \
                not isinstance(precision, bool) else None
        found.append(Field(api_name=str(item["api_name"]),
                           data_type=str(item.get("data_type") or "text"),
                           decimal_place=places if places is not None and places > 0 else None,
                           return_type=str(return_type) if return_type else None))
    return found


def field_schema(field: Field) -> dict[str, Any]:
    kind = field.kind
    if kind in INTEGER:
        return {"type": ["integer", "null"]}
    if kind in NUMBER:
        schema: dict[str, Any] = {"type": ["number", "null"]}
        if field.decimal_place:
            schema["multipleOf"] = float(Decimal(1).scaleb(-field.decimal_place))
        return schema
    if kind in BOOLEAN:
        return {"type": ["boolean", "null"]}
    if kind in DATE:
        return {"type": ["string", "null"], "format": "date"}
    if kind in DATETIME:
        return {"type": ["string", "null"], "format": "date-time"}
    if kind in LOOKUP:
        return {"type": ["object", "null"], "properties": {ID: {"type": ["string", "null"]}}}
    if kind in MULTI:
        return {"type": ["array", "null"], "items": {"type": "string"}}
    return {"type": ["string", "null"]}


def module_schema(fields: Iterable[Field]) -> dict[str, Any]:
    """The stream's schema: ``id`` (the key), then every field."""
    properties: dict[str, Any] = {ID: {"type": "string"}}
    for field in fields:
        if field.api_name != ID:
            properties[field.api_name] = field_schema(field)
    return {"type": "object", "properties": properties, "required": [ID]}


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadValue("is not an integer") from None


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadValue("is not a number") from None
    if not value.is_finite():
        raise BadValue("is not a finite number")
    return value


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise BadValue("is not true or false")


def _lookup(text: str) -> dict[str, str]:
    return {ID: text}


def _multi(text: str) -> list[str]:
    return text.split(MULTI_SEPARATOR)


def _text(text: str) -> str:
    return text


def converter(field: Field) -> Convert:
    """How a non-empty CSV value of ``field`` becomes its typed value."""
    kind = field.kind
    if kind in INTEGER:
        return _integer
    if kind in NUMBER:
        return _number
    if kind in BOOLEAN:
        return _boolean
    if kind in LOOKUP:
        return _lookup
    if kind in MULTI:
        return _multi
    return _text


def stream_name(module: str) -> str:
    """A module's API name as a stream name: lower snake case (``Price_Books`` ->
    ``price_books``, ``SalesOrders`` -> ``sales_orders``)."""
    name = ""
    for index, char in enumerate(module):
        previous = module[index - 1] if index else ""
        if char.isupper() and index and (previous.islower() or previous.isdigit()):
            name += "_"
        name += char.lower() if char.isalnum() else "_"
    while "__" in name:
        name = name.replace("__", "_")
    return name.strip("_") or "module"
