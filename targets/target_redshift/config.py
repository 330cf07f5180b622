"""target-redshift's configuration: what the user writes, checked and with defaults.

Secrets (the password in ``url``, S3 staging credentials) are kept out of every
message: :func:`redact_url` is what logs and errors show.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from observes_singer.command import check_settings, positive_int
from observes_singer.flatten.identifiers import normalise
from observes_singer.target.errors import ConfigError
from target_redshift.dialects.layout import Layout

LOAD_METHODS = ("replace", "upsert", "append")
DEFAULT_DUCKDB_FILE = "observes.duckdb"

CONFIG_KEYS: dict[str, str] = {
    "url": "redshift://user:pass@host:5439/db, postgresql://user:pass@host/db, or "
    "duckdb:///path/file.duckdb (default: a DuckDB file observes.duckdb in the working "
    "directory, announced on stderr). Options ride in the query string: sslmode=disable|"
    "allow|prefer|require|verify-ca|verify-full, connect_timeout=SECONDS (1 or more), port, "
    "and for PostgreSQL any libpq option (host=/socket/dir, ...) except user, dbname and "
    "application_name. Percent-encode the user name and password (/ %2F, ? %3F, # %23, "
    "@ %40, % %25): a URL with a # as it is, or with an @ after a / or ?, is refused, and so "
    "is a password in the query string (?password=). Errors show the URL with *** for the "
    "password and for the values of options named like a secret (sslpassword, ...key, "
    "...token), or only its scheme when it cannot be cut apart safely",
    "schema": "target schema, created if missing (default: public; main for DuckDB); on "
    "Redshift in lower case, as Redshift folds every name",
    "load_method": "replace (default: full refresh, swapped in atomically at the end), "
    "upsert (by key properties; streams without keys append) or append",
    "streams": "per-stream overrides: {NAME: {load_method, table, replace_in_place, "
    "distkey, sortkey}}, e.g. {\"jobs\": {\"load_method\": \"upsert\", \"table\": "
    "\"gitlab_jobs\", \"distkey\": \"id\", \"sortkey\": [\"id\"]}}; table names the "
    "stream's root table (default: the stream name in lower snake case); distkey (a column) "
    "and sortkey (a list of columns) lay out its root table on Redshift (default: "
    "DISTSTYLE AUTO and SORTKEY AUTO, each for the one not set, and for every child table)",
    "replace_in_place": "true: a full refresh deletes and inserts the rows inside the old "
    "tables, in the run's transaction, so that views on them keep working (default false: "
    "new tables swapped in, which views on them refuse)",
    "lock_timeout": "seconds a statement may wait for a lock held by another session before "
    "the run stops and rolls back (default: wait; a wait is reported every 30 s)",
    "add_record_metadata": "true (default): every row, in root and child tables, gets "
    "_sdc_extracted_at (the RECORD's time_extracted, NULL without one), _sdc_received_at "
    "(when the target read the record) and _sdc_batched_at (when the batch holding the "
    "record began), TIMESTAMP in UTC, as singer-sdk targets write them; a root "
    "table also gets _sdc_deleted_at (the record's own, NULL when it has none) unless the "
    "schema declares it already. Existing tables get them as new nullable columns (older "
    "rows NULL). false: none of them",
    "state_url": "where to save the last committed STATE (s3://, file:// or a path)",
    "s3_staging": "Redshift only: {url: s3://bucket/prefix, iam_role: ARN | credentials: "
    "{aws_access_key_id, aws_secret_access_key, aws_session_token}, region, endpoint_url}; "
    "batches are then gzipped CSV objects loaded with COPY and deleted after. Without it "
    "Redshift loads with multi-row INSERTs",
    "batch_size_records": "records buffered in all before a load (default 10000)",
    "max_buffer_bytes": "bytes of input (RECORD lines) buffered in all before a load "
    "(default 64 MiB)",
    "endpoint_url": "S3 endpoint for state_url and s3_staging (S3-compatible stores, tests)",
    "run_ledger": "true (default): when a job name is known (OBSERVES_JOB, set by observes "
    "run, or job_name), each committed run writes one row per table of the run (of every "
    "stream it got a SCHEMA for, 0 rows included) to the table observes_runs (job, run_id, "
    "shard, started_at, finished_at, duration_seconds, table_name, rows, state_url and the "
    "key run_table_id), created if missing, in the transaction that commits the data; a "
    "stream whose table would be observes_runs is then refused. false: no ledger",
    "run_ledger_schema": "schema of the observes_runs table (default: schema; on Redshift "
    "in lower case)",
    "job_name": "the job name the run ledger records when OBSERVES_JOB is not set (a plain "
    "pipe, Meltano); OBSERVES_JOB wins (default: none, so no ledger outside observes run)",
}


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
    replace_in_place: bool = False
    stream_in_place: dict[str, bool] = field(default_factory=dict)
    stream_layouts: dict[str, Layout] = field(default_factory=dict)
    lock_timeout: float | None = None
    run_ledger: bool = True
    add_record_metadata: bool = True
    run_ledger_schema: str | None = None
    job_name: str | None = None

    def method_for(self, stream: str) -> str:
        return self.stream_methods.get(stream, self.load_method)

    def in_place_for(self, stream: str) -> bool:
        return self.stream_in_place.get(stream, self.replace_in_place)

    def layout_for(self, stream: str) -> Layout | None:
        return self.stream_layouts.get(stream)


SCHEMES = {"redshift": "redshift", "postgres": "postgres", "postgresql": "postgres",
           "duckdb": "duckdb"}
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# Query keys whose values are never shown (password, sslpassword, api_key, token, ...).
_SECRET_WORDS = ("pass", "pwd", "secret", "token", "key", "credential", "auth")
# Set by the target itself, from the URL's own parts: not accepted in the query.
_RESERVED_OPTIONS = {"user": "the user name goes before the host: USER:PASSWORD@HOST",
                     "dbname": "the database name is the path: HOST/DATABASE",
                     "application_name": "target-redshift sets it"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_HOSTPORT = re.compile(r"(?P<host>\[[0-9A-Za-z:.%]*\]|[^:\[\]]*)(?::(?P<port>[^:]*))?")
EXAMPLE = "redshift://USER:PASSWORD@HOST:5439/DATABASE"
PERCENT_HINT = ("percent-encode the user name and password (/ as %2F, ? as %3F, # as %23, "
                "@ as %40, % as %25)")


@dataclass(frozen=True)
class _Url:
    """A URL cut the way RFC 3986 cuts it, before any decoding: the user info (``None``
    without an ``@``), host and port, path and query."""

    scheme: str
    userinfo: str | None
    hostport: str
    path: str
    query: str


def _is_secret_key(key: str) -> bool:
    return any(word in unquote(key).lower() for word in _SECRET_WORDS)


def _cut(url: str) -> _Url:
    """Cut ``url`` into its parts, or fail with a message that holds none of it but its
    scheme: whatever does not parse may be a password cut in the wrong place."""
    scheme, sep, rest = url.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        raise ConfigError(f"url: not a database URL such as {EXAMPLE}, "
                          "postgresql://USER:PASSWORD@HOST/DATABASE or duckdb:///PATH "
                          "(the value is not shown: it may hold a password)")
    if any(ord(c) < 32 or ord(c) == 127 for c in url):
        raise ConfigError(f"url: {scheme}:// URL with a control character (a line break, tab, "
                          "...): remove it, or percent-encode it (the value is not shown)")
    if scheme.lower() == "duckdb":
        body, _, query = rest.partition("#")[0].partition("?")
        if "@" in body.split("/", 1)[0]:
            raise ConfigError("url: a DuckDB URL names a file and takes no USER:PASSWORD@ "
                              "(duckdb:///path/file.duckdb; the value is not shown)")
        return _Url(scheme, None, "", body, query)
    if "#" in rest:
        raise ConfigError(f"url: {scheme}:// URL with a '#', which no part of a database URL "
                          f"may hold as it is: {PERCENT_HINT} (the value is not shown)")
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    if "@" in tail:
        raise ConfigError(f"url: {scheme}:// URL with an '@' after a '/' or '?': the user name "
                          f"or password seems to hold one of those; {PERCENT_HINT}, and an "
                          "'@' in the database name or an option as %40 (the value is not "
                          "shown)")
    userinfo: str | None = None
    if "@" in authority:
        userinfo, _, authority = authority.rpartition("@")
    path, _, query = tail.partition("?")
    return _Url(scheme, userinfo, authority, path, query)


def _shown(url: _Url) -> str:
    """The URL as logs and errors show it: no password, no secret-looking query value, and
    nothing after a ':' in the host part that is not a port number (without an '@', that
    part may be a mistyped USER:PASSWORD)."""
    credentials = ""
    if url.scheme.lower() == "duckdb":  # a path (_cut refuses a USER:PASSWORD@ there)
        shown = f"{url.scheme}://{url.path}"
        return f"{shown}?{_shown_query(url.query)}" if url.query else shown
    if url.userinfo is not None:
        user, colon, _ = url.userinfo.partition(":")
        credentials = f"{user}:***@" if colon else f"{user}@"
    hostport = url.hostport
    if url.userinfo is None:
        match = _HOSTPORT.fullmatch(hostport)
        port = match["port"] if match else None
        if match is None or (port is not None and not (port.isascii() and port.isdigit())):
            hostport = hostport.split(":", 1)[0] + ":***"
    shown = f"{url.scheme}://{credentials}{hostport}{url.path}"
    return f"{shown}?{_shown_query(url.query)}" if url.query else shown


def _shown_query(query: str) -> str:
    """``key=value`` pieces as they are, but ``***`` for the value of a secret-looking key
    and for a piece without ``=`` (which may be the rest of a value holding an ``&``)."""
    return "&".join(
        "***" if "=" not in piece else
        f"{piece.partition('=')[0]}=***" if _is_secret_key(piece.partition("=")[0]) else piece
        for piece in query.split("&"))


def redact_url(url: str) -> str:
    """The URL with its password (and any secret-looking query value) replaced by ***;
    a URL that cannot be cut safely shows only its scheme."""
    try:
        return _shown(_cut(url))
    except ConfigError:
        scheme, sep, _ = url.partition("://")
        return f"{scheme}://***" if sep and _SCHEME.fullmatch(scheme) else "***"


def _port(text: str, shown: str, where: str, hint: str = "") -> int:
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 65536:
        raise ConfigError(f"url {shown}: {where} must be a number from 1 to 65535{hint}")
    return int(text)


def parse_database_url(url: str) -> Database:
    """The connection the URL describes. Every error names the URL as :func:`redact_url`
    shows it, or not at all when it cannot be cut safely."""
    cut = _cut(url)
    shown = _shown(cut)
    scheme = cut.scheme.lower()
    if scheme not in SCHEMES:
        raise ConfigError(f"url {shown}: unsupported scheme {scheme!r} (use redshift://, "
                          "postgresql:// or duckdb://)")
    pairs = parse_qsl(cut.query, keep_blank_values=True)
    for key, _ in pairs:
        if key.lower() == "password":
            raise ConfigError(f"url {shown}: the password cannot ride in the query string "
                              f"(?password=...): put it in the user-info part, {EXAMPLE}, and "
                              f"{PERCENT_HINT}")
    options = dict(pairs)
    dialect = SCHEMES[scheme]
    if dialect == "duckdb":
        path = unquote(cut.path)
        if not path:
            raise ConfigError(f"url {shown}: a DuckDB URL needs a file (duckdb:///path/db)")
        return Database("duckdb", path=os.path.abspath(path), options=options)
    for key, why in _RESERVED_OPTIONS.items():
        if key in options:
            raise ConfigError(f"url {shown}: option {key} is not accepted: {why}")
    match = _HOSTPORT.fullmatch(cut.hostport)
    if match is None:
        raise ConfigError(f"url {shown}: the host is not valid (one host name, IPv4 address "
                          "or [IPv6] address, then :PORT)")
    host = unquote(match["host"].strip("[]"))
    port_text = match["port"]
    option_port = options.pop("port", None)
    option_host = options.pop("host", None)
    if port_text:  # an empty port, as in host:/db, is the default one
        port = _port(port_text, shown, "the port", "" if cut.userinfo is not None else
                     " (USER:PASSWORD goes before an '@' and the host)")
    elif option_port is not None:
        port = _port(option_port, shown, "option port")
    else:
        port = 5439 if dialect == "redshift" else 5432
    host = host or (option_host or "")
    if not host:
        raise ConfigError(f"url {shown}: no host")
    if "sslmode" in options and options["sslmode"] not in SSL_MODES:
        raise ConfigError(f"url {shown}: option sslmode must be one of {', '.join(SSL_MODES)}")
    timeout = options.get("connect_timeout")
    if timeout is not None and not (timeout.isascii() and timeout.isdigit() and int(timeout)):
        raise ConfigError(f"url {shown}: option connect_timeout must be a whole number of "
                          "seconds, 1 or more (leave it out to wait as long as it takes)")
    database = unquote(cut.path.lstrip("/"))
    if not database:
        raise ConfigError(f"url {shown}: no database name (…/DBNAME)")
    user, _, password = (cut.userinfo or "").partition(":")
    return Database(
        dialect,
        host=host,
        port=port,
        user=unquote(user),
        password=unquote(password),
        database=database,
        options=options,
    )


def fold_identifier(name: str) -> str:
    """A name as Redshift keeps it: its ASCII letters in lower case, quoted or not
    ("Names and identifiers"; ``enable_case_sensitive_identifier`` is off by default), so
    that the catalogue is asked for the name it holds."""
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in name)


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
    ledger_schema = _name(raw.get("run_ledger_schema"), "run_ledger_schema")
    if database.dialect == "redshift":
        schema = fold_identifier(schema)
        ledger_schema = ledger_schema and fold_identifier(ledger_schema)
    load_method = _method(raw.get("load_method", "replace"), "load_method")
    streams = raw.get("streams", {})
    if not isinstance(streams, dict):
        raise ConfigError("streams: must be an object {NAME: {load_method: ...}}")
    stream_methods = {}
    stream_tables = {}
    stream_in_place = {}
    stream_layouts = {}
    for name, settings in streams.items():
        if not isinstance(settings, dict) or set(settings) - STREAM_SETTINGS:
            raise ConfigError(f"streams.{name}: only {', '.join(sorted(STREAM_SETTINGS))} "
                              "can be set per stream")
        if "replace_in_place" in settings:
            stream_in_place[name] = _flag(settings["replace_in_place"],
                                          f"streams.{name}.replace_in_place")
        if "distkey" in settings or "sortkey" in settings:
            stream_layouts[name] = _layout(settings, f"streams.{name}")
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
        replace_in_place=_flag(raw.get("replace_in_place", False), "replace_in_place"),
        stream_in_place=stream_in_place,
        stream_layouts=stream_layouts,
        lock_timeout=_seconds(raw.get("lock_timeout"), "lock_timeout"),
        run_ledger=_flag(raw.get("run_ledger", True), "run_ledger"),
        add_record_metadata=_flag(raw.get("add_record_metadata", True),
                                  "add_record_metadata"),
        run_ledger_schema=ledger_schema,
        job_name=_name(raw.get("job_name"), "job_name"),
    )


STREAM_SETTINGS = {"load_method", "table", "replace_in_place", "distkey", "sortkey"}


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: must be true or false, got {value!r}")
    return value


def _name(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: must be a non-empty string, got {value!r}")
    return value


def _seconds(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 \
            or value == float("inf"):
        raise ConfigError(f"{where}: must be a number of seconds above 0, got {value!r}")
    return float(value)


def _layout(settings: dict[str, Any], where: str) -> Layout:
    """A stream's keys; the one it leaves out stays AUTO."""
    distkey = settings.get("distkey")
    sortkey = settings.get("sortkey", [])
    if distkey is not None and (not isinstance(distkey, str) or not distkey):
        raise ConfigError(f"{where}.distkey: must be a column name")
    if not isinstance(sortkey, list) or not all(isinstance(c, str) and c for c in sortkey) \
            or ("sortkey" in settings and not sortkey):
        raise ConfigError(f"{where}.sortkey: must be a list of column names")
    return Layout(distkey, tuple(sortkey))


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
