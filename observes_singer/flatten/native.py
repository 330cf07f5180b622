"""The C flattener (``_native``): a stream plan as the nested tuples it walks.

The extension is optional: where it was not built (no C compiler at install time),
:data:`AVAILABLE` is false and :func:`~observes_singer.flatten.codegen.build_flattener`
uses the generated Python flattener, which gives the same bytes.
"""

from __future__ import annotations

from typing import Any

from xxhash import xxh3_128_hexdigest

from observes_singer.flatten.codegen import (
    Helpers,
    KeyRegistry,
    _boolean,
    _columns_of,
    _date,
    _Generator,
    _helpers,
    _list,
    _number,
    _object,
    _string,
)
from observes_singer.flatten.flattener import StreamFlattener
from observes_singer.flatten.plan import (
    Kind,
    ListNode,
    MapNode,
    Node,
    ObjectNode,
    ScalarNode,
    StreamPlan,
    Table,
)

try:
    from observes_singer.flatten import _native
except ImportError:  # pragma: no cover - the build had no C compiler
    _native = None  # type: ignore[assignment]

AVAILABLE = _native is not None
#: said once on stderr by the targets when the extension is missing
MISSING_NOTE = ("the C flattener is not built (no C compiler when the package was "
                "installed); using the Python one, about 3 times slower")

SCALAR, OBJECT, LIST, MAP = range(4)
KIND_CODES = {Kind.INTEGER: 0, Kind.NUMBER: 1, Kind.DECIMAL: 2, Kind.BOOLEAN: 3,
              Kind.TIMESTAMP: 4, Kind.DATE: 5, Kind.STRING: 6, Kind.JSON: 7}


class NativeFlattener(StreamFlattener):
    """A stream flattened by the C extension, rows kept in its own buffers."""

    def __init__(self, plan: StreamPlan, max_bytes: list[list[int]], helpers: Helpers,
                 flattener: _native.Flattener) -> None:
        super().__init__(plan, max_bytes, helpers)
        self.native = flattener
        self.flatten = flattener.flatten
        self.rows = flattener.rows  # type: ignore[method-assign]
        self.take = flattener.take  # type: ignore[method-assign]
        self.extend = flattener.extend  # type: ignore[method-assign]


class _Spec(_Generator):
    """Builds the tuples; the error locations come from the Python generator's rules."""

    def spec(self, table: Table, node: Node, path: tuple[str, ...] = ()) -> tuple[Any, ...]:
        if isinstance(node, ScalarNode):
            column = node.column
            _, index = self.column_index[id(column)]
            return (SCALAR, KIND_CODES[column.kind], index, self.where(table, column),
                    column.scale)
        if isinstance(node, ObjectNode):
            names = tuple(node.properties)
            children = tuple(self.spec(table, child, (*path, name))
                             for name, child in node.properties.items())
            extras = self.table_index[id(node.extras)] if node.extras is not None else 0
            return (OBJECT, self.path_where(table, path) or "(record)", names, children,
                    frozenset(names), len(_columns_of(node)), tuple(sorted(node.required)),
                    extras)
        if isinstance(node, ListNode | MapNode):
            sub = node.table
            op = MAP if isinstance(node, MapNode) else LIST
            return (op, self.table_index[id(sub)], self.display(sub)[:-2] or "value")
        raise TypeError(node)

    def table_spec(self, table: Table, maxes: list[int]) -> tuple[Any, ...]:
        path = ("/" + ".".join(table.path) + "/").encode()
        if table.is_map:
            assert isinstance(table.node, ObjectNode)
            key_where = self.where(table, table.columns[0])
            value = self.spec(table, table.node.properties["value"])
            return (True, path, value, maxes, key_where)
        return (False, path, self.spec(table, table.node), maxes, None)


def compile_native(plan: StreamPlan, run_id: str, text: bool = False,
                   dedup: str | None = None, registry: KeyRegistry | None = None
                   ) -> NativeFlattener:
    """The C flattener of one stream plan; rows in PostgreSQL's text format if ``text``."""
    if _native is None:
        raise RuntimeError("the native flattener is not built")
    builder = _Spec(plan)
    max_bytes: list[list[int]] = [[0] * len(t.columns) for t in plan.tables]
    helpers = _helpers(dedup if plan.key_columns else None, registry)
    tables = tuple(builder.table_spec(t, m) for t, m in zip(plan.tables, max_bytes, strict=True))
    keys = tuple((c.path[0], KIND_CODES[c.kind], builder.column_index[id(c)][1], c.scale,
                  c.kind.value) for c in plan.key_columns)
    functions = (helpers.integer, _number, helpers.decimal, _boolean, helpers.timestamp_any,
                 _date, _string, _object, _list, helpers.as_json, helpers.cut, helpers.extra,
                 helpers.missing_key, xxh3_128_hexdigest, helpers.required, helpers.key,
                 helpers.big_float, helpers.rounded,
                 helpers.registry.see if helpers.registry is not None else None)
    stream = plan.stream
    flattener = _native.Flattener(tables, keys, functions, f"{stream}\x1f".encode(),
                          f"{stream}\x1f{run_id}\x1f".encode(), text)
    return NativeFlattener(plan, max_bytes, helpers, flattener)
