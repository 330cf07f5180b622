"""Secrets in Checkly's answers, written as null and counted, never emitted.

- The value of a variable marked ``secret``: the account's environment variables
  (``environment_variables``) and those of checks and check groups
  (``environmentVariables``). Checkly answers null for them ("Secret values are always
  returned as null", the API reference of ``GET /v1/variables``); should it ever send
  one, it is dropped here all the same.
- The ``rawKey`` of a key (``keys`` of dashboards: the keys of private dashboards; of
  private locations: the agents' API keys; of status pages, should Checkly ever send one
  there: the API reference gives their keys a ``maskedKey`` alone). The ``maskedKey``
  stays.
- The ``basicAuth.password`` of an API check's request (``checks``) and of a check
  group's API check defaults (``check_groups``).

:class:`HiddenValues` counts them for a stream (how many such fields, and how many held
a value that was dropped); the stream says so in its log when it ends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

Record = dict[str, Any]

VARIABLE_VALUE = "value of a variable marked secret"
RAW_KEY = "rawKey of a key"
BASIC_AUTH = "basic auth password"
PLURALS = {VARIABLE_VALUE: "values of variables marked secret", RAW_KEY: "rawKeys of keys",
           BASIC_AUTH: "basic auth passwords"}


class HiddenValues:
    """What a stream left out, by kind."""

    def __init__(self) -> None:
        self.hidden: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()

    def hide(self, holder: Any, field: str, what: str) -> None:
        """Write ``holder[field]`` as null, when ``holder`` is an object that has it."""
        if isinstance(holder, dict) and field in holder:
            self.hidden[what] += 1
            if holder[field] is not None:
                self.dropped[what] += 1
            holder[field] = None

    def variables(self, items: Any) -> None:
        for variable in _objects(items):
            if variable.get("secret", False) is not False:  # true, or unreadable: hide
                self.hide(variable, "value", VARIABLE_VALUE)

    def raw_keys(self, items: Any) -> None:
        for key in _objects(items):
            self.hide(key, "rawKey", RAW_KEY)

    def basic_auth(self, holder: Any) -> None:
        if isinstance(holder, dict):
            self.hide(holder.get("basicAuth"), "password", BASIC_AUTH)

    def summary(self) -> str | None:
        """``2 values of variables marked secret (1 sent by Checkly, dropped)``..., or
        None when nothing was hidden."""
        if not self.hidden:
            return None
        parts = []
        for what, count in sorted(self.hidden.items()):
            sent = self.dropped[what]
            detail = f" ({sent} sent by Checkly, dropped)" if sent else ""
            parts.append(f"{count} {what if count == 1 else PLURALS.get(what, what)}{detail}")
        return ", ".join(parts)


def _objects(items: Any) -> Iterable[Record]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _checks(record: Record, hidden: HiddenValues) -> None:
    hidden.variables(record.get("environmentVariables"))
    hidden.basic_auth(record.get("request"))


def _check_groups(record: Record, hidden: HiddenValues) -> None:
    hidden.variables(record.get("environmentVariables"))
    hidden.basic_auth(record.get("apiCheckDefaults"))


def _keys(record: Record, hidden: HiddenValues) -> None:
    hidden.raw_keys(record.get("keys"))


def _variable(record: Record, hidden: HiddenValues) -> None:
    hidden.variables([record])


RULES: dict[str, Callable[[Record, HiddenValues], None]] = {
    "checks": _checks,
    "check_groups": _check_groups,
    "dashboards": _keys,
    "private_locations": _keys,
    "status_pages": _keys,
    "environment_variables": _variable,
}


def hide_secrets(stream: str, record: Record, hidden: HiddenValues) -> Record:
    """``record`` of ``stream`` with its secrets written as null (in place)."""
    rule = RULES.get(stream)
    if rule is not None:
        rule(record, hidden)
    return record
