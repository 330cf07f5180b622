"""``tap-singer-replay --config C`` and ``observes replay URL-PREFIX``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from observes_singer import __version__
from observes_singer.command import About, run_main
from observes_singer.replay.config import SETTINGS, ReplayConfig, load_config
from observes_singer.replay.errors import ReplayError
from observes_singer.replay.replay import replay
from observes_singer.singer.messages import MessageError
from observes_singer.store.storage import StorageError

PROG = "tap-singer-replay"
DESCRIPTION = (
    "Singer tap that replays Singer backups (target-s3's singer format, gzip or not) under "
    "a prefix, in key order, as one stream: one SCHEMA per stream, the union of every "
    "backup's schema, then every RECORD; no STATE. Every object is read and checked before "
    "the first RECORD goes out. Optionally a live tap runs afterwards and joins the stream."
)
ABOUT = About(PROG, DESCRIPTION, SETTINGS, capabilities=["about"])
ERRORS: tuple[type[BaseException], ...] = (ReplayError, MessageError, StorageError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    parser.add_argument("--config", metavar="FILE", help="the settings, a JSON file")
    parser.add_argument("--state", metavar="FILE",
                        help="accepted and ignored: a replay always starts from the first "
                        "backup")
    parser.add_argument("--about", action="store_true", help="describe the tap and exit")
    parser.add_argument("--format", dest="about_format", choices=("json", "markdown"),
                        default="json", help="format of --about (default: json)")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def _read_config(path: str) -> Any:
    try:
        return orjson.loads(Path(path).read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ReplayError(f"{path}: the configuration is not valid JSON ({exc})") from None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.about:
        return ABOUT.print(args.about_format)
    if args.config is None:
        parser.error("--config is required (or --about)")
    return run_main(PROG, lambda: replay(load_config(_read_config(args.config)),
                                         sys.stdout.buffer, prog=PROG), ERRORS)


def add_command(commands: Any) -> None:
    """``observes replay``, on the ``observes`` command's subparsers."""
    command = commands.add_parser(
        "replay", help="replay Singer backups under a prefix as one Singer stream on stdout",
        description="Read the Singer backups (target-s3's singer format, gzip or not) under "
        "URL-PREFIX in key order and write them as one Singer stream on stdout: one SCHEMA "
        "per stream (the union of the backups' schemas), then every RECORD, no STATE. "
        "Every object is checked before the first RECORD is written. E.g. observes replay "
        "s3://observes.backups/backup_timedoctor/ | target-redshift --config c.json")
    command.add_argument("url", metavar="URL-PREFIX")
    command.add_argument("--streams", metavar="A,B", help="replay only these streams")
    command.add_argument("--endpoint-url", metavar="URL", help="S3 endpoint; default "
                         "AWS_ENDPOINT_URL")


def run_command(args: argparse.Namespace) -> int:
    """``observes replay``: the replay with its errors reported as ``observes: error:``."""
    streams = [s.strip() for s in args.streams.split(",") if s.strip()] \
        if args.streams else None
    config = ReplayConfig(args.url, args.endpoint_url, streams or None)
    return run_main("observes", lambda: replay(config, sys.stdout.buffer, prog="observes"),
                    ERRORS)


if __name__ == "__main__":
    sys.exit(main())
