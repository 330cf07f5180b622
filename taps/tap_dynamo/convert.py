"""DynamoDB's typed attribute values as plain JSON values, exactly.

botocore hands over the typed form (``{"N": "1.50"}``, ``{"B": b"..."}``): numbers as
the text DynamoDB stores, binaries already decoded to bytes. The rules:

- ``N``: an ``int`` when integral (read from the digits, never through a float, so any
  size stays exact), else a ``Decimal`` of the same digits (written to JSON as a number
  with those digits), or with ``decimals="text"`` DynamoDB's text of it, as a string;
- ``S`` as is; ``BOOL`` as is; ``NULL`` as ``None``; ``B`` as base64 text;
- ``SS``, ``NS`` and ``BS`` as sorted lists (of strings, converted numbers and base64
  texts); ``M`` and ``L`` recursively.

Keys of a table (``S``, ``N`` or ``B`` only) also travel in the state, in DynamoDB's
wire form (a binary as base64 text): :func:`wire_key` and :func:`boto_key` go between.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

_INTEGER = re.compile(r"[+-]?[0-9]+")
Number = int | Decimal | str


def number(text: str) -> int | Decimal:
    """The exact value of DynamoDB number text: an int when integral, else a Decimal."""
    if _INTEGER.fullmatch(text):
        return int(text)
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(f"not a DynamoDB number: {text!r}")
    if value == value.to_integral_value():
        return int(value)
    return value


def number_as_text(text: str) -> int | str:
    """As :func:`number`, with a fraction kept as DynamoDB's own text of it."""
    value = number(text)
    return value if isinstance(value, int) else text


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class Converter:
    """Plain values of typed ones; ``decimals`` is ``"number"`` or ``"text"``."""

    def __init__(self, decimals: str = "number") -> None:
        self.number: Callable[[str], Number] = number_as_text if decimals == "text" else number

    def item(self, item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        value = self.value
        return {name: value(typed) for name, typed in item.items()}

    def value(self, typed: Mapping[str, Any]) -> Any:
        ((kind, raw),) = typed.items()
        if kind == "S":
            return raw
        if kind == "N":
            return self.number(raw)
        if kind == "M":
            return self.item(raw)
        if kind == "L":
            value = self.value
            return [value(element) for element in raw]
        if kind == "BOOL":
            return bool(raw)
        if kind == "NULL":
            return None
        if kind == "B":
            return b64(raw)
        if kind == "SS":
            return sorted(raw)
        if kind == "NS":
            return sorted((self.number(text) for text in raw), key=_number_order)
        if kind == "BS":
            return sorted(b64(data) for data in raw)
        raise ValueError(f"unknown DynamoDB attribute type {kind!r}")


def _number_order(value: Number) -> Decimal:
    return Decimal(value) if not isinstance(value, Decimal) else value


def wire_key(key: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """A key as botocore returns it (``LastEvaluatedKey``) in DynamoDB's JSON form, for
    the state: binaries as base64 text."""
    out: dict[str, dict[str, str]] = {}
    for name, typed in key.items():
        ((kind, raw),) = typed.items()
        out[name] = {kind: b64(raw) if kind == "B" else raw}
    return out


def boto_key(key: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, Any]]:
    """A key from the state as botocore takes it (``ExclusiveStartKey``)."""
    out: dict[str, dict[str, Any]] = {}
    for name, typed in key.items():
        ((kind, raw),) = typed.items()
        out[name] = {kind: base64.b64decode(raw) if kind == "B" else raw}
    return out
