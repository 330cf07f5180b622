"""Each replayed stream's schema: the union of its SCHEMA messages, with their keys.

Every SCHEMA of a stream widens its schema (see :mod:`observes_singer.singer.schema_union`);
its ``key_properties`` must be the same in all of them, since the keys decide what a
row is: a disagreement stops the replay, naming where each came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from observes_singer.replay.errors import ReplayError
from observes_singer.singer.messages import SchemaMessage
from observes_singer.singer.schema_union import merge_schemas


@dataclass
class StreamSchema:
    name: str
    schema: dict[str, Any]
    key_properties: list[str]
    bookmark_properties: list[str] | None
    origin: str  # where its key_properties were first seen

    def message(self) -> SchemaMessage:
        return SchemaMessage(self.name, self.schema, self.key_properties,
                             self.bookmark_properties)


class Catalog:
    """The streams in the order their first SCHEMA came."""

    def __init__(self) -> None:
        self.streams: dict[str, StreamSchema] = {}

    def __contains__(self, stream: str) -> bool:
        return stream in self.streams

    def add(self, message: SchemaMessage, where: str) -> bool:
        """Widen the stream's schema by ``message``; True when the schema changed."""
        known = self.streams.get(message.stream)
        if known is None:
            self.streams[message.stream] = StreamSchema(
                message.stream, message.schema, list(message.key_properties),
                message.bookmark_properties, where)
            return True
        if list(message.key_properties) != known.key_properties:
            raise ReplayError(
                f"stream {message.stream!r}: key_properties {known.key_properties} in "
                f"{known.origin} but {list(message.key_properties)} in {where}; a replay "
                "needs one set of keys per stream (replay the two parts separately, or "
                "choose the streams with 'streams')")
        if message.bookmark_properties is not None:
            known.bookmark_properties = message.bookmark_properties
        merged = merge_schemas(known.schema, message.schema)
        if merged == known.schema:
            return False
        known.schema = merged
        return True
