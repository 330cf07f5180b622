r"""Compile a stream plan into one Python function that flattens, checks and encodes a record.

Checking and converting every value of every record is the target's hot path. An
interpreter walking the plan per value costs several times more than straight-line
code, so each stream's plan is turned into Python source once (per SCHEMA message)
and compiled: nested ``dict.get`` calls, an exact class check per value, and the CSV
token built in place. The rare and slow cases (a float in an integer field, a string
to cut, a bad value) go to helper functions.

Rows come out as CSV lines (RFC 4180; strings always quoted, NULL as an unquoted
``\N`` so that it differs from the empty string in every loader), the input format
of PostgreSQL's and Redshift's COPY and of DuckDB's reader alike (with ``NULL AS
'\N'``). Each table's lines are appended to its buffer. For PostgreSQL they can be
in its own text format instead (tab-separated, backslash escapes), which its COPY
reads in about a third less time than CSV.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Context, Decimal
from typing import Any

from xxhash import xxh3_128_hexdigest

from observes_singer.flatten.flattener import (
    BadValue,
    FlattenStats,
    Inexact,
    Repeat,
    StreamFlattener,
)
from observes_singer.flatten.plan import (
    Column,
    Kind,
    ListNode,
    MapNode,
    Node,
    ObjectNode,
    ScalarNode,
    StreamPlan,
    Table,
)
from observes_singer.singer.messages import dumps_exact

VARCHAR_MAX_BYTES = 65535
NULL = "\\N"  # the token of SQL NULL, in CSV and in PostgreSQL's text format
# PostgreSQL's text format escapes backslash, newline, carriage return and tab.
TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: orjson reads integer literals past 2**64 - 1 or below -2**63 as floats: an integral
#: float that far out may be such a literal, rounded, so the record is read again exactly
#: (see :class:`Inexact`).
BIG_FLOAT = 2.0**64
LOW_FLOAT = -(2.0**63)
#: integers past 2**53 may not survive a DOUBLE PRECISION column
EXACT_DOUBLE = 2**53


# -- slow paths, called from generated code ------------------------------------------------


def _integer(value: Any, where: str) -> str:
    if value.__class__ is float and value.is_integer() and INT64_MIN <= value <= INT64_MAX:
        return str(int(value))
    if value.__class__ is int:
        raise BadValue(where, value, "is outside the 64-bit integer range (BIGINT)")
    raise BadValue(where, value, "is not an integer")


def _number(value: Any, where: str) -> str:
    raise BadValue(where, value, "is not a number")


#: Room for every digit of a DECIMAL(38, s) and more: the default context keeps 28.
_DECIMAL_CONTEXT = Context(prec=100)


def _decimal(value: Any, where: str, scale: int) -> str:
    """A DECIMAL(38, scale) value in plain digits (``0.000000100``, never ``1.00E-7``,
    which Redshift's COPY refuses as an invalid digit)."""
    if value is None:
        return NULL
    if value.__class__ not in (int, float, Decimal):
        raise BadValue(where, value, "is not a number")
    exact = Decimal(str(value)) if value.__class__ is float else Decimal(value)
    if not exact.is_finite() or abs(exact) >= Decimal(10) ** (38 - scale):
        raise BadValue(where, value, f"does not fit DECIMAL(38, {scale})")
    quantised = exact.quantize(Decimal(1).scaleb(-scale), context=_DECIMAL_CONTEXT)
    if quantised != exact:
        raise BadValue(where, value, f"has more than {scale} decimal places (multipleOf)")
    return format(quantised, "f")


def _boolean(value: Any, where: str) -> str:
    raise BadValue(where, value, "is not a boolean")


def _parse_datetime(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


_FRACTION = re.compile(r"\d\d:\d\d:\d\d[.,](\d+)")


def timestamp_cell(value: Any, where: str) -> str:
    """A date-time's cell in a row, as the flattener writes one (naive UTC text, or NULL
    for None); anything else raises :class:`BadValue` naming ``where``."""
    return _timestamp(value, where)


def _timestamp(value: Any, where: str, stats: FlattenStats | None = None) -> str:
    """An ISO 8601 date-time as naive UTC text; offsets are applied, naive means UTC.

    Warehouses keep microseconds: digits past the sixth are cut (as Python's own parser
    does) and, when any of them is not zero, counted in ``stats``.
    """
    if value is None:
        return NULL
    if value.__class__ is not str:
        raise BadValue(where, value, "is not a date-time string")
    moment = _parse_datetime(value)
    if moment is None:
        raise BadValue(where, value, "is not an ISO 8601 date-time")
    zone = moment.tzinfo
    if zone is None or zone is UTC:
        # The text itself is canonical when it has the plain ISO shape: skip formatting.
        size = len(value)
        if size >= 19 and value[4] == "-" and value[10] in "T " and value[13] == ":" \
                and value[16] == ":":
            body: str | None = value
            if zone is UTC:
                if value[-1] == "Z":
                    body = value[:-1]
                elif value[-6] in "+-" and value[-3] == ":":
                    body = value[:-6]
                else:
                    body = None
            if body is not None and (
                len(body) == 19 or (body[19] == "." and body[20:].isdigit())
            ):
                if len(body) > 26:
                    if stats is not None and body[26:].strip("0"):
                        stats.sub_microsecond[where] += 1
                    body = body[:26]
                return body[:10] + " " + body[11:]
    fraction = _FRACTION.search(value)
    if fraction is not None and fraction.group(1)[6:].strip("0") and stats is not None:
        stats.sub_microsecond[where] += 1
    if zone is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:30:00+01:00 is before year 1 in UTC
            raise BadValue(where, value, "is outside the supported years") from None
    if not 1 <= moment.year <= 9999:
        raise BadValue(where, value, "is outside the supported years")
    return moment.isoformat(" ")


def _timestamp_key(token: str) -> str:
    """A converted date-time in one spelling: no trailing zeros in the fraction."""
    if "." in token:
        token = token.rstrip("0").rstrip(".")
    return token


def _number_key(value: Any) -> str:
    """A number in one spelling for hashing a key: ``1`` and ``1.0`` are the same."""
    if value.__class__ is float and value.is_integer():
        return str(int(value))
    return str(value)


def _has_big_float(value: Any) -> bool:
    if value.__class__ is float:
        return value.is_integer() and not LOW_FLOAT < value < BIG_FLOAT
    if value.__class__ is dict:
        return any(_has_big_float(v) for v in value.values())
    if value.__class__ is list:
        return any(_has_big_float(v) for v in value)
    return False


def _timestamp_any(value: Any, where: str, stats: FlattenStats | None = None) -> str:
    """The generated code's date-time conversion, inline fast path included, as a function."""
    if value is None:
        return NULL
    if value.__class__ is str and value[-1:] == "Z" and value[4:20:3] in ("--T::.", "--T::Z") \
            and len(value) <= 27:
        try:
            datetime.fromisoformat(value)
            return value[:10] + " " + value[11:-1]
        except ValueError:
            pass
    return _timestamp(value, where, stats)


def _date(value: Any, where: str) -> str:
    if value is None:
        return NULL
    if value.__class__ is str and len(value) == 10:
        try:
            date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise BadValue(where, value, "is not an ISO 8601 date (YYYY-MM-DD)")


def _string(value: Any, where: str) -> str:
    raise BadValue(where, value, "is not a string")


def _object(value: Any, where: str) -> None:
    raise BadValue(where, value, "is not an object")


def _list(value: Any, where: str) -> None:
    raise BadValue(where, value, "is not a list")


def cut_utf8(text: str, limit: int = VARCHAR_MAX_BYTES) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits in ``limit`` bytes."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", errors="ignore")


# -- code generation ---------------------------------------------------------------------


class _Source:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.indent = 0
        self.counter = 0

    def add(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)

    def var(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


class PythonFlattener(StreamFlattener):
    """The flattener as generated Python code; the reference for the native one."""

    def __init__(self, plan: StreamPlan, max_bytes: list[list[int]], helpers: Helpers,
                 flatten: Callable[[dict[str, Any], int, str], None],
                 buffers: list[list[str]], source: str) -> None:
        super().__init__(plan, max_bytes, helpers)
        self.flatten = flatten
        self.buffers = buffers  # per table, CSV lines
        self.source = source  # the generated code, for debugging
        self.namespace: dict[str, Any] = {}
        self.last: list[str] = []  # the last record's id and key tokens

    def rows(self, table: int) -> int:
        return len(self.buffers[table])

    def extend(self, table: int, items: list[Any], version: str, start: int) -> None:
        tables = self.plan.tables
        if not 0 < table < len(tables) or tables[table].is_map:
            raise ValueError("extend needs the index of a list's table")
        if not self.last:
            raise RuntimeError("extend follows a record that was flattened")
        rows_of = self.namespace[f"_t{table}"]
        sid, *keys = self.last
        for position, item in enumerate(items, start):
            rows_of(item, sid, sid, version, *keys, position)

    def take(self, table: int, limit: int = -1) -> tuple[bytes, int, int]:
        buffer = self.buffers[table]
        if limit < 0 or limit >= len(buffer):
            lines = buffer[:]
            buffer.clear()
        else:
            lines = buffer[:limit]
            del buffer[:limit]
        data, damaged = encode_rows(lines)
        return data, len(lines), damaged


def encode_rows(lines: list[str]) -> tuple[bytes, int]:
    """The rows as UTF-8 CSV without NUL characters, and how many rows had any."""
    data = "".join(lines)
    damaged = 0
    if "\x00" in data:
        damaged = sum(1 for line in lines if "\x00" in line)
        data = data.replace("\x00", "")
    return data.encode("utf-8"), damaged


def _scalar(src: _Source, column: Column, value: str, token: str, where: str, maxes: str,
            index: int, text: bool = False, csv_token: str | None = None) -> None:
    """Emit code checking ``value`` and setting ``token``.

    ``text`` writes strings in PostgreSQL's text format instead of CSV; ``csv_token``
    also gets the CSV form (a key's, which its id hash reads in either format).
    """
    kind = column.kind
    w = repr(where)
    if csv_token is not None and kind not in (Kind.STRING, Kind.JSON):
        _scalar(src, column, value, token, where, maxes, index, text)
        src.add(f"{csv_token} = {token}")
        return
    if kind is Kind.INTEGER:
        src.add(f"if {value} is None: {token} = _N")
        src.add(f"elif {value}.__class__ is int and {INT64_MIN} <= {value} <= {INT64_MAX}: "
                f"{token} = {value}")
        src.add(f"else: {token} = _integer({value}, {w})")
    elif kind is Kind.NUMBER:
        src.add(f"if {value} is None: {token} = _N")
        src.add(f"elif {value}.__class__ is float: {token} = {value} if {LOW_FLOAT!r} < "
                f"{value} < {BIG_FLOAT!r} else _bigfloat({value}, {w})")
        src.add(f"elif {value}.__class__ is int: {token} = {value} if {-EXACT_DOUBLE} <= "
                f"{value} <= {EXACT_DOUBLE} else _rounded({value}, {w})")
        src.add(f"else: {token} = _number({value}, {w})")
    elif kind is Kind.DECIMAL:
        src.add(f"{token} = _decimal({value}, {w}, {column.scale})")
    elif kind is Kind.BOOLEAN:
        src.add(f"if {value} is None: {token} = _N")
        src.add(f"elif {value} is True: {token} = 'true'")
        src.add(f"elif {value} is False: {token} = 'false'")
        src.add(f"else: {token} = _boolean({value}, {w})")
    elif kind is Kind.TIMESTAMP:
        # Inline fast path: "YYYY-MM-DDTHH:MM:SS[.fff[fff]]Z", the shape most APIs send.
        src.add(f"if {value} is None: {token} = _N")
        # Positions 4, 7, 10, 13, 16 and 19 hold the separators "--T::" and "." or "Z".
        src.add(f"elif {value}.__class__ is str and {value}[-1:] == 'Z' and "
                f"{value}[4:20:3] in ('--T::.', '--T::Z') and _len({value}) < 28:")
        src.add("    try:")
        src.add(f"        _fromiso({value}); {token} = {value}[:10] + ' ' + {value}[11:-1]")
        src.add("    except ValueError:")
        src.add(f"        {token} = _timestamp({value}, {w})")
        src.add(f"else: {token} = _timestamp({value}, {w})")
    elif kind is Kind.DATE:
        src.add(f"{token} = _date({value}, {w})")
    else:
        src.add(f"if {value} is None: {token} = _N")
        if kind is Kind.STRING:
            src.add(f"elif {value}.__class__ is not str: {token} = _string({value}, {w})")
        src.add("else:")
        src.indent += 1
        if kind is Kind.JSON:
            src.add(f"if {value}.__class__ is not str: {value} = _json({value})")
        src.add(f"n = _len({value}) if {value}.isascii() else _len({value}.encode())")
        src.add(f"if n > {maxes}[{index}]:")
        src.add(f"    if n > {VARCHAR_MAX_BYTES}: {value} = _cut({value}, {w}); "
                f"n = {VARCHAR_MAX_BYTES}")
        src.add(f"    {maxes}[{index}] = n")
        if text:
            if csv_token is not None:
                src.add(f"{csv_token} = '\"' + {value}.replace('\"', '\"\"') + '\"'")
            src.add(f"if '\\\\' in {value} or '\\n' in {value} or '\\r' in {value} "
                    f"or '\\t' in {value}: {value} = {value}.translate(_TEXT)")
            src.add(f"{token} = {value}")
        else:
            src.add(f"if '\"' in {value}: {value} = {value}.replace('\"', '\"\"')")
            src.add(f"{token} = '\"' + {value} + '\"'")
            if csv_token is not None:
                src.add(f"{csv_token} = {token}")
        src.indent -= 1


class _Generator:
    def __init__(self, plan: StreamPlan, text: bool = False, dedup: bool = False) -> None:
        self.plan = plan
        self.text = text
        self.dedup = dedup
        self.src = _Source()
        self.table_index = {id(t): i for i, t in enumerate(plan.tables)}
        self.column_index: dict[int, tuple[int, int]] = {}
        for ti, table in enumerate(plan.tables):
            for ci, column in enumerate(table.columns):
                self.column_index[id(column)] = (ti, ci)

    def where(self, table: Table, column: Column) -> str:
        return self.path_where(table, column.path) or "value"

    def display(self, table: Table) -> str:
        if table.parent is None:
            return ""
        parent = self.display(table.parent)
        path = ".".join(table.path)
        here = f"{path}[]" if not table.is_map else f"{path}{{}}"
        if not path:
            here = "[]"
        return f"{parent}.{here}" if parent else here

    # -- nodes ---------------------------------------------------------------------------

    def node(self, table: Table, node: Node, value: str, tokens: dict[int, str],
             ids: str, path: tuple[str, ...] = ()) -> None:
        """Emit code reading ``value`` (an expression) through ``node``."""
        src = self.src
        if isinstance(node, ScalarNode):
            ti, ci = self.column_index[id(node.column)]
            token = tokens[id(node.column)]
            _scalar(src, node.column, value, token, self.where(table, node.column),
                    f"m{ti}", ci, self.text)
            return
        if isinstance(node, ObjectNode):
            known = src.var("K")
            self.constants[known] = frozenset(node.properties)
            obj = value
            where = self.path_where(table, path) or "(record)"
            src.add(f"if {obj} is None:")
            src.indent += 1
            nulls = [tokens[id(c)] for c in _columns_of(node)]
            src.add(f"{' = '.join(nulls)} = _N" if nulls else "pass")
            src.indent -= 1
            src.add(f"elif {obj}.__class__ is not dict: _object({obj}, {where!r})")
            src.add("else:")
            src.indent += 1
            if node.required:
                required = src.var("R")
                self.constants[required] = node.required
                src.add(f"if not {required} <= {obj}.keys(): _required({obj}, {required}, "
                        f"{where!r})")
            if node.extras is None:
                src.add(f"if not {obj}.keys() <= {known}: _extra({obj}, {known}, {where!r})")
            else:
                extras = self.table_index[id(node.extras)]
                position, name_var = src.var("j"), src.var("e")
                src.add(f"if not {obj}.keys() <= {known}:")
                src.add(f"    {position} = 0")
                src.add(f"    for {name_var} in {obj}:")
                src.add(f"        if {name_var} not in {known}:")
                src.add(f"            _t{extras}(({name_var}, {obj}[{name_var}]), {ids}, "
                        f"{position}); {position} += 1")
            for name, child in node.properties.items():
                item = src.var("v" if isinstance(child, ScalarNode) else "o")
                src.add(f"{item} = {obj}.get({name!r})")
                self.node(table, child, item, tokens, ids, (*path, name))
            src.indent -= 1
            return
        if isinstance(node, ListNode | MapNode):
            sub = node.table
            index = self.table_index[id(sub)]
            where = self.display(sub)[:-2] or "value"
            is_map = isinstance(node, MapNode)
            expected, complain = ("dict", "_object") if is_map else ("list", "_list")
            src.add(f"if {value} is not None:")
            src.indent += 1
            src.add(f"if {value}.__class__ is not {expected}: {complain}({value}, {where!r})")
            position, item = src.var("i"), src.var("x")
            entries = f"{value}.items()" if is_map else value
            src.add(f"for {position}, {item} in enumerate({entries}): "
                    f"_t{index}({item}, {ids}, {position})")
            src.indent -= 1
            return
        raise TypeError(node)

    def path_where(self, table: Table, path: tuple[str, ...]) -> str:
        prefix = self.display(table)
        name = ".".join(path)
        if prefix and name:
            return f"{prefix}.{name}"
        return prefix or name

    # -- tables --------------------------------------------------------------------------

    def table(self, table: Table) -> None:
        src = self.src
        index = self.table_index[id(table)]
        tokens = {id(c): f"c{i}" for i, c in enumerate(table.columns)}
        keys = ", ".join(f"k{i}" for i in range(len(self.plan.key_columns)))
        key_args = f", {keys}" if keys else ""
        path = "/" + ".".join(table.path) + "/"
        if table.is_root:
            src.add("def flatten(r, line, ver):")
            src.indent += 1
            src.add("if r.__class__ is not dict: _object(r, '(record)')")
            key_tokens = []
            for i, column in enumerate(self.plan.key_columns):
                name = column.path[0]
                src.add(f"kv = r.get({name!r})")
                src.add(f"if kv is None: _missing_key({name!r})")
                if column.kind in (Kind.NUMBER, Kind.TIMESTAMP):
                    # One spelling per key: 1 and 1.0, or .000Z and Z, hash the same.
                    src.add(f"h{i} = k{i} = _key(kv, {name!r}, {column.kind.value!r})")
                else:
                    _scalar(src, column, "kv", f"k{i}", name, f"m{index}",
                            self.column_index[id(column)][1], self.text, f"h{i}")
                key_tokens.append(f"h{i}")
            if key_tokens:
                joined = "\\x1f".join("{" + k + "}" for k in key_tokens)
                src.add(f"sid = _hash(f'{{_stream_prefix}}{joined}'.encode())")
                if self.dedup:
                    src.add("_see(sid)")
            else:
                src.add("sid = _hash(f'{_run_prefix}{line}'.encode())")
            src.add(f"_last[:] = (sid{', ' + keys if keys else ''},)")
            ids = f"sid, sid, ver{key_args}"
            self.node(table, table.node, "r", tokens, ids)
            row = ["{sid}", "{ver}"] + ["{" + tokens[id(c)] + "}" for c in table.columns]
        else:
            src.add(f"def _t{index}(x, pid, rid, ver{key_args}, i):")
            src.indent += 1
            path_constant = f"P{index}"
            self.constants[path_constant] = path
            if table.is_map:
                src.add(f"sid = _hash(f'{{pid}}{{{path_constant}}}{{x[0]}}'.encode())")
            else:
                src.add(f"sid = _hash(f'{{pid}}{{{path_constant}}}{{i}}'.encode())")
            ids = f"sid, rid, ver{key_args}"
            if table.is_map:
                assert isinstance(table.node, ObjectNode)
                key_column = table.columns[0]
                src.add("kk = x[0]")
                _scalar(src, key_column, "kk", tokens[id(key_column)], self.where(table,
                        key_column), f"m{index}", 0, self.text)
                src.add("xv = x[1]")
                self.node(table, table.node.properties["value"], "xv", tokens, ids)
            else:
                self.node(table, table.node, "x", tokens, ids)
            key_fields = ["{" + f"k{i}" + "}" for i in range(len(self.plan.key_columns))]
            row = ["{sid}", "{pid}", "{rid}", "{i}", "{ver}", *key_fields] + [
                "{" + tokens[id(c)] + "}" for c in table.columns
            ]
        separator = "\t" if self.text else ","
        src.add(f"w{index}(f{separator.join(row) + chr(10)!r})")
        src.indent -= 1
        src.add("")

    def generate(self) -> str:
        self.constants: dict[str, frozenset[str] | str] = {}
        # Children first: the root function refers to them by name.
        for table in reversed(self.plan.tables):
            if not table.is_root:
                self.table(table)
        self.table(self.plan.root)
        return "\n".join(self.src.lines)


def _columns_of(node: Node) -> list[Column]:
    if isinstance(node, ScalarNode):
        return [node.column]
    if isinstance(node, ObjectNode):
        out: list[Column] = []
        for child in node.properties.values():
            out += _columns_of(child)
        return out
    return []


class Fingerprints:
    """The C ``FingerprintSet`` in Python: ids kept as their first 64 bits."""

    def __init__(self) -> None:
        self.values: set[int] = set()

    def update(self, ids: Iterable[str]) -> None:
        self.values.update(int(i[:16], 16) or 1 for i in ids)

    def __contains__(self, id: object) -> bool:
        return isinstance(id, str) and (int(id[:16], 16) or 1) in self.values

    def __len__(self) -> int:
        return len(self.values)


class KeyRegistry:
    """The keys (root ids) a keyed stream's records had, for "one row per key".

    A key seen again within the batch raises :class:`Repeat` before the record makes
    any row, so the loader loads the batch first and the later version wins. With
    ``run_wide``, a key that an earlier batch of the run loaded is listed in
    ``replaced``, so that its rows go before the batch is loaded (a full refresh holds
    every batch of the run). Earlier batches are remembered as 64-bit fingerprints of
    the ids (8 to 16 bytes a key in the C set): a fingerprint shared by two keys only
    costs a delete that finds nothing.
    """

    def __init__(self, run_wide: bool) -> None:
        try:
            from observes_singer.flatten._native import FingerprintSet
        except ImportError:  # pragma: no cover - the build had no C compiler
            FingerprintSet = Fingerprints  # type: ignore[misc,assignment]
        self.run_wide = run_wide
        self.batch: set[str] = set()
        self.earlier = FingerprintSet()
        self.replaced: list[str] = []
        self.last: str | None = None

    def see(self, sid: str) -> None:
        if sid in self.batch:
            raise Repeat(sid)
        self.batch.add(sid)
        self.last = sid
        if self.run_wide and sid in self.earlier:
            self.replaced.append(sid)

    def undo(self) -> None:
        """Forget the last key seen: its record failed and is flattened again."""
        sid = self.last
        if sid is not None:
            self.batch.discard(sid)
            if self.replaced and self.replaced[-1] == sid:
                self.replaced.pop()
            self.last = None

    def next_batch(self) -> list[str]:
        """Close the batch; returns the keys it held that earlier batches loaded."""
        replaced, self.replaced = self.replaced, []
        if self.run_wide:
            self.earlier.update(self.batch)
        self.batch = set()
        return replaced


@dataclass
class Helpers:
    """The slow paths and bookkeeping a stream's flattener calls, bound to its stats.

    ``exact`` is set while a record parsed with exact integers is flattened: floats are
    then what the input said, and :class:`Inexact` is not raised.
    """

    stats: FlattenStats
    registry: KeyRegistry | None = None
    exact: bool = False

    def extra(self, obj: dict[str, Any], known: frozenset[str], where: str) -> None:
        for key in obj.keys() - known:
            if obj[key] is not None:
                label = f"{where}.{key}" if where != "(record)" else key
                self.stats.unknown_fields[label] += 1

    def cut(self, text: str, where: str) -> str:
        self.stats.cut[where] += 1
        return cut_utf8(text)

    @staticmethod
    def missing_key(name: str) -> None:
        raise BadValue(name, None, "is missing: it is a key property of the stream")

    @staticmethod
    def required(obj: dict[str, Any], required: Iterable[str], where: str) -> None:
        missing = sorted(set(required) - obj.keys())
        field = f"{where}.{missing[0]}" if where != "(record)" else missing[0]
        raise BadValue(field, None, "is missing: the schema requires it")

    def as_json(self, value: Any) -> str:
        text = dumps_exact(value)
        if not self.exact and b"e" in text and _has_big_float(value):
            raise Inexact
        return text.decode()

    def integer(self, value: Any, where: str) -> str:
        self.check_float(value)
        return _integer(value, where)

    def decimal(self, value: Any, where: str, scale: int) -> str:
        self.check_float(value)
        return _decimal(value, where, scale)

    def big_float(self, value: float, where: str) -> str:
        self.check_float(value)
        return repr(value)

    def rounded(self, value: int, where: str) -> str:
        """An integer for a DOUBLE PRECISION column; counted when it does not fit exactly."""
        if float(value) != value:
            self.stats.rounded[where] += 1
        return str(value)

    def check_float(self, value: Any) -> None:
        if not self.exact and value.__class__ is float and value.is_integer() \
                and not LOW_FLOAT < value < BIG_FLOAT:
            raise Inexact

    def timestamp(self, value: Any, where: str) -> str:
        return _timestamp(value, where, self.stats)

    def timestamp_any(self, value: Any, where: str) -> str:
        return _timestamp_any(value, where, self.stats)

    def key(self, value: Any, where: str, kind: str) -> str:
        """A number or date-time key's token, spelled one way whatever the input's way."""
        if kind == Kind.TIMESTAMP.value:
            return _timestamp_key(_timestamp(value, where, self.stats))
        if value.__class__ is float:
            self.check_float(value)
        elif value.__class__ is not int:
            _number(value, where)
        return _number_key(value)


def _helpers(dedup: str | None, registry: KeyRegistry | None = None) -> Helpers:
    if dedup not in (None, "batch", "run"):
        raise ValueError(f"dedup must be None, 'batch' or 'run', not {dedup!r}")
    if dedup is None:
        registry = None
    elif registry is None or registry.run_wide != (dedup == "run"):
        registry = KeyRegistry(run_wide=dedup == "run")
    return Helpers(FlattenStats(), registry)


def compile_python(plan: StreamPlan, run_id: str, text: bool = False,
                   dedup: str | None = None, registry: KeyRegistry | None = None
                   ) -> PythonFlattener:
    """Generate and compile the flattener of one stream plan as Python code."""
    helpers = _helpers(dedup if plan.key_columns else None, registry)
    generator = _Generator(plan, text, helpers.registry is not None)
    source = generator.generate()
    buffers: list[list[str]] = [[] for _ in plan.tables]
    max_bytes: list[list[int]] = [[0] * len(t.columns) for t in plan.tables]
    stream = plan.stream
    last: list[str] = []
    namespace: dict[str, Any] = {
        "_N": NULL, "_TEXT": TEXT_ESCAPES, "_len": len, "_hash": xxh3_128_hexdigest,
        "_last": last,
        "_integer": helpers.integer, "_number": _number, "_decimal": helpers.decimal,
        "_boolean": _boolean, "_timestamp": helpers.timestamp,
        "_fromiso": datetime.fromisoformat, "_date": _date, "_string": _string,
        "_object": _object, "_list": _list, "_json": helpers.as_json, "_cut": helpers.cut,
        "_extra": helpers.extra, "_missing_key": helpers.missing_key,
        "_required": helpers.required, "_bigfloat": helpers.big_float,
        "_rounded": helpers.rounded, "_key": helpers.key,
        "_see": helpers.registry.see if helpers.registry else None,
        "_stream_prefix": stream + "\x1f", "_run_prefix": f"{stream}\x1f{run_id}\x1f",
        **generator.constants,
    }
    for i, buffer in enumerate(buffers):
        namespace[f"w{i}"] = buffer.append
        namespace[f"m{i}"] = max_bytes[i]
    code = compile(source, f"<flatten {stream}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated code, built from identifiers we quote
    generated = namespace["flatten"]

    def flatten(record: dict[str, Any], line: int, version: str) -> None:
        """The generated flattener; a record that fails leaves no rows (as in C)."""
        marks = [len(buffer) for buffer in buffers]
        try:
            generated(record, line, version)
        except BaseException:
            for buffer, mark in zip(buffers, marks, strict=True):
                del buffer[mark:]
            raise

    stream_ = PythonFlattener(plan, max_bytes, helpers, flatten, buffers, source)
    stream_.namespace = namespace
    stream_.last = last
    return stream_
