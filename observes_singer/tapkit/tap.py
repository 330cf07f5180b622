"""The tap kit's singer-sdk ``Tap``: what every source's tap does the same way.

- Settings are checked against the tap's schema with messages that name the setting and
  what it takes and never show a secret's value (:mod:`observes_singer.tapkit.settings`;
  singer-sdk's own messages are jsonschema's, which quote the value), then by the tap's
  own :meth:`SourceTap.extra_config_errors`.
- ``--state`` is read in every form a Singer pipeline hands over: the bare state
  (``{"bookmarks": ...}``), a whole STATE message, or Meltano's envelope.
"""

from __future__ import annotations

from typing import Any

from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError

from observes_singer.store.state import tap_state
from observes_singer.tapkit.settings import config_errors


class SourceTap(Tap):
    """A tap of one source on the kit; subclass it as singer-sdk's ``Tap``."""

    def extra_config_errors(self, config: dict[str, Any]) -> list[str]:
        """What the schema cannot say (settings that go together, bounds between them);
        one message each, never showing a secret."""
        return []

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        schema = self.config_jsonschema
        self.append_builtin_config(schema)
        errors = config_errors(schema, self._config) + self.extra_config_errors(
            dict(self._config))
        if errors and raise_errors:
            raise ConfigValidationError("Config validation failed", errors=errors,
                                        schema=schema)
        if errors:
            self.logger.warning("Config validation failed")
        return errors

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(tap_state(state))
