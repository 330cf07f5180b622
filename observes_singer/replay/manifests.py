"""Backups proven whole: each object against the target-s3 manifest of the run that wrote it.

target-s3 writes ``<url>/_manifests/<run_id>.json`` once every object of a run is
complete, listing each object with its ``key`` below ``url``, its ``rows`` (for format
``singer``, its lines) and its stored size (``content_length``). An object cut short, even
at a line boundary and compressed again, no longer has the lines and bytes its manifest
gives, and gzip's own check cannot see that. So the replay reads the ``singer`` manifests
in the prefix's folder and in any ``_manifests/`` folder below the prefix, and holds every
object to the newest run that lists it.

An object that no manifest lists was written before target-s3 put each object's key in its
manifest (then it is found by its URL, if it has not moved), by another writer, or copied
without its ``_manifests/``: nothing proves it whole, so it is replayed as before and named
as unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from observes_singer.replay.errors import ReplayError
from observes_singer.replay.objects import MANIFESTS, Listing, ReadStats, folder_prefix
from observes_singer.store.storage import BlobStore, StorageError, parse_url


@dataclass(frozen=True)
class Written:
    """What the run that wrote an object says of it."""

    lines: int
    stored_bytes: int
    manifest: str  # the manifest's URL
    finished_at: str


def _folder(prefix: str) -> str:
    """The folder a listing prefix is in (itself, when it names a folder)."""
    url = parse_url(folder_prefix(prefix)).url
    return url if url.endswith("/") else url[:url.rfind("/") + 1]


def _manifest_urls(blobs: BlobStore, prefix: str, below: list[str]) -> list[str]:
    """The run manifests in the prefix's folder and those ``below`` it (found when it was
    listed), without the Redshift manifests of csv runs."""
    beside = [info.url for info in blobs.list(_folder(prefix) + MANIFESTS + "/")]
    return sorted({url for url in [*beside, *below]
                   if url.rpartition("/")[0].endswith("/" + MANIFESTS)
                   and url.endswith(".json")})


def _entries(url: str, manifest: Any) -> list[dict[str, Any]]:
    objects = manifest.get("objects") if isinstance(manifest, dict) else None
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise ReplayError(f"{url}: not a target-s3 manifest (no list of objects)")
    return objects


class Proofs:
    """The lines and stored bytes of every object the manifests under a prefix list."""

    def __init__(self, blobs: BlobStore, listing: Listing, prefix: str) -> None:
        self._written: dict[str, Written] = {}
        for url in _manifest_urls(blobs, prefix, listing.manifests):
            try:
                manifest = orjson.loads(blobs.read_bytes(url))
            except orjson.JSONDecodeError as exc:
                raise ReplayError(f"{url}: a run manifest that is not valid JSON ({exc})") \
                    from None
            except StorageError as exc:
                raise ReplayError(f"cannot read the run manifest {url}: {exc}") from None
            entries = _entries(url, manifest)
            if manifest.get("format") != "singer":
                continue
            base = url[:url.rfind(f"/{MANIFESTS}/") + 1]
            finished = str(manifest.get("finished_at", ""))
            for entry in entries:
                self._add(base, url, finished, entry)

    def _add(self, base: str, url: str, finished: str, entry: dict[str, Any]) -> None:
        key, listed = entry.get("key"), entry.get("url")
        if isinstance(key, str):
            object_url = base + key
        elif isinstance(listed, str):  # a manifest from before keys were listed
            try:
                object_url = parse_url(listed).url
            except StorageError:
                return
        else:
            return
        rows, stored = entry.get("rows"), entry.get("content_length")
        if not isinstance(rows, int) or not isinstance(stored, int):
            raise ReplayError(f"{url}: its entry for {object_url} has no rows and "
                              "content_length")
        known = self._written.get(object_url)
        if known is None or (finished, url) > (known.finished_at, known.manifest):
            self._written[object_url] = Written(rows, stored, url, finished)

    def check(self, url: str, stats: ReadStats) -> bool:
        """Whether ``url`` is proven whole (False: no manifest lists it); raises
        :class:`ReplayError` when what was read differs from what its run wrote."""
        written = self._written.get(url)
        if written is None:
            return False
        if (stats.lines, stats.stored_bytes) != (written.lines, written.stored_bytes):
            raise ReplayError(
                f"{url}: {stats.lines} lines in {stats.stored_bytes} bytes, where the run "
                f"that wrote it listed {written.lines} lines in {written.stored_bytes} bytes "
                f"({written.manifest}): the backup is not whole; write it again")
        return True


#: How many unchecked objects a warning names before it counts the rest.
NAMED = 3


def unchecked_note(urls: list[str]) -> str:
    """The warning for objects that no run manifest lists."""
    named = ", ".join(urls[:NAMED]) + (f" and {len(urls) - NAMED} more"
                                       if len(urls) > NAMED else "")
    return (f"{len(urls)} objects are not listed in any target-s3 run manifest, so whether "
            f"they are whole is not checked (written without one, or moved or copied without "
            f"its _manifests/): {named}")
