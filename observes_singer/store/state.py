"""Singer state documents kept at a storage URL.

A missing document means "no state yet" (a first run). A document that exists but
is not a JSON object is an error: silently starting over would re-extract
everything, or worse, skip nothing and duplicate data downstream.

The document is the bare state value, ``{"bookmarks": {...}}``: what a Singer target
writes on stdout, one JSON object a line, and what a tap reads with ``--state``.
``bare_state`` takes it out of the wrappings it may come in (a whole STATE message,
Meltano's ``{"singer_state": ...}``), for the runner, ``observes state set`` and the taps.
"""

from __future__ import annotations

from typing import Any

import orjson

from observes_singer.store.storage import BlobNotFound, BlobStore, StorageError


class StateError(Exception):
    """The state document cannot be read or written; the message names the URL."""


class StateStore:
    """Get and put the Singer state document at one URL (``s3://``, ``file://`` or a path)."""

    def __init__(self, url: str, blobs: BlobStore | None = None) -> None:
        self.url = url
        self._blobs = blobs or BlobStore()

    def get(self) -> dict[str, Any] | None:
        """The state document, or None when there is none yet."""
        try:
            raw = self._blobs.read_bytes(self.url)
        except BlobNotFound:
            return None
        except StorageError as exc:
            raise StateError(f"cannot read state: {exc}") from None
        return parse_state(raw, self.url)

    def put(self, state: dict[str, Any]) -> None:
        """Replace the state document atomically."""
        if not isinstance(state, dict):
            raise StateError(f"{self.url}: a state document must be a JSON object, "
                             f"not {type(state).__name__}")
        try:
            data = orjson.dumps(state, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
        except TypeError as exc:
            raise StateError(f"{self.url}: state is not JSON-serialisable: {exc}") from None
        try:
            self._blobs.write_bytes(self.url, data)
        except StorageError as exc:
            raise StateError(f"cannot save state: {exc}") from None

    def clear(self) -> bool:
        """Remove the document; returns False when there was none."""
        try:
            return self._blobs.delete(self.url)
        except StorageError as exc:
            raise StateError(f"cannot clear state: {exc}") from None


def parse_state(raw: bytes, url: str) -> dict[str, Any]:
    """Parse a state document, refusing anything but a JSON object."""
    hint = f"fix it, or reset it with `observes state clear {url}`"
    if not raw.strip():
        raise StateError(f"{url}: state document is empty (corrupt); {hint}")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise StateError(f"{url}: state document is not valid JSON ({exc}); {hint}") from None
    if not isinstance(value, dict):
        raise StateError(
            f"{url}: state document must be a JSON object, found {type(value).__name__}; {hint}"
        )
    return value


MELTANO_STATE_KEY = "singer_state"


def bare_state(document: Any) -> Any:
    """The bare state value in ``document``, taken out of the wrappings it may come in.

    - a bare state, ``{"bookmarks": {...}}``: itself (anything else not wrapped, too);
    - a whole STATE message, ``{"type": "STATE", "value": V}``: ``V`` (what targets
      wrote on stdout before they wrote bare values);
    - Meltano's envelope, ``{"singer_state": V}``: ``V`` (what ``meltano state get``
      prints; Meltano itself hands a tap ``V`` alone).

    The wrappings nest: a Meltano project that ran the earlier targets holds
    ``{"singer_state": {"type": "STATE", "value": V}}``, and that gives ``V`` too.
    """
    while isinstance(document, dict):
        if document.get("type") == "STATE" and "value" in document:
            document = document["value"]
        elif MELTANO_STATE_KEY in document and "bookmarks" not in document:
            document = document[MELTANO_STATE_KEY]
        else:
            break
    return document


def tap_state(document: Any, source: str = "--state") -> dict[str, Any]:
    """The bare state a tap resumes from, from any form ``bare_state`` reads.

    Raises ``StateError`` naming ``source`` when what is inside is not a JSON object.
    """
    value = bare_state(document)
    if not isinstance(value, dict):
        raise StateError(f"{source}: the state must be a JSON object ({{\"bookmarks\": "
                         f"...}}), a STATE message or Meltano's {{\"singer_state\": ...}}; "
                         f"found {type(value).__name__}")
    return value
