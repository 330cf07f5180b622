"""SQL identifiers from stream and field names of any shape.

A name becomes lower-case snake_case ASCII (``[a-z0-9_]``): camelCase is split,
accents are dropped, anything else becomes ``_``. Names longer than Redshift's
127-byte limit are cut and given a short hash of the full name, so that two long
names sharing a prefix stay apart. Two different names that normalise to the same
identifier (``userId`` and ``user_id``) are told apart deterministically: the name
that already was in normal form keeps it, the others get a hash suffix. Identifiers
are always quoted in SQL; :func:`quote` is the only way they reach a statement.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

MAX_IDENTIFIER_BYTES = 127
_CAMEL_1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_NOT_ALLOWED = re.compile(r"[^a-z0-9_]+")


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()[:length]


def normalise(name: str) -> str:
    """The identifier form of one name segment (no length limit applied)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    snake = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", ascii_name))
    cleaned = _NOT_ALLOWED.sub("_", snake.lower())
    if not cleaned.strip("_"):
        # Nothing survived (emoji, CJK, punctuation): keep it unique by the original.
        return f"_{short_hash(name)}"
    return cleaned


def fit_length(identifier: str, original: str, limit: int = MAX_IDENTIFIER_BYTES) -> str:
    """Cut an identifier to ``limit`` bytes, keeping it unique with a hash of ``original``."""
    if len(identifier) <= limit:
        return identifier
    suffix = "_" + short_hash(original)
    return identifier[: limit - len(suffix)] + suffix


def join_path(parts: Iterable[str]) -> str:
    return "__".join(parts)


def resolve(originals: list[str], taken: Iterable[str] = (),
            limit: int = MAX_IDENTIFIER_BYTES) -> tuple[dict[str, str], list[str]]:
    """Map each original name to a unique identifier, deterministically.

    ``originals`` are full (already joined) source paths, ``taken`` identifiers that
    may not be used (metadata columns). Returns the mapping and a human-readable line
    per collision that was resolved.
    """
    reserved = set(taken)
    wanted: dict[str, list[str]] = {}
    for original in originals:
        ident = fit_length(normalise_path(original), original, limit)
        wanted.setdefault(ident, []).append(original)
    mapping: dict[str, str] = {}
    notes: list[str] = []
    used = set(reserved)
    used.update(ident for ident, names in wanted.items() if len(names) == 1
                and ident not in reserved)
    for ident, names in sorted(wanted.items()):
        if len(names) == 1 and ident not in reserved:
            mapping[names[0]] = ident
            continue
        # The name already in normal form keeps the identifier; the rest get suffixes.
        keeper = next((n for n in sorted(names) if n == ident), None)
        if ident in reserved:
            keeper = None
        for name in sorted(names):
            if name == keeper:
                mapping[name] = ident
                used.add(ident)
                continue
            candidate = fit_length(f"{ident}_{short_hash(name)}", name, limit)
            while candidate in used:
                candidate = fit_length(f"{candidate}_{short_hash(candidate)}", name, limit)
            mapping[name] = candidate
            used.add(candidate)
            if ident in reserved:
                notes.append(f"{name!r} would be {ident!r}, a name reserved for the "
                             f"warehouse or the loader; {name!r} is {candidate!r}")
            else:
                notes.append(f"{name!r} and others normalise to {ident!r}; {name!r} is "
                             f"{candidate!r}")
    return mapping, notes


def normalise_path(original: str) -> str:
    """Normalise a ``__``-joined path segment by segment."""
    return join_path(normalise(part) if part else "_" for part in original.split("\x1f"))


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier (quotes inside are doubled)."""
    return '"' + identifier.replace('"', '""') + '"'
