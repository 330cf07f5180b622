"""From a stream's JSON Schema to the tables and columns its records flatten into.

The rules (DESIGN.md, "The flattener"):

- the root table is the stream name, normalised;
- object properties become columns joined with ``__``, recursively;
- a list becomes a child table ``<parent>__<field>``, one row per item: scalar items in
  a ``value`` column, object items flattened the same way, a list item becomes a
  grandchild table ``<child>__value``;
- a free-form map (an object without ``properties``) becomes a child table of
  ``key``/``value`` rows;
- a value whose type the schema leaves open (no type, several types, ``anyOf`` that is
  not just "X or null") is a string column holding JSON text, so nothing is lost.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from observes_singer.flatten.identifiers import (
    MAX_IDENTIFIER_BYTES,
    fit_length,
    normalise,
    resolve,
)

PATH_SEP = "\x1f"


class SchemaError(ValueError):
    """A stream schema that is not usable JSON Schema; the message names stream and path."""


class Kind(enum.Enum):
    INTEGER = "integer"
    NUMBER = "number"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    DATE = "date"
    STRING = "string"
    JSON = "json"  # any JSON value, stored as text (strings as themselves)


@dataclass
class Column:
    name: str  # the SQL identifier
    path: tuple[str, ...]  # source path from the table's item
    kind: Kind
    scale: int = 0  # DECIMAL only

    @property
    def field(self) -> str:
        return ".".join(self.path) or "value"


@dataclass
class ScalarNode:
    column: Column


@dataclass
class ObjectNode:
    properties: dict[str, Node]


@dataclass
class ListNode:
    table: Table


@dataclass
class MapNode:
    table: Table


Node = ScalarNode | ObjectNode | ListNode | MapNode


@dataclass
class Table:
    """One table a stream's records flatten into."""

    name: str
    stream: str
    path: tuple[str, ...]  # field path from the parent's item to this list or map (root: ())
    node: Node  # how to read one item (the record, a list item, a map entry's value)
    is_map: bool = False
    parent: Table | None = None
    columns: list[Column] = field(default_factory=list)
    children: list[Table] = field(default_factory=list)

    @property
    def is_root(self) -> bool:
        return self.parent is None

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + 1


@dataclass
class StreamPlan:
    stream: str
    key_properties: list[str]
    root: Table
    tables: list[Table]  # root first, then children depth-first
    key_columns: list[Column]
    key_column_names: list[str]  # the _sdc_source_key_<pk> columns of child tables
    notes: list[str]  # collisions resolved, for the run summary


@dataclass
class _Simple:
    types: frozenset[str]
    schema: dict[str, Any]


def _simplify(schema: Any, where: str) -> _Simple:
    """The non-null types a schema allows, with ``anyOf: [X, null]`` unwrapped."""
    if schema is True or schema == {} or schema is None:
        return _Simple(frozenset(), {})
    if not isinstance(schema, dict):
        raise SchemaError(f"{where}: a schema must be an object, found {schema!r}")
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            options = schema[keyword]
            if not isinstance(options, list):
                raise SchemaError(f"{where}: {keyword} must be a list")
            real = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            if len(real) == 1:
                return _simplify(real[0], where)
            return _Simple(frozenset({"*"}), {})
    declared = schema.get("type")
    if declared is None:
        if "properties" in schema:
            declared = ["object"]
        else:
            return _Simple(frozenset(), schema)
    if isinstance(declared, str):
        declared = [declared]
    if not isinstance(declared, list) or not all(isinstance(t, str) for t in declared):
        raise SchemaError(f"{where}: 'type' must be a string or a list of strings")
    known = {"null", "boolean", "integer", "number", "string", "object", "array"}
    unknown = [t for t in declared if t not in known]
    if unknown:
        raise SchemaError(f"{where}: unknown type {unknown[0]!r}")
    return _Simple(frozenset(t for t in declared if t != "null"), schema)


def _decimal_scale(multiple_of: Any, where: str) -> int | None:
    if multiple_of is None:
        return None
    try:
        step = Decimal(str(multiple_of))
    except InvalidOperation:
        raise SchemaError(f"{where}: multipleOf must be a number") from None
    if step <= 0:
        raise SchemaError(f"{where}: multipleOf must be positive")
    exponent = step.normalize().as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0:
        return None  # an integer step: DOUBLE PRECISION keeps it
    return min(-exponent, 37)


class _Builder:
    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.tables: list[Table] = []
        self.pending: dict[int, list[tuple[tuple[str, ...], Kind, int]]] = {}

    def table(self, name: str, path: tuple[str, ...], parent: Table | None,
              is_map: bool = False) -> Table:
        table = Table(name=name, stream=self.stream, path=path, node=ObjectNode({}),
                      is_map=is_map, parent=parent)
        self.tables.append(table)
        if parent is not None:
            parent.children.append(table)
        return table

    def node(self, schema: Any, table: Table, path: tuple[str, ...]) -> Node:
        where = f"stream {self.stream!r}, field {'.'.join(path) or '(record)'}"
        simple = _simplify(schema, where)
        types = simple.types
        if not types or "*" in types:
            return self.scalar(table, path, Kind.JSON)
        if types == {"integer", "number"}:
            kind = "number"
        elif len(types) > 1:
            return self.scalar(table, path, Kind.JSON)
        else:
            (kind,) = types
        if kind == "object":
            props = simple.schema.get("properties")
            if props is None:
                return self.map(simple.schema, table, path, where)
            if not isinstance(props, dict):
                raise SchemaError(f"{where}: 'properties' must be an object")
            return ObjectNode({name: self.node(sub, table, (*path, name))
                               for name, sub in props.items()})
        if kind == "array":
            return self.list(simple.schema.get("items"), table, path)
        if kind == "integer":
            return self.scalar(table, path, Kind.INTEGER)
        if kind == "number":
            scale = _decimal_scale(simple.schema.get("multipleOf"), where)
            if scale is not None:
                return self.scalar(table, path, Kind.DECIMAL, scale)
            return self.scalar(table, path, Kind.NUMBER)
        if kind == "boolean":
            return self.scalar(table, path, Kind.BOOLEAN)
        fmt = simple.schema.get("format")
        if fmt == "date-time":
            return self.scalar(table, path, Kind.TIMESTAMP)
        if fmt == "date":
            return self.scalar(table, path, Kind.DATE)
        return self.scalar(table, path, Kind.STRING)

    def scalar(self, table: Table, path: tuple[str, ...], kind: Kind, scale: int = 0) -> Node:
        column = Column(name="", path=path, kind=kind, scale=scale)
        table.columns.append(column)
        return ScalarNode(column)

    def child_name(self, parent: Table, path: tuple[str, ...]) -> str:
        """``<parent>__<field path>``; a list directly inside a list is ``<parent>__value``."""
        suffix = "__".join(normalise(p) for p in path) or "value"
        return f"{parent.name}__{suffix}"

    def list(self, items: Any, table: Table, path: tuple[str, ...]) -> Node:
        child = self.table(self.child_name(table, path), path, table)
        child.node = self.node(items, child, ())
        return ListNode(child)

    def map(self, schema: dict[str, Any], table: Table, path: tuple[str, ...],
            where: str) -> Node:
        child = self.table(self.child_name(table, path), path, table, is_map=True)
        key = Column(name="key", path=("key",), kind=Kind.STRING)
        child.columns.append(key)
        extra = schema.get("additionalProperties", {})
        if extra is False:
            raise SchemaError(f"{where}: an object with neither properties nor "
                              "additionalProperties can hold nothing")
        value = self.node(extra if isinstance(extra, dict) else {}, child, ())
        child.node = ObjectNode({"key": ScalarNode(key), "value": value})
        return MapNode(child)


METADATA_ROOT = ("_sdc_id", "_sdc_table_version")
METADATA_CHILD = ("_sdc_id", "_sdc_parent_id", "_sdc_root_id", "_sdc_index",
                  "_sdc_table_version")


def row_columns(plan: StreamPlan, table: Table) -> list[str]:
    """The column names of a table's rows, in the order the flattener writes them."""
    meta = list(METADATA_ROOT) if table.is_root else [*METADATA_CHILD, *plan.key_column_names]
    return meta + [c.name for c in table.columns]


def key_column_name(key: str, limit: int = MAX_IDENTIFIER_BYTES) -> str:
    return fit_length(f"_sdc_source_key_{normalise(key)}", key, limit)


def compile_stream(stream: str, schema: Any, key_properties: list[str],
                   root_name: str | None = None,
                   max_identifier_bytes: int = MAX_IDENTIFIER_BYTES) -> StreamPlan:
    """Compile a SCHEMA message's schema into the stream's tables.

    ``root_name`` overrides the root table's name (to keep two streams apart);
    identifiers are kept within ``max_identifier_bytes`` (Redshift 127, PostgreSQL 63).
    """
    limit = max_identifier_bytes
    if not isinstance(schema, dict):
        raise SchemaError(f"stream {stream!r}: the schema must be a JSON object")
    simple = _simplify(schema, f"stream {stream!r}")
    if simple.types and simple.types != {"object"}:
        raise SchemaError(f"stream {stream!r}: a record schema must be of type object")
    props = simple.schema.get("properties", {})
    if not isinstance(props, dict):
        raise SchemaError(f"stream {stream!r}: 'properties' must be an object")
    for key in key_properties:
        if key not in props:
            raise SchemaError(f"stream {stream!r}: key property {key!r} is not in the schema")

    builder = _Builder(stream)
    root = builder.table(root_name or fit_length(normalise(stream), stream, limit), (), None)
    root.node = ObjectNode({name: builder.node(sub, root, (name,))
                            for name, sub in props.items()})
    notes = _name_columns(builder.tables, key_properties, limit)
    notes += _name_tables(builder.tables, limit)
    key_columns = []
    for key in key_properties:
        node = root.node.properties[key] if isinstance(root.node, ObjectNode) else None
        if not isinstance(node, ScalarNode) or node.column.kind in (Kind.JSON,):
            raise SchemaError(f"stream {stream!r}: key property {key!r} must be a scalar "
                              "(integer, number, string, boolean, date or date-time)")
        key_columns.append(node.column)
    key_names = [key_column_name(k, limit) for k in key_properties]
    return StreamPlan(stream, list(key_properties), root, builder.tables, key_columns,
                      key_names, notes)


def _name_columns(tables: list[Table], keys: list[str], limit: int) -> list[str]:
    notes: list[str] = []
    for table in tables:
        reserved = list(METADATA_ROOT if table.is_root else METADATA_CHILD)
        if not table.is_root:
            reserved += [key_column_name(k, limit) for k in keys]
        originals = [PATH_SEP.join(c.path) if c.path else "value" for c in table.columns]
        mapping, collisions = resolve(originals, reserved, limit)
        for column, original in zip(table.columns, originals, strict=True):
            column.name = mapping[original]
        notes += [f"{table.name}: {note.replace(PATH_SEP, '.')}" for note in collisions]
    return notes


def _name_tables(tables: list[Table], limit: int) -> list[str]:
    originals = [t.name for t in tables]
    for table in tables:
        table.name = fit_length(table.name, table.name, limit)
    seen: dict[str, int] = {}
    notes = []
    for table, original in zip(tables, originals, strict=True):
        if table.name in seen:
            seen[table.name] += 1
            renamed = fit_length(f"{table.name}_{seen[table.name]}", original, limit)
            notes.append(f"table {original!r} collides with another; it is {renamed!r}")
            table.name = renamed
        else:
            seen[table.name] = 1
    return notes
