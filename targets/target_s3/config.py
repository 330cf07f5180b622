"""target-s3's configuration, checked, with defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from observes_singer.command import check_settings, positive_int
from observes_singer.defaults import local_bucket
from observes_singer.target.errors import ConfigError
from target_s3.keys import check_key

FORMATS = ("jsonl", "csv", "singer")
COMPRESSIONS = ("none", "gzip")
DEFAULT_KEY_TEMPLATE = "{stream}/{run_id}/{table}-{part:05d}.{ext}"

CONFIG_KEYS: dict[str, str] = {
    "url": "s3://bucket/prefix or a local folder (file:///path or a path); default the "
    "local folder observes-data/target-s3 (announced on stderr)",
    "format": "jsonl (records, default), csv (flattened like target-redshift, one file set "
    "per table, loadable by Redshift COPY) or singer (the raw messages, for replay)",
    "compression": "none (default) or gzip",
    "key_template": "object keys below url; placeholders {stream}, {table}, {part}, "
    "{run_id}, {ext}, {date:%Y/%m/%d} (the run's UTC start) and {partition:%Y} (the "
    f"record's partition_field); default {DEFAULT_KEY_TEMPLATE}; e.g. "
    "{stream}/year={partition:%Y}/month={partition:%m}/{run_id}-{part}.{ext}. Stream and "
    "table names are single segments: / \\ control characters and a leading . are "
    "percent-encoded. Without {part} each object is written whole, never split (the "
    "max_*_per_object limits do not apply), for keys named once per run such as "
    "backups; one whose keys would not stay below url is "
    "refused when the run starts (a .., . or empty segment, a \\, an unknown placeholder), "
    "and one that gives two objects one key stops the run",
    "partition_field": "top-level date-time field of the records that {partition} formats "
    "(offsets applied, in UTC); a value that is not a date-time stops the run",
    "max_rows_per_object": "rows per object before the next part starts, 1 or more "
    "(default 1000000)",
    "max_bytes_per_object": "uncompressed bytes per object before the next part starts, 1 "
    "or more (default 128 MiB)",
    "csv_safe_cells": "true: format csv for people who open it in a spreadsheet: a string "
    "cell starting with = + - @ a tab or a carriage return gets a ' in front, so that it is "
    "text, not a formula (OWASP's CSV injection guidance); such objects no longer hold the "
    "exact values, and target-redshift load-parts refuses them (default false)",
    "state_url": "where to save the last STATE whose records are in complete objects",
    "endpoint_url": "S3 endpoint (S3-compatible stores, tests); default AWS_ENDPOINT_URL",
}


@dataclass(frozen=True)
class S3TargetConfig:
    url: str
    format: str
    compression: str
    key_template: str
    partition_field: str | None
    max_rows: int
    max_bytes: int
    state_url: str | None
    endpoint_url: str | None
    default_url: bool
    csv_safe_cells: bool = False

    @property
    def splits(self) -> bool:
        """Whether objects are split into parts at the limits ({part} in the keys)."""
        return "{part" in self.key_template

    @property
    def extension(self) -> str:
        base = {"jsonl": "jsonl", "csv": "csv", "singer": "singer.jsonl"}[self.format]
        return base + (".gz" if self.compression == "gzip" else "")


def _choice(raw: dict[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = raw.get(key, default)
    if value not in choices:
        raise ConfigError(f"{key}: must be one of {', '.join(choices)}, got {value!r}")
    return str(value)



def _check_template(template: str) -> None:
    """Render the template once with sample values: its placeholders must exist, and
    its keys stay below url (names from the data are made safe segments when written)."""
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    try:
        key = template.format(stream="stream", table="table", part=1, run_id="run", ext="ext",
                              date=moment, partition=moment).lstrip("/")
    except KeyError as exc:
        raise ConfigError(f"key_template {template!r}: unknown placeholder {{{exc.args[0]}}} "
                          "(known: stream, table, part, run_id, ext, date, partition)") from None
    except (ValueError, IndexError, AttributeError, TypeError) as exc:
        raise ConfigError(f"key_template {template!r}: {exc}") from None
    problem = check_key(key)
    if problem:
        raise ConfigError(f"key_template {template!r} gives keys such as {key!r}, which would "
                          f"not stay below url: {problem}")


def load_config(raw: Any, cwd: Path | None = None) -> S3TargetConfig:
    raw = check_settings(raw, CONFIG_KEYS, ConfigError)
    url = raw.get("url")
    default_url = url is None
    if url is None:
        url = str(local_bucket("target-s3"))
    if not isinstance(url, str) or not url:
        raise ConfigError("url: must be a non-empty string")
    template = raw.get("key_template", DEFAULT_KEY_TEMPLATE)
    if not isinstance(template, str) or not template:
        raise ConfigError("key_template: must be a non-empty string")
    if "{part" not in template and any(key in raw for key in
                                       ("max_rows_per_object", "max_bytes_per_object")):
        raise ConfigError("key_template has no {part}: its objects are never split, so "
                          "max_rows_per_object and max_bytes_per_object cannot apply")
    partition_field = raw.get("partition_field")
    if "{partition" in template and not partition_field:
        raise ConfigError("key_template uses {partition}: set partition_field")
    _check_template(template)
    safe_cells = raw.get("csv_safe_cells", False)
    if not isinstance(safe_cells, bool):
        raise ConfigError("csv_safe_cells: must be true or false")
    for key in ("state_url", "endpoint_url", "partition_field"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ConfigError(f"{key}: must be a string")
    config = S3TargetConfig(
        url=url.rstrip("/"),
        format=_choice(raw, "format", FORMATS, "jsonl"),
        compression=_choice(raw, "compression", COMPRESSIONS, "none"),
        key_template=template,
        partition_field=partition_field,
        max_rows=positive_int(raw, "max_rows_per_object", 1_000_000, ConfigError),
        max_bytes=positive_int(raw, "max_bytes_per_object", 128 * 1024 * 1024, ConfigError),
        state_url=raw.get("state_url"),
        endpoint_url=raw.get("endpoint_url"),
        default_url=default_url,
        csv_safe_cells=safe_cells,
    )
    if safe_cells and config.format != "csv":
        raise ConfigError(f"csv_safe_cells: only for format csv (format is {config.format}): "
                          "jsonl and singer keep the exact values")
    if config.format == "singer" and "{partition" in template:
        raise ConfigError("format singer keeps the messages as they came: {partition} cannot "
                          "split them")
    return config
