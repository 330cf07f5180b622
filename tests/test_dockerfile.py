"""The Dockerfile builds every stage on one base, so that pinning it by digest is one edit,
and every build command the project shows builds for the x86-64 that Batch runs."""

from __future__ import annotations

import re

from tests.support.paths import REPO

BUILD = re.compile(r"docker build\b(?:\\\n|[^\n])*")


def test_every_stage_builds_on_the_one_base() -> None:
    lines = (REPO / "Dockerfile").read_text().splitlines()
    bases = [line.split()[1] for line in lines if line.startswith("FROM ")]
    [argument] = [line for line in lines if line.startswith("ARG BASE=")]

    assert len(bases) == 2
    assert set(bases) == {"${BASE}"}
    assert re.fullmatch(r"ARG BASE=python:3\.12-slim(@sha256:[0-9a-f]{64})?", argument)


def test_every_build_command_shown_is_for_linux_amd64() -> None:
    commands = [(path.name, command) for path in (REPO / "README.md", REPO / "Dockerfile",
                                                  REPO / "docs" / "aws-batch.md")
                for command in BUILD.findall(path.read_text())]

    assert len(commands) >= 3
    assert [(name, command) for name, command in commands
            if "--platform linux/amd64" not in command] == []
