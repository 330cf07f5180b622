"""The flattener's public face: a stream's flattener, how to build one, what it raises.

:func:`build_flattener` turns a :class:`~observes_singer.flatten.plan.StreamPlan` into a
:class:`StreamFlattener`: the C one (``native``) when it is built, else Python code
generated for the plan (``codegen``). Both check each record against the plan, append
its rows to one buffer per table and hand them over in blocks.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from observes_singer.flatten.plan import StreamPlan

if TYPE_CHECKING:
    from observes_singer.flatten.codegen import Helpers, KeyRegistry


FLATTENER_ENV = "OBSERVES_FLATTENER"
"""``python``: the targets flatten with the generated Python flattener even where the C
extension is built (the same output, about 3 times slower). Read by target-redshift and
target-s3 (``csv``)."""


class Inexact(Exception):
    """The record may hold an integer that orjson rounded: parse its line exactly, retry."""


class Repeat(Exception):
    """The record's key was already seen in the batch: load the batch first, then retry."""


class BadValue(ValueError):
    """A value that does not fit its schema. ``field`` is the path inside the record."""

    def __init__(self, field: str, value: Any, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(f"field {field}: {show(value)} {expected}")


def show(value: Any, limit: int = 80) -> str:
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class FlattenStats:
    """What the flattener changed or could not load; reported at the end of a run."""

    cut: Counter[str] = field(default_factory=Counter)  # "table.column" -> values cut
    unknown_fields: Counter[str] = field(default_factory=Counter)  # "stream: a.b" -> values
    rounded: Counter[str] = field(default_factory=Counter)  # field -> integers made doubles
    sub_microsecond: Counter[str] = field(default_factory=Counter)  # field -> digits cut


class StreamFlattener:
    """A stream's compiled flattener and the CSV rows it has made, one buffer per table.

    ``flatten(record, line, version)`` checks a record and appends its rows;
    ``take(table)`` hands them over as UTF-8 bytes. ``max_bytes`` holds, per table and
    column, the longest string seen so far (for VARCHAR sizes).
    """

    flatten: Callable[[dict[str, Any], int, str], None]

    def __init__(self, plan: StreamPlan, max_bytes: list[list[int]],
                 helpers: Helpers) -> None:
        self.plan = plan
        self.max_bytes = max_bytes
        self.helpers = helpers
        self.stats = helpers.stats

    def flatten_exact(self, rough: dict[str, Any], exact: dict[str, Any], line: int,
                      version: str) -> None:
        """Flatten a record again after :class:`Inexact`, from its line parsed exactly.

        The attempt that raised may have counted things (unknown fields, cuts) before it
        stopped: it is replayed on ``rough`` (the record as first parsed) into scratch
        counters, which are taken back off, so that every value is counted once.
        """
        helpers = self.helpers
        registry = helpers.registry
        if registry is not None:
            registry.undo()
        counted, helpers.stats = helpers.stats, FlattenStats()
        try:
            self.flatten(rough, line, version)
        except Inexact:
            pass
        finally:
            partial, helpers.stats = helpers.stats, counted
        if registry is not None:
            registry.undo()
        for name, partial_counts in vars(partial).items():
            totals: Counter[str] = getattr(counted, name)
            totals.subtract(partial_counts)
            for where in [w for w, count in totals.items() if count <= 0]:
                del totals[where]
        helpers.exact = True
        try:
            self.flatten(exact, line, version)
        finally:
            helpers.exact = False

    def extend(self, table: int, items: list[Any], version: str, start: int) -> None:
        """More items of a list of the last record flattened (a list of the root table),
        as rows of ``table`` numbered from ``start``: how a record too large to parse
        whole has its largest lists read in chunks."""
        raise NotImplementedError

    def next_batch(self) -> list[str]:
        """Close the batch of a deduplicating stream: the keys earlier batches loaded."""
        registry = self.helpers.registry
        return registry.next_batch() if registry is not None else []

    def rows(self, table: int) -> int:
        """How many rows wait in a table's buffer."""
        raise NotImplementedError

    def take(self, table: int, limit: int = -1) -> tuple[bytes, int, int]:
        """The first ``limit`` (all when negative) waiting rows of a table, removed.

        Returns the rows as UTF-8 CSV without NUL characters (no warehouse stores them
        in text), how many rows that is, and how many of them had NULs removed.
        """
        raise NotImplementedError

    def pending(self) -> bool:
        """Whether any table has rows waiting."""
        return any(self.rows(i) for i in range(len(self.plan.tables)))


def build_flattener(plan: StreamPlan, run_id: str, text: bool = False,
                 native: bool | None = None, dedup: str | None = None,
                 registry: KeyRegistry | None = None) -> StreamFlattener:
    """The stream's flattener: the native one when it is built, else generated Python.

    Rows are CSV, or PostgreSQL's text format when ``text`` is true. ``native`` forces
    the choice of flattener; by default the environment variable
    ``OBSERVES_FLATTENER=python`` picks the Python one. ``dedup`` ("batch" or "run")
    keeps one row per key of a keyed stream (see :class:`KeyRegistry`); ``registry``
    carries the keys seen so far over to a stream's new schema.
    """
    from observes_singer.flatten import codegen
    from observes_singer.flatten import native as native_module

    if native is None:
        native = native_module.AVAILABLE and os.environ.get(FLATTENER_ENV) != "python"
    if native:
        return native_module.compile_native(plan, run_id, text, dedup, registry)
    return codegen.compile_python(plan, run_id, text, dedup, registry)
