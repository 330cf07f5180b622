"""tap-dynamo | observes-infer | target-redshift (DuckDB), for real: the schemas are
inferred from the records, and the values land as exact as each stage keeps them."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.dynamo import create_table, put_items, sample_item
from tests.support.s3 import aws_client

ITEMS = 200


def pipeline(tap_config: dict[str, Any], stream: str, warehouse: Path, folder: Path
             ) -> tuple[list[int], list[str]]:
    """Run the three programs joined by pipes; their exit codes and stderr."""
    tap_path, target_path = folder / "tap.json", folder / "target.json"
    tap_path.write_text(json.dumps(tap_config))
    target_path.write_text(json.dumps({"url": f"duckdb://{warehouse}", "schema": "main"}))
    commands = [[sys.executable, "-m", "tap_dynamo.tap", "--config", str(tap_path)],
                [sys.executable, "-m", "observes_singer.infer.cli", "--key", f"{stream}=pk"],
                [sys.executable, "-m", "target_redshift.cli", "--config", str(target_path)]]
    processes: list[subprocess.Popen[bytes]] = []
    logs = [folder / f"stderr-{index}.txt" for index in range(len(commands))]
    upstream: Any = subprocess.DEVNULL
    for command, log in zip(commands, logs, strict=True):
        with log.open("wb") as stderr:
            process = subprocess.Popen(command, stdin=upstream, stdout=subprocess.PIPE,
                                       stderr=stderr)
        if processes and processes[-1].stdout is not None:
            processes[-1].stdout.close()  # the next program holds the read end
        upstream = process.stdout
        processes.append(process)
    processes[-1].communicate(timeout=120)
    codes = [p.wait(timeout=120) for p in processes]
    errors = [log.read_text() for log in logs]
    return codes, errors


def rows(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


@pytest.mark.parametrize("decimals", ["number", "text"])
def test_tap_dynamo_into_the_warehouse_through_observes_infer(
        moto_server: str, tmp_path: Path, decimals: str) -> None:
    client = aws_client("dynamodb", moto_server)
    table = f"Pipeline-{uuid.uuid4().hex[:8]}"
    stream = table.lower().replace("-", "_")
    create_table(client, table)
    pairs = [sample_item(n) for n in range(ITEMS)]
    put_items(client, table, [typed for typed, _ in pairs])
    expected = {plain["pk"]: plain for _, plain in pairs}
    texts = {typed["pk"]["S"]: typed["decimal"]["N"] for typed, _ in pairs}
    warehouse = tmp_path / "warehouse.duckdb"
    codes, errors = pipeline({"tables": [table], "endpoint_url": moto_server, "segments": 2,
                              "emit_schema": False, "decimals": decimals},
                             stream, warehouse, tmp_path)
    assert codes == [0, 0, 0], "\n".join(e[-1500:] for e in errors)
    assert f"observes-infer: {ITEMS} records, streams: {stream}" in errors[1]

    got = {row[0]: row[1:] for row in rows(
        warehouse, f'SELECT pk, n, big, "decimal", half, flag, nothing, blob, text, '
                   f'nested__name FROM main."{stream}"')}
    assert set(got) == set(expected)
    for pk, (n, big, decimal, half, flag, nothing, blob, text, name) in got.items():
        item = expected[pk]
        assert n == item["n"] and isinstance(n, int)
        # Beyond 64 bits: observes-infer writes the exact digits as text.
        assert big == str(item["big"])
        if decimals == "text":
            # Text all the way: every digit of DynamoDB's number.
            assert decimal == texts[pk] and half == "-12.5"
        else:
            # A JSON number with a fraction is a float from observes-infer on: DOUBLE
            # PRECISION in the warehouse, equal to the nearest double.
            assert decimal == float(item["decimal"]) and half == -12.5
        assert (flag, nothing, blob, text, name) == (
            item["flag"], None, item["blob"], item["text"], item["nested"]["name"])

    # Sets and lists are child tables, in their sorted order.
    tags = rows(warehouse, f'SELECT _sdc_source_key_pk, value FROM main."{stream}__tags" '
                           "ORDER BY _sdc_source_key_pk, _sdc_index")
    assert tags == [(pk, tag) for pk in sorted(expected) for tag in expected[pk]["tags"]]
    scores = rows(warehouse, f'SELECT _sdc_source_key_pk, value FROM main."{stream}__scores" '
                             "WHERE _sdc_source_key_pk = 'item#00007' ORDER BY _sdc_index")
    # A list holding a number beyond 64 bits is text in observes-infer's output: the JSON
    # text of each value, exact for integers, a float's shortest text for fractions.
    assert [value for _, value in scores] == [
        "-100000000000000000000000000001",
        "0.000000000000000000001" if decimals == "text" else "1e-21", "1.5", "7"]
