"""The ``observes`` command: run jobs, inspect their state, and the demo.

The core runs taps, targets and other programs as commands: it imports none of them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import IO

import orjson

from observes_singer import __version__
from observes_singer.batch.aws import BatchError
from observes_singer.batch.cli import add_commands as add_batch_commands
from observes_singer.command import run_main
from observes_singer.jobs.files import CommandJob, Job, JobError, all_jobs, jobs_dir, load_job
from observes_singer.jobs.lease import EXIT_LEASE_HELD, LeaseError
from observes_singer.replay.cli import add_command as add_replay_command
from observes_singer.report.cli import add_command as add_report_command
from observes_singer.store.state import StateError, StateStore, parse_state, tap_state
from observes_singer.store.storage import BlobStore, StorageError
from observes_singer.tapkit.scaffold import ScaffoldError
from observes_singer.target.errors import ConfigError


def build_parser(plugins: dict[str, EntryPoint] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observes",
        description="Observes Singer: move a company's operational data into its warehouse.",
    )
    parser.add_argument("--version", action="version", version=f"observes {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="run the GitLab job against a sample GitLab into a local DuckDB",
        description="Start a sample source on loopback (GitLab by default), run its job "
        "(tap | target-redshift) into a DuckDB file under the local data folder "
        "(./observes-data, or $OBSERVES_DATA_DIR), in the schema named after the source, "
        "with its state saved there, and print what landed. Needs no network; a second run "
        "fetches only what changed.",
    )
    demo.add_argument("source", metavar="SOURCE", nargs="?", default="gitlab",
                      help="the sample source: one of the installed taps' (default gitlab)")

    run = commands.add_parser(
        "run", help="run a job: its tap piped into its target, with state, or its command",
        usage="observes run [-h] [--endpoint-url URL] [--shards N] [--wait] [--only] JOB "
        "[-- ARG ...]",
        description="Run the job JOB (jobs/JOB.toml, $OBSERVES_JOBS_DIR/JOB.toml, or a path to "
        "a .toml file). A Singer job ([tap] and [target]): fetch its state, run the tap with "
        "it, pipe the tap (through the job's filters, if any) into the target, and save "
        "the target's last STATE only when all exit 0. The target sees the end of its input "
        "only after the tap exited 0; otherwise "
        "it is stopped and rolls back. A command job (command): run the command, with the "
        "ARGs after -- appended, and exit with its exit code. One run of a job at a time: "
        "the run holds a lease on the job in its state store, and a second run is refused "
        "naming the holder, exit 75 (or waits, --wait). A successful run is recorded in the run "
        "ledger (see observes freshness); then the jobs that depend on JOB run. Inside an "
        "AWS Batch array job, the shard comes from AWS_BATCH_JOB_ARRAY_INDEX and "
        "AWS_BATCH_JOB_ARRAY_SIZE.",
    )
    run.add_argument("job", metavar="JOB")
    run.add_argument("--endpoint-url", metavar="URL", help="S3 endpoint for the state URL")
    run.add_argument("--shards", metavar="N", type=int, help="run the job as N shards in "
                     "parallel processes, as AWS Batch runs an array job (default: its "
                     "[batch] array_size), then the jobs that depend on it")
    run.add_argument("--wait", action="store_true", help="when another run of the job "
                     "holds its lease, wait for it instead of exiting")
    run.add_argument("--only", action="store_true", help="run JOB alone, not the jobs that "
                     "depend on it (inside AWS Batch, dependsOn runs them)")

    freshness = commands.add_parser(
        "freshness", help="list every job's last success and age; exit 1 when one is stale",
        description="For every job (or the JOBs named): its last successful run from the run "
        "ledger in its state store, its age, and its max_age (from the job file, or "
        "--max-age). Exits 1 when a job is stale: older than its max_age, or never "
        "succeeded while it has one.")
    freshness.add_argument("jobs", metavar="JOB", nargs="*")
    freshness.add_argument("--max-age", metavar="JOB=AGE", action="append", default=[],
                           help="override a job's max_age, e.g. gitlab=26h (repeatable)")
    freshness.add_argument("--endpoint-url", metavar="URL", help="S3 endpoint for the "
                           "state stores")

    scaffold = commands.add_parser(
        "new-tap", help="scaffold a working tap for a new REST source",
        description="Write a tap for the source NAME on the tap kit: the package "
        "taps/tap_NAME (a singer-sdk tap with two example streams, their schemas, a sample "
        "server on the kit's fake API), tests/test_tap_NAME.py (the tap against its sample "
        "server, the schema-coverage check and singer-sdk's standard tests, passing as "
        "written) and jobs/NAME.toml, and add its console script and sample-server entry "
        "point to pyproject.toml. Nothing that exists is overwritten.")
    scaffold.add_argument("name", metavar="NAME", help="the source, lower case, words joined "
                          "by '-' (acme-crm gives tap-acme-crm and the package tap_acme_crm)")
    scaffold.add_argument("--root", metavar="DIR", default=".", help="the project root, "
                          "holding pyproject.toml (default: the working directory)")

    add_batch_commands(commands)
    add_replay_command(commands)
    add_report_command(commands)
    for name, entry in sorted((plugins or {}).items()):
        commands.add_parser(name, help=_summary(entry, name), add_help=False)

    state = commands.add_parser("state", help="inspect or reset a saved Singer state",
                                description="Read, write or remove the state document of a "
                                "job, or at a storage URL (s3://bucket/key, file:///path or a "
                                "path).")
    state.add_argument("--endpoint-url", metavar="URL", help="S3 endpoint (for S3-compatible "
                       "stores); default AWS_ENDPOINT_URL")
    actions = state.add_subparsers(dest="action", metavar="ACTION", required=True)
    get = actions.add_parser("get", help="print the state document, the bare state value a "
                             "target emits and a tap reads (exit 3 if there is none)")
    get.add_argument("url", metavar="JOB_OR_URL")
    put = actions.add_parser("set", help="replace the state with a JSON document: a bare "
                             "state, a STATE message or Meltano's {\"singer_state\": ...}; the "
                             "bare value is saved")
    put.add_argument("url", metavar="JOB_OR_URL")
    put.add_argument("file", nargs="?", default="-", help="JSON file, or - for stdin (default)")
    clear = actions.add_parser("clear", help="remove the state (the next run starts over)")
    clear.add_argument("url", metavar="JOB_OR_URL")
    return parser


def _state_url(reference: str) -> str:
    """The state URL of a job, or the reference itself when it names no job."""
    try:
        job = load_job(reference)
    except JobError:
        if not reference.endswith(".toml") and (
                "://" in reference or reference.endswith(".json") or "/" in reference):
            return reference
        raise
    if isinstance(job, CommandJob):
        raise JobError(f"job {job.name} ({job.path}) runs a command and keeps no state: "
                       "only a Singer job ([tap] and [target]) has one")
    return job.state_url


def _state_command(args: argparse.Namespace, stdin: IO[bytes], stdout: IO[bytes]) -> int:
    args.url = _state_url(args.url)
    store = StateStore(args.url, BlobStore(endpoint_url=args.endpoint_url))
    if args.action == "get":
        state = store.get()
        if state is None:
            print(f"observes: no state at {args.url}", file=sys.stderr)
            return 3
        stdout.write(orjson.dumps(state, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
        return 0
    if args.action == "set":
        source = "stdin" if args.file == "-" else args.file
        if args.file == "-":
            raw = stdin.read()
        else:
            with open(args.file, "rb") as handle:
                raw = handle.read()
        store.put(tap_state(parse_state(raw, source), source))
        print(f"observes: state saved to {args.url}", file=sys.stderr)
        return 0
    removed = store.clear()
    print(f"observes: {'state removed from' if removed else 'no state at'} {args.url}",
          file=sys.stderr)
    return 0


def _run_command(args: argparse.Namespace) -> int:
    from observes_singer.jobs.runner import run

    job = load_job(args.job)
    if isinstance(job, Job) and args.extra:
        raise JobError(f"job {job.name} is a Singer job ([tap] and [target]): arguments "
                       "after -- are only for command jobs")
    try:
        return run(job, BlobStore(endpoint_url=args.endpoint_url), args.extra,
                   shards=args.shards, wait=args.wait, only=args.only,
                   endpoint_url=args.endpoint_url)
    except LeaseError as exc:  # another run holds the job: try again later (EX_TEMPFAIL)
        print(f"observes: {exc}", file=sys.stderr)
        return EXIT_LEASE_HELD


def _freshness_command(args: argparse.Namespace, out: IO[str]) -> int:
    from observes_singer.jobs.freshness import check, parse_overrides, print_table

    jobs = [load_job(name) for name in args.jobs] if args.jobs else all_jobs()
    if not jobs:
        raise JobError(f"no jobs in {jobs_dir()}")
    rows = check(jobs, BlobStore(endpoint_url=args.endpoint_url),
                 parse_overrides(args.max_age))
    print_table(rows, out)
    for row in rows:
        for warning in row.warnings():
            print(f"observes: warning: {warning}", file=sys.stderr)
    stale = [row.job for row in rows if row.stale and row.problem is None]
    unknown = [row.job for row in rows if row.problem is not None]
    if stale:
        print(f"observes: stale: {', '.join(stale)}", file=sys.stderr)
    if unknown:
        print(f"observes: unknown (ledger unreadable): {', '.join(unknown)}", file=sys.stderr)
    return 1 if stale or unknown else 0


def _new_tap_command(args: argparse.Namespace) -> int:
    from observes_singer.tapkit.scaffold import new_tap

    root = Path(args.root)
    names, written, left = new_tap(args.name, root)
    for path in written:
        print(f"  wrote {path.relative_to(root)}", file=sys.stderr)
    if left:
        print("Add to pyproject.toml:\n" + "\n".join(left), file=sys.stderr)
    else:
        print(f"  added {names.command} and its sample server to pyproject.toml",
              file=sys.stderr)
    print(f"observes: {names.command} is ready. Next:\n"
          "  pip install -e .   # registers the command and the sample server\n"
          f"  pytest tests/taps/{names.package}\n"
          f"Then make taps/{names.package}/streams.py, schemas/ and sample/server.py answer "
          "as the source's API documentation shows.", file=sys.stderr)
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "state":
        return _state_command(args, sys.stdin.buffer, sys.stdout.buffer)
    if args.command == "run":
        return _run_command(args)
    if args.command == "new-tap":
        return _new_tap_command(args)
    if args.command == "freshness":
        return _freshness_command(args, sys.stdout)
    if args.command == "replay":
        from observes_singer.replay.cli import run_command as run_replay

        return run_replay(args)
    if args.command == "report":
        from observes_singer.report.cli import run_command as run_report

        return run_report(args, sys.stdout)
    if args.command == "batch":
        from observes_singer.batch.cli import run as run_batch

        return run_batch(args, sys.stdout)
    from observes_singer.jobs.demo import run_demo

    return run_demo(sys.stdout, args.source)


COMMANDS_GROUP = "observes.commands"


def _plugin_commands() -> dict[str, EntryPoint]:
    """Commands installed by other packages (``observes.commands`` entry points), such as
    ``observes bills``: the core runs them without importing them until asked."""
    return {entry.name: entry for entry in entry_points(group=COMMANDS_GROUP)}


def _summary(entry: EntryPoint, name: str) -> str:
    """A plugin command's one line of help: its function's docstring."""
    try:
        doc = entry.load().__doc__ or ""
    except Exception:  # a broken plugin must not break every other command
        return f"(cannot be loaded: see observes {name} --help)"
    return doc.strip().splitlines()[0] if doc.strip() else f"see observes {name} --help"


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    plugins = _plugin_commands()
    if arguments and arguments[0] in plugins:
        command: Callable[[list[str]], int] = plugins[arguments[0]].load()
        return command(arguments[1:])
    parser = build_parser(plugins)
    # Everything after the first "--" goes to a command job as it is (argparse's own
    # handling of "--" drops or refuses some of them).
    extra: list[str] = []
    if "--" in arguments:
        cut = arguments.index("--")
        arguments, extra = arguments[:cut], arguments[cut + 1:]
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return 2
    if extra and args.command != "run":
        parser.error("arguments after -- are only for observes run")
    args.extra = extra
    return run_main("observes", lambda: _dispatch(args),
                    (StateError, StorageError, JobError, ScaffoldError, BatchError,
                     LeaseError, ConfigError))


if __name__ == "__main__":
    sys.exit(main())
