"""``target-s3``: write Singer streams into a bucket or a local folder."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from observes_singer import __version__
from observes_singer.command import About, run_main
from observes_singer.commit_gate import InputIncomplete, gated
from observes_singer.flatten import native
from observes_singer.messages import MessageError
from observes_singer.progress import Progress
from observes_singer.state import StateError, StateStore
from observes_singer.storage import BlobStore, StorageError
from target_s3.config import CONFIG_KEYS, ConfigError, load_config
from target_s3.loader import LoadError, S3Loader

PROG = "target-s3"
DESCRIPTION = (
    "Singer target that writes streams into an S3 bucket or a local folder as JSON lines, "
    "flattened CSV (loadable by Redshift COPY) or the raw Singer messages, every object "
    "whole or not at all, with a manifest per complete run."
)


ABOUT = About(PROG, DESCRIPTION, CONFIG_KEYS, ["about", "schema-flattening"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description=DESCRIPTION,
        epilog="Settings (in the --config JSON file):\n" + "\n".join(
            f"  {key:<22} {text}" for key, text in CONFIG_KEYS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", metavar="FILE", help="JSON settings (default: the local "
                        "folder observes-data/target-s3, JSON lines)")
    parser.add_argument("--input", metavar="FILE", help="read FILE instead of stdin")
    parser.add_argument("--about", action="store_true", help="describe the target and exit")
    parser.add_argument("--format", dest="about_format", choices=("json", "markdown"),
                        default="json", help="format of --about (default: json)")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def run(args: argparse.Namespace, stdin: IO[bytes], stdout: IO[bytes], log: IO[str]) -> int:
    raw: Any = {}
    if args.config:
        try:
            raw = orjson.loads(Path(args.config).read_bytes())
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"{args.config}: not valid JSON ({exc})") from None
    config = load_config(raw)
    if config.default_url:
        print(f"{PROG}: no url configured: writing to the local folder {config.url}", file=log)
    if config.format == "csv" and not native.AVAILABLE:
        print(f"{PROG}: {native.MISSING_NOTE}", file=log)
    started = datetime.now(UTC)
    run_id = started.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    blobs = BlobStore(endpoint_url=config.endpoint_url)
    state_store = StateStore(config.state_url, blobs) if config.state_url else None
    loader = S3Loader(config, blobs, stdout, state_store, run_id, started,
                      source=args.input or "stdin")
    clock = time.monotonic()
    with Progress(PROG, loader.progress, log):
        if args.input:
            with open(args.input, "rb") as handle:
                summary = loader.run(gated(handle))
        else:
            summary = loader.run(gated(stdin))
    rows = sum(o.rows for o in summary.objects)
    print(f"{PROG}: wrote {len(summary.objects)} objects ({rows} rows) in "
          f"{time.monotonic() - clock:.1f} s; manifest {summary.manifest_url}", file=log)
    for name, stream in loader.streams.items():
        print(f"  {name}: {stream.records} records", file=log)
        if stream.compiled is not None:
            stats = stream.compiled.stats
            for where, count in sorted(stats.cut.items()):
                print(f"  {name}.{where}: {count} values cut to 65535 bytes", file=log)
            for where, count in sorted(stats.unknown_fields.items()):
                print(f"  {name}.{where}: {count} values not written (field not in the "
                      "schema)", file=log)
            for where, count in sorted(stats.rounded.items()):
                print(f"  {name}.{where}: {count} integers past 2^53 in a number field "
                      "(a warehouse's DOUBLE PRECISION would round them)", file=log)
            for where, count in sorted(stats.sub_microsecond.items()):
                print(f"  {name}.{where}: {count} date-times cut to microseconds", file=log)
        for table, count in sorted(stream.nul_rows.items()):
            print(f"  {table}: NUL characters removed from {count} rows", file=log)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.about:
        return ABOUT.print(args.about_format)
    return run_main(
        PROG, lambda: run(args, sys.stdin.buffer, sys.stdout.buffer, sys.stderr),
        (ConfigError, MessageError, LoadError, StateError, StorageError, InputIncomplete),
        after_error="no manifest was written for this run",
        after_interrupt="interrupted; unfinished objects were dropped")


if __name__ == "__main__":
    sys.exit(main())
