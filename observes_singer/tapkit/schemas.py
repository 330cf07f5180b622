"""A tap's JSON Schemas, one file per stream, shipped inside the tap's package.

They live in ``<package>/schemas/<stream>.json`` (``tap_gitlab/schemas/jobs.json``) and
are read through :mod:`importlib.resources`, so they are found the same way from a source
checkout, an editable install and a wheel (pyproject's ``[tool.setuptools.package-data]``
ships ``schemas/*.json`` with every ``tap_*`` package).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

FOLDER = "schemas"


class SchemaNotFound(LookupError):
    """The tap has no schema of that name (or no schemas folder at all)."""


def load_schemas(package: str) -> dict[str, dict[str, Any]]:
    """Every schema of ``package``, by stream name (the file name without ``.json``); a
    fresh copy each call (singer-sdk streams change theirs in place)."""
    return copy.deepcopy(_read(package))


def schema(package: str, name: str) -> dict[str, Any]:
    """The schema of stream ``name`` of ``package``, a fresh copy each call."""
    schemas = _read(package)
    if name not in schemas:
        raise SchemaNotFound(f"{package} has no schema {FOLDER}/{name}.json; it has: "
                             f"{', '.join(schemas) or 'none'}")
    return copy.deepcopy(schemas[name])


@cache
def _read(package: str) -> dict[str, dict[str, Any]]:
    folder = resources.files(package) / FOLDER
    if not folder.is_dir():
        raise SchemaNotFound(f"{package} has no {FOLDER}/ folder of stream schemas; is it "
                             "installed with its package data?")
    found: dict[str, dict[str, Any]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(".json"):
            name = entry.name.removesuffix(".json")
            try:
                found[name] = json.loads(entry.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ValueError(f"{package}: {FOLDER}/{entry.name} is not valid JSON: "
                                 f"{exc}") from None
    return found

