"""Stream names of DynamoDB tables: lower case, ``[a-z0-9_]``."""

from __future__ import annotations

import re
from collections.abc import Iterable

_OTHER = re.compile(r"[^a-z0-9_]")


def stream_name(table: str) -> str:
    """``Orders-Prod.v2`` -> ``orders_prod_v2``."""
    return _OTHER.sub("_", table.lower())


def name_errors(tables: Iterable[str]) -> list[str]:
    """Tables named twice, or whose stream names would be the same."""
    seen: dict[str, str] = {}
    errors = []
    for table in tables:
        name = stream_name(table)
        if name in seen:
            first = seen[name]
            errors.append(f"tables: {table!r} is listed twice" if first == table else
                          f"tables: {first!r} and {table!r} would both be stream {name!r}")
        else:
            seen[name] = table
    return errors
