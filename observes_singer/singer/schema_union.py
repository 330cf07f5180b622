"""The union of two JSON Schemas: a schema every value of either one satisfies.

Used to widen a stream's schema across backups (a later month adds a field, or lets an
integer be a number or null). The rules, per node:

- equal nodes stay as they are; an open node (``{}`` or ``true``, or one with neither
  ``type`` nor ``properties``) makes the union open;
- ``type``: the union of both lists (``number`` takes in ``integer``);
- ``properties``: unioned by name, recursively; ``items``: merged recursively;
- ``required``: the names both require (intersected);
- ``maxLength``/``maximum``: the larger, ``minLength``/``minimum``: the smaller;
  ``enum``: both lists' values; ``format``, ``multipleOf``, ``additionalProperties`` (when
  not both schemas) and any other checking keyword: kept when equal, else dropped;
- annotations (``description``, ``title``, ...): the first schema's;
- a keyword that concerns a type only one side allows (``properties`` of an object when
  the other side is a string) is that side's;
- ``anyOf``/``oneOf`` nodes that differ become an ``anyOf`` of both sides' alternatives.

The infer package's merging works on its own inferred field types, not on JSON Schema
documents, so it is not reused here.
"""

from __future__ import annotations

from typing import Any

ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "default",
                         "$schema", "$id", "deprecated", "readOnly", "writeOnly"})
LARGER = frozenset({"maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties"})
SMALLER = frozenset({"minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties"})
#: the type a keyword checks; a side that does not allow the type has no say on it
KEYWORD_TYPES: dict[str, frozenset[str]] = {
    **{k: frozenset({"object"}) for k in ("properties", "required", "additionalProperties",
                                           "patternProperties", "maxProperties",
                                           "minProperties")},
    **{k: frozenset({"array"}) for k in ("items", "maxItems", "minItems", "uniqueItems")},
    **{k: frozenset({"string"}) for k in ("format", "maxLength", "minLength", "pattern")},
    **{k: frozenset({"number", "integer"}) for k in ("multipleOf", "maximum", "minimum",
                                                      "exclusiveMaximum", "exclusiveMinimum")},
}
ALTERNATIVES = ("anyOf", "oneOf")


def merge_schemas(first: Any, second: Any) -> Any:
    """A schema that accepts whatever ``first`` or ``second`` accepts."""
    if first == second:
        return first
    if _is_open(first) or _is_open(second):
        return {}
    if any(k in first for k in ALTERNATIVES) or any(k in second for k in ALTERNATIVES):
        return _any_of(first, second)
    first_types, second_types = _types(first), _types(second)
    assert first_types is not None and second_types is not None
    types = first_types + [t for t in second_types if t not in first_types]
    if "number" in types and "integer" in types:
        types.remove("integer")
    merged: dict[str, Any] = {}
    for keyword in [*first, *(k for k in second if k not in first)]:
        if keyword == "type":
            merged["type"] = types[0] if len(types) == 1 else types
            continue
        value = _keyword(keyword, first, second, first_types, second_types)
        if value is not _DROP:
            merged[keyword] = value
    if "properties" in merged and "type" not in merged:
        merged["type"] = types[0] if len(types) == 1 else types
    return merged


_DROP = object()


def _is_open(schema: Any) -> bool:
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, dict):
        return True  # not a schema this can reason about: accept anything
    return _types(schema) is None and not any(k in schema for k in ALTERNATIVES)


def _types(schema: dict[str, Any]) -> list[str] | None:
    declared = schema.get("type")
    if declared is None:
        return ["object"] if "properties" in schema else None
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list) and all(isinstance(t, str) for t in declared):
        return list(declared)
    return None


def _concerns(keyword: str, types: list[str]) -> bool:
    kinds = KEYWORD_TYPES.get(keyword)
    return kinds is None or any(t in kinds for t in types)


def _keyword(keyword: str, first: dict[str, Any], second: dict[str, Any],
             first_types: list[str], second_types: list[str]) -> Any:
    if keyword in ANNOTATIONS:
        return first.get(keyword, second.get(keyword))
    in_first = keyword in first and _concerns(keyword, first_types)
    in_second = keyword in second and _concerns(keyword, second_types)
    # A side that allows the keyword's type but has no such keyword does not restrict it.
    first_free = keyword not in first and _concerns(keyword, first_types)
    second_free = keyword not in second and _concerns(keyword, second_types)
    if not in_second and not second_free:
        return first.get(keyword, _DROP)
    if not in_first and not first_free:
        return second.get(keyword, _DROP)
    if first_free or second_free:
        return _DROP
    a, b = first[keyword], second[keyword]
    if keyword == "properties" and isinstance(a, dict) and isinstance(b, dict):
        return _merge_properties(a, b)
    if keyword in ("items", "additionalProperties") and (isinstance(a, dict)
                                                         and isinstance(b, dict)):
        return merge_schemas(a, b)
    if keyword == "required" and isinstance(a, list) and isinstance(b, list):
        return [name for name in a if name in b]
    if keyword == "enum" and isinstance(a, list) and isinstance(b, list):
        return a + [v for v in b if v not in a]
    if keyword in LARGER and _numbers(a, b):
        return max(a, b)
    if keyword in SMALLER and _numbers(a, b):
        return min(a, b)
    return a if a == b else _DROP


def _numbers(a: Any, b: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))


def _merge_properties(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    merged = dict(first)
    for name, schema in second.items():
        merged[name] = merge_schemas(first[name], schema) if name in first else schema
    return merged


def _alternatives(schema: dict[str, Any]) -> list[Any]:
    for keyword in ALTERNATIVES:
        if keyword in schema and isinstance(schema[keyword], list) and len(schema) == 1:
            return list(schema[keyword])
    return [schema]


def _any_of(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    options = _alternatives(first)
    options += [o for o in _alternatives(second) if o not in options]
    return {"anyOf": options}
