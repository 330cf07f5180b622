"""Which segments of a parallel Scan this process reads, and the settings that say so.

A table is scanned in ``segments`` segments (DynamoDB's ``TotalSegments``). Run alone, a
process reads them all; as shard ``shard_index`` of ``shard_count`` (what ``observes run
--shards`` and AWS Batch array jobs hand over) it reads segments ``i`` with
``i % shard_count == shard_index``. ``segments`` defaults to ``shard_count``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_SEGMENTS = 1_000_000  # DynamoDB's limit on TotalSegments


def _int(config: Mapping[str, Any], name: str) -> int | None:
    value = config.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def total_segments(config: Mapping[str, Any]) -> int:
    return _int(config, "segments") or _int(config, "shard_count") or 1


def my_segments(config: Mapping[str, Any]) -> list[int]:
    total = total_segments(config)
    index, count = _int(config, "shard_index"), _int(config, "shard_count")
    if index is None or count is None:
        return list(range(total))
    return [segment for segment in range(total) if segment % count == index]


def shard_errors(config: Mapping[str, Any]) -> list[str]:
    """What is wrong with segments, shard_index and shard_count together."""
    index, count = _int(config, "shard_index"), _int(config, "shard_count")
    if ("shard_index" in config) != ("shard_count" in config):
        given, missing = (("shard_index", "shard_count") if "shard_index" in config
                          else ("shard_count", "shard_index"))
        return [f"{missing}: required with {given} (give both, as observes run --shards "
                "does, or neither)"]
    if index is None or count is None:
        return []
    if index >= count:
        return [f"shard_index: must be less than shard_count ({count}), got {index}"]
    total = total_segments(config)
    if total < count:
        return [f"segments: must be at least shard_count ({count}), got {total}: shards "
                f"{total} to {count - 1} would have no segment to scan"]
    return []
