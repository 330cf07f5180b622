"""The bulk-job ledger: which bulk read jobs hold each module's export, kept in the state
store.

One JSON document at ``ledger_url`` (``s3://...``, ``file://...`` or a path, through
:class:`~observes_singer.store.storage.BlobStore`)::

    {"version": 1,
     "jobs": [{"module": "Leads", "job_id": "3652397000001000001", "page": 1,
               "created_at": "2026-11-30T02:00:04Z", "zoho_created_time":
               "2026-11-30T07:30:04+05:30", "created_by": "prepare"}, ...]}

A module's entries are its export, page 1 up: ``prepare`` adds page 1, the run adds the
next pages as Zoho says there are more (``more_records``). Entries leave the ledger only
when a committed state lists their job ids as loaded (:mod:`tap_zoho_crm.consume`), or
when ``prepare`` replaces a module's jobs that failed or that Zoho no longer knows.

``prepare`` and the run may update it at the same time (they are different jobs, each
with its own lease), so every change is a compare-and-swap: read with its version, change,
write only if still at that version (a conditional PUT on S3, a locked folder on disk),
else read again and redo the change. Each write replaces the document whole, atomically.
A module's page has one job at most: whether it has one already is decided inside the
compare-and-swap that would add another (:meth:`Ledger.add`), so two prepares at once
record one job per module page. The document holds no secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from observes_singer.store.storage import BlobConflict, BlobStore, StorageError

VERSION = 1
CAS_TRIES = 10


class LedgerError(Exception):
    """The ledger cannot be read or written; the message names its URL."""


@dataclass(frozen=True)
class Entry:
    module: str
    job_id: str
    page: int
    created_at: str
    zoho_created_time: str = ""
    created_by: str = "prepare"


def _entry(raw: Any, url: str) -> Entry:
    if not isinstance(raw, dict):
        raise LedgerError(f"{url}: a job entry is not an object; fix the ledger or remove it "
                          "(prepare then starts over)")
    try:
        return Entry(module=str(raw["module"]), job_id=str(raw["job_id"]),
                     page=int(raw["page"]), created_at=str(raw.get("created_at") or ""),
                     zoho_created_time=str(raw.get("zoho_created_time") or ""),
                     created_by=str(raw.get("created_by") or "prepare"))
    except (KeyError, TypeError, ValueError):
        raise LedgerError(f"{url}: a job entry lacks module, job_id or page; fix the ledger "
                          "or remove it (prepare then starts over)") from None


def parse(data: bytes, url: str) -> list[Entry]:
    try:
        document = json.loads(data)
    except ValueError:
        raise LedgerError(f"{url}: the ledger is not JSON; fix it or remove it (prepare then "
                          "starts over)") from None
    if not isinstance(document, dict) or not isinstance(document.get("jobs"), list):
        raise LedgerError(f"{url}: the ledger is not a {{\"version\", \"jobs\"}} document; "
                          "fix it or remove it (prepare then starts over)")
    return [_entry(raw, url) for raw in document["jobs"]]


def render(entries: Iterable[Entry]) -> bytes:
    ordered = sorted(entries, key=lambda e: (e.module, e.page, e.job_id))
    document = {"version": VERSION, "jobs": [asdict(e) for e in ordered]}
    return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()


class Ledger:
    """The ledger document at ``url``."""

    def __init__(self, url: str, blobs: BlobStore | None = None) -> None:
        self.url = url
        self.blobs = blobs or BlobStore()

    def entries(self) -> list[Entry]:
        try:
            current = self.blobs.read_versioned(self.url)
        except StorageError as exc:
            raise LedgerError(f"cannot read the bulk-job ledger: {exc}") from None
        return [] if current is None else parse(current[0], self.url)

    def update(self, change: Callable[[list[Entry]], list[Entry]]) -> list[Entry]:
        """Apply ``change`` to the entries and write the result, as a compare-and-swap
        (``change`` runs again on the newer entries when another writer came first);
        returns the entries written. Nothing is written when nothing changed."""
        for _ in range(CAS_TRIES):
            try:
                current = self.blobs.read_versioned(self.url)
            except StorageError as exc:
                raise LedgerError(f"cannot read the bulk-job ledger: {exc}") from None
            entries = [] if current is None else parse(current[0], self.url)
            changed = change(list(entries))
            if changed == entries:
                return entries
            try:
                self.blobs.write_if(self.url, render(changed),
                                    None if current is None else current[1])
            except BlobConflict:
                continue
            except StorageError as exc:
                raise LedgerError(f"cannot write the bulk-job ledger: {exc}") from None
            return changed
        raise LedgerError(f"{self.url}: the ledger kept changing under this update "
                          f"({CAS_TRIES} tries); is another prepare or run looping on it?")

    def add(self, entry: Entry, replacing: Iterable[str] = ()) -> Entry:
        """Record ``entry`` as the job of its module's page, removing the entries of
        ``replacing`` (job ids) in the same write; returns the entry that holds the page.

        When the ledger (without ``replacing``) already holds a job for that module and
        page, another writer recorded it first: that one stays and is returned, and
        ``entry`` is not recorded. The check is part of the compare-and-swap, so it
        holds against writers at the same time."""
        gone = set(replacing)
        holder: list[Entry] = []

        def change(entries: list[Entry]) -> list[Entry]:
            kept = [e for e in entries if e.job_id not in gone]
            holder[:] = [e for e in kept if (e.module, e.page) == (entry.module, entry.page)]
            return kept if holder else [*kept, entry]

        self.update(change)
        return holder[0] if holder else entry

    def remove(self, job_ids: Iterable[str]) -> list[Entry]:
        """Remove the entries of ``job_ids``; returns those removed."""
        wanted = set(job_ids)
        removed: list[Entry] = []

        def change(entries: list[Entry]) -> list[Entry]:
            removed[:] = [e for e in entries if e.job_id in wanted]
            return [e for e in entries if e.job_id not in wanted]

        self.update(change)
        return removed


def by_module(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    """Each module's entries, by page."""
    found: dict[str, list[Entry]] = {}
    for entry in entries:
        found.setdefault(entry.module, []).append(entry)
    for chain in found.values():
        chain.sort(key=lambda e: e.page)
    return found
