"""tap-singer-replay's configuration, checked."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from observes_singer.command import check_settings
from observes_singer.replay.errors import ReplayError

SETTINGS: dict[str, str] = {
    "url": "the backups: an s3://bucket/prefix/ or a local folder or prefix (file:///path or "
    "a path); every object under it is replayed in key order",
    "endpoint_url": "S3 endpoint (S3-compatible stores, tests); default AWS_ENDPOINT_URL",
    "streams": "replay only these streams (a list of names); default all",
    "monthly": "true: the backups are monthly objects named ...<stream>.<first day>.<last "
    "day>.singer.gz, and every month from the first one to the previous month must be "
    "there, each once, or the replay fails before its first record (default false)",
    "then": "a live tap to run after the backups, its messages joining the stream: "
    "{\"command\": [argv...], \"config\": {...}}; its config reaches it as a private "
    "file (in memory where possible), never logged",
}


@dataclass(frozen=True)
class LiveTap:
    command: list[str]
    config: dict[str, Any] | None

    @property
    def name(self) -> str:
        """The command as it reads in messages (its program without the folder)."""
        return " ".join([os.path.basename(self.command[0]), *self.command[1:]])


@dataclass(frozen=True)
class ReplayConfig:
    url: str
    endpoint_url: str | None = None
    streams: list[str] | None = None
    then: LiveTap | None = None
    monthly: bool = False


def _string_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v for v in value):
        raise ReplayError(f"{key}: must be a non-empty list of non-empty strings")
    return list(value)


def _live_tap(raw: Any) -> LiveTap:
    if not isinstance(raw, dict):
        raise ReplayError("then: must be an object {\"command\": [...], \"config\": {...}}")
    unknown = sorted(set(raw) - {"command", "config"})
    if unknown:
        raise ReplayError(f"then: unknown key {unknown[0]!r}; known keys: command, config")
    if "command" not in raw:
        raise ReplayError("then: needs a command (a list: the program and its arguments)")
    command = _string_list(raw["command"], "then.command")
    config = raw.get("config")
    if config is not None and not isinstance(config, dict):
        raise ReplayError("then.config: must be an object")
    return LiveTap(command, config)


def load_config(raw: Any) -> ReplayConfig:
    raw = check_settings(raw, SETTINGS, ReplayError)
    url = raw.get("url")
    if not isinstance(url, str) or not url:
        raise ReplayError("url: the backups' prefix is required (s3://bucket/prefix/ or a "
                          "local folder)")
    endpoint_url = raw.get("endpoint_url")
    if endpoint_url is not None and not isinstance(endpoint_url, str):
        raise ReplayError("endpoint_url: must be a string")
    streams = raw.get("streams")
    if streams is not None:
        streams = _string_list(streams, "streams")
    then = _live_tap(raw["then"]) if raw.get("then") is not None else None
    monthly = raw.get("monthly", False)
    if not isinstance(monthly, bool):
        raise ReplayError("monthly: must be true or false")
    return ReplayConfig(url, endpoint_url, streams, then, monthly)
