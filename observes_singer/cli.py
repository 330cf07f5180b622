"""The ``observes`` command: run jobs, inspect their state, and the demo."""

from __future__ import annotations

import argparse
import sys
from typing import IO

import orjson

from observes_singer import __version__
from observes_singer.command import run_main
from observes_singer.jobs import JobError, load_job
from observes_singer.state import StateError, StateStore, parse_state, tap_state
from observes_singer.storage import BlobStore, StorageError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observes",
        description="Observes Singer: move a company's operational data into its warehouse.",
    )
    parser.add_argument("--version", action="version", version=f"observes {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser(
        "demo", help="run the GitLab job against a sample GitLab into a local DuckDB",
        description="Start a sample GitLab on loopback, run the GitLab job (tap-gitlab | "
        "target-redshift) into a DuckDB file under the local data folder (./observes-data, "
        "or $OBSERVES_DATA_DIR) with its state saved there, and print what landed. Needs no "
        "network; a second run fetches only what changed.",
    )

    run = commands.add_parser(
        "run", help="run a job: its tap piped into its target, with state",
        description="Run the job JOB (jobs/JOB.toml, $OBSERVES_JOBS_DIR/JOB.toml, or a path to "
        "a .toml file): fetch its state, run the tap with it, pipe the tap into the target, "
        "and save the target's last STATE only when both exit 0. The target sees the end of "
        "its input only after the tap exited 0; otherwise it is stopped and rolls back.",
    )
    run.add_argument("job", metavar="JOB")
    run.add_argument("--endpoint-url", metavar="URL", help="S3 endpoint for the state URL")

    cancel = commands.add_parser(
        "cancel-stuck-jobs", help="cancel GitLab CI jobs stuck in created, pending or running",
        description="Cancel the CI jobs of GitLab projects that have been created, pending or "
        "running for longer than --older-than (default 8h), printing each. The token comes "
        "from GITLAB_TOKEN.",
    )
    cancel.add_argument("--project", action="append", required=True, metavar="PATH_OR_ID",
                        help="project to look at (repeatable)")
    cancel.add_argument("--older-than", default="8h", metavar="DURATION",
                        help="age since the job was created: 8h, 90m, 2d (default 8h)")
    cancel.add_argument("--dry-run", action="store_true", help="list, do not cancel")
    cancel.add_argument("--api-url", default="https://gitlab.com/api/v4", metavar="URL",
                        help="GitLab's API root (default https://gitlab.com/api/v4)")

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
        return load_job(reference).state_url
    except JobError:
        if "://" in reference or reference.endswith(".json") or "/" in reference:
            return reference
        raise


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


def _cancel_command(args: argparse.Namespace) -> int:
    import os

    from tap_gitlab.cancel import CancelError, GitLabClient, cancel_stuck_jobs, parse_duration

    token = os.environ.get("GITLAB_TOKEN")
    if not token:
        print("observes: error: set GITLAB_TOKEN to a token with the api scope", file=sys.stderr)
        return 1
    try:
        older_than = parse_duration(args.older_than)
    except ValueError as exc:
        print(f"observes: error: --older-than: {exc}", file=sys.stderr)
        return 2
    try:
        count = cancel_stuck_jobs(GitLabClient(args.api_url, token), args.project, older_than,
                                  args.dry_run, sys.stdout)
    except CancelError as exc:
        print(f"observes: error: {exc}", file=sys.stderr)
        return 1
    verb = "would cancel" if args.dry_run else "cancelled"
    print(f"observes: {verb} {count} job(s) older than {args.older_than}", file=sys.stderr)
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "state":
        return _state_command(args, sys.stdin.buffer, sys.stdout.buffer)
    if args.command == "cancel-stuck-jobs":
        return _cancel_command(args)
    if args.command == "run":
        from observes_singer.runner import run_job

        return run_job(load_job(args.job), BlobStore(endpoint_url=args.endpoint_url))
    from observes_singer.demo import run_demo

    return run_demo(sys.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return run_main("observes", lambda: _dispatch(args), (StateError, StorageError, JobError))


if __name__ == "__main__":
    sys.exit(main())
