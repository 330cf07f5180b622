"""JSON Schema inference from raw records, with widening merges.

Each field path gets a :class:`FieldType` that remembers which JSON kinds it has
seen. The rules, applied when the schema is resolved:

- null makes a type nullable, and so does a property missing from some objects;
- integer + number is number; integers outside the signed 64-bit range are strings
  (their exact digits), never wrapped or rounded;
- strings are ``date-time`` or ``date`` when every one of them is ISO 8601 (or
  matches one of the extra formats given); otherwise plain strings;
- any other mix (string with anything, boolean with a number, an object with a
  list, ...) widens to string, and the values are written as their JSON text;
- objects merge their properties; an object with more distinct keys than
  ``max_properties`` is a free-form map (``additionalProperties``);
- lists merge their items.

Column names are never suffixed with types: a field keeps one name and one type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import orjson

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

BOOLEAN = 1
INTEGER = 2
NUMBER = 4
STRING = 8
OBJECT = 16
ARRAY = 32
BIG_INTEGER = 64  # an integer outside int64: resolves to string

# String format states.
FMT_NONE = 0  # no string seen yet
FMT_DATETIME = 1
FMT_DATE = 2
FMT_PLAIN = 3

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?\Z"
)
_FRACTION_RE = re.compile(r"(\.\d{6})\d+")


def parse_iso_datetime(text: str) -> datetime | None:
    """An ISO 8601 date-time (with or without offset), or None."""
    if not _DATETIME_RE.match(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    # fromisoformat takes at most 6 fraction digits
    candidate = _FRACTION_RE.sub(r"\1", text)
    if candidate == text:
        return None
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None


def parse_iso_date(text: str) -> date | None:
    if not _DATE_RE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class FieldType:
    """What one field path has held so far."""

    __slots__ = ("coercion", "fmt", "items", "kinds", "map_values", "normalised", "nulls",
                 "objects", "properties")

    def __init__(self) -> None:
        self.kinds = 0
        self.nulls = False
        self.objects = 0  # how many of them were objects
        self.fmt = FMT_NONE
        self.normalised = False  # some string matched an extra format and is rewritten
        self.properties: dict[str, FieldType] | None = None
        self.map_values: FieldType | None = None  # set when the object is a free-form map
        self.items: FieldType | None = None
        self.coercion = False  # set by mark_coercion() once observing is over

    # -- resolution ----------------------------------------------------------------------

    def resolved_kind(self) -> int:
        """The single kind values of this field are written as (0: only nulls seen)."""
        kinds = self.kinds
        if kinds & BIG_INTEGER:
            return STRING
        if kinds & NUMBER and not kinds & ~(INTEGER | NUMBER):
            return NUMBER
        if kinds & (kinds - 1):  # more than one kind
            return STRING
        return kinds

    def needs_coercion(self) -> bool:
        """Whether some value under this field must be rewritten to fit the schema."""
        kind = self.resolved_kind()
        if kind == STRING:
            return self.kinds != STRING or self.normalised
        if kind == OBJECT:
            if self.map_values is not None:
                return self.map_values.needs_coercion()
            return any(p.needs_coercion() for p in (self.properties or {}).values())
        if kind == ARRAY and self.items is not None:
            return self.items.needs_coercion()
        return False


class SchemaInferrer:
    """Infers one JSON Schema from a sequence of records (dicts)."""

    def __init__(self, datetime_formats: Sequence[str] = (), max_properties: int = 1000) -> None:
        self.root = FieldType()
        self.datetime_formats = tuple(datetime_formats)
        self.max_properties = max_properties

    def add(self, record: dict[str, Any]) -> None:
        self._observe(self.root, record)

    # -- observing -----------------------------------------------------------------------

    def _observe(self, node: FieldType, value: Any) -> None:
        kind = type(value)
        if kind is str:
            node.kinds |= STRING
            if node.fmt != FMT_PLAIN:
                self._observe_string(node, value)
        elif kind is dict:
            node.kinds |= OBJECT
            node.objects += 1
            if node.map_values is not None:
                for item in value.values():
                    self._observe(node.map_values, item)
                return
            props = node.properties
            if props is None:
                props = node.properties = {}
            for key, item in value.items():
                child = props.get(key)
                if child is None:
                    child = props[key] = FieldType()
                    # A property that first shows up late was missing from earlier objects.
                    if node.objects > 1:
                        child.nulls = True
                # Scalars inline: most values are, and a call per value is the main cost.
                item_kind = type(item)
                if item_kind is str:
                    child.kinds |= STRING
                    if child.fmt != FMT_PLAIN:
                        self._observe_string(child, item)
                elif item is None:
                    child.nulls = True
                elif item_kind is bool:
                    child.kinds |= BOOLEAN
                elif item_kind is float:
                    child.kinds |= NUMBER
                else:
                    self._observe(child, item)
            if len(props) != len(value):
                for key, child in props.items():
                    if key not in value:
                        child.nulls = True
            if len(props) > self.max_properties:
                self._become_map(node)
        elif kind is int:
            if INT64_MIN <= value <= INT64_MAX:
                node.kinds |= INTEGER
            else:
                node.kinds |= BIG_INTEGER
        elif kind is float:
            node.kinds |= NUMBER
        elif kind is bool:
            node.kinds |= BOOLEAN
        elif value is None:
            node.nulls = True
        elif kind is list:
            node.kinds |= ARRAY
            items = node.items
            if items is None:
                items = node.items = FieldType()
            for item in value:
                self._observe(items, item)
        else:
            raise TypeError(f"not a JSON value: {kind.__name__}")

    def _observe_string(self, node: FieldType, text: str) -> None:
        fmt = node.fmt
        if fmt in (FMT_NONE, FMT_DATETIME) and parse_iso_datetime(text) is not None:
            node.fmt = FMT_DATETIME
            return
        if fmt in (FMT_NONE, FMT_DATE) and parse_iso_date(text) is not None:
            node.fmt = FMT_DATE
            return
        if fmt in (FMT_NONE, FMT_DATETIME) and self.datetime_formats:
            for pattern in self.datetime_formats:
                try:
                    datetime.strptime(text, pattern)
                except ValueError:
                    continue
                node.fmt = FMT_DATETIME
                node.normalised = True
                return
        node.fmt = FMT_PLAIN

    def _become_map(self, node: FieldType) -> None:
        """Too many distinct keys: treat the object as a free-form map of merged values."""
        merged = FieldType()
        for child in (node.properties or {}).values():
            _merge_into(merged, child)
        node.properties = None
        node.map_values = merged

    # -- output --------------------------------------------------------------------------

    def schema(self) -> dict[str, Any]:
        """The inferred JSON Schema of the records (an object schema)."""
        if not self.root.kinds:
            return {"type": "object", "properties": {}}
        out = to_json_schema(self.root)
        out["type"] = "object"  # the record itself is never null
        return out

    def needs_coercion(self) -> bool:
        """Whether any record must be rewritten; call once all records are added."""
        return mark_coercion(self.root)

    def coerce(self, record: dict[str, Any]) -> dict[str, Any]:
        """Rewrite the values of a record so that it fits :meth:`schema`."""
        result = coerce_value(self.root, record, self.datetime_formats)
        assert isinstance(result, dict)
        return result


def mark_coercion(node: FieldType) -> bool:
    """Record on every node whether values under it need rewriting; returns the root's."""
    for child in (node.properties or {}).values():
        mark_coercion(child)
    if node.map_values is not None:
        mark_coercion(node.map_values)
    if node.items is not None:
        mark_coercion(node.items)
    node.coercion = node.needs_coercion()
    return node.coercion


def _merge_into(target: FieldType, source: FieldType) -> None:
    target.kinds |= source.kinds
    target.nulls = target.nulls or source.nulls
    target.objects += source.objects
    target.normalised = target.normalised or source.normalised
    if source.fmt != FMT_NONE:
        target.fmt = source.fmt if target.fmt in (FMT_NONE, source.fmt) else FMT_PLAIN
    if source.map_values is not None or source.properties:
        if target.map_values is None and target.properties is None:
            target.properties = {}
        if source.map_values is not None:
            if target.map_values is None:
                target.map_values = FieldType()
                for child in (target.properties or {}).values():
                    _merge_into(target.map_values, child)
                target.properties = None
            _merge_into(target.map_values, source.map_values)
        elif target.map_values is not None:
            for child in (source.properties or {}).values():
                _merge_into(target.map_values, child)
        else:
            assert target.properties is not None
            for key, child in (source.properties or {}).items():
                mine = target.properties.get(key)
                if mine is None:
                    mine = target.properties[key] = FieldType()
                _merge_into(mine, child)
    if source.items is not None:
        if target.items is None:
            target.items = FieldType()
        _merge_into(target.items, source.items)


_TYPE_NAMES = {
    BOOLEAN: "boolean",
    INTEGER: "integer",
    NUMBER: "number",
    STRING: "string",
    OBJECT: "object",
    ARRAY: "array",
}


def to_json_schema(node: FieldType) -> dict[str, Any]:
    kind = node.resolved_kind()
    if kind == 0:
        # Only nulls seen: nothing tells the type. A nullable string is the widest
        # column a warehouse can hold it in.
        return {"type": ["null", "string"]}
    name = _TYPE_NAMES[kind]
    schema: dict[str, Any] = {"type": ["null", name] if node.nulls else name}
    if kind == STRING and node.kinds == STRING:
        if node.fmt == FMT_DATETIME:
            schema["format"] = "date-time"
        elif node.fmt == FMT_DATE:
            schema["format"] = "date"
    elif kind == OBJECT:
        if node.map_values is not None:
            schema["additionalProperties"] = to_json_schema(node.map_values)
        else:
            schema["properties"] = {
                key: to_json_schema(child) for key, child in (node.properties or {}).items()
            }
    elif kind == ARRAY:
        schema["items"] = to_json_schema(node.items) if node.items and node.items.kinds else {}
    return schema


def _as_text(value: Any) -> str:
    if type(value) is int:
        return str(value)
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # an integer beyond 64 bits inside a structure
        import json

        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def coerce_value(node: FieldType, value: Any, datetime_formats: Sequence[str]) -> Any:
    if value is None:
        return None
    kind = node.resolved_kind()
    if kind == STRING:
        if type(value) is not str:
            return _as_text(value)
        if node.normalised and node.kinds == STRING and node.fmt == FMT_DATETIME:
            return normalise_datetime(value, datetime_formats)
        return value
    if kind == OBJECT and type(value) is dict:
        if node.map_values is not None:
            if not node.map_values.coercion:
                return value
            return {k: coerce_value(node.map_values, v, datetime_formats)
                    for k, v in value.items()}
        props = node.properties or {}
        return {
            k: coerce_value(props[k], v, datetime_formats) if props[k].coercion else v
            for k, v in value.items()
        }
    if kind == ARRAY and type(value) is list and node.items is not None:
        if not node.items.coercion:
            return value
        return [coerce_value(node.items, v, datetime_formats) for v in value]
    return value


def normalise_datetime(text: str, datetime_formats: Sequence[str]) -> str:
    """An ISO 8601 rendering of a date-time given in one of the extra formats."""
    if parse_iso_datetime(text) is not None:
        return text
    for pattern in datetime_formats:
        try:
            return datetime.strptime(text, pattern).isoformat()
        except ValueError:
            continue
    return text
