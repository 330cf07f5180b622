"""Benchmark of target-s3 on GitLab CI job records: each format, into a local folder.

Prints records per second and peak RSS for the orjson parse floor and for target-s3
writing ``jsonl``, ``csv`` and ``singer`` (and ``csv`` gzipped), each as its own process
reaped with ``wait4``.

Usage: python benchmarks/bench_target_s3.py [--records 100000,400000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_target_redshift import PARSE_FLOOR, make_input, measure, report  # noqa: E402

RUNS = [("jsonl", "none"), ("csv", "none"), ("csv", "gzip"), ("singer", "none")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", default="100000,400000")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "targets") + os.pathsep + str(ROOT)}
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        for size in (int(s) for s in args.records.split(",")):
            source = work / f"jobs-{size}.jsonl"
            make_input(source, size)
            print(f"{size:,} GitLab job records ({source.stat().st_size / 1e6:,.0f} MB):")
            seconds, peak, _ = measure([sys.executable, "-c", PARSE_FLOOR, str(source)])
            report("orjson floor", size, seconds, peak)
            for fmt, compression in RUNS:
                out = work / f"out-{fmt}-{compression}"
                config = work / "config.json"
                config.write_bytes(orjson.dumps({"url": str(out), "format": fmt,
                                                 "compression": compression}))
                seconds, peak, _ = measure(
                    [sys.executable, "-m", "target_s3.cli", "--config", str(config)],
                    stdin_path=source, env=env)
                label = f"target-s3 {fmt}" + (" gzip" if compression == "gzip" else "")
                report(label, size, seconds, peak)
                for path in sorted(out.rglob("*"), reverse=True):
                    path.unlink() if path.is_file() else path.rmdir()
            source.unlink()


if __name__ == "__main__":
    main()
