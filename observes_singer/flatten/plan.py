"""From a stream's JSON Schema to the tables and columns its records flatten into.

The rules (docs/architecture.md, "The flattener"):

- the root table is the stream name, normalised;
- object properties become columns joined with ``__``, recursively;
- a list becomes a child table ``<parent>__<field>``, one row per item: scalar items in
  a ``value`` column, object items flattened the same way, a list item becomes a
  grandchild table ``<child>__value``;
- a free-form map (an object without ``properties``) becomes a child table of
  ``key``/``value`` rows; an object with ``properties`` and a schema for its
  ``additionalProperties`` keeps columns for the properties and puts its other keys in
  such a child table (the root included);
- a table that would exceed a limit of the warehouse (its columns; on PostgreSQL, the
  bytes of a row) has objects loaded as key/value child tables instead, until it fits
  (each reported);
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
    short_hash,
)
from observes_singer.flatten.limits import MAX_COLUMNS, ColumnLimit, TableLimit

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
    required: frozenset[str] = frozenset()
    extras: Table | None = None  # key/value rows of the keys not in ``properties``


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
    origin: tuple[str, ...] = ()  # where its items are in the record: ("a", "[]", "b", "{}")

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
    #: per-record metadata columns every row has after ``_sdc_table_version`` (TIMESTAMP;
    #: ``observes_singer.target.record_metadata``): their cells come in the flattener's
    #: ``version`` argument, after the version's own
    record_metadata: tuple[str, ...] = ()


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
    """Builds a stream's tables. ``as_maps`` names objects (by origin) to load as
    key/value rows, ``spill`` properties (by the origin of their object) to load in the
    object's key/value rows: both are how a table is kept within the column limit."""

    def __init__(self, stream: str, as_maps: frozenset[tuple[str, ...]] = frozenset(),
                 spill: dict[tuple[str, ...], frozenset[str]] | None = None) -> None:
        self.stream = stream
        self.tables: list[Table] = []
        self.as_maps = as_maps
        self.spill = spill or {}
        #: objects with columns, by origin: (table, origin, column count)
        self.objects: list[tuple[Table, tuple[str, ...], int]] = []

    def table(self, name: str, path: tuple[str, ...], parent: Table | None,
              is_map: bool = False) -> Table:
        origin: tuple[str, ...] = ()
        if parent is not None:
            origin = (*parent.origin, *path, "{}" if is_map else "[]")
        table = Table(name=name, stream=self.stream, path=path, node=ObjectNode({}),
                      is_map=is_map, parent=parent, origin=origin)
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
            return self.object(simple.schema, table, path, where)
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

    def object(self, schema: dict[str, Any], table: Table, path: tuple[str, ...],
               where: str) -> Node:
        props = schema.get("properties")
        origin = (*table.origin, *path)
        if props is not None and not isinstance(props, dict):
            raise SchemaError(f"{where}: 'properties' must be an object")
        if origin in self.as_maps:
            return self.map(_as_map_schema(schema), table, path, where)
        if props is None and (path or not table.is_root):
            return self.map(schema, table, path, where)
        required = schema.get("required", [])
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise SchemaError(f"{where}: 'required' must be a list of property names")
        spilled = self.spill.get(origin, frozenset())
        before = len(table.columns)
        node = ObjectNode({name: self.node(sub, table, (*path, name))
                           for name, sub in (props or {}).items() if name not in spilled},
                          frozenset(required))
        self.objects.append((table, origin, len(table.columns) - before))
        extra = schema.get("additionalProperties")
        if spilled or isinstance(extra, dict) or props is None:
            value_schema = extra if isinstance(extra, dict) else {}
            if spilled:
                value_schema = _common_schema([(props or {})[n] for n in sorted(spilled)]
                                              + ([extra] if isinstance(extra, dict) else []))
            if extra is False and not spilled and props is None:
                raise SchemaError(f"{where}: an object with neither properties nor "
                                  "additionalProperties can hold nothing")
            node.extras = self.map_table({"additionalProperties": value_schema}, table, path,
                                         where)
        return node

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
        if schema.get("additionalProperties", {}) is False:
            raise SchemaError(f"{where}: an object with neither properties nor "
                              "additionalProperties can hold nothing")
        return MapNode(self.map_table(schema, table, path, where))

    def map_table(self, schema: dict[str, Any], table: Table, path: tuple[str, ...],
                  where: str) -> Table:
        child = self.table(self.child_name(table, path), path, table, is_map=True)
        key = Column(name="key", path=("key",), kind=Kind.STRING)
        child.columns.append(key)
        extra = schema.get("additionalProperties", {})
        value = self.node(extra if isinstance(extra, dict) else {}, child, ())
        child.node = ObjectNode({"key": ScalarNode(key), "value": value})
        return child


def _as_map_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """An object's schema as a free-form map: the value schema its properties share."""
    props = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    values = list(props.values()) + ([extra] if isinstance(extra, dict) else [])
    return {"type": "object", "additionalProperties": _common_schema(values)}


def _common_schema(schemas: list[Any]) -> Any:
    """The schema all of ``schemas`` are, or ``{}`` (any value, kept as JSON text)."""
    if not schemas:
        return {}
    first = schemas[0]
    return first if all(s == first for s in schemas[1:]) else {}


METADATA_ROOT = ("_sdc_id", "_sdc_table_version")
#: Names of the columns every table has already, which no column may take: PostgreSQL's
#: system columns, and Redshift's, which also has ``oid`` and its hidden ``insertxid``
#: and ``deletexid`` (Amazon Redshift Database Developer Guide, "Names and
#: identifiers"; PostgreSQL, "System Columns").
SYSTEM_COLUMNS = ("oid", "tableoid", "xmin", "cmin", "xmax", "cmax", "ctid", "insertxid",
                  "deletexid")
METADATA_CHILD = ("_sdc_id", "_sdc_parent_id", "_sdc_root_id", "_sdc_index",
                  "_sdc_table_version")


def row_columns(plan: StreamPlan, table: Table) -> list[str]:
    """The column names of a table's rows, in the order the flattener writes them."""
    keys = [] if table.is_root else plan.key_column_names
    return [*metadata_columns(table, plan.record_metadata), *keys,
            *(c.name for c in table.columns)]


def metadata_columns(table: Table, record_metadata: tuple[str, ...] = ()) -> list[str]:
    """The ``_sdc_`` columns a table's rows start with, before its key columns (children)
    and its own."""
    return [*(METADATA_ROOT if table.is_root else METADATA_CHILD), *record_metadata]


def key_column_names(keys: list[str], limit: int = MAX_IDENTIFIER_BYTES) -> list[str]:
    """The ``_sdc_source_key_<pk>`` columns of child tables, one per key, told apart as
    :func:`resolve` tells columns apart (``Id`` and ``id``: the key already in normal
    form keeps the name, the other gets a hash of its own)."""
    mapping, _ = resolve(keys, (), limit)
    return [fit_length(f"_sdc_source_key_{mapping[k]}", k, limit) for k in keys]


def plan_stream(stream: str, schema: Any, key_properties: list[str],
                   root_name: str | None = None,
                   max_identifier_bytes: int = MAX_IDENTIFIER_BYTES,
                   max_columns: int = MAX_COLUMNS,
                   row_limit: TableLimit | None = None,
                   record_metadata: tuple[str, ...] = ()) -> StreamPlan:
    """Compile a SCHEMA message's schema into the stream's tables.

    ``root_name`` overrides the root table's name; identifiers are kept within
    ``max_identifier_bytes`` (Redshift 127, PostgreSQL 63) and tables within
    ``max_columns`` columns (both 1600) and the dialect's ``row_limit`` (PostgreSQL's
    bytes of a row): beyond them, the objects that make a table too big load as key/value
    child tables, each reported in the plan's notes. ``record_metadata`` names the
    per-record TIMESTAMP columns every row gets after ``_sdc_table_version``.
    """
    limit = max_identifier_bytes
    where = f"stream {stream!r}"
    if not isinstance(schema, dict):
        raise SchemaError(f"{where}: the schema must be a JSON object")
    simple = _simplify(schema, where)
    if simple.types and simple.types != {"object"}:
        raise SchemaError(f"{where}: a record schema must be of type object")
    props = simple.schema.get("properties", {})
    if not isinstance(props, dict):
        raise SchemaError(f"{where}: 'properties' must be an object")
    for key in key_properties:
        if key not in props:
            raise SchemaError(f"{where}: key property {key!r} is not in the schema")

    limits: list[TableLimit] = [ColumnLimit(max_columns), *([row_limit] if row_limit else [])]
    fitting = _Fitting()
    while True:
        builder = _Builder(stream, frozenset(fitting.as_maps), fitting.spill)
        root = builder.table(root_name or fit_length(normalise(stream), stream, limit), (),
                             None)
        root.node = builder.object(simple.schema, root, (), f"{where}, field (record)")
        key_kinds = _key_kinds(root, key_properties)
        past = next(((t, bound) for t in builder.tables for bound in limits
                     if bound.excess(_row_kinds(t, key_kinds, record_metadata)) > 0), None)
        if past is None:
            break
        _narrow(builder, *past, key_properties, key_kinds, fitting, where, record_metadata)
    notes = _name_columns(builder.tables, key_properties, limit, record_metadata)
    notes += _name_tables(builder.tables, limit)
    notes += _fitting_notes(builder.tables, fitting)
    key_columns = []
    for key in key_properties:
        node = root.node.properties.get(key) if isinstance(root.node, ObjectNode) else None
        if not isinstance(node, ScalarNode) or node.column.kind in (Kind.JSON,):
            raise SchemaError(f"{where}: key property {key!r} must be a scalar "
                              "(integer, number, string, boolean, date or date-time)")
        key_columns.append(node.column)
    key_names = key_column_names(key_properties, limit)
    return StreamPlan(stream, list(key_properties), root, builder.tables, key_columns,
                      key_names, notes, tuple(record_metadata))


@dataclass
class _Fitting:
    """What a plan loads as key/value rows to keep its tables within the limits, and the
    limit that made it: whole objects (``as_maps``, by origin), and properties of an
    object (``spill``, by the object's origin) kept in the object's key/value rows."""

    as_maps: dict[tuple[str, ...], TableLimit] = field(default_factory=dict)
    spill: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    spilled_by: dict[tuple[str, ...], list[TableLimit]] = field(default_factory=dict)


_METADATA_KINDS = {"_sdc_id": Kind.STRING, "_sdc_parent_id": Kind.STRING,
                   "_sdc_root_id": Kind.STRING, "_sdc_index": Kind.INTEGER,
                   "_sdc_table_version": Kind.INTEGER}


def _key_kinds(root: Table, keys: list[str]) -> list[Kind]:
    """The kinds of the ``_sdc_source_key_<pk>`` columns of child rows."""
    kinds = {c.path[0]: c.kind for c in root.columns if len(c.path) == 1}
    return [kinds.get(key, Kind.STRING) for key in keys]


def _head_kinds(table: Table, key_kinds: list[Kind],
                record_metadata: tuple[str, ...] = ()) -> list[Kind]:
    """The kinds of a table's metadata columns, in the order of its rows."""
    head = [_METADATA_KINDS.get(name, Kind.TIMESTAMP)
            for name in metadata_columns(table, record_metadata)]
    return head if table.is_root else head + key_kinds


def _row_kinds(table: Table, key_kinds: list[Kind],
               record_metadata: tuple[str, ...] = ()) -> list[Kind]:
    return _head_kinds(table, key_kinds, record_metadata) + [c.kind for c in table.columns]


def _narrow(builder: _Builder, wide: Table, bound: TableLimit, keys: list[str],
            key_kinds: list[Kind], fitting: _Fitting, where: str,
            record_metadata: tuple[str, ...] = ()) -> None:
    """Make ``wide`` smaller for the next build, which measures it again.

    The object that takes the least whose move to key/value rows alone makes the table
    fit is moved; when none does, the one that takes the most is, and the next build
    looks again. When no object of the table's item is left to move, its own properties
    past the limit (in schema order, key properties kept) go to the item's key/value rows.
    """
    head = _head_kinds(wide, key_kinds, record_metadata)
    excess = bound.excess(head + [c.kind for c in wide.columns])
    key_origins = {(key,) for key in keys} if wide.is_root else set()
    candidates = []
    for table, origin, count in builder.objects:
        if table is not wide or origin == wide.origin or count < 2 or origin in key_origins:
            continue
        inside = origin[len(wide.origin):]
        rest = [c.kind for c in wide.columns if c.path[:len(inside)] != inside]
        gain = excess - bound.excess(head + rest)
        if gain > 0:
            candidates.append((gain, origin))
    if candidates:
        enough = [c for c in candidates if c[0] >= excess]
        _, origin = min(enough) if enough else max(candidates)
        fitting.as_maps[origin] = bound
        return
    _spill(wide, bound, head, keys, fitting, where)


def _spill(wide: Table, bound: TableLimit, head: list[Kind], keys: list[str],
           fitting: _Fitting, where: str) -> None:
    """Keep the item's properties in schema order while the row fits (key properties
    always), and send the others to its key/value rows."""
    fixed = [c.kind for c in wide.columns
             if not c.path or (wide.is_map and c.path == ("key",))]
    groups: dict[str, list[Kind]] = {}
    for column in wide.columns:
        if column.path and not (wide.is_map and column.path == ("key",)):
            groups.setdefault(column.path[0], []).append(column.kind)
    waiting = {key: groups[key] for key in keys if wide.is_root and key in groups}
    protected = set(waiting)
    before = fitting.spill.get(wide.origin, frozenset())
    moved = set(before)
    kept: list[str] = []

    def row(names: list[str]) -> list[Kind]:
        return head + fixed + [kind for name in names for kind in groups[name]]

    for name in groups:
        if name in waiting:
            del waiting[name]
            kept.append(name)
            continue
        later = [kind for kinds in waiting.values() for kind in kinds]
        if bound.excess(row([*kept, name]) + later) > 0:
            moved.add(name)
        else:
            kept.append(name)
    # What alignment made of the kept columns in their own order, measured again.
    while bound.excess(row(kept)) > 0 and any(n not in protected for n in kept):
        last = next(n for n in reversed(kept) if n not in protected)
        kept.remove(last)
        moved.add(last)
    if moved == set(before):
        raise SchemaError(f"{where}: table {wide.name!r} cannot be kept within "
                          f"{bound.bound}")
    fitting.spill[wide.origin] = frozenset(moved)
    reasons = fitting.spilled_by.setdefault(wide.origin, [])
    if bound not in reasons:
        reasons.append(bound)


def _fitting_notes(tables: list[Table], fitting: _Fitting) -> list[str]:
    notes = []
    for table in tables:
        if not table.is_map:
            continue
        holder = table.origin[:-1]
        if holder in fitting.as_maps:
            notes.append(f"{'.'.join(holder)}: {fitting.as_maps[holder].too_big}; loaded as "
                         f"key/value rows in {table.name!r}")
        if holder in fitting.spill and table.parent is not None:
            names = sorted(fitting.spill[holder])
            bounds = " and ".join(b.bound for b in fitting.spilled_by[holder])
            notes.append(f"{table.parent.name}: {len(names)} properties past {bounds} "
                         f"(from {names[0]!r}) loaded as key/value rows in {table.name!r}")
    return notes


def _name_columns(tables: list[Table], keys: list[str], limit: int,
                  record_metadata: tuple[str, ...] = ()) -> list[str]:
    notes: list[str] = []
    for table in tables:
        reserved = [*SYSTEM_COLUMNS, *metadata_columns(table, record_metadata)]
        if not table.is_root:
            reserved += key_column_names(keys, limit)
        originals = [PATH_SEP.join(c.path) if c.path else "value" for c in table.columns]
        mapping, collisions = resolve(originals, reserved, limit)
        for column, original in zip(table.columns, originals, strict=True):
            column.name = mapping[original]
        notes += [f"{table.name}: {note.replace(PATH_SEP, '.')}" for note in collisions]
    return notes


def _name_tables(tables: list[Table], limit: int) -> list[str]:
    """Cut table names to the limit and tell colliding ones apart.

    Whatever the order of the schema's properties, the same tables get the same names:
    of the tables that would share a name, the one first by origin in the record keeps
    it, the others get a hash of their origin.
    """
    groups: dict[str, list[Table]] = {}
    for table in tables:
        table.name = fit_length(table.name, table.name, limit)
        groups.setdefault(table.name, []).append(table)
    taken = set(groups)
    notes = []
    for name, group in sorted(groups.items()):
        if len(group) == 1:
            continue
        for table in sorted(group, key=lambda t: t.origin)[1:]:
            origin = "/".join(table.origin)
            renamed = fit_length(f"{name}_{short_hash(origin)}", origin, limit)
            while renamed in taken:
                renamed = fit_length(f"{renamed}_{short_hash(renamed)}", origin, limit)
            taken.add(renamed)
            notes.append(f"table {name!r} of {'.'.join(table.origin)} collides with "
                         f"another; it is {renamed!r}")
            table.name = renamed
    return notes
