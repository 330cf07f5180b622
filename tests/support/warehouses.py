"""The warehouses target-redshift is tested against, and reading loaded data back.

Each :class:`Warehouse` is a real database: a DuckDB file, a database on the embedded
PostgreSQL, or that database reached as Redshift through the shim (INSERT path) or
with S3 staging on the moto server (COPY path). Reading back always goes straight to
the storage (DuckDB or psycopg), never through the code under test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

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

Query = Callable[[str], list[tuple[Any, ...]]]


@dataclass
class Warehouse:
    kind: str
    config: dict[str, Any]
    query: Query
    schema: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    def q(self, name: str) -> str:
        return f'"{self.schema}"."{name}"'

    def rows(self, table: str) -> list[dict[str, Any]]:
        columns = self.column_names(table)
        quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
        data = self.query(f"SELECT {quoted} FROM {self.q(table)}")
        return [dict(zip(columns, row, strict=True)) for row in data]

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT count(*) FROM {self.q(table)}")[0][0])

    def tables(self) -> list[str]:
        rows = self.query("SELECT table_name FROM information_schema.tables "
                          f"WHERE table_schema = '{self.schema}' ORDER BY table_name")
        return [str(r[0]) for r in rows]

    def column_names(self, table: str) -> list[str]:
        return [name for name, _ in self.columns(table)]

    def columns(self, table: str) -> list[tuple[str, str]]:
        rows = self.query(
            "SELECT column_name, data_type, character_maximum_length FROM "
            f"information_schema.columns WHERE table_schema = '{self.schema}' AND "
            f"table_name = '{table.replace(chr(39), chr(39) * 2)}' ORDER BY ordinal_position")
        return [(str(n), f"{t}({size})" if size else str(t).lower()) for n, t, size in rows]


@dataclass
class TargetRun:
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def states(self) -> list[Any]:
        """The states the target wrote on stdout: bare values, one JSON object a line."""
        states = [orjson.loads(line) for line in self.stdout.splitlines()]
        assert all(isinstance(s, dict) and "type" not in s for s in states), states
        return states


def encode(messages: list[dict[str, Any]] | bytes) -> bytes:
    if isinstance(messages, bytes):
        return messages
    return b"".join(orjson.dumps(m) + b"\n" for m in messages)


def run_target(warehouse: Warehouse, messages: list[dict[str, Any]] | bytes,
               **overrides: Any) -> TargetRun:
    config = {**warehouse.config, **overrides}
    path = warehouse.workdir / "target-config.json"
    path.write_bytes(orjson.dumps(config))
    result = subprocess.run(
        [sys.executable, "-m", "target_redshift.cli", "--config", str(path)],
        input=encode(messages), capture_output=True, timeout=120, cwd=warehouse.workdir,
        check=False, env={**os.environ, **warehouse.env},
    )
    return TargetRun(result.returncode, result.stdout, result.stderr.decode())


def start_target(warehouse: Warehouse, **overrides: Any) -> subprocess.Popen[bytes]:
    config = {**warehouse.config, **overrides}
    path = warehouse.workdir / "target-config.json"
    path.write_bytes(orjson.dumps(config))
    return subprocess.Popen(
        [sys.executable, "-m", "target_redshift.cli", "--config", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=warehouse.workdir,
    )


# -- rebuilding nested records from the tables --------------------------------------------


def rebuild(warehouse: Warehouse, plan: StreamPlan) -> list[dict[str, Any]]:
    """The stream's records as the tables hold them, nested again, ordered by _sdc_id."""
    children: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for table in plan.tables[1:]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in warehouse.rows(table.name):
            grouped.setdefault(row["_sdc_parent_id"], []).append(row)
        for rows in grouped.values():
            rows.sort(key=lambda r: r["_sdc_index"])
        children[table.name] = grouped

    def read(table: Table, node: Node, row: dict[str, Any]) -> Any:
        if isinstance(node, ScalarNode):
            return row[node.column.name]
        if isinstance(node, ObjectNode):
            value = {name: read(table, child, row) for name, child in node.properties.items()}
            if node.extras is not None:  # the keys not in properties, as key/value rows
                value.update(read(table, MapNode(node.extras), row))
            return _none_if_empty(value)
        if isinstance(node, ListNode):
            items = children[node.table.name].get(row["_sdc_id"], [])
            return [read(node.table, node.table.node, item) for item in items]
        if isinstance(node, MapNode):
            items = children[node.table.name].get(row["_sdc_id"], [])
            inner = node.table.node
            assert isinstance(inner, ObjectNode)
            return {item["key"]: read(node.table, inner.properties["value"], item)
                    for item in items}
        raise TypeError(node)

    roots = sorted(warehouse.rows(plan.root.name), key=lambda r: r["_sdc_id"])
    return [read(plan.root, plan.root.node, row) for row in roots]


def expected(plan: StreamPlan, record: dict[str, Any]) -> Any:
    """A record as the warehouse should give it back: typed values, absent as None."""

    def norm(node: Node, value: Any) -> Any:
        if isinstance(node, ScalarNode):
            return _typed(node.column.kind, value)
        if isinstance(node, ObjectNode):
            source = value if isinstance(value, dict) else {}
            out = {name: norm(child, source.get(name)) for name, child in node.properties.items()}
            if node.extras is not None:
                out.update(norm(MapNode(node.extras), {
                    k: v for k, v in source.items() if k not in node.properties}))
            return _none_if_empty(out)
        if isinstance(node, ListNode):
            return [norm(node.table.node, item) for item in (value or [])]
        if isinstance(node, MapNode):
            inner = node.table.node
            assert isinstance(inner, ObjectNode)
            return {k: norm(inner.properties["value"], v) for k, v in (value or {}).items()}
        raise TypeError(node)

    return norm(plan.root.node, record)


def _none_if_empty(value: dict[str, Any]) -> dict[str, Any] | None:
    return None if all(v is None for v in value.values()) else value


def _typed(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind is Kind.TIMESTAMP:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment
    if kind is Kind.DATE:
        return date.fromisoformat(value)
    if kind is Kind.NUMBER:
        return float(value)
    if kind is Kind.DECIMAL:
        return Decimal(str(value))
    if kind is Kind.JSON:
        return value if isinstance(value, str) else orjson.dumps(value).decode()
    return value
