"""The errors every target raises the same way."""

from __future__ import annotations


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which key and why."""


class LoadError(Exception):
    """The input cannot be loaded; the message says where (stream, line, field)."""
