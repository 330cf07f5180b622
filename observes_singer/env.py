"""Tuning knobs read from the environment: a positive number, or the default.

They exist for tests and for operators who need a different rhythm (progress lines, lock
wait reports, the size of a record read in a stream); a value that is not a positive
number is ignored, so a typo never stops a load.
"""

from __future__ import annotations

import os


def positive_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default
