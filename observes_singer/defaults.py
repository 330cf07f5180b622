"""Where things live when nothing else is configured: one local folder.

The folder stands in for the buckets of a production setup, one sub-folder per
bucket (``observes.state``, ``observes.cache``, ...), so a URL such as
``s3://observes.state/gitlab.json`` has the local twin
``observes-data/observes.state/gitlab.json``.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "OBSERVES_DATA_DIR"
"""The local data folder that stands in for the buckets when nothing else is configured
(default ``./observes-data``): the default state stores, the demo's warehouse, target-s3's
default folder, tap-git's clones, the bills' default folder. Read by every command that
falls back to a local default."""
DEFAULT_DATA_DIR = "observes-data"


def data_dir() -> Path:
    """The local data folder: ``$OBSERVES_DATA_DIR`` or ``./observes-data``."""
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).absolute()


def local_bucket(bucket: str) -> Path:
    return data_dir() / bucket
