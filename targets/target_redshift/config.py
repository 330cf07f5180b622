"""target-redshift's configuration: what the user writes, checked and with defaults.

Secrets (the password in ``url``, S3 staging credentials) are kept out of every
message: :func:`redact_url` is what logs and errors show.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from observes_singer.command import check_settings, positive_int
from observes_singer.flatten.identifiers import normalise

LOAD_METHODS = ("replace", "upsert", "append")
DEFAULT_DUCKDB_FILE = "observes.duckdb"

CONFIG_KEYS: dict[str, str] = {
    "url": "redshift://user:pass@host:5439/db, postgresql://user:pass@host/db, or "
    "duckdb:///path/file.duckdb (default: a DuckDB file observes.duckdb in the working "
    "directory). Options ride in the query string: sslmode=disable|require|verify-ca|"
    "verify-full, connect_timeout=SECONDS",
    "schema": "target schema, created if missing (default: public; main for DuckDB)",
    "load_method": "replace (default: full refresh, swapped in atomically at the end), "
    "upsert (by key properties; streams without keys append) or append",
    "streams": "per-stream overrides: {NAME: {load_method: ..., table: ...}}; table names "
    "the stream's root table (default: the stream name in lower snake case)",
    "state_url": "where to save the last committed STATE (s3://, file:// or a path)",
    "s3_staging": "Redshift only: {url: s3://bucket/prefix, iam_role: ARN | credentials: "
    "{aws_access_key_id, aws_secret_access_key, aws_session_token}, region, endpoint_url}; "
    "without it Redshift loads with multi-row INSERTs",
    "batch_size_records": "records buffered in all before a load (default 10000)",
    "max_buffer_bytes": "approximate bytes of rows buffered in all before a load "
    "(default 64 MiB)",
    "endpoint_url": "S3 endpoint for state_url and s3_staging (S3-compatible stores, tests)",
}


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class Database:
    dialect: str  # "redshift", "postgres" or "duckdb"
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""
    database: str = ""
    path: str = ""  # duckdb
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class S3Staging:
    url: str
    iam_role: str | None = None
    credentials: dict[str, str] | None = None
    region: str | None = None
    endpoint_url: str | None = None


@dataclass(frozen=True)
class TargetConfig:
    database: Database
    url_shown: str
    schema: str
    load_method: str
    stream_methods: dict[str, str]
    state_url: str | None
    s3_staging: S3Staging | None
    batch_size_records: int
    max_buffer_bytes: int
    endpoint_url: str | None
    default_url: bool
    stream_tables: dict[str, str] = field(default_factory=dict)

    def method_for(self, stream: str) -> str:
        return self.stream_methods.get(stream, self.load_method)


def redact_url(url: str) -> str:
    """The URL with its password (and any secret-looking query value) replaced by ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        credentials, host = netloc.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in credentials else f"{user}@{host}"
    query = "&".join(
        f"{k}=***" if any(s in k.lower() for s in ("password", "secret", "token", "key")) else
        f"{k}={v[0] if v else ''}"
        for k, v in parse_qs(parts.query, keep_blank_values=True).items()
    )
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    return f"{shown}?{query}" if query else shown


def parse_database_url(url: str) -> Database:
    shown = redact_url(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    if scheme == "duckdb":
        path = unquote(parts.netloc + parts.path)
        if parts.netloc and not parts.path:
            path = unquote(parts.netloc)
        if not path:
            raise ConfigError(f"url {shown}: a DuckDB URL needs a file (duckdb:///path/db)")
        return Database("duckdb", path=os.path.abspath(path), options=options)
    dialects = {"redshift": "redshift", "postgres": "postgres", "postgresql": "postgres"}
    if scheme not in dialects:
        raise ConfigError(f"url {shown}: unsupported scheme {scheme!r} (use redshift://, "
                          "postgresql:// or duckdb://)")
    dialect = dialects[scheme]
    try:
        port = parts.port or int(options.pop("port", 0)) or (
            5439 if dialect == "redshift" else 5432)
    except ValueError:
        raise ConfigError(f"url {shown}: the port is not a number") from None
    options.pop("port", None)
    host = parts.hostname or ""
    if "host" in options and not host:
        host = options.pop("host")
    if not host:
        raise ConfigError(f"url {shown}: no host")
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ConfigError(f"url {shown}: no database name (…/DBNAME)")
    return Database(
        dialect,
        host=host,
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        database=database,
        options=options,
    )



def _method(value: Any, where: str) -> str:
    if value not in LOAD_METHODS:
        raise ConfigError(f"{where}: must be one of {', '.join(LOAD_METHODS)}, got {value!r}")
    return str(value)


def load_config(raw: dict[str, Any], cwd: Path | None = None) -> TargetConfig:
    raw = check_settings(raw, CONFIG_KEYS, ConfigError)
    url = raw.get("url")
    default_url = url is None
    if url is None:
        url = "duckdb:///" + str((cwd or Path.cwd()) / DEFAULT_DUCKDB_FILE).lstrip("/")
    if not isinstance(url, str):
        raise ConfigError("url: must be a string")
    database = parse_database_url(url)
    schema = raw.get("schema", "main" if database.dialect == "duckdb" else "public")
    if not isinstance(schema, str) or not schema:
        raise ConfigError("schema: must be a non-empty string")
    load_method = _method(raw.get("load_method", "replace"), "load_method")
    streams = raw.get("streams", {})
    if not isinstance(streams, dict):
        raise ConfigError("streams: must be an object {NAME: {load_method: ...}}")
    stream_methods = {}
    stream_tables = {}
    for name, settings in streams.items():
        if not isinstance(settings, dict) or set(settings) - {"load_method", "table"}:
            raise ConfigError(f"streams.{name}: only load_method and table can be set per "
                              "stream")
        if "load_method" in settings:
            stream_methods[name] = _method(settings["load_method"],
                                           f"streams.{name}.load_method")
        if "table" in settings:
            table = settings["table"]
            if not isinstance(table, str) or not table or normalise(table) != table:
                raise ConfigError(f"streams.{name}.table: must be a table name in lower "
                                  "snake case ([a-z0-9_])")
            stream_tables[name] = table
    state_url = raw.get("state_url")
    if state_url is not None and not isinstance(state_url, str):
        raise ConfigError("state_url: must be a string URL")
    staging = _staging(raw.get("s3_staging"), database)
    endpoint = raw.get("endpoint_url")
    if endpoint is not None and not isinstance(endpoint, str):
        raise ConfigError("endpoint_url: must be a string URL")
    return TargetConfig(
        database=database,
        url_shown=redact_url(url),
        schema=schema,
        load_method=load_method,
        stream_methods=stream_methods,
        state_url=state_url,
        s3_staging=staging,
        batch_size_records=positive_int(raw, "batch_size_records", 10_000, ConfigError),
        max_buffer_bytes=positive_int(raw, "max_buffer_bytes", 64 * 1024 * 1024, ConfigError),
        endpoint_url=endpoint,
        default_url=default_url,
        stream_tables=stream_tables,
    )


def _staging(raw: Any, database: Database) -> S3Staging | None:
    if raw is None:
        return None
    if database.dialect != "redshift":
        raise ConfigError("s3_staging: only used with a redshift:// url")
    if not isinstance(raw, dict) or not isinstance(raw.get("url"), str) or \
            not raw["url"].startswith("s3://"):
        raise ConfigError("s3_staging: needs url: s3://bucket/prefix")
    allowed = {"url", "iam_role", "credentials", "region", "endpoint_url"}
    if set(raw) - allowed:
        raise ConfigError(f"s3_staging: unknown key {sorted(set(raw) - allowed)[0]!r}")
    iam_role = raw.get("iam_role")
    credentials = raw.get("credentials")
    if (iam_role is None) == (credentials is None):
        raise ConfigError("s3_staging: give exactly one of iam_role or credentials")
    if credentials is not None:
        needed = {"aws_access_key_id", "aws_secret_access_key"}
        if not isinstance(credentials, dict) or not needed <= set(credentials):
            raise ConfigError("s3_staging.credentials: needs aws_access_key_id and "
                              "aws_secret_access_key (and aws_session_token if temporary)")
    return S3Staging(url=raw["url"].rstrip("/"), iam_role=iam_role, credentials=credentials,
                     region=raw.get("region"), endpoint_url=raw.get("endpoint_url"))
