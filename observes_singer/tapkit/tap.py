"""The tap kit's singer-sdk ``Tap``: what every source's tap does the same way.

- Settings are checked against the tap's schema with messages that name the setting and
  what it takes and never show a secret's value (:mod:`observes_singer.tapkit.settings`;
  singer-sdk's own messages are jsonschema's, which quote the value), then by the tap's
  own :meth:`SourceTap.extra_config_errors`.
- ``--state`` is read in every form a Singer pipeline hands over: the bare state
  (``{"bookmarks": ...}``), a whole STATE message, or Meltano's envelope.
- ``--about`` gives the tap's description and version as singer-sdk reads them: the
  description from the tap class's docstring (its first paragraph, on one line), the
  version from the distribution the tap is installed in (``package_name``), which is
  ``observes-singer`` for every tap of the project.
- ``run_started`` is the run's "now", one instant for every stream. Before anything is
  read, the bookmarks of the selected streams on a date-time key are checked against it:
  one later than the run's start is an error, not a run that reads nothing
  (:mod:`observes_singer.tapkit.bookmarks`).
- The state is checked before anything is read: its shape when it is loaded, then the
  bookmarks on a date-time key of the selected streams, which must be times
  (:mod:`observes_singer.tapkit.state_check`).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from functools import cached_property
from pathlib import PurePath
from typing import Any

from singer_sdk import Tap
from singer_sdk.about import AboutInfo
from singer_sdk.exceptions import ConfigValidationError

from observes_singer import DISTRIBUTION
from observes_singer.store.state import tap_state
from observes_singer.tapkit.bookmarks import future_bookmark_error, future_bookmarks
from observes_singer.tapkit.settings import config_errors
from observes_singer.tapkit.state_check import (
    check_bookmark_times,
    check_state_document,
    check_state_shape,
)


class SourceTap(Tap):
    """A tap of one source on the kit; subclass it as singer-sdk's ``Tap``, with a docstring
    whose first paragraph says what the tap reads (``--about`` shows it)."""

    package_name = DISTRIBUTION

    def __init__(self, *args: Any, state: Any = None, **kwargs: Any) -> None:
        if state is not None and not isinstance(state, str | PurePath):
            # Before discovery, which may already ask the source (DynamoDB, Zoho).
            check_state_document(state)
            check_state_shape(tap_state(state))
        super().__init__(*args, state=state, **kwargs)

    @classmethod
    def about_description(cls) -> str | None:
        """The first paragraph of the tap class's own docstring, on one line (singer-sdk
        shows ``__doc__`` as it is, indentation and line breaks included)."""
        doc = cls.__doc__ or ""
        return " ".join(doc.strip().split("\n\n")[0].split()) or None

    @classmethod
    def _get_about_info(cls) -> AboutInfo:
        return dataclasses.replace(super()._get_about_info(), description=cls.about_description())

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
        bare = tap_state(state)
        check_state_shape(bare)
        super().load_state(bare)

    @cached_property
    def run_started(self) -> datetime:
        """The run's "now": what every stream reads up to, and what no bookmark may pass."""
        return datetime.now(UTC)

    def sync_all(self) -> None:  # type: ignore[misc]
        """singer-sdk's sync, once no bookmark of a stream to be read is in the future
        (singer-sdk marks ``sync_all`` final; the check has to come before it writes
        anything)."""
        self.check_bookmarks()
        super().sync_all()

    def check_bookmarks(self) -> None:
        """Raise :class:`~observes_singer.tapkit.state_check.BadStateError` when a selected
        stream's time bookmark is not a time, and
        :class:`~observes_singer.tapkit.bookmarks.FutureBookmarkError` when one is later
        than :attr:`run_started`."""
        selected = [s for s in self.streams.values() if s.selected]
        check_bookmark_times(selected, self.state)
        found = future_bookmarks(selected, self.state, self.run_started)
        if found:
            raise future_bookmark_error(found, self.run_started)
