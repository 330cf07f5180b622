"""Widening a cached schema: the union with what a run inferred, saved by compare-and-swap.

``observes-infer --on-misfit refresh`` infers the schema of a stream whose records no
longer fit its cached schema, and writes back the union of both, so a cache only ever
widens and keeps every column it had. Several shards of one job may widen the same
document at once: each reads it with its version, merges into what is there now and
writes only if it is still at that version (:meth:`BlobStore.write_if`); a shard that
lost the race reads again, so no shard's widening is lost.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable
from typing import Any

from observes_singer.infer.cache import (
    SchemaCacheError,
    StreamSchema,
    dump_schema_cache,
    parse_schema_cache,
)
from observes_singer.singer.schema_union import merge_schemas
from observes_singer.store.storage import BlobConflict, BlobStore

#: Lost races in a row before giving up (each retry waits a little, at random).
MAX_ATTEMPTS = 50


def union(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """A schema that every record fitting ``first`` or ``second`` fits.

    :func:`merge_schemas` reads a missing ``additionalProperties`` as JSON Schema does
    (anything goes), but a cached schema is checked by :func:`misfit`, which reads it as
    "no other properties". So where an object's undeclared properties were allowed on one
    side only (an inferred wide object's tail), the union keeps that tail, and a property
    that one side declares and the other held in its tail takes both schemas.
    """
    merged = copy.deepcopy(merge_schemas(first, second))
    if isinstance(merged, dict):
        _keep_tails(merged, first, second)
    return merged if isinstance(merged, dict) else {}


def _allows(schema: dict[str, Any], kind: str) -> bool:
    declared = schema.get("type")
    if isinstance(declared, str):
        return declared == kind
    if isinstance(declared, list):
        return kind in declared
    return declared is None and kind == "object" and "properties" in schema


def _tail(schema: dict[str, Any]) -> dict[str, Any] | None:
    """What an undeclared property of the object may hold: None for none at all."""
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        return extra
    if extra is True or not isinstance(schema.get("properties"), dict):
        return {}
    return None


def _keep_tails(merged: dict[str, Any], first: Any, second: Any) -> None:
    if not (isinstance(first, dict) and isinstance(second, dict)) or not merged:
        return
    if any(k in s for s in (merged, first, second) for k in ("anyOf", "oneOf")):
        return
    items = merged.get("items")
    if isinstance(items, dict) and _allows(first, "array") and _allows(second, "array"):
        _keep_tails(items, first.get("items"), second.get("items"))
    if not (_allows(first, "object") and _allows(second, "object")):
        return
    first_tail, second_tail = _tail(first), _tail(second)
    props = merged.get("properties")
    if isinstance(props, dict):
        first_props = first.get("properties") or {}
        second_props = second.get("properties") or {}
        for name in props:
            if name in first_props and name in second_props:
                _keep_tails(props[name], first_props[name], second_props[name])
            elif name in first_props and second_tail is not None:
                props[name] = union(first_props[name], second_tail)
            elif name in second_props and first_tail is not None:
                props[name] = union(first_tail, second_props[name])
    tail = _tail_union(first_tail, second_tail)
    if tail is None or (tail == {} and "properties" not in merged):
        merged.pop("additionalProperties", None)
    else:
        merged["additionalProperties"] = tail if tail else True


def _tail_union(first: dict[str, Any] | None,
                second: dict[str, Any] | None) -> dict[str, Any] | None:
    if first is None:
        return second
    if second is None:
        return first
    return union(first, second)


def widen_cache(blobs: BlobStore, url: str, widened: dict[str, StreamSchema],
                sleep: Callable[[float], None] = time.sleep) -> dict[str, StreamSchema]:
    """Merge ``widened`` into the cache document at ``url``, by compare-and-swap.

    Each stream's schema becomes the union of the one there now and the one given (the
    other streams of the document stay as they are now); returns the schemas written.
    A document that already holds all of it is not rewritten.
    """
    for attempt in range(MAX_ATTEMPTS):
        found = blobs.read_versioned(url)
        current = parse_schema_cache(found[0], url) if found is not None else {}
        merged = dict(current)
        for name, entry in widened.items():
            merged[name] = _merge_entry(current.get(name), entry)
        written = {name: merged[name] for name in widened}
        if found is not None and all(current.get(n) == s for n, s in written.items()):
            return written
        try:
            blobs.write_if(url, dump_schema_cache(merged), found[1] if found else None)
        except BlobConflict:
            sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter
            continue
        return written
    raise SchemaCacheError(f"{url}: gave up widening the cached schema after {MAX_ATTEMPTS} "
                           "lost races with other writers; run again")


def _merge_entry(current: StreamSchema | None, entry: StreamSchema) -> StreamSchema:
    if current is None:
        return entry
    return StreamSchema(union(current.schema, entry.schema),
                        entry.key_properties or current.key_properties)
