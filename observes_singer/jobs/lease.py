"""One run of a job at a time: a lease on the job, kept in its state store.

Two runs of one differential job break the oath: the older one commits after the newer,
upserts stale rows over fresh ones and saves an older state. So ``observes run`` takes a
lease before it starts anything, and a second run is refused with the holder's name (or
waits for it, ``--wait``).

The lease is a small JSON document at ``<state store>/leases/<job>.json``, changed only by
compare-and-swap (a conditional PUT on S3, a locked folder on disk, see
:meth:`BlobStore.write_if`), so two runs racing for it cannot both win:

```json
{"job": "gitlab", "run_id": "20261130T051500Z-1a2b3c4d",
 "holder": "host ip-10-0-1-5 pid 7 (batch job 4f0c...)",
 "acquired_at": "2026-11-30T05:15:00Z",
 "members": {"main": "2026-11-30T05:20:00Z"}}
```

Each member of the run (the run itself, or each shard of a sharded run, which share the
run's lease by its run id) has its own expiry, pushed forward by a heartbeat. The lease is
free when every member's expiry has passed (a killed run blocks the job for one TTL at
most) or when the last member released it. An expiry is trusted no further than one TTL
past the store's last write of the lease (a holder whose clock runs ahead), and an object
that cannot be read as a lease is held until then too (:mod:`.lease_view`). A run that
finds its own member gone or the lease taken by another run has lost it: the runner then
withholds the target's commit.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import orjson

from observes_singer.jobs.lease_view import LeaseView
from observes_singer.jobs.moments import stamp as _stamp
from observes_singer.store.storage import BlobConflict, BlobStore

TTL_ENV = "OBSERVES_LEASE_TTL"
"""Seconds a job's lease lasts without its heartbeat (default 300, at least 1; renewed every
TTL/5), so a killed run blocks its job this long at most. Read by ``observes run``."""
EXIT_LEASE_HELD = 75  # EX_TEMPFAIL: another run holds the job's lease, or this one lost it
DEFAULT_TTL = 300.0  # seconds; a heartbeat renews it every TTL/5


class LeaseError(Exception):
    """The lease is held by another run, or was lost; the message names the holder."""


def lease_url(state_store: str, job: str) -> str:
    return f"{state_store}leases/{job}.json"


def default_ttl() -> float:
    raw = os.environ.get(TTL_ENV)
    if not raw:
        return DEFAULT_TTL
    try:
        ttl = float(raw)
    except ValueError:
        raise LeaseError(f"{TTL_ENV}={raw!r} is not a number of seconds") from None
    if ttl < 1:
        raise LeaseError(f"{TTL_ENV}={raw!r}: at least 1 second")
    return ttl


def holder_name(batch_job_id: str | None = None) -> str:
    name = f"host {socket.gethostname()} pid {os.getpid()}"
    return f"{name} (batch job {batch_job_id})" if batch_job_id else name


def _now() -> datetime:
    return datetime.now(UTC)


class Lease:
    """The lease of ``job`` for the run ``run_id``, as ``member`` of that run."""

    def __init__(self, blobs: BlobStore, url: str, job: str, run_id: str,
                 member: str = "main", holder: str | None = None,
                 ttl: float | None = None) -> None:
        self.blobs = blobs
        self.url = url
        self.job = job
        self.run_id = run_id
        self.member = member
        self.holder = holder or holder_name()
        self.ttl = default_ttl() if ttl is None else ttl
        self.lost: str | None = None  # why, once the heartbeat found it gone
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    # -- the document ------------------------------------------------------------------

    def _read(self) -> LeaseView:
        return LeaseView.read(self.blobs.read_current(self.url), self.url, self._ttl(), _now())

    def try_acquire(self) -> LeaseView | None:
        """Take or join the lease; returns None when done, or the lease another run holds."""
        while True:
            seen = self._read()
            if seen.held and not seen.held_by(self.run_id):
                return seen
            expiry = _stamp(seen.now + self._ttl())
            if seen.held and seen.document is not None:  # our own run: join it
                new = {**seen.document,
                       "members": {**seen.live_members(), self.member: expiry}}
            else:
                new = {"job": self.job, "run_id": self.run_id, "holder": self.holder,
                       "acquired_at": _stamp(seen.now), "members": {self.member: expiry}}
            try:
                self.blobs.write_if(self.url, orjson.dumps(new), seen.version)
            except BlobConflict:
                continue  # someone else changed it between our read and write: look again
            return None

    def acquire(self, wait: bool = False, log: IO[str] | None = None,
                poll: float = 5.0, sleep: Callable[[float], None] = time.sleep) -> None:
        """Take the lease, or raise :class:`LeaseError` naming the holder (``wait``:
        poll until it is free)."""
        told = False
        while True:
            holder = self.try_acquire()
            if holder is None:
                return
            if not wait:
                held = "is held" if holder.unreadable else "is running already"
                raise LeaseError(
                    f"job {self.job} {held}: {holder.describe()}. Run again with --wait to "
                    f"wait for it; a run that was killed frees it when its lease expires "
                    f"({self.url})")
            if not told and log is not None:
                print(f"observes: job {self.job}: waiting for {holder.describe()}", file=log)
                told = True
            sleep(poll)

    def renew(self) -> None:
        """Push our member's expiry forward; :class:`LeaseError` if the lease was lost."""

        def renewed(seen: LeaseView) -> dict[str, Any] | None:
            if seen.document is None or not seen.held_by(self.run_id) or \
                    self.member not in seen.members:
                holder = seen.describe() if seen.held else "nobody"
                self.lost = (f"job {self.job}: this run's lease was lost (it expired; now "
                             f"{holder}); not committing")
                raise LeaseError(self.lost)
            return {**seen.document, "members": {
                **seen.live_members(), self.member: _stamp(seen.now + self._ttl())}}

        self._update(renewed)

    def release(self) -> None:
        """Give back our member's share; the lease is free once no member is left."""
        self.stop_heartbeat()

        def released(seen: LeaseView) -> dict[str, Any] | None:
            if seen.document is None or not seen.held_by(self.run_id):
                return None  # not ours any more: nothing to give back
            return {**seen.document, "members": {
                name: expiry for name, expiry in seen.live_members().items()
                if name != self.member}}

        self._update(released)

    def _update(self, change: Callable[[LeaseView], dict[str, Any] | None]) -> None:
        """Compare and swap: ``change(lease as read)`` gives the new document (None: leave
        it); a write that lost a race reads again and retries."""
        while True:
            seen = self._read()
            new = change(seen)
            if new is None:
                return
            try:
                self.blobs.write_if(self.url, orjson.dumps(new), seen.version)
            except BlobConflict:
                continue
            return

    def check(self) -> None:
        """Raise :class:`LeaseError` if the lease is lost; renews it on the way."""
        if self.lost is not None:
            raise LeaseError(self.lost)
        self.renew()

    # -- the heartbeat -------------------------------------------------------------------

    def _ttl(self) -> timedelta:
        return timedelta(seconds=self.ttl)

    def start_heartbeat(self) -> None:
        self._stop.clear()
        self._beat = threading.Thread(target=self._heartbeat, name=f"lease-{self.job}",
                                      daemon=True)
        self._beat.start()

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._beat is not None and self._beat is not threading.current_thread():
            self._beat.join()
        self._beat = None

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.ttl / 5):
            try:
                self.renew()
            except LeaseError:
                return  # self.lost says why; the runner checks it before committing
            except Exception:  # noqa: S112 - a storage hiccup: try again next beat
                continue

    @contextlib.contextmanager
    def held(self, wait: bool = False, log: IO[str] | None = None) -> Iterator[Lease]:
        """Hold the lease (with its heartbeat) for the block; give it back after."""
        self.acquire(wait=wait, log=log)
        self.start_heartbeat()
        try:
            yield self
        finally:
            self.release()
