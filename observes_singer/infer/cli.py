"""``observes-infer``: add Singer SCHEMA messages to records that come without one.

Input, one JSON value a line:

- ``{"stream": NAME, "record": {...}}`` (the raw form), or a Singer RECORD;
- with ``--stream NAME``, every line is a bare record object of that stream;
- Singer STATE and ACTIVATE_VERSION pass through in their place;
- a Singer SCHEMA declares its stream: its records pass through untouched. With
  ``--infer-declared`` it only gives the stream's key properties and is dropped: the
  stream is inferred (or read from the cache) like any other.

Output: one SCHEMA per inferred stream, then every message in input order.

Inference needs every record before the first one can be written, so pass one
spools the input to an unnamed temporary file (under ``TMPDIR``) while it learns
the schemas, and pass two replays it. Memory holds only the schemas. With
``--schema-cache`` no inference happens, but every record is still checked
against the cached schema before anything is written: a record that does not fit
stops the run with nothing emitted, or, with ``--on-misfit refresh``, switches its
stream to inference (fed again from the spool) and widens the cache to the union of
both schemas (:mod:`observes_singer.infer.widen`). A cache URL with ``{stream}`` in
it holds one document per stream.

``--discard-records`` makes it a Singer target that only builds the cache: one pass,
nothing spooled or written but the last STATE value, and the schemas are saved only
once the input is complete and, under ``observes run``, the runner's go-ahead came
(:mod:`observes_singer.jobs.commit_gate`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from observes_singer import __version__
from observes_singer.command import positive_int_option, run_main
from observes_singer.infer.cache import SchemaCacheError
from observes_singer.infer.engine import PROG, Inference, InferError, save_schemas
from observes_singer.infer.options import (
    DEFAULT_MAX_PROPERTIES,
    MISFIT_CHOICES,
    Options,
    OptionsError,
    resolve,
)
from observes_singer.jobs.commit_gate import InputIncomplete, gated
from observes_singer.jobs.run_report import ReportError, encode_report, report_fd, write_report
from observes_singer.singer.messages import MessageError, dumps_exact
from observes_singer.store.storage import BlobStore, StorageError

EPILOG = """\
A cache URL (--schema-cache, --save-schema) may hold {stream}: each stream then has a
document of its own, e.g. s3://observes.cache/dynamo/{stream}.json, holding just that
stream, read when the stream's first record comes. A stream name that is not one safe
path segment (empty, a leading '.', '/', '\\' or a control character) is an error.

Target mode (--discard-records): the last STATE value is written to stdout as a Singer
target writes it, and the schemas are saved only when the input is complete and, under
`observes run` (OBSERVES_COMMIT_FD), the runner's go-ahead came.

--config FILE (repeatable) is a JSON object whose keys mirror the long options:
schema_cache, save_schema, key (["STREAM=F1,F2"] or {"STREAM": ["F1"]}), stream,
datetime_format (list), max_properties, endpoint_url, infer_declared, on_misfit,
discard_records. Options on the command line win.

Examples:
  some-extract | observes-infer --key jobs=id | target-redshift --config w.json
  observes-infer --input raw.jsonl --save-schema s3://observes.cache/jobs.json
  observes-infer --schema-cache s3://observes.cache/jobs.json < raw.jsonl
  tap-dynamo --config d.json | observes-infer --infer-declared \\
      --schema-cache 's3://observes.cache/dynamo/{stream}.json' --on-misfit refresh
  tap-dynamo --config d.json | observes-infer --discard-records \\
      --save-schema 's3://observes.cache/dynamo/{stream}.json'
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Infer JSON Schemas for raw JSON records and write Singer SCHEMA + RECORD "
        "messages. Reads stdin (or --input), writes stdout.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--input", metavar="FILE", help="read this file instead of stdin")
    parser.add_argument("--stream", metavar="NAME",
                        help="every input line is a bare record object of stream NAME")
    parser.add_argument("--key", action="append", metavar="STREAM=FIELD[,FIELD]",
                        help="key properties of a stream (repeatable); they win over the "
                        "cache's and over a SCHEMA's in the input")
    parser.add_argument("--datetime-format", action="append", metavar="FMT",
                        help="extra strptime format that counts as date-time (repeatable); "
                        "matching values are rewritten as ISO 8601")
    parser.add_argument("--max-properties", type=positive_int_option, metavar="N",
                        help="an object with more distinct keys (N: 1 or more) keeps its "
                        "common keys as properties and the others in additionalProperties "
                        f"(default: {DEFAULT_MAX_PROPERTIES})")
    parser.add_argument("--schema-cache", metavar="URL",
                        help="use the cached schemas at URL (per stream with {stream}) "
                        "instead of inferring; records that do not fit are an error, see "
                        "--on-misfit")
    parser.add_argument("--save-schema", metavar="URL",
                        help="write the schemas to URL (per stream with {stream}), in the "
                        "--schema-cache format")
    parser.add_argument("--on-misfit", choices=MISFIT_CHOICES,
                        help="a record that does not fit the cached schema: fail (the "
                        "default: stop, write nothing) or refresh (infer that stream from "
                        "this input and widen its cached schema to the union, saved back "
                        "to the --schema-cache URL)")
    parser.add_argument("--infer-declared", action="store_true", default=None,
                        help="a SCHEMA in the input only gives its stream's key properties "
                        "(unless --key or the cache does) and is dropped: the stream is "
                        "inferred, or read from the cache")
    parser.add_argument("--discard-records", action="store_true", default=None,
                        help="target mode: write no SCHEMA or RECORD, spool nothing, only "
                        "infer and --save-schema (required); writes the last STATE value; "
                        "implies --infer-declared")
    parser.add_argument("--config", action="append", metavar="FILE",
                        help="JSON settings, keys as the long options with underscores "
                        "(repeatable; the command line wins)")
    parser.add_argument("--endpoint-url", metavar="URL",
                        help="S3 endpoint for s3:// URLs (default: AWS_ENDPOINT_URL)")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser










@contextlib.contextmanager
def _input(options: Options, stdin: IO[bytes]) -> Iterator[tuple[Iterable[bytes], str]]:
    """The input lines and their name in messages (behind the commit gate as a target)."""
    with contextlib.ExitStack() as stack:
        lines: Iterable[bytes] = stdin
        source = "stdin"
        if options.input:
            lines = stack.enter_context(open(options.input, "rb"))
            source = options.input
        yield (gated(lines) if options.discard_records else iter(lines)), source


def run(args: argparse.Namespace, stdin: IO[bytes], stdout: IO[bytes]) -> int:
    options = resolve(args)
    blobs = BlobStore(endpoint_url=options.endpoint_url)
    inference = Inference(options, blobs)
    if options.discard_records:
        _run_target(options, inference, stdin, stdout)
    else:
        _run_filter(options, inference, stdin, stdout)
    for stream in inference.streams.values():
        note = stream.repeat_note()
        if note:
            print(note, file=sys.stderr)
    streams = ", ".join(inference.streams) or "none"
    print(f"{PROG}: {inference.records} records, streams: {streams}", file=sys.stderr)
    return 0


def _run_filter(options: Options, inference: Inference, stdin: IO[bytes],
                stdout: IO[bytes]) -> None:
    with tempfile.TemporaryFile(prefix="observes-infer-") as spool:
        with _input(options, stdin) as (lines, source):
            inference.spool(lines, spool, source)
        for stream in inference.streams.values():
            stream.seen = set()  # pass two does not need the key values
        inference.widen_caches(sys.stderr)
        inference.replay(spool, stdout)
    if options.save_schema is not None:
        save_schemas(inference.blobs, options.save_schema, inference.schemas())


def _run_target(options: Options, inference: Inference, stdin: IO[bytes],
                stdout: IO[bytes]) -> None:
    """Infer in one pass; save and write the state only once the input is complete."""
    assert options.save_schema is not None
    report_to = report_fd()  # a bad value fails before any input is read
    with _input(options, stdin) as (lines, source):
        inference.spool(lines, None, source)  # the gate raises here without a go-ahead
    save_schemas(inference.blobs, options.save_schema, inference.schemas())
    if inference.has_state:
        stdout.write(dumps_exact(inference.last_state) + b"\n")
        stdout.flush()
    print(f"{PROG}: schemas of {len(inference.streams)} streams saved to "
          f"{options.save_schema.template}", file=sys.stderr)
    if report_to is not None:
        write_report(report_to, encode_report(inference.records, {},
                                              f"schemas to {options.save_schema.template}"))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_main(PROG, lambda: run(args, sys.stdin.buffer, sys.stdout.buffer),
                    (MessageError, InferError, OptionsError, SchemaCacheError, StorageError,
                     InputIncomplete, ReportError))


if __name__ == "__main__":
    sys.exit(main())
