"""observes-infer's settings: the command line over ``--config`` files.

A job runner starts a Singer target as ``TARGET --config /dev/fd/N``, so observes-infer,
used as a job's target to build a schema cache, takes its settings from a JSON object
too. Its keys mirror the long options with underscores; an option given on the command
line wins over the same key in a file (for ``key``, per stream).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from observes_singer.infer.cache import CacheUrl

MISFIT_CHOICES = ("fail", "refresh")
DEFAULT_MAX_PROPERTIES = 1000

#: Every ``--config`` key, and what it holds.
CONFIG_KEYS: dict[str, str] = {
    "schema_cache": "string: --schema-cache URL",
    "save_schema": "string: --save-schema URL",
    "key": 'list of "STREAM=F1,F2" strings, or an object {STREAM: [FIELD, ...]}',
    "stream": "string: --stream NAME",
    "datetime_format": "list of strings: --datetime-format FMT",
    "max_properties": "whole number, 1 or more: --max-properties N",
    "endpoint_url": "string: --endpoint-url URL",
    "infer_declared": "boolean: --infer-declared",
    "on_misfit": "string, fail or refresh: --on-misfit",
    "discard_records": "boolean: --discard-records",
}


class OptionsError(Exception):
    """Settings that contradict each other, or a ``--config`` file that cannot be used."""


@dataclass(frozen=True, slots=True)
class Options:
    """What one run of observes-infer does."""

    input: str | None
    stream: str | None
    keys: dict[str, list[str]]
    datetime_formats: list[str]
    max_properties: int
    schema_cache: CacheUrl | None
    save_schema: CacheUrl | None
    endpoint_url: str | None
    infer_declared: bool
    on_misfit: str
    discard_records: bool


def parse_keys(specs: list[str], where: str = "--key") -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for spec in specs:
        stream, sep, fields = spec.partition("=")
        names = [f.strip() for f in fields.split(",") if f.strip()]
        if not sep or not stream or not names:
            raise OptionsError(f"{where} {spec!r}: expected STREAM=FIELD[,FIELD...]")
        keys[stream] = names
    return keys


def read_config(paths: list[str]) -> dict[str, Any]:
    """The ``--config`` files merged in order, each checked; an error names the file."""
    merged: dict[str, Any] = {}
    for path in paths:
        try:
            raw = orjson.loads(Path(path).read_bytes())
        except FileNotFoundError:
            raise OptionsError(f"--config {path}: no such file") from None
        except OSError as exc:
            raise OptionsError(f"--config {path}: cannot read: {exc.strerror}") from None
        except orjson.JSONDecodeError as exc:
            raise OptionsError(f"--config {path}: not valid JSON ({exc})") from None
        merged.update(_checked(raw, path))
    return merged


def _checked(raw: Any, path: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise OptionsError(f"--config {path}: the configuration must be a JSON object")
    unknown = [key for key in raw if key not in CONFIG_KEYS]
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        raise OptionsError(f"--config {path}: unknown key{'s' if len(unknown) > 1 else ''} "
                           f"{names}; known keys: {', '.join(CONFIG_KEYS)}")
    for key, value in raw.items():
        if not _valid(key, value):
            raise OptionsError(f"--config {path}: {key!r} must be a {CONFIG_KEYS[key]}, got "
                               f"{value!r}")
    return raw


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _valid(key: str, value: Any) -> bool:
    if key in ("infer_declared", "discard_records"):
        return isinstance(value, bool)
    if key == "datetime_format":
        return _strings(value)
    if key == "max_properties":
        return type(value) is int and value >= 1
    if key == "on_misfit":
        return value in MISFIT_CHOICES
    if key == "key":
        return _strings(value) or (isinstance(value, dict)
                                   and all(_strings(f) and f for f in value.values()))
    return isinstance(value, str) and bool(value)


def _config_keys(value: Any) -> dict[str, list[str]]:
    if isinstance(value, dict):
        return {stream: list(fields) for stream, fields in value.items()}
    return parse_keys(value or [], where="--config key")


def resolve(args: argparse.Namespace) -> Options:
    """The settings of this run: ``args`` over ``args.config``, checked together."""
    config = read_config(args.config or [])

    def pick(name: str, default: Any = None) -> Any:
        given = getattr(args, name)
        return given if given is not None else config.get(name, default)

    cache, save = pick("schema_cache"), pick("save_schema")
    options = Options(
        input=args.input,
        stream=pick("stream"),
        keys={**_config_keys(config.get("key")), **parse_keys(args.key or [])},
        datetime_formats=list(pick("datetime_format", [])),
        max_properties=pick("max_properties", DEFAULT_MAX_PROPERTIES),
        schema_cache=CacheUrl(cache) if cache else None,
        save_schema=CacheUrl(save) if save else None,
        endpoint_url=pick("endpoint_url"),
        infer_declared=bool(pick("infer_declared", False) or pick("discard_records", False)),
        on_misfit=pick("on_misfit", "fail"),
        discard_records=bool(pick("discard_records", False)),
    )
    _check(options)
    return options


def _check(options: Options) -> None:
    if options.on_misfit == "refresh" and options.schema_cache is None:
        raise OptionsError("--on-misfit refresh widens a cached schema: it needs "
                           "--schema-cache URL")
    if options.discard_records:
        if options.save_schema is None:
            raise OptionsError("--discard-records keeps nothing but the schemas: it needs "
                               "--save-schema URL")
        if options.schema_cache is not None:
            raise OptionsError("--discard-records infers every stream from its records: "
                               "drop --schema-cache")
