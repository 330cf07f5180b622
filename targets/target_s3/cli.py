"""``target-s3``: write Singer streams into a bucket or a local folder."""

from __future__ import annotations

import sys

from observes_singer.flatten import native
from observes_singer.target.program import RunContext, TargetProgram
from target_s3.config import CONFIG_KEYS, S3TargetConfig, load_config
from target_s3.sink import ObjectSink

PROG = "target-s3"
DESCRIPTION = (
    "Singer target that writes streams into an S3 bucket or a local folder as JSON lines, "
    "flattened CSV (loadable by Redshift COPY) or the raw Singer messages, every object "
    "whole or not at all, with a manifest per complete run."
)


def open_sink(config: S3TargetConfig, run: RunContext) -> ObjectSink:
    if config.default_url:
        print(f"{PROG}: no url configured: writing to the local folder {config.url}",
              file=run.log)
    if config.format == "csv" and not native.AVAILABLE:
        print(f"{PROG}: {native.MISSING_NOTE}", file=run.log)
    return ObjectSink(config, run.blobs, run.run_id, run.started)


PROGRAM = TargetProgram(
    prog=PROG, description=DESCRIPTION, settings=CONFIG_KEYS,
    load_config=load_config, open_sink=open_sink,
    default_config="the local folder observes-data/target-s3, JSON lines",
    capabilities=["about", "schema-flattening"],
    example="tap-gitlab --config gitlab.json | target-s3 --config bucket.json",
    after_error="no manifest was written for this run",
    after_interrupt="interrupted; unfinished objects were dropped",
)
ABOUT = PROGRAM.about


def main(argv: list[str] | None = None) -> int:
    return PROGRAM.main(argv)


if __name__ == "__main__":
    sys.exit(main())
