"""Benchmark of tap-dynamo on a local moto DynamoDB: items per second per shard.

One table of ``--items`` items of every DynamoDB type (``tests.support.dynamo``: nested
maps and lists, sets, binaries, numbers beyond 64 bits and with 30-odd digits) is
scanned in 4 segments, for each shard count of ``--shards``, by:

- ``boto3 Scan loop`` (the floor): a process per shard that only calls the low-level
  client's Scan on its segments and counts the items;
- ``convert + JSON`` (once, in this process, no I/O): what tap-dynamo adds per item,
  its conversion of the typed items of a whole scan and their JSON (singer-sdk's
  simplejson writer);
- ``tap-dynamo``: the tap alone, its output thrown away;
- ``tap | infer | s3 csv``: tap-dynamo | observes-infer | target-s3 (csv, into a
  local folder), a pipeline per shard;
- ``dynamo job shards``: each shard as jobs/dynamo.toml runs it: tap-dynamo (decimals as
  text) | observes-infer --infer-declared --schema-cache (the table's schema cached
  beforehand by a full scan, as jobs/dynamo-schema.toml does) | target-s3 csv gzip into
  ``part_<i>/``;
- then the final phase, ``load-parts``: target-redshift load-parts of those parts into a
  DuckDB file as one replace, next to its baseline ``target-redshift (records)``: the same
  records (tap | observes-infer, written to a file first) loaded by target-redshift from
  its stdin into another DuckDB file. Both give records and rows per second.

Shards run at once, as ``observes run --shards`` runs them. Each line gives the items
per second of one shard (the mean over the shards), of all the shards together, and the
highest peak RSS of any one program. Every program is its own process. moto, in its
own process, answers every Scan, slowly: it is the floor here, not DynamoDB's speed,
and the shards share its one Python process.

Usage: python benchmarks/bench_tap_dynamo.py [--items 4000] [--shards 1,4]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.peak_memory import high_water_mb  # noqa: E402
from tests.support.aws_env import fake_aws_environment  # noqa: E402
from tests.support.dynamo import create_table, put_items, sample_item  # noqa: E402
from tests.support.s3 import aws_client  # noqa: E402

TABLE = "bench-items"
STREAM = "bench_items"
SEGMENTS = 4
# moto answers a Scan with the whole segment; DynamoDB stops a page at 1 MB, about 800
# of these items (1.2 KB each in DynamoDB's JSON). Both the floor and the tap ask for that.
PAGE = 800

SCAN_FLOOR = """
import sys, boto3
endpoint, table, total, segments = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
client = boto3.client("dynamodb", endpoint_url=endpoint)
count = 0
for segment in map(int, segments.split(",")):
    request = {"TableName": table, "Segment": segment, "TotalSegments": total,
               "Limit": int(sys.argv[5])}
    while True:
        answer = client.scan(**request)
        count += len(answer["Items"])
        if "LastEvaluatedKey" not in answer:
            break
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
print(count, file=sys.stderr)
"""


def start(command: list[str], stdin: Any, stdout: Any, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as stderr:
        return subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr)


def reap(processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> float:
    """Wait for every process; the highest peak RSS (MB) of any; exit on a failure.

    The peak is read from /proc while the processes run, not from ``wait4``: Linux
    counts in a child's ``ru_maxrss`` the memory of this process it was forked from."""
    peaks = dict.fromkeys((p.pid for p in processes), 0.0)
    running = list(processes)
    while running:
        for process in running:
            peaks[process.pid] = max(peaks[process.pid], high_water_mb(process.pid))
        running = [p for p in running if p.poll() is None]
        time.sleep(0.02)
    for process, log in zip(processes, logs, strict=True):
        if process.returncode != 0:
            raise SystemExit(f"{process.args!r} failed:\n{log.read_text()[-3000:]}")
    return max(peaks.values())


def run_shards(commands: list[list[list[str]]], work: Path) -> tuple[float, float]:
    """Run a chain of commands per shard, all shards at once: seconds and peak RSS."""
    processes: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    started = time.perf_counter()
    for shard, chain in enumerate(commands):
        upstream: Any = subprocess.DEVNULL
        for step, command in enumerate(chain):
            log = work / f"shard-{shard}-{step}.log"
            last = step == len(chain) - 1
            process = start(command, upstream, subprocess.DEVNULL if last else subprocess.PIPE,
                            log)
            if upstream is not subprocess.DEVNULL:
                upstream.close()
            upstream = process.stdout
            processes.append(process)
            logs.append(log)
    peak = reap(processes, logs)
    return time.perf_counter() - started, peak


def report(label: str, items: int, shards: int, seconds: float, peak: float) -> None:
    print(f"  {label:<24} {items / seconds / shards:>8,.0f} items/s per shard  "
          f"{items / seconds:>8,.0f} in all  {seconds:6.2f} s  peak RSS {peak:6.1f} MB",
          flush=True)


def tap_config(work: Path, endpoint: str, shard: int, shards: int) -> Path:
    path = work / f"tap-{shard}.json"
    config = {"tables": [TABLE], "endpoint_url": endpoint, "segments": SEGMENTS,
              "page_size": PAGE, "emit_schema": False}
    if shards > 1:
        config |= {"shard_index": shard, "shard_count": shards}
    path.write_bytes(orjson.dumps(config))
    return path


def run_into(chain: list[list[str]], out: Path, work: Path) -> None:
    """Run a pipeline whose last program writes to ``out``; exit on a failure."""
    processes: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    upstream: Any = subprocess.DEVNULL
    with out.open("wb") as sink:
        for step, command in enumerate(chain):
            log = work / f"into-{step}.log"
            last = step == len(chain) - 1
            process = start(command, upstream, sink if last else subprocess.PIPE, log)
            if upstream is not subprocess.DEVNULL:
                upstream.close()
            upstream = process.stdout
            processes.append(process)
            logs.append(log)
        reap(processes, logs)


def job_shards(work: Path, endpoint: str, items: int, shards: int) -> None:
    """The dynamo job's shards into parts, then its final phase next to a direct load."""
    python = sys.executable
    cache = str(work / "cache" / "{stream}.json")

    def tap(shard: int) -> list[str]:
        path = work / f"job-tap-{shard}.json"
        config: dict[str, Any] = {"tables": [TABLE], "endpoint_url": endpoint,
                                  "segments": SEGMENTS, "page_size": PAGE,
                                  "decimals": "text"}
        if shards > 1:
            config |= {"shard_index": shard, "shard_count": shards}
        path.write_bytes(orjson.dumps(config))
        return [python, "-m", "tap_dynamo.tap", "--config", str(path)]

    whole = work / "job-tap-whole.json"
    whole.write_bytes(orjson.dumps({"tables": [TABLE], "endpoint_url": endpoint,
                                    "page_size": PAGE, "decimals": "text"}))
    scan = [python, "-m", "tap_dynamo.tap", "--config", str(whole)]
    run_into([scan, [python, "-m", "observes_singer.infer.cli", "--discard-records",
                     "--save-schema", cache]], work / "schema-state.json", work)
    parts = work / "parts"
    chains = []
    for shard in range(shards):
        target = work / f"job-target-{shard}.json"
        target.write_bytes(orjson.dumps({"url": str(parts / f"part_{shard}"), "format": "csv",
                                         "compression": "gzip"}))
        chains.append([tap(shard), [python, "-m", "observes_singer.infer.cli",
                                    "--infer-declared", "--schema-cache", cache],
                       [python, "-m", "target_s3.cli", "--config", str(target)]])
    report("dynamo job shards", items, shards, *run_shards(chains, work))

    records = work / "records.jsonl"
    run_into([scan, [python, "-m", "observes_singer.infer.cli", "--infer-declared",
                     "--schema-cache", cache]], records, work)
    direct = work / "direct.json"
    direct.write_bytes(orjson.dumps({"url": f"duckdb://{work / 'direct.duckdb'}"}))
    seconds, peak = run_shards([[[python, "-m", "target_redshift.cli", "--config",
                                  str(direct), "--input", str(records)]]], work)
    rows = table_rows(work / "direct.duckdb")
    report_load("target-redshift (records)", items, rows, seconds, peak)
    final = work / "final.json"
    final.write_bytes(orjson.dumps({"url": f"duckdb://{work / 'final.duckdb'}"}))
    seconds, peak = run_shards([[[python, "-m", "target_redshift.cli", "load-parts",
                                  str(parts) + "/", "--parts", str(shards), "--config",
                                  str(final), "--keep-parts"]]], work)
    report_load("load-parts (final phase)", items, table_rows(work / "final.duckdb"),
                seconds, peak)


def table_rows(path: Path) -> int:
    import duckdb

    connection = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()]
        return sum(int(connection.execute(f'SELECT count(*) FROM main."{name}"').fetchone()[0])
                   for name in names)
    finally:
        connection.close()


def report_load(label: str, items: int, rows: int, seconds: float, peak: float) -> None:
    print(f"  {label:<26} {items / seconds:>8,.0f} records/s  {rows / seconds:>9,.0f} rows/s "
          f"({rows:,} rows)  {seconds:6.2f} s  peak RSS {peak:6.1f} MB", flush=True)


def convert_and_write(client: Any, items: int) -> None:
    import simplejson
    from tap_dynamo.convert import Converter

    typed: list[Any] = []
    request: dict[str, Any] = {"TableName": TABLE}
    while True:
        answer = client.scan(**request)
        typed += answer["Items"]
        if "LastEvaluatedKey" not in answer:
            break
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    convert = Converter().item
    started = time.perf_counter()
    for item in typed:
        simplejson.dumps({"type": "RECORD", "stream": STREAM, "record": convert(item)},
                         use_decimal=True, separators=(",", ":"))
    seconds = time.perf_counter() - started
    print(f"  {'convert + JSON (no I/O)':<24} {items / seconds:>8,.0f} items/s", flush=True)


@contextlib.contextmanager
def moto_process(work: Path) -> Iterator[str]:
    """moto's server in its own process (so that the measured programs, forked from this
    one, do not start with its memory); its endpoint URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = start([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                   subprocess.DEVNULL, subprocess.DEVNULL, work / "moto.log")
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=4_000)
    parser.add_argument("--shards", default="1,4")
    args = parser.parse_args()
    python = sys.executable
    with fake_aws_environment(), tempfile.TemporaryDirectory() as work_dir, \
            moto_process(Path(work_dir)) as endpoint:
        work = Path(work_dir)
        client = aws_client("dynamodb", endpoint)
        create_table(client, TABLE)
        loading = time.perf_counter()
        put_items(client, TABLE, [sample_item(n)[0] for n in range(args.items)])
        print(f"{args.items:,} items of every DynamoDB type, {SEGMENTS} segments "
              f"(loaded into moto in {time.perf_counter() - loading:.0f} s):")
        convert_and_write(client, args.items)
        for shards in (int(s) for s in args.shards.split(",")):
            print(f" {shards} shard{'s' if shards > 1 else ''}:")
            mine = [[s for s in range(SEGMENTS) if s % shards == shard]
                    for shard in range(shards)]
            floor = [[[python, "-c", SCAN_FLOOR, endpoint, TABLE, str(SEGMENTS),
                       ",".join(map(str, segments)), str(PAGE)]] for segments in mine]
            report("boto3 Scan loop (floor)", args.items, shards, *run_shards(floor, work))
            taps = [[python, "-m", "tap_dynamo.tap", "--config",
                     str(tap_config(work, endpoint, shard, shards))] for shard in range(shards)]
            report("tap-dynamo", args.items, shards,
                   *run_shards([[tap] for tap in taps], work))
            chains = []
            for shard, tap in enumerate(taps):
                target = work / f"target-{shard}.json"
                target.write_bytes(orjson.dumps({"url": str(work / f"out-{shard}"),
                                                 "format": "csv"}))
                chains.append([tap, [python, "-m", "observes_singer.infer.cli", "--key",
                                     f"{STREAM}=pk"],
                               [python, "-m", "target_s3.cli", "--config", str(target)]])
            report("tap | infer | s3 csv", args.items, shards, *run_shards(chains, work))
            job_work = work / f"job-{shards}"
            job_work.mkdir()
            job_shards(job_work, endpoint, args.items, shards)


if __name__ == "__main__":
    main()
