"""Values read from the environment.

Tuning knobs (:func:`positive_number`) exist for tests and for operators who need a
different rhythm (progress lines, lock wait reports, the size of a record read in a
stream); a value that is not a positive number is ignored, so a typo never stops a load.
A descriptor handed over by ``observes run`` (:func:`descriptor`) is different: a bad one
is an error, raised before anything else happens.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def positive_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


def descriptor(name: str, error: type[Exception],
               environ: Mapping[str, str] | None = None) -> tuple[int, str] | None:
    """The file descriptor number in ``$name`` and its text, or None when unset or empty;
    ``error`` when it is not a number."""
    raw = (os.environ if environ is None else environ).get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw), raw
    except ValueError:
        raise error(f"{name}={raw!r} is not a file descriptor number") from None
