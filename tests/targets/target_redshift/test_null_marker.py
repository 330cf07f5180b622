"""A string that is exactly ``\\N``, the rows' NULL marker, loads as that string."""

from __future__ import annotations

from typing import Any

from tests.support.warehouses import Warehouse, run_target

MARKER = "\\N"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": ["null", "string"]},
        "tags": {"type": "array", "items": {"type": ["null", "string"]}},
    },
}
RECORDS = [
    {"id": 1, "name": MARKER, "tags": [MARKER, None, "\\\\N"]},
    {"id": 2, "name": None, "tags": [f'a"{MARKER}"b']},
    {"id": 3, "name": f"{MARKER}{MARKER}", "tags": []},
]


def test_the_string_backslash_n_loads_as_text_and_null_as_null(
        warehouse: Warehouse) -> None:
    messages = [{"type": "SCHEMA", "stream": "notes", "schema": SCHEMA,
                 "key_properties": ["id"]}]
    messages += [{"type": "RECORD", "stream": "notes", "record": r} for r in RECORDS]

    result = run_target(warehouse, messages)

    assert result.returncode == 0, result.stderr
    names = warehouse.query(f'SELECT "id", "name" FROM {warehouse.q("notes")} ORDER BY 1')
    assert [tuple(row) for row in names] == [(1, MARKER), (2, None), (3, MARKER * 2)]
    tags = warehouse.query(f'SELECT "_sdc_source_key_id", "_sdc_index", "value" FROM '
                           f'{warehouse.q("notes__tags")} ORDER BY 1, 2')
    assert [tuple(row) for row in tags] == [(1, 0, MARKER), (1, 1, None), (1, 2, "\\\\N"),
                                            (2, 0, f'a"{MARKER}"b')]
