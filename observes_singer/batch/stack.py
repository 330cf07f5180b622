"""``observes batch deploy --stack NAME``: the settings not given as flags or environment
variables, from the outputs of the CloudFormation stack made from ``deploy/observes.yaml``.

Each output is named after the environment variable of the setting it gives, in CamelCase
(outputs take letters and digits only): ``ObservesBatchQueue`` gives
``OBSERVES_BATCH_QUEUE``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from observes_singer.batch.aws import BatchError, aws_errors, client
from observes_singer.batch.options import from_env

STACK_ENV = "OBSERVES_BATCH_STACK"
"""The CloudFormation stack (made from deploy/observes.yaml) whose outputs give ``observes
batch deploy`` each setting that neither its flag nor its environment variable gives, when
``--stack`` is not given."""


def add_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", metavar="NAME", help="a CloudFormation stack made from "
                        "deploy/observes.yaml: its outputs give the settings not given as "
                        f"flags or environment variables (default: ${STACK_ENV})")


def output_key(env: str) -> str:
    """The stack output that gives ``env``: ``OBSERVES_BATCH_QUEUE`` -> ``ObservesBatchQueue``."""
    return "".join(word.capitalize() for word in env.split("_"))


def fill_in(args: argparse.Namespace, settings: Mapping[str, str]) -> None:
    """Set each attribute of ``args`` in ``settings`` (attribute -> environment variable)
    that neither its flag nor its variable gives from the stack's output, if it has one."""
    name = from_env(args.stack, STACK_ENV)
    if not name:
        return
    missing = {attribute: env for attribute, env in settings.items()
               if not from_env(getattr(args, attribute), env)}
    if not missing:
        return
    outputs = stack_outputs(name, args.region)
    for attribute, env in missing.items():
        value = outputs.get(output_key(env))
        if value:
            setattr(args, attribute, value)


def stack_outputs(name: str, region: str | None) -> dict[str, str]:
    """The outputs of stack ``name``, by key."""
    with aws_errors(f"read the outputs of the stack {name}"):
        stacks = client("cloudformation", region=region).describe_stacks(
            StackName=name)["Stacks"]
    if not stacks:
        raise BatchError(f"no CloudFormation stack {name}")
    return {output["OutputKey"]: output.get("OutputValue", "")
            for output in stacks[0].get("Outputs", [])}
