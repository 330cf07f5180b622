"""Benchmark of the Singer core on GitLab CI job records (about 1.5 KB each).

Each measurement runs in a fresh subprocess so that its peak RSS is its own:

- ``orjson-floor``: ``for line in file: orjson.loads(line)``, the floor of any reader;
- ``codec-read``: ``observes_singer.singer.messages.read_messages`` over the same file;
- ``codec-write``: ``MessageWriter.write`` of every message back to /dev/null;
- ``infer``: ``observes-infer`` on the raw form of the records, at N and 4*N records,
  to show that its memory does not grow with the input.

Usage: python benchmarks/bench_core.py [--records N] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from tap_gitlab.sample.data import gitlab_job


def make_input(path: Path, records: int, raw: bool) -> None:
    with path.open("wb") as out:
        for n in range(records):
            job = gitlab_job(n)
            if raw:
                out.write(orjson.dumps({"stream": "jobs", "record": job}) + b"\n")
            else:
                out.write(orjson.dumps({"type": "RECORD", "stream": "jobs", "record": job}) + b"\n")
            if n % 10_000 == 9_999:
                out.write(b'{"type":"STATE","value":{"n":%d}}\n' % n)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(mode: str, path: str) -> None:
    """Runs inside the child: one measurement, printed as 'records seconds peak_mb'."""
    from observes_singer.singer.messages import MessageWriter, read_messages

    count = 0
    start = time.perf_counter()
    with open(path, "rb") as handle:
        if mode == "orjson-floor":
            loads = orjson.loads
            for line in handle:
                loads(line)
                count += 1
        elif mode == "codec-read":
            for _ in read_messages(handle):
                count += 1
        elif mode == "codec-write":
            messages = read_messages(handle)
            with open(os.devnull, "wb") as sink:
                writer = MessageWriter(sink)
                start = time.perf_counter()
                for message in messages:
                    writer.write(message)
                    count += 1
        elif mode == "infer":
            from observes_singer.infer.cli import main

            with open(os.devnull, "wb") as sink:
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115
                os.dup2(sink.fileno(), 1)
                code = main(["--input", path, "--key", "jobs=id"])
                assert code == 0
            count = sum(1 for _ in open(path, "rb"))  # noqa: SIM115
        else:
            raise SystemExit(f"unknown mode {mode}")
    seconds = time.perf_counter() - start
    print(f"{count} {seconds:.4f} {peak_rss_mb():.1f}", file=sys.stderr)


def run_child(mode: str, path: Path) -> tuple[int, float, float]:
    result = subprocess.run([sys.executable, __file__, "--child", mode, str(path)],
                            capture_output=True, check=True)
    count, seconds, peak = result.stderr.decode().strip().splitlines()[-1].split()
    return int(count), float(seconds), float(peak)


def report(label: str, count: int, seconds: float, peak: float, base: float | None = None,
           note: str = "") -> None:
    rate = count / seconds
    ratio = f"{seconds / base:5.2f}x the floor's time" if base else note
    print(f"{label:<26} {rate:>12,.0f} msg/s  {seconds:7.2f} s  peak {peak:6.1f} MB  {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(*args.child)
        return

    with tempfile.TemporaryDirectory(dir=args.workdir) as work:
        singer = Path(work) / "singer.jsonl"
        make_input(singer, args.records, raw=False)
        size_mb = singer.stat().st_size / 1e6
        print(f"input: {args.records:,} GitLab job records, {size_mb:,.0f} MB of Singer messages")
        floor = run_child("orjson-floor", singer)
        report("orjson.loads loop", *floor, note="(the floor)")
        read = run_child("codec-read", singer)
        report("read_messages", *read, floor[1])
        report("MessageWriter.write", *run_child("codec-write", singer))

        for scale in (1, 4):
            raw = Path(work) / f"raw-{scale}.jsonl"
            make_input(raw, args.records * scale // 4, raw=True)
            report(f"observes-infer ({args.records * scale // 4:,})",
                   *run_child("infer", raw), note="(both passes)")
            raw.unlink()


if __name__ == "__main__":
    main()
