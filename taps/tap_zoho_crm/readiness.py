"""Whether every module's export is ready, before anything is emitted.

For each module the ledger lists its jobs, page 1 up. The run asks Zoho for each job's
state: a module is ready when all its jobs are ``COMPLETED`` and the last one has no
``more_records``. When the last completed page has more records, the run creates the
job of the next page (and adds it to the ledger) and waits for it: with the page's
``next_page_token``, as Zoho documents for paging past its cap on ``page``, or by the
next page's number when Zoho gave no token, up to ``page_wait``
seconds in all, asking every ``poll_interval`` seconds (a job that completes at once is
taken at once). Jobs that ``prepare`` created are not waited for: if one is not completed,
the run stops at once.

A module is not ready when its jobs are still ``ADDED``, ``QUEUED`` or ``IN PROGRESS``,
when one is a ``FAILURE`` or unknown to Zoho (rerun ``prepare``, which replaces them),
or when the ledger has no job for it (run ``prepare``). Then the run stops with
:class:`NotReady`, one line listing each such module, and exit code 69
(``EX_UNAVAILABLE``): nothing has been written to stdout yet, so the target loads and
swaps nothing, and the scheduler can run it again later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from observes_singer.tapkit.errors import SourceError
from tap_zoho_crm.answers import SOURCE
from tap_zoho_crm.bulk import BulkJob, create_job, job_details
from tap_zoho_crm.ledger import Entry, Ledger, by_module
from tap_zoho_crm.session import ZohoApi

EXIT_NOT_READY = 69
PREPARE = "tap-zoho-crm prepare"


@dataclass(frozen=True)
class Page:
    """One page of a module's export, ready to download."""

    job_id: str
    page: int
    download_path: str
    count: int


@dataclass(frozen=True)
class Holdup:
    """Why a module is not ready."""

    module: str
    reason: str
    waits: bool = False
    """True when waiting may help (a job the run created for a next page)."""


class NotReady(Exception):
    """Some modules' exports are not ready; nothing was emitted."""

    def __init__(self, holdups: Iterable[Holdup]) -> None:
        self.holdups = list(holdups)
        listed = "; ".join(f"{h.module}: {h.reason}" for h in self.holdups)
        super().__init__(f"Zoho CRM's exports are not ready, nothing was emitted: {listed}. "
                         "Run again later")


@dataclass
class Plan:
    """Each ready module's pages, in order."""

    pages: dict[str, list[Page]] = field(default_factory=dict)

    def of(self, module: str) -> list[Page]:
        return self.pages.get(module, [])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Readiness:
    """Checks the modules' exports, following ``more_records`` with next-page jobs."""

    def __init__(self, api: ZohoApi, ledger: Ledger, *, page_wait: float,
                 poll_interval: float, log: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api = api
        self.ledger = ledger
        self.page_wait = page_wait
        self.poll_interval = poll_interval
        self.log = log
        self.clock = clock
        self.sleep = sleep
        self._done: dict[str, BulkJob] = {}

    def plan(self, modules: Iterable[str]) -> Plan:
        """The pages of every module in ``modules``, or :class:`NotReady`."""
        wanted = list(modules)
        chains = by_module(self.ledger.entries())
        plan = Plan()
        deadline = self.clock() + self.page_wait
        pending = wanted
        while True:
            holdups: list[Holdup] = []
            for module in pending:
                pages, holdup = self._module(module, chains.setdefault(module, []))
                if holdup is None:
                    plan.pages[module] = pages
                else:
                    holdups.append(holdup)
            if not holdups:
                return plan
            if not all(h.waits for h in holdups) or self.clock() >= deadline:
                raise NotReady(sorted(holdups, key=lambda h: wanted.index(h.module)))
            pending = [h.module for h in holdups]
            self.sleep(max(0.0, min(self.poll_interval, deadline - self.clock())))

    def _module(self, module: str, chain: list[Entry]) -> tuple[list[Page], Holdup | None]:
        if not chain:
            return [], Holdup(module, f"no bulk read job in the ledger (run {PREPARE})")
        if [e.page for e in chain] != list(range(1, len(chain) + 1)):
            pages = ", ".join(str(e.page) for e in chain)
            return [], Holdup(module, f"the ledger's jobs are pages {pages}, not 1 up (rerun "
                                      f"{PREPARE})")
        while True:
            for entry in chain:
                job = self._state(entry, module)
                where = f"job {entry.job_id}, page {entry.page}"
                if job is None:
                    return [], Holdup(module, f"Zoho no longer knows {where} (expired?); "
                                              f"rerun {PREPARE}")
                if job.page is not None and job.page != entry.page:
                    return [], Holdup(module, f"Zoho has {where} as page {job.page}; rerun "
                                              f"{PREPARE}")
                if job.failed:
                    return [], Holdup(module, f"FAILURE ({where}): a failed export; rerun "
                                              f"{PREPARE}")
                if not job.completed:
                    return [], Holdup(module, f"{job.state or 'unknown state'} ({where})",
                                      waits=entry.created_by == "run")
            last = self._done[chain[-1].job_id]
            assert last.result is not None
            if not last.result.more_records:
                return [self._page(e, self._done[e.job_id]) for e in chain], None
            chain.append(self._next_page(module, chain[-1].page + 1,
                                         last.result.next_page_token))

    def _state(self, entry: Entry, module: str) -> BulkJob | None:
        done = self._done.get(entry.job_id)
        if done is not None:
            return done
        job = job_details(self.api, entry.job_id, module)
        if job is not None and job.completed:
            self._done[entry.job_id] = job
        return job

    def _next_page(self, module: str, page: int, token: str | None) -> Entry:
        job = create_job(self.api, module, page, token)
        if job.id in self._done:
            raise SourceError(f"{SOURCE} answered the bulk read job of {module}'s page {page} "
                              f"with the id of an earlier job ({job.id})", source=SOURCE)
        entry = Entry(module=module, job_id=job.id, page=page, created_at=_now(),
                      zoho_created_time=job.created_time, created_by="run")
        holder = self.ledger.add(entry)
        if self.log is not None:
            self.log(f"{module}: Zoho has more records than page {page - 1}; created bulk "
                     f"read job {job.id} for page {page}"
                     + (" (by its next_page_token)" if token else "")
                     + ("" if holder is entry else f", left unused: the ledger holds job "
                        f"{holder.job_id} for that page"))
        return holder

    @staticmethod
    def _page(entry: Entry, job: BulkJob) -> Page:
        assert job.result is not None
        return Page(job_id=job.id, page=entry.page, download_path=job.result_path(),
                    count=job.result.count)
