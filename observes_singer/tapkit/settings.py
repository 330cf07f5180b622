"""Checking a tap's settings against its JSON Schema, with messages fit to be logged.

singer-sdk validates a tap's config with jsonschema and logs jsonschema's messages,
which quote the value (``['glpat-...'] is not of type 'string' in
config['private_token']``). :func:`config_errors` checks the same schema but writes
its own messages: ``SETTING: must be ..., got ...``, where a setting the schema marks
secret (``"secret": true`` or ``"writeOnly": true``, what ``th.Property(secret=True)``
writes) shows what kind of value it got but never the value. A message that would
contain a secret's value anyway (a secret pasted into another setting) is replaced by
its value-free form too. Numbers must also be finite.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from singer_sdk.plugin_base import JSONSchemaValidator

_KINDS = {"string": "a string", "integer": "an integer", "number": "a number",
          "boolean": "true or false", "array": "a list", "object": "an object",
          "null": "null"}


def _kind(value: Any) -> str:
    """The JSON kind of ``value``, in words: what a message may say of a secret."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    return "an object"


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, Decimal) else str(value)
    if value is None or isinstance(value, bool):
        text = {None: "null", True: "true", False: "false"}[value]
    return text if len(text) <= 80 else text[:77] + "..."


def _where(path: list[Any]) -> str:
    where = ""
    for step in path:
        where += f"[{step}]" if isinstance(step, int) else (f".{step}" if where else str(step))
    return where or "the configuration"


def _is_secret(schema: Mapping[str, Any]) -> bool:
    return bool(schema.get("secret") or schema.get("writeOnly"))


def _secret_path(schema: Mapping[str, Any], path: list[Any]) -> bool:
    """Whether ``path`` reaches into (or is) a setting marked secret."""
    node: Any = schema
    for step in path:
        if not isinstance(node, Mapping):
            return False
        if isinstance(step, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(step, {})
        if isinstance(node, Mapping) and _is_secret(node):
            return True
    return False


def _secret_texts(schema: Mapping[str, Any], config: Mapping[str, Any]) -> set[str]:
    """Every text a secret setting's value could appear as in a message."""
    found: set[str] = set()

    def leaves(value: Any) -> Iterator[Any]:
        if isinstance(value, Mapping):
            for key, item in value.items():
                yield key
                yield from leaves(item)
        elif isinstance(value, list | tuple):
            for item in value:
                yield from leaves(item)
        else:
            yield value

    for name, prop in schema.get("properties", {}).items():
        if isinstance(prop, Mapping) and _is_secret(prop) and name in config:
            for leaf in leaves(config[name]):
                if leaf is None or isinstance(leaf, bool):
                    continue
                text = str(leaf)
                if len(text) >= 4:  # short values ("1", "a") would match anything
                    found.update({text, repr(leaf)})
    return found


_BOUNDS = {"minimum": "{} or more", "exclusiveMinimum": "more than {}",
           "maximum": "{} or less", "exclusiveMaximum": "less than {}"}


def _describe(error: Any, secret: bool) -> str:  # a jsonschema ValidationError
    """What the setting must be, and what it got (its kind only, when secret)."""
    rule, expected, value = error.validator, error.validator_value, error.instance
    got = f"got {_kind(value)} (not shown: a secret)" if secret else f"got {_shown(value)}"
    if rule == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        words = " or ".join(_KINDS.get(k, k) for k in kinds if k != "null")
        if "null" in kinds:
            words += " (or null, to leave it unset)"
        return f"must be {words}, {got}"
    if rule in _BOUNDS:
        return f"must be {_BOUNDS[rule].format(expected)}, {got}"
    if rule == "enum":
        return f"must be one of {', '.join(map(_shown, expected))}, {got}"
    if rule == "format":
        return f"must be a {expected} (ISO 8601), {got}"
    if rule == "required":
        return str(error.message).replace("is a required property", "is required")
    if secret:
        return f"does not satisfy the schema's {rule!r} rule, {got}"
    return str(error.message)


def _non_finite(schema: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    for name, prop in schema.get("properties", {}).items():
        value = config.get(name)
        if isinstance(prop, Mapping) and isinstance(value, float | Decimal) and \
                not math.isfinite(value):
            shown = "a number (not shown: a secret)" if _is_secret(prop) else _shown(value)
            yield f"{name}: must be a finite number, got {shown}"


def config_errors(schema: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """One message for each way ``config`` breaks ``schema``; none shows a secret."""
    secrets = _secret_texts(schema, config)
    messages = []
    for error in JSONSchemaValidator(schema).iter_errors(config):
        path = list(error.absolute_path)
        secret = _secret_path(schema, path)
        message = f"{_where(path)}: {_describe(error, secret)}"
        if not secret and any(text in message for text in secrets):
            message = f"{_where(path)}: {_describe(error, True)}"
        messages.append(message)
    messages += _non_finite(schema, config)
    return messages
