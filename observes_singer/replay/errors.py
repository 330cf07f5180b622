"""The one error a replay stops with; the message names the object (and line)."""

from __future__ import annotations


class ReplayError(Exception):
    """A backup or a live tap that cannot be replayed."""
