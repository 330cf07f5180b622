"""How AWS Batch reads a retry strategy's ``evaluateOnExit`` when an attempt fails, as the
AWS Batch API Reference documents ``EvaluateOnExit`` (read 2026-12-07): the rules are tried
in order and the first whose conditions (``onStatusReason``, ``onReason``, ``onExitCode``)
all match decides; a pattern is exact, or a prefix when it ends with ``*``; when no rule
matches, the job is retried."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

_FIELDS = {"onStatusReason": "statusReason", "onReason": "reason", "onExitCode": "exitCode"}


def action(rules: Sequence[Mapping[str, str]], failed: Mapping[str, object]) -> str:
    """``RETRY`` or ``EXIT`` for an attempt that ended with ``failed``'s ``statusReason``,
    ``reason`` and ``exitCode`` (any of them absent)."""
    for rule in rules:
        if all(_matches(pattern, failed.get(_FIELDS[key]))
               for key, pattern in rule.items() if key in _FIELDS):
            return rule["action"].upper()
    return "RETRY"


def _matches(pattern: str, value: object) -> bool:
    text = "" if value is None else str(value)
    if pattern.endswith("*"):
        return text.startswith(pattern[:-1])
    return text == pattern
