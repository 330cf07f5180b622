"""tap-zoho-crm's parts on real files: exports read row by row in bounded memory, the CSV
shapes the reader takes, the field metadata's types, and the bulk-job ledger's
compare-and-swap and consumption."""

from __future__ import annotations

import csv
import io
import json
import threading
import tracemalloc
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tap_zoho_crm.consume import consume, loaded_job_ids
from tap_zoho_crm.exports import ExportError, ExportReader
from tap_zoho_crm.fields import Field, module_schema, parse_fields, stream_name
from tap_zoho_crm.ledger import Entry, Ledger, LedgerError

FIELDS = [Field("Name", "text"), Field("Seats", "integer"),
          Field("Amount", "currency", decimal_place=2), Field("Active", "boolean"),
          Field("Owner", "ownerlookup"), Field("Tags", "multiselectpicklist"),
          Field("Closing", "date"), Field("Seen", "datetime")]
HEADER = ["id", "Name", "Seats", "Amount", "Active", "Owner", "Tags", "Closing", "Seen"]


def row(n: int) -> list[str]:
    return [str(3652397000000500000 + n), f"Zoë \"{n}\", Ødegård\nline two", str(n),
            f"{n}.25", "true" if n % 2 else "false", str(3652397000000186017 + n % 4),
            "A;B" if n % 3 else "", "2026-01-05", "2026-01-05T10:20:30+05:30"]


def zipped(folder: Path, rows: Iterator[list[str]] | list[list[str]], *,
           header: list[str] = HEADER, name: str = "1.csv", **csv_options: Any) -> Path:
    """A zip holding one CSV, written in a stream (the test's memory stays small too)."""
    path = folder / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle, \
            bundle.open(name, "w") as member:
        text = io.TextIOWrapper(member, encoding="utf-8", newline="")
        writer = csv.writer(text, **csv_options)
        writer.writerow(header)
        for values in rows:
            writer.writerow(values)
        text.flush()
        text.detach()
    return path


def read(path: Path, fields: list[Field] = FIELDS) -> list[dict[str, Any]]:
    with path.open("rb") as archive:
        return list(ExportReader("Deals", fields).records(archive, "77"))


def test_a_large_export_is_read_in_bounded_memory(tmp_path: Path) -> None:
    rows = 60_000
    path = zipped(tmp_path, (row(n) for n in range(rows)), quoting=csv.QUOTE_ALL,
                  lineterminator="\r\n")
    with zipfile.ZipFile(path) as bundle:
        size = bundle.infolist()[0].file_size
    assert size > 8_000_000  # the CSV is far larger than what the reader may hold
    reader = ExportReader("Deals", FIELDS)
    tracemalloc.start()
    try:
        count = 0
        with path.open("rb") as archive:
            for record in reader.records(archive, "77"):
                count += 1
                last = record
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows and last["Seats"] == rows - 1
    assert peak < 2_000_000, f"peak {peak} bytes for a {size}-byte CSV"


def test_values_are_typed_and_quoting_kept(tmp_path: Path) -> None:
    [first, second, third] = read(zipped(tmp_path, [row(n) for n in range(3)],
                                         quoting=csv.QUOTE_ALL, lineterminator="\r\n"))
    assert first == {"id": "3652397000000500000", "Name": "Zoë \"0\", Ødegård\nline two",
                     "Seats": 0, "Amount": Decimal("0.25"), "Active": False,
                     "Owner": {"id": "3652397000000186017"}, "Tags": None,
                     "Closing": "2026-01-05", "Seen": "2026-01-05T10:20:30+05:30"}
    assert second["Tags"] == ["A", "B"] and second["Active"] is True
    assert third["Owner"] == {"id": "3652397000000186019"}


@pytest.mark.parametrize("options", [
    {"quoting": csv.QUOTE_MINIMAL, "lineterminator": "\n"},
    {"quoting": csv.QUOTE_MINIMAL, "lineterminator": "\r\n"},
    {"quoting": csv.QUOTE_ALL, "lineterminator": "\n"}])
def test_any_rfc_4180_quoting_reads_the_same(tmp_path: Path, options: dict[str, Any]) -> None:
    expected = read(zipped(tmp_path, [row(n) for n in range(5)], name="all.csv",
                           quoting=csv.QUOTE_ALL, lineterminator="\r\n"))
    assert read(zipped(tmp_path, [row(n) for n in range(5)], **options)) == expected


def test_a_byte_order_mark_and_blank_lines_are_taken(tmp_path: Path) -> None:
    path = tmp_path / "bom.zip"
    body = "\ufeffid,Name\r\n1,a\r\n\r\n2,b\r\n"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("x.csv", body.encode())
    assert read(path, [Field("Name", "text")]) == [{"id": "1", "Name": "a"},
                                                    {"id": "2", "Name": "b"}]


def test_columns_the_metadata_does_not_list_are_left_out_and_said(tmp_path: Path) -> None:
    path = zipped(tmp_path, [["1", "x", "y"]], header=["id", "Name", "Secret_Field"])
    told: list[str] = []
    with path.open("rb") as archive:
        records = list(ExportReader("Deals", [Field("Name", "text")], log=told.append)
                       .records(archive, "77"))
    assert records == [{"id": "1", "Name": "x"}]
    assert told == ["Deals: columns of the export that the fields metadata does not list, "
                    "left out: Secret_Field"]


@pytest.mark.parametrize(("build", "message"), [
    (lambda folder: zipped(folder, [["1", "a"]], header=["Name", "Seats"]),
     "Deals, bulk read job 77, 1.csv: the CSV has no id column (its columns: Name, Seats)"),
    (lambda folder: zipped(folder, [["1", "a", "b"]], header=["id", "Name"]),
     "Deals, bulk read job 77, 1.csv, row 1 (line 2): 3 values, but the header names 2 "
     "columns"),
    (lambda folder: zipped(folder, [["1", "x", "1.5"]], header=["id", "Name", "Seats"]),
     "Deals, bulk read job 77, 1.csv, row 1 (line 2), field Seats (integer): '1.5' is not "
     "an integer"),
    (lambda folder: zipped(folder, [["1", "x", "yes"]], header=["id", "Name", "Active"]),
     "field Active (boolean): 'yes' is not true or false"),
    (lambda folder: zipped(folder, [["", "x"]], header=["id", "Name"]),
     "row 1 (line 2): a row without an id"),
    (lambda folder: zipped(folder, [["1", "3", "x", "4"]],
                           header=["id", "Seats", "Name", "Seats"]),
     "Deals, bulk read job 77, 1.csv, line 1: the header names column 'Seats' twice "
     "(columns 2 and 4); which one holds the field cannot be told"),
    (lambda folder: zipped(folder, [["1", "2"]], header=["id", "id"]),
     "the header names column 'id' twice (columns 1 and 2)"),
])
def test_an_export_that_cannot_be_read_is_named(tmp_path: Path, build: Any,
                                                message: str) -> None:
    with pytest.raises(ExportError) as error:
        read(build(tmp_path))
    assert message in str(error.value)


@pytest.mark.parametrize(("rows", "counted"), [(2, 5), (0, 3), (3, 2)])
def test_a_file_holding_other_than_the_rows_zoho_counted_is_refused(
        tmp_path: Path, rows: int, counted: int) -> None:
    path = zipped(tmp_path, [row(n) for n in range(rows)])
    with path.open("rb") as archive, pytest.raises(ExportError) as error:
        list(ExportReader("Deals", FIELDS).records(archive, "77", counted))
    assert str(error.value) == (
        f"Deals, bulk read job 77, 1.csv: Zoho counted {counted} records, the file held "
        f"{rows}; stopped rather than load a part (run again to download the export again)")
    with path.open("rb") as archive:
        assert len(list(ExportReader("Deals", FIELDS).records(archive, "77", rows))) == rows


def test_an_archive_that_is_not_one_csv_is_refused(tmp_path: Path) -> None:
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as bundle:
        bundle.writestr("a.csv", "id\n1\n")
        bundle.writestr("b.csv", "id\n2\n")
    with pytest.raises(ExportError, match=r"should hold one CSV file; it holds a\.csv, b\.csv"):
        read(two)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(zipped(tmp_path, [row(1)]).read_bytes()[:40])
    with pytest.raises(ExportError, match="the export is not a zip file"):
        read(cut)


# -- fields --------------------------------------------------------------------------------------


def test_the_field_metadata_gives_each_field_its_type() -> None:
    body = {"fields": [
        {"api_name": "Amount", "data_type": "currency", "decimal_place": None,
         "currency": {"precision": 2}},
        {"api_name": "Ratio", "data_type": "double", "decimal_place": 4},
        {"api_name": "Margin", "data_type": "formula", "formula": {"return_type": "boolean"}},
        {"api_name": "Layout", "data_type": "layout_lookup"},
        {"data_type": "text"}, "not a field"]}
    fields = parse_fields(body)
    assert fields == [Field("Amount", "currency", 2), Field("Ratio", "double", 4),
                      Field("Margin", "formula", None, "boolean"),
                      Field("Layout", "layout_lookup")]
    schema = module_schema(fields)
    assert schema["required"] == ["id"]
    assert schema["properties"] == {
        "id": {"type": "string"},
        "Amount": {"type": ["number", "null"], "multipleOf": 0.01},
        "Ratio": {"type": ["number", "null"], "multipleOf": 0.0001},
        "Margin": {"type": ["boolean", "null"]},
        "Layout": {"type": ["string", "null"]}}
    assert [f.known for f in fields] == [True, True, True, False]


@pytest.mark.parametrize(("module", "stream"), [
    ("Leads", "leads"), ("Price_Books", "price_books"), ("Sales_Orders", "sales_orders"),
    ("EmpXSkills", "emp_xskills"), ("Project_Details__c", "project_details_c"),
    ("Module2Things", "module2_things")])
def test_stream_names_are_lower_snake_case(module: str, stream: str) -> None:
    assert stream_name(module) == stream


# -- the ledger ----------------------------------------------------------------------------------


def entry(n: int, module: str = "Leads", page: int = 1) -> Entry:
    return Entry(module=module, job_id=str(1000 + n), page=page,
                 created_at="2026-11-30T02:00:00Z")


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    ledger = Ledger(str(tmp_path / "state" / "bulk-reads.json"))
    threads = [threading.Thread(target=ledger.add, args=(entry(n, f"M{n}"),))
               for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(e.job_id for e in ledger.entries()) == [str(1000 + n) for n in range(12)]
    document = json.loads((tmp_path / "state" / "bulk-reads.json").read_text())
    assert document["version"] == 1 and len(document["jobs"]) == 12
    assert not [p for p in (tmp_path / "state").iterdir() if p.name != "bulk-reads.json"]


def test_a_module_page_holds_one_job_whoever_writes_at_once(tmp_path: Path) -> None:
    ledger = Ledger(str(tmp_path / "bulk-reads.json"))
    ledger.add(entry(0, "Leads"))
    ledger.add(entry(1, "Leads", page=2))
    rivals = [entry(n, "Deals") for n in range(10, 22)]
    held: list[Entry] = []
    threads = [threading.Thread(target=lambda e=e: held.append(ledger.add(e)))
               for e in rivals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [deals] = [e for e in ledger.entries() if e.module == "Deals"]
    assert deals in rivals and held == [deals] * len(rivals)
    # Replacing a module's jobs is the same write as recording the new one.
    fresh = entry(30, "Leads")
    assert ledger.add(fresh, replacing=["1000", "1001"]) is fresh
    assert sorted((e.module, e.page, e.job_id) for e in ledger.entries()) == [
        ("Deals", 1, deals.job_id), ("Leads", 1, "1030")]
    assert ledger.add(entry(31, "Leads"), replacing=["1000"]) == fresh


def test_the_ledger_on_s3_takes_concurrent_writers(s3_bucket: Any) -> None:
    from observes_singer.store.storage import BlobStore

    url = s3_bucket.url("zoho-crm/bulk-reads.json")
    ledger = Ledger(url, BlobStore(endpoint_url=s3_bucket.endpoint_url))
    threads = [threading.Thread(target=ledger.add, args=(entry(n, f"M{n}"),))
               for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(e.job_id for e in ledger.entries()) == [str(1000 + n) for n in range(6)]
    assert [e.job_id for e in ledger.remove(["1002", "9999"])] == ["1002"]
    assert len(ledger.entries()) == 5


def test_a_corrupt_ledger_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "bulk-reads.json"
    path.write_text("{not json")
    with pytest.raises(LedgerError, match=f"{path}: the ledger is not JSON"):
        Ledger(str(path)).entries()
    path.write_text(json.dumps({"version": 1, "jobs": [{"module": "Leads"}]}))
    with pytest.raises(LedgerError, match="lacks module, job_id or page"):
        Ledger(str(path)).entries()


@pytest.mark.parametrize("wrap", [
    lambda value: value,
    lambda value: {"type": "STATE", "value": value},
    lambda value: {"singer_state": value}])
def test_a_committed_state_in_any_form_consumes_its_jobs(tmp_path: Path, wrap: Any) -> None:
    ledger = Ledger(str(tmp_path / "bulk-reads.json"))
    for n, (module, page) in enumerate([("Leads", 1), ("Leads", 2), ("Deals", 1),
                                        ("Cases", 1)]):
        ledger.add(entry(n, module, page))
    state = {"bookmarks": {"leads": {"bulk_jobs": ["1000", "1001"], "module": "Leads"},
                           "deals": {"bulk_jobs": ["1002"]}, "users": {}}}
    assert loaded_job_ids(wrap(state)) == {"1000", "1001", "1002"}
    told: list[str] = []
    removed = consume(ledger, wrap(state), log=told.append)
    assert sorted(e.job_id for e in removed) == ["1000", "1001", "1002"]
    assert [e.job_id for e in ledger.entries()] == ["1003"]
    assert told == ["bulk-job ledger: 3 jobs of Deals, Leads were loaded and committed (the "
                    "saved state lists them); removed"]
    assert consume(ledger, wrap(state)) == []  # twice is harmless
    assert consume(ledger, None) == [] and loaded_job_ids({"bookmarks": []}) == set()
