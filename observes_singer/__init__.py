"""Observes Singer: the shared core of the taps, targets and jobs."""

__version__ = "0.1.0"
