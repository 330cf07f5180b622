"""JSON Schema inference from raw records, with widening merges.

Each field path gets a :class:`FieldType` that remembers which JSON kinds it has
seen. The rules, applied when the schema is resolved:

- null makes a type nullable, and so does a property missing from some objects;
- integer + number is number; integers outside the signed 64-bit range are strings
  (their exact digits), never wrapped or rounded;
- strings are ``date-time`` or ``date`` when every one of them is ISO 8601 (or
  matches one of the extra formats given); otherwise plain strings;
- any other mix (string with anything, boolean with a number, an object with a
  list, ...) widens to string, and the values are written as their JSON text;
- objects merge their properties; an object with more distinct keys than
  ``max_properties`` is *wide*: it keeps as ``properties`` the keys present in at least
  half of its objects (and in at least two), most frequent first, at most
  ``max_properties`` of them (the root also keeps its key properties, whatever their
  count); its other keys are the *tail*, described by one schema in
  ``additionalProperties`` (their values merged with these same rules). With no key
  kept it is a free-form map (``additionalProperties`` only);
- lists merge their items.

Memory holds the schema, not the records: a wide object tracks at most about
``4 * max_properties`` keys. Beyond that, keys present in fewer than half of its
objects since they first appeared are folded into the tail; a Bloom filter remembers
them, so that a folded key that comes back and is kept also covers the values it had
before (its type is merged with the tail's).

Column names are never suffixed with types: a field keeps one name and one type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from xxhash import xxh3_64_intdigest

from observes_singer.singer.messages import dumps_exact

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

BOOLEAN = 1
INTEGER = 2
NUMBER = 4
STRING = 8
OBJECT = 16
ARRAY = 32
BIG_INTEGER = 64  # an integer outside int64: resolves to string

# String format states.
FMT_NONE = 0  # no string seen yet
FMT_DATETIME = 1
FMT_DATE = 2
FMT_PLAIN = 3

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?\Z"
)
_FRACTION_RE = re.compile(r"(\.\d{6})\d+")
# strptime directives that read a time of day (or a zone, which only a time has)
_TIME_DIRECTIVES = frozenset("HIpMSfzZcX")


@lru_cache(maxsize=256)
def has_time_part(pattern: str) -> bool:
    """Whether a ``strptime`` format reads a time of day: ``%d/%m/%Y`` does not."""
    index, size = 0, len(pattern)
    while index < size - 1:
        if pattern[index] != "%":
            index += 1
            continue
        directive = pattern[index + 1]
        if directive == ":" and index + 2 < size:  # %:z
            directive = pattern[index + 2]
        if directive in _TIME_DIRECTIVES:
            return True
        index += 2
    return False


def parse_iso_datetime(text: str) -> datetime | None:
    """An ISO 8601 date-time (with or without offset), or None."""
    if not _DATETIME_RE.match(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    # fromisoformat takes at most 6 fraction digits
    candidate = _FRACTION_RE.sub(r"\1", text)
    if candidate == text:
        return None
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None


def parse_iso_date(text: str) -> date | None:
    if not _DATE_RE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class FieldType:
    """What one field path has held so far."""

    __slots__ = ("absent", "born", "coercion", "fmt", "items", "kinds", "map_values",
                 "normalised", "nulls", "objects", "present", "properties", "wide")

    def __init__(self) -> None:
        self.kinds = 0
        self.nulls = False  # a null value was seen (a missing property is counted apart)
        self.objects = 0  # how many of them were objects
        self.fmt = FMT_NONE
        self.normalised = False  # some string matched an extra format and is rewritten
        self.properties: dict[str, FieldType] | None = None
        # A wide object's tail: what its keys outside ``properties`` hold.
        self.map_values: FieldType | None = None
        self.wide: _Wide | None = None  # set once the object has too many distinct keys
        self.items: FieldType | None = None
        self.coercion = False  # set by mark_coercion() once observing is over
        # As a property: how many of its parent's objects came before it first appeared,
        # and in how many it was absent (counted while the parent is not wide) or
        # present (counted once it is).
        self.born = 0
        self.absent = 0
        self.present = 0

    # -- resolution ----------------------------------------------------------------------

    def resolved_kind(self) -> int:
        """The single kind values of this field are written as (0: only nulls seen)."""
        kinds = self.kinds
        if kinds & BIG_INTEGER:
            return STRING
        if kinds & NUMBER and not kinds & ~(INTEGER | NUMBER):
            return NUMBER
        if kinds & (kinds - 1):  # more than one kind
            return STRING
        return kinds

    def needs_coercion(self) -> bool:
        """Whether some value under this field must be rewritten to fit the schema."""
        kind = self.resolved_kind()
        if kind == STRING:
            return self.kinds != STRING or self.normalised
        if kind == OBJECT:
            if self.map_values is not None and self.map_values.needs_coercion():
                return True
            return any(p.needs_coercion() for p in (self.properties or {}).values())
        if kind == ARRAY and self.items is not None:
            return self.items.needs_coercion()
        return False


_BLOOM_BITS = 1 << 20  # 128 KiB, allocated by a wide object once it folds a key away
_BLOOM_MASK = _BLOOM_BITS - 1


class _Wide:
    """The bookkeeping of an object with more distinct keys than ``max_properties``."""

    __slots__ = ("folded", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit  # fold keys into the tail when more are tracked than this
        self.folded: bytearray | None = None  # Bloom filter of the keys folded away

    @staticmethod
    def _bits(key: str) -> tuple[int, int, int]:
        digest = xxh3_64_intdigest(key.encode("utf-8", "surrogatepass"))
        return digest & _BLOOM_MASK, (digest >> 21) & _BLOOM_MASK, (digest >> 42) & _BLOOM_MASK

    def fold(self, key: str) -> None:
        if self.folded is None:
            self.folded = bytearray(_BLOOM_BITS // 8)
        folded = self.folded
        for bit in self._bits(key):
            folded[bit >> 3] |= 1 << (bit & 7)

    def maybe_folded(self, key: str) -> bool:
        folded = self.folded
        if folded is None:
            return False
        return all(folded[bit >> 3] & (1 << (bit & 7)) for bit in self._bits(key))

    def absorb(self, other: _Wide) -> None:
        if other.folded is None:
            return
        if self.folded is None:
            self.folded = bytearray(other.folded)
            return
        merged = int.from_bytes(self.folded, "little") | int.from_bytes(other.folded, "little")
        self.folded = bytearray(merged.to_bytes(len(self.folded), "little"))


class SchemaInferrer:
    """Infers one JSON Schema from a sequence of records (dicts).

    ``keep`` names top-level properties that stay declared whatever happens (the
    stream's key properties). Add every record, then read :meth:`schema`.
    """

    def __init__(self, datetime_formats: Sequence[str] = (), max_properties: int = 1000,
                 keep: Sequence[str] = ()) -> None:
        self.root = FieldType()
        self.datetime_formats = tuple(datetime_formats)
        self._extra_formats = tuple(
            (pattern, FMT_DATETIME if has_time_part(pattern) else FMT_DATE)
            for pattern in self.datetime_formats)
        self.max_properties = max(0, max_properties)
        self.keep = tuple(dict.fromkeys(keep))
        self.wide_limit = 4 * self.max_properties + 16
        self.finished = False

    def add(self, record: dict[str, Any]) -> None:
        if self.finished:
            raise RuntimeError("a record was added after the schema was resolved")
        self._observe(self.root, record)

    # -- observing -----------------------------------------------------------------------

    def _observe(self, node: FieldType, value: Any) -> None:
        kind = type(value)
        if kind is str:
            node.kinds |= STRING
            if node.fmt != FMT_PLAIN:
                self._observe_string(node, value)
        elif kind is dict:
            node.kinds |= OBJECT
            node.objects += 1
            if node.wide is not None:
                self._observe_wide(node, value)
                return
            props = node.properties
            if props is None:
                props = node.properties = {}
            for key, item in value.items():
                child = props.get(key)
                if child is None:
                    child = props[key] = FieldType()
                    # A property that first shows up late was missing from earlier objects.
                    child.born = child.absent = node.objects - 1
                # Scalars inline: most values are, and a call per value is the main cost.
                item_kind = type(item)
                if item_kind is str:
                    child.kinds |= STRING
                    if child.fmt != FMT_PLAIN:
                        self._observe_string(child, item)
                elif item is None:
                    child.nulls = True
                elif item_kind is bool:
                    child.kinds |= BOOLEAN
                elif item_kind is float:
                    child.kinds |= NUMBER
                else:
                    self._observe(child, item)
            if len(props) != len(value):
                for key, child in props.items():
                    if key not in value:
                        child.absent += 1
            if len(props) > self.max_properties:
                self._widen(node)
        elif kind is int:
            if INT64_MIN <= value <= INT64_MAX:
                node.kinds |= INTEGER
            else:
                node.kinds |= BIG_INTEGER
        elif kind is float:
            node.kinds |= NUMBER
        elif kind is bool:
            node.kinds |= BOOLEAN
        elif value is None:
            node.nulls = True
        elif kind is list:
            node.kinds |= ARRAY
            items = node.items
            if items is None:
                items = node.items = FieldType()
            for item in value:
                self._observe(items, item)
        else:
            raise TypeError(f"not a JSON value: {kind.__name__}")

    def _observe_string(self, node: FieldType, text: str) -> None:
        fmt = node.fmt
        if fmt in (FMT_NONE, FMT_DATETIME) and parse_iso_datetime(text) is not None:
            node.fmt = FMT_DATETIME
            return
        if fmt in (FMT_NONE, FMT_DATE) and parse_iso_date(text) is not None:
            node.fmt = FMT_DATE
            return
        if fmt != FMT_PLAIN:
            for pattern, gives in self._extra_formats:
                if fmt != FMT_NONE and fmt != gives:
                    continue
                try:
                    datetime.strptime(text, pattern)
                except ValueError:
                    continue
                node.fmt = gives
                node.normalised = True
                return
        node.fmt = FMT_PLAIN

    # -- wide objects --------------------------------------------------------------------

    def _observe_wide(self, node: FieldType, value: dict[str, Any]) -> None:
        props = node.properties
        wide = node.wide
        assert props is not None and wide is not None
        born = node.objects - 1
        for key, item in value.items():
            child = props.get(key)
            if child is None:
                child = props[key] = FieldType()
                child.born = born
            child.present += 1
            self._observe(child, item)
        if len(props) > wide.limit:
            self._fold(node)

    def _widen(self, node: FieldType) -> None:
        """Too many distinct keys: count presence from now on, and start a tail."""
        objects = node.objects
        for child in (node.properties or {}).values():
            child.present = objects - child.absent
        node.wide = _Wide(self.wide_limit)
        node.map_values = FieldType()

    def _fold(self, node: FieldType) -> None:
        """Bound memory: keys rare since they first appeared go into the tail."""
        props, wide, tail = node.properties, node.wide, node.map_values
        assert props is not None and wide is not None and tail is not None
        objects = node.objects
        keep = self.keep if node is self.root else ()
        rare = [key for key, child in props.items()
                if child.present * 2 < objects - child.born and key not in keep]
        for key in rare:
            self._merge(tail, props.pop(key))
            wide.fold(key)
        # At least as many new keys again before the next pass over them.
        wide.limit = max(wide.limit, 2 * len(props))

    def _merge(self, target: FieldType, source: FieldType) -> None:
        """Widen ``target`` so that it also describes every value ``source`` saw."""
        target.kinds |= source.kinds
        target.nulls = target.nulls or source.nulls
        target.normalised = target.normalised or source.normalised
        if source.fmt != FMT_NONE:
            target.fmt = source.fmt if target.fmt in (FMT_NONE, source.fmt) else FMT_PLAIN
        if source.objects:
            self._merge_objects(target, source)
        if source.items is not None:
            if target.items is None:
                target.items = FieldType()
            self._merge(target.items, source.items)

    def _merge_objects(self, target: FieldType, source: FieldType) -> None:
        sprops = source.properties or {}
        if target.properties is None:
            target.properties = {}
        tprops = target.properties
        before = target.objects
        if source.wide is not None and target.wide is None:
            self._widen(target)
        target.objects += source.objects
        wide = target.wide
        if wide is None:
            for key, child in sprops.items():
                mine = tprops.get(key)
                if mine is None:
                    mine = tprops[key] = FieldType()
                    mine.born = before + child.born
                    mine.absent = before
                mine.absent += child.absent
                self._merge(mine, child)
            if len(tprops) != len(sprops):
                for key, mine in tprops.items():
                    if key not in sprops:
                        mine.absent += source.objects
            if len(tprops) > self.max_properties:
                self._widen(target)
            return
        for key, child in sprops.items():
            mine = tprops.get(key)
            if mine is None:
                mine = tprops[key] = FieldType()
                mine.born = before + child.born
            mine.present += (child.present if source.wide is not None
                             else source.objects - child.absent)
            self._merge(mine, child)
        if source.map_values is not None:
            assert target.map_values is not None
            self._merge(target.map_values, source.map_values)
        if source.wide is not None:
            wide.absorb(source.wide)
        if len(tprops) > wide.limit:
            self._fold(target)

    # -- resolving -----------------------------------------------------------------------

    def finish(self) -> None:
        """Decide what every wide object keeps; called by :meth:`schema`. No more adds."""
        if not self.finished:
            self._settle(self.root, self.keep)
            self.finished = True

    def _settle(self, node: FieldType, keep: Sequence[str] = ()) -> None:
        if node.wide is not None:
            self._choose(node, keep)
        props = node.properties
        if props:
            objects = node.objects
            wide = node.wide is not None
            for child in props.values():
                if (child.present if wide else objects - child.absent) < objects:
                    child.nulls = True  # missing from some objects
                self._settle(child)
        if node.map_values is not None:
            self._settle(node.map_values)
        if node.items is not None:
            self._settle(node.items)

    def _choose(self, node: FieldType, keep: Sequence[str]) -> None:
        """A wide object keeps its common keys; the others join the tail."""
        props, wide, tail = node.properties, node.wide, node.map_values
        assert props is not None and wide is not None and tail is not None
        objects = node.objects
        forced = [key for key in keep if key in props]
        common = [key for key, child in props.items()
                  if child.present >= 2 and child.present * 2 >= objects and key not in forced]
        common.sort(key=lambda key: -props[key].present)  # stable: first seen first on ties
        chosen = set(forced)
        chosen.update(common[:max(0, self.max_properties - len(forced))])
        for key in chosen:
            if wide.maybe_folded(key):
                # Some of its values went into the tail before it came back.
                self._merge(props[key], tail)
        kept: dict[str, FieldType] = {}
        for key, child in props.items():
            if key in chosen:
                kept[key] = child
            else:
                self._merge(tail, child)
        node.properties = kept
        if not tail.kinds and not tail.nulls:
            node.map_values = None

    # -- output --------------------------------------------------------------------------

    def schema(self) -> dict[str, Any]:
        """The inferred JSON Schema of the records (an object schema)."""
        self.finish()
        if not self.root.kinds:
            return {"type": "object", "properties": {}}
        out = to_json_schema(self.root)
        out["type"] = "object"  # the record itself is never null
        return out

    def needs_coercion(self) -> bool:
        """Whether any record must be rewritten; call once all records are added."""
        self.finish()
        return mark_coercion(self.root)

    def coerce(self, record: dict[str, Any]) -> dict[str, Any]:
        """Rewrite the values of a record so that it fits :meth:`schema`."""
        result = coerce_value(self.root, record, self.datetime_formats)
        assert isinstance(result, dict)
        return result


def mark_coercion(node: FieldType) -> bool:
    """Record on every node whether values under it need rewriting; returns the root's."""
    for child in (node.properties or {}).values():
        mark_coercion(child)
    if node.map_values is not None:
        mark_coercion(node.map_values)
    if node.items is not None:
        mark_coercion(node.items)
    node.coercion = node.needs_coercion()
    return node.coercion


_TYPE_NAMES = {
    BOOLEAN: "boolean",
    INTEGER: "integer",
    NUMBER: "number",
    STRING: "string",
    OBJECT: "object",
    ARRAY: "array",
}


def to_json_schema(node: FieldType) -> dict[str, Any]:
    kind = node.resolved_kind()
    if kind == 0:
        # Only nulls seen: nothing tells the type. A nullable string is the widest
        # column a warehouse can hold it in.
        return {"type": ["null", "string"]}
    name = _TYPE_NAMES[kind]
    schema: dict[str, Any] = {"type": ["null", name] if node.nulls else name}
    if kind == STRING and node.kinds == STRING:
        if node.fmt == FMT_DATETIME:
            schema["format"] = "date-time"
        elif node.fmt == FMT_DATE:
            schema["format"] = "date"
    elif kind == OBJECT:
        props = node.properties or {}
        if props or node.map_values is None:
            schema["properties"] = {key: to_json_schema(child) for key, child in props.items()}
        if node.map_values is not None:
            schema["additionalProperties"] = to_json_schema(node.map_values)
    elif kind == ARRAY:
        schema["items"] = to_json_schema(node.items) if node.items and node.items.kinds else {}
    return schema


def _as_text(value: Any) -> str:
    if type(value) is int:
        return str(value)
    return dumps_exact(value).decode()


def coerce_value(node: FieldType, value: Any, datetime_formats: Sequence[str]) -> Any:
    if value is None:
        return None
    kind = node.resolved_kind()
    if kind == STRING:
        if type(value) is not str:
            return _as_text(value)
        if node.normalised and node.kinds == STRING:
            if node.fmt == FMT_DATETIME:
                return normalise_datetime(value, datetime_formats)
            if node.fmt == FMT_DATE:
                return normalise_date(value, datetime_formats)
        return value
    if kind == OBJECT and type(value) is dict:
        props = node.properties or {}
        tail = node.map_values
        if tail is None:
            return {
                k: coerce_value(props[k], v, datetime_formats) if props[k].coercion else v
                for k, v in value.items()
            }
        out = {}
        for k, v in value.items():
            child = props.get(k, tail)
            out[k] = coerce_value(child, v, datetime_formats) if child.coercion else v
        return out
    if kind == ARRAY and type(value) is list and node.items is not None:
        if not node.items.coercion:
            return value
        return [coerce_value(node.items, v, datetime_formats) for v in value]
    return value


def normalise_datetime(text: str, datetime_formats: Sequence[str]) -> str:
    """An ISO 8601 rendering of a date-time given in one of the extra formats."""
    if parse_iso_datetime(text) is not None:
        return text
    for pattern in datetime_formats:
        if not has_time_part(pattern):
            continue
        try:
            return datetime.strptime(text, pattern).isoformat()
        except ValueError:
            continue
    return text


def normalise_date(text: str, datetime_formats: Sequence[str]) -> str:
    """The ISO 8601 date (``YYYY-MM-DD``) of a date given in one of the extra formats."""
    if parse_iso_date(text) is not None:
        return text
    for pattern in datetime_formats:
        if has_time_part(pattern):
            continue
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return text
