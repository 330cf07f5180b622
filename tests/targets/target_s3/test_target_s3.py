"""target-s3 on a local folder and on S3 (moto): objects read back and compared."""

from __future__ import annotations

import csv
import gzip
import io
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from tap_gitlab.sample.data import gitlab_job

from observes_singer.store.storage import BlobStore
from tests.support.warehouses import encode
from tests.targets.target_redshift.test_loading import NESTED_RECORDS, NESTED_SCHEMA, jobs_schema


@dataclass
class Place:
    url: str
    blobs: BlobStore
    endpoint_url: str | None
    workdir: Path

    def read(self, url: str) -> bytes:
        data = self.blobs.read_bytes(url)
        return gzip.decompress(data) if url.endswith(".gz") else data

    def manifests(self) -> list[dict[str, Any]]:
        found = [i.url for i in self.blobs.list(self.url + "/_manifests/")
                 if not i.url.endswith(".redshift.json")]
        return [orjson.loads(self.blobs.read_bytes(u)) for u in found]

    def urls(self) -> list[str]:
        return [i.url for i in self.blobs.list(self.url + "/")]


@pytest.fixture(params=["local", "s3"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    if request.param == "local":
        return Place(str(tmp_path / "bucket"), BlobStore(), None, tmp_path)
    bucket = request.getfixturevalue("s3_bucket")
    return Place(f"s3://{bucket.name}/exports", BlobStore(endpoint_url=bucket.endpoint_url),
                 bucket.endpoint_url, tmp_path)


def run_s3(place: Place, data: bytes, **settings: Any) -> subprocess.CompletedProcess[bytes]:
    config = {"url": place.url, **settings}
    if place.endpoint_url:
        config["endpoint_url"] = place.endpoint_url
    path = place.workdir / "s3-config.json"
    path.write_bytes(orjson.dumps(config))
    return subprocess.run([sys.executable, "-m", "target_s3.cli", "--config", str(path)],
                          input=data, capture_output=True, timeout=120, check=False)


def jobs_input(count: int, stream: str = "jobs") -> bytes:
    messages: list[dict[str, Any]] = [{"type": "SCHEMA", "stream": stream,
                                       "schema": jobs_schema(), "key_properties": ["id"]}]
    for n in range(count):
        messages.append({"type": "RECORD", "stream": stream, "record": gitlab_job(n)})
        if n % 40 == 39:
            messages.append({"type": "STATE", "value": {"upto": n}})
    return encode(messages)


def test_singer_format_keeps_the_bytes(place: Place) -> None:
    data = jobs_input(120)
    result = run_s3(place, data, format="singer", max_rows_per_object=50)
    assert result.returncode == 0, result.stderr
    (manifest,) = place.manifests()
    objects = manifest["objects"]
    assert len(objects) == 3
    assert b"".join(place.read(o["url"]) for o in objects) == data
    assert sum(o["rows"] for o in objects) == data.count(b"\n")


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_jsonl_records_come_back(place: Place, compression: str) -> None:
    result = run_s3(place, jobs_input(130), compression=compression, max_rows_per_object=60)
    assert result.returncode == 0, result.stderr
    (manifest,) = place.manifests()
    assert manifest["streams"]["jobs"]["key_properties"] == ["id"]
    assert manifest["streams"]["jobs"]["records"] == 130
    records = []
    for entry in manifest["objects"]:
        assert entry["url"].endswith(".jsonl.gz" if compression == "gzip" else ".jsonl")
        body = place.read(entry["url"])
        assert len(body) == entry["bytes"]
        assert entry["rows"] == body.count(b"\n")
        records += [orjson.loads(line) for line in body.splitlines()]
    assert records == [gitlab_job(n) for n in range(130)]
    assert result.stdout.splitlines()[-1] == b'{"upto":119}'  # the bare value, one line


def test_hive_partitions_from_a_record_field(tmp_path: Path) -> None:
    place = Place(str(tmp_path / "b"), BlobStore(), None, tmp_path)
    schema = {"type": "object", "properties": {"id": {"type": "integer"},
                                               "at": {"type": "string", "format": "date-time"}}}
    moments = ["2026-11-30T23:00:00-05:00", "2026-10-01T00:00:00Z", "2026-12-01T08:00:00Z"]
    data = encode([{"type": "SCHEMA", "stream": "e", "schema": schema, "key_properties": []},
                   *[{"type": "RECORD", "stream": "e", "record": {"id": n, "at": at}}
                     for n, at in enumerate(moments)]])
    result = run_s3(place, data, partition_field="at",
                    key_template="{stream}/year={partition:%Y}/month={partition:%m}/"
                                 "{run_id}-{part}.{ext}")
    assert result.returncode == 0, result.stderr
    (manifest,) = place.manifests()
    by_month = {o["url"].split("/e/")[1].rsplit("/", 1)[0]: o["rows"]
                for o in manifest["objects"]}
    assert by_month == {"year=2026/month=12": 2, "year=2026/month=10": 1}


def test_csv_matches_what_target_redshift_loads(place: Place, postgres_db: Any,
                                                request: pytest.FixtureRequest) -> None:
    data = encode([{"type": "SCHEMA", "stream": "orders", "schema": NESTED_SCHEMA,
                    "key_properties": ["id"]},
                   *[{"type": "RECORD", "stream": "orders", "record": r}
                     for r in NESTED_RECORDS]]) + jobs_input(100)
    result = run_s3(place, data, format="csv", compression="gzip", max_rows_per_object=70)
    assert result.returncode == 0, result.stderr
    (manifest,) = place.manifests()
    assert manifest["null_marker_strings"] == {"orders__tags": 1}

    config = place.workdir / "rs.json"
    # target-s3 writes no load metadata columns: compared with a load without them.
    config.write_bytes(orjson.dumps({"url": postgres_db.uri, "schema": "direct",
                                     "add_record_metadata": False}))
    loaded = subprocess.run([sys.executable, "-m", "target_redshift.cli", "--config",
                             str(config)], input=data, capture_output=True, timeout=120,
                            check=False)
    assert loaded.returncode == 0, loaded.stderr.decode()

    with psycopg.connect(postgres_db.conninfo, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'direct'")]
        assert sorted(tables) == sorted({o["table"] for o in manifest["objects"]})
        conn.execute("CREATE SCHEMA files")
        for table in tables:
            conn.execute(f'CREATE TABLE files."{table}" (LIKE direct."{table}")'.encode())
        for entry in manifest["objects"]:
            columns = ", ".join(f'"{c}"' for c in entry["columns"])
            with conn.cursor() as cursor, cursor.copy(
                f'COPY files."{entry["table"]}" ({columns}) FROM STDIN WITH '
                f"(FORMAT csv, HEADER true, NULL '\\N')".encode()) as copy:
                copy.write(place.read(entry["url"]))
        for table in tables:
            for a, b in (("direct", "files"), ("files", "direct")):
                difference = conn.execute(
                    f'SELECT count(*) FROM (SELECT * FROM {a}."{table}" EXCEPT ALL '
                    f'SELECT * FROM {b}."{table}") d'.encode()).fetchone()
                assert difference == (0,), (table, a, b)
            # column_bytes holds each text column's longest value, which sizes VARCHARs.
            texts = [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "'direct' AND table_name = %s AND data_type = 'character varying' AND "
                "column_name NOT IN ('_sdc_id', '_sdc_parent_id', '_sdc_root_id')", (table,))]
            for column in texts:
                longest = conn.execute(f'SELECT coalesce(max(octet_length("{column}")), 0) '
                                       f'FROM direct."{table}"'.encode()).fetchone()
                assert manifest["column_bytes"][table][column] == longest[0], (table, column)

    if place.endpoint_url:
        # And Redshift's COPY loads the same files through their manifest.
        connect = request.getfixturevalue("redshift_connect")
        connection = connect()
        cursor = connection.cursor()
        for table, manifest_url in manifest["redshift_manifests"].items():
            cursor.execute(f'CREATE TABLE files."{table}_rs" (LIKE direct."{table}")')
            columns = next(o["columns"] for o in manifest["objects"] if o["table"] == table)
            cursor.execute(
                f'COPY files."{table}_rs" ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
                f"FROM '{manifest_url}' ACCESS_KEY_ID 'testing' SECRET_ACCESS_KEY 'testing' "
                "CSV GZIP IGNOREHEADER 1 NULL AS '\\\\N' MANIFEST")
            cursor.execute(f'SELECT count(*) FROM (SELECT * FROM direct."{table}" EXCEPT ALL '
                           f'SELECT * FROM files."{table}_rs") d')
            # Except the strings that are exactly \N, which Redshift loads as NULL: the
            # manifest counts them, and load-parts refuses them there.
            assert cursor.fetchone()[0] == manifest["null_marker_strings"].get(table, 0)
        connection.commit()


SPREADSHEET_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "author": {"type": "string"},
    "note": {"type": ["null", "string"]}, "delta": {"type": "integer"},
    "tags": {"type": "array", "items": {"type": "string"}}}}
SPREADSHEET_RECORDS = [
    {"id": 1, "author": "=cmd|' /C calc'!A0", "note": "+SUM(1)", "delta": -5,
     "tags": ["@x", "ok"]},
    {"id": 2, "author": "-2", "note": None, "delta": 3, "tags": ["\tx"]},
    {"id": 3, "author": 'a"=b', "note": "\r=1", "delta": 0, "tags": []},
    {"id": 4, "author": "plain, text", "note": '"=q', "delta": 1, "tags": []},
]


def csv_tables(place: Place, manifest: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    return {entry["table"]: list(csv.DictReader(io.StringIO(
        place.read(entry["url"]).decode(), newline=""))) for entry in manifest["objects"]}


def test_csv_safe_cells_makes_a_cell_a_spreadsheet_would_run_text(tmp_path: Path) -> None:
    place = Place(str(tmp_path / "b"), BlobStore(), None, tmp_path)
    data = encode([{"type": "SCHEMA", "stream": "people", "schema": SPREADSHEET_SCHEMA,
                    "key_properties": ["id"]},
                   *({"type": "RECORD", "stream": "people", "record": r}
                     for r in SPREADSHEET_RECORDS)])
    result = run_s3(place, data, format="csv", csv_safe_cells=True)
    assert result.returncode == 0, result.stderr
    (manifest,) = place.manifests()
    assert manifest["csv_safe_cells"] is True
    tables = csv_tables(place, manifest)
    people = tables["people"]
    assert [(r["author"], r["note"], r["delta"]) for r in people] == [
        ("'=cmd|' /C calc'!A0", "'+SUM(1)", "-5"),  # a number is not text: as it was
        ("'-2", "\\N", "3"),  # NULL stays NULL
        ('a"=b', "'\r=1", "0"),
        ("plain, text", '"=q', "1")]
    assert [r["value"] for r in tables["people__tags"]] == ["'@x", "ok", "'\tx"]
    stderr = result.stderr.decode()
    assert "people.people: 4 cells that a spreadsheet would run as formulas written as text" \
        in stderr
    assert "people.people__tags: 2 cells" in stderr

    # By default the values are exact, for COPY.
    exact = Place(str(tmp_path / "exact"), BlobStore(), None, tmp_path)
    assert run_s3(exact, data, format="csv").returncode == 0
    (manifest,) = exact.manifests()
    assert "csv_safe_cells" not in manifest
    assert csv_tables(exact, manifest)["people"][0]["author"] == "=cmd|' /C calc'!A0"

    refused = run_s3(place, data, format="jsonl", csv_safe_cells=True)
    assert refused.returncode == 1
    assert "csv_safe_cells: only for format csv (format is jsonl)" in refused.stderr.decode()


def test_bad_value_fails_without_a_manifest(place: Place) -> None:
    data = jobs_input(100)[:-1] + b"\n" + encode([
        {"type": "RECORD", "stream": "jobs", "record": {**gitlab_job(5), "id": "five"}}])
    result = run_s3(place, data, format="csv", max_rows_per_object=30,
                    state_url=str(place.workdir / "state.json"))
    assert result.returncode == 1
    assert "stream 'jobs', stdin line 104, field id: \"five\" is not an integer" \
        in result.stderr.decode()
    assert place.manifests() == []
    assert result.stdout == b""
    assert not (place.workdir / "state.json").exists()
    for url in place.urls():  # complete parts may remain, unlisted; each is whole
        body = place.read(url).decode()
        assert body.endswith("\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"type":"RECORD","stream":"x","record":{}}\n', "RECORD for stream 'x' before its "
                                                          "SCHEMA"),
        (b'{"type":"STATE","value":{}}\n{nope\n', "stdin line 2: malformed JSON"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path: Path, data: bytes, message: str) -> None:
    place = Place(str(tmp_path / "b"), BlobStore(), None, tmp_path)
    result = run_s3(place, data)
    assert result.returncode == 1
    assert message in result.stderr.decode()
    assert place.manifests() == []


def test_killed_run_leaves_no_half_object_and_no_manifest(tmp_path: Path) -> None:
    place = Place(str(tmp_path / "b"), BlobStore(), None, tmp_path)
    config = tmp_path / "c.json"
    config.write_bytes(orjson.dumps({"url": place.url, "max_rows_per_object": 500}))
    process = subprocess.Popen([sys.executable, "-m", "target_s3.cli", "--config",
                                str(config)], stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert process.stdin is not None
    process.stdin.write(jobs_input(1200))
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while not place.urls() and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert place.manifests() == []
    for url in place.urls():
        lines = place.read(url).splitlines()
        assert len(lines) == 500
        assert all(orjson.loads(line) for line in lines)


def test_default_folder_and_about(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "target_s3.cli"], input=jobs_input(3),
                            capture_output=True, cwd=tmp_path, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert b"no url configured: writing to the local folder" in result.stderr
    assert list((tmp_path / "observes-data" / "target-s3").glob("_manifests/*.json"))
    about = subprocess.run([sys.executable, "-m", "target_s3.cli", "--about"],
                           capture_output=True, timeout=60, check=False)
    assert {"url", "format", "key_template"} <= set(
        orjson.loads(about.stdout)["settings"]["properties"])


def test_a_template_that_would_overwrite_objects_is_refused(tmp_path: Path) -> None:
    place = Place(str(tmp_path / "b"), BlobStore(), None, tmp_path)
    result = run_s3(place, jobs_input(2, "a") + jobs_input(2, "b"),
                    key_template="{run_id}-{part}.{ext}")
    assert result.returncode == 1
    assert "gives two objects the key" in result.stderr.decode()
    assert place.manifests() == []


def test_byte_limit_starts_new_parts_and_state_is_saved(place: Place) -> None:
    state_url = str(place.workdir / "state" / "s3.json")
    result = run_s3(place, jobs_input(100), max_bytes_per_object=40_000, state_url=state_url)
    assert result.returncode == 0, result.stderr
    (manifest,) = place.manifests()
    sizes = [o["bytes"] for o in manifest["objects"]]
    assert len(sizes) >= 3
    assert all(size < 40_000 + 2_000 for size in sizes)  # a part ends after the row that fills it
    assert sum(o["rows"] for o in manifest["objects"]) == 100
    assert orjson.loads(Path(state_url).read_bytes()) == {"upto": 79}


# -- integers beyond 64 bits ----------------------------------------------------------------

BIG_SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"},
                                               "n": {"type": ["null", "integer"]},
                                               "open": {}, "at": {"type": ["null", "string"]}}}


def big_input(*records: bytes, state: bytes = b'{"upto":1}') -> bytes:
    schema = orjson.dumps({"type": "SCHEMA", "stream": "big", "schema": BIG_SCHEMA,
                           "key_properties": ["id"]})
    lines = [schema] + [b'{"type":"RECORD","stream":"big","record":' + r + b"}"
                        for r in records]
    return b"\n".join([*lines, b'{"type":"STATE","value":' + state + b"}"]) + b"\n"


def test_jsonl_keeps_the_digits_of_integers_beyond_64_bits(tmp_path: Path) -> None:
    place = Place(str(tmp_path / "b"), BlobStore(), None, tmp_path)
    records = [
        b'{"id":1,"n":123456789012345678901234567890,"open":[-98765432109876543210987]}',
        b'{"id":2,"n":-9223372036854775809,"open":{"x":18446744073709551616,"f":1e20}}',
        b'{"id":3,"n":18446744073709551615,"open":null,"at":"x+y"}',  # 64 bits unsigned
        b'{"id":4,"n":-9223372036854775808,"open":2.5e+30,"at":"a\\u00e9"}',
    ]
    result = run_s3(place, big_input(*records, state=b'{"cursor":99999999999999999999999}'))
    assert result.returncode == 0, result.stderr
    (manifest,) = place.manifests()
    (entry,) = manifest["objects"]
    assert place.read(entry["url"]) == (
        b'{"id":1,"n":123456789012345678901234567890,"open":[-98765432109876543210987]}\n'
        b'{"id":2,"n":-9223372036854775809,"open":{"x":18446744073709551616,"f":1e+20}}\n'
        b'{"id":3,"n":18446744073709551615,"open":null,"at":"x+y"}\n'
        b'{"id":4,"n":-9223372036854775808,"open":2.5e+30,"at":"a\xc3\xa9"}\n')
    assert result.stdout == b'{"cursor":99999999999999999999999}\n'


def test_singer_format_keeps_integers_beyond_64_bits(tmp_path: Path) -> None:
    place = Place(str(tmp_path / "b"), BlobStore(), None, tmp_path)
    data = big_input(b'{"id":1,"n":123456789012345678901234567890}')
    result = run_s3(place, data, format="singer")
    assert result.returncode == 0, result.stderr
    (manifest,) = place.manifests()
    assert b"".join(place.read(o["url"]) for o in manifest["objects"]) == data


@pytest.mark.parametrize("digits", ["123456789012345678901234567890", "18446744073709551615",
                                    "9223372036854775808"])
def test_csv_integer_beyond_64_bits_is_an_error(tmp_path: Path, digits: str) -> None:
    place = Place(str(tmp_path / "b"), BlobStore(), None, tmp_path)
    data = big_input(b'{"id":1,"n":5}', b'{"id":2,"n":' + digits.encode() + b"}")
    result = run_s3(place, data, format="csv")
    assert result.returncode == 1
    assert (f"stream 'big', stdin line 3, field n: {digits} is outside the 64-bit integer "
            "range (BIGINT)") in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    assert place.manifests() == []
    assert result.stdout == b""


def test_csv_negative_integer_beyond_64_bits_is_an_error(tmp_path: Path) -> None:
    place = Place(str(tmp_path / "b"), BlobStore(), None, tmp_path)
    result = run_s3(place, big_input(b'{"id":2,"n":-9223372036854775809}'), format="csv")
    assert result.returncode == 1
    assert ("stream 'big', stdin line 2, field n: -9223372036854775809 is outside the 64-bit "
            "integer range (BIGINT)") in result.stderr.decode()


def test_csv_open_field_keeps_integers_beyond_64_bits_as_text(tmp_path: Path) -> None:
    place = Place(str(tmp_path / "b"), BlobStore(), None, tmp_path)
    data = big_input(b'{"id":1,"open":{"x":123456789012345678901234567890,"f":1e20}}',
                     b'{"id":2,"open":18446744073709551616}')
    result = run_s3(place, data, format="csv")
    assert result.returncode == 0, result.stderr
    (manifest,) = place.manifests()
    (entry,) = manifest["objects"]
    header, *rows = place.read(entry["url"]).splitlines()
    assert header == b"_sdc_id,_sdc_table_version,id,n,open,at"
    assert [row.split(b",", 1)[1] for row in rows] == [  # after the id
        b'\\N,1,\\N,"{""x"":123456789012345678901234567890,""f"":1e+20}",\\N',
        b'\\N,2,\\N,"18446744073709551616",\\N']
