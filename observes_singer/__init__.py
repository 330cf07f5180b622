"""Observes Singer: the shared core of the taps, targets and jobs."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "observes-singer"
"""The distribution every tap, target and tool of the project ships in."""

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"
