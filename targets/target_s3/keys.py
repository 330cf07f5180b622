"""Object keys: names from the data become safe key segments; every key stays below url.

Stream and table names come from the input, so they may hold anything: ``../../x``, a
``/``, a NUL. Where a key template puts one (``{stream}``, ``{table}``, and the table
part of a Redshift manifest's name), it goes through :func:`segment`, which keeps an
ordinary name as it is and percent-encodes (``%XX``, the UTF-8 bytes in upper-case hex)
only:

- ``/`` and ``\\`` (``%2F``, ``%5C``): a name is one segment, never a path;
- control characters (Unicode category Cc: NUL, line breaks, tabs, DEL, C1) and lone
  surrogates;
- a leading ``.`` (``%2E``), so no segment is ``.`` or ``..`` or a hidden file;
- the ``_`` of a name that is exactly ``_manifests`` (``%5Fmanifests``), the folder of
  the run manifests.

``%`` itself is kept, so that names with one do not move; two names that end up as the
same segment (``a/b`` and ``a%2Fb``) are refused by the loader rather than written over
each other. An empty name cannot be a segment.

:func:`check_key` is the last guard: a rendered key (template and values) must be
relative, made of non-empty segments none of which is ``.`` or ``..``, with no ``\\``
and no control character, so that ``url/key`` is below ``url`` on disk and on S3.
"""

from __future__ import annotations

import unicodedata

MANIFESTS = "_manifests"


def _escape(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))


def _unsafe(char: str) -> bool:
    return char in "/\\" or unicodedata.category(char) in ("Cc", "Cs")


def segment(name: str) -> str:
    """``name`` as one key segment: unchanged unless it holds one of the characters above."""
    if not name:
        raise ValueError("an empty name cannot be part of an object key")
    encoded = "".join(_escape(c) if _unsafe(c) or (i == 0 and c == ".") else c
                      for i, c in enumerate(name))
    if encoded == MANIFESTS:
        encoded = "%5F" + encoded[1:]
    return encoded


def check_key(key: str) -> str | None:
    """Why ``key`` could leave the folder or bucket prefix it is written below, if it could."""
    if key.startswith("/"):
        return "it starts with '/'"
    if "\\" in key:
        return "it holds a '\\'"
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in key):
        return "it holds a control character"
    for part in key.split("/"):
        if part in ("", ".", ".."):
            return f"it has a segment {part!r}" if part else "it has an empty segment ('//')"
    return None
