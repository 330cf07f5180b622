"""Records too large to parse whole: the record without its lists, then their items in chunks.

A RECORD line of tens of megabytes is mostly one list of millions of items. Parsed whole,
its Python objects take ten to twenty times the line's size, and its child rows as much
again. Such a line is read with a streaming parser (ijson's C backend) instead: first the
record with the lists of its root table left empty (a small "shell", which the flattener
checks and writes as usual, its key and id included), then each of those lists again,
item by item, handed to the flattener in chunks (``StreamFlattener.extend``) while the
target loads the rows of each chunk before the next one. Memory then holds the line, one
chunk of items and one chunk of rows.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import ijson

from observes_singer.env import positive_number
from observes_singer.flatten.plan import ListNode, Node, ObjectNode, StreamPlan

ENV = "OBSERVES_LARGE_RECORD_BYTES"
"""The length in bytes from which a RECORD line is read with the streaming parser and
loaded in chunks instead of parsed whole (default 16 MiB). Read by target-redshift."""
#: lines at least this long are read in a stream (16 MiB unless the variable says)
DEFAULT_LARGE_LINE = 16 * 1024 * 1024
CHUNK_ITEMS = 5000


class LargeRecordError(ValueError):
    """The line is not valid JSON; the message says what the parser saw."""


class Unstreamable(Exception):
    """The line holds what the streaming parser cannot read exactly (an integer past 64
    bits): it is parsed whole, as any other line."""


def _failure(exc: Exception) -> Exception:
    if "integer overflow" in str(exc):
        return Unstreamable()
    return LargeRecordError(str(exc))


def large_line_bytes() -> int:
    return int(positive_number(ENV, DEFAULT_LARGE_LINE))


def root_lists(plan: StreamPlan) -> dict[str, int]:
    """The lists of a stream's root table (reached through objects only), as the parser's
    prefixes (``record.a.items``) with their tables' indexes. A field whose name holds a
    dot is left out: the parser's prefixes could not tell it apart."""
    index = {id(table): i for i, table in enumerate(plan.tables)}
    found: dict[str, int] = {}

    def walk(node: Node, path: tuple[str, ...]) -> None:
        if isinstance(node, ObjectNode):
            for name, child in node.properties.items():
                walk(child, (*path, name))
        elif isinstance(node, ListNode) and not any("." in part for part in path):
            found[".".join(("record", *path))] = index[id(node.table)]

    walk(plan.root.node, ())
    return found


def head(raw: bytes) -> tuple[Any, Any]:
    """The message's ``type`` and ``stream``, read from the start of the line."""
    kind = stream = None
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(raw), use_float=True):
            if prefix == "type" and event == "string":
                kind = value
            elif prefix == "stream" and event == "string":
                stream = value
            if kind is not None and stream is not None:
                break
    except ijson.JSONError as exc:
        raise _failure(exc) from None
    return kind, stream


def shell(raw: bytes, lists: set[str]) -> Any:
    """The message with the given lists left empty, every other value as it is.

    It reads the whole line, so a line that cannot be streamed, or is not valid JSON,
    is found here, before any of its rows are made."""
    builder = ijson.ObjectBuilder()
    skipping: str | None = None
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(raw), use_float=True):
            if skipping is not None:
                if prefix == skipping and event == "end_array":
                    builder.event(event, value)
                    skipping = None
                continue
            builder.event(event, value)
            if event == "start_array" and prefix in lists:
                skipping = prefix
    except ijson.JSONError as exc:
        raise _failure(exc) from None
    return builder.value


def chunks(raw: bytes, prefix: str, size: int = CHUNK_ITEMS) -> Iterator[list[Any]]:
    """The items of one list of the line, ``size`` at a time."""
    chunk: list[Any] = []
    try:
        for item in ijson.items(io.BytesIO(raw), prefix + ".item", use_float=True):
            chunk.append(item)
            if len(chunk) >= size:
                yield chunk
                chunk = []
    except ijson.JSONError as exc:
        raise _failure(exc) from None
    if chunk:
        yield chunk
