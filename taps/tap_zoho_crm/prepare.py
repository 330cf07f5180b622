"""``tap-zoho-crm prepare``: create a bulk read job for each module that has no live one.

First the committed state (``--state``, else ``state_url``, read only) consumes the
ledger entries of exports already loaded (:mod:`tap_zoho_crm.consume`). Then, for each
configured module, its jobs in the ledger are asked for at Zoho: a module whose jobs are
all known and none a ``FAILURE`` has a live export (being prepared, or prepared and not
loaded yet) and is left alone; otherwise a job for page 1 is created and recorded
(module, job id, page, creation time) in the write that removes the module's old jobs,
one ledger write per job, so that a prepare stopped half way loses nothing it created.
Running it twice in a row creates nothing the second time.

Two prepares at once (a retried schedule, a hand run) both see a module without a job and
both create one at Zoho; the ledger's compare-and-swap records the first and keeps it
(:meth:`~tap_zoho_crm.ledger.Ledger.add`), and the other prepare says so and names its
own job as left unused (Zoho lets it expire). Each module's jobs are read from the ledger
just before it is checked, so a prepare that comes second sees what the first recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tap_zoho_crm.bulk import create_job, job_details
from tap_zoho_crm.consume import consume
from tap_zoho_crm.ledger import Entry, Ledger, by_module
from tap_zoho_crm.session import ZohoApi


@dataclass
class Prepared:
    """What a prepare did, module by module."""

    created: dict[str, str] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)
    replaced: dict[str, str] = field(default_factory=dict)
    consumed: int = 0

    def lines(self) -> list[str]:
        found = [f"{module}: created bulk read job {job} (page 1)"
                 + (f", replacing {self.replaced[module]}" if module in self.replaced else "")
                 for module, job in self.created.items()]
        found += [f"{module}: kept {why}" for module, why in self.kept.items()]
        return found


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dead(api: ZohoApi, module: str, chain: list[Entry]) -> str | None:
    """Why a module's jobs are no longer a live export, or None when they are."""
    if [e.page for e in chain] != list(range(1, len(chain) + 1)):
        return "jobs whose pages are not 1 up"
    for entry in chain:
        job = job_details(api, entry.job_id, module)
        if job is None:
            return f"job {entry.job_id} (page {entry.page}), which Zoho no longer knows"
        if job.failed:
            return f"job {entry.job_id} (page {entry.page}), a FAILURE"
    return None


def prepare(api: ZohoApi, ledger: Ledger, modules: list[str],
            state: Mapping[str, Any] | None,
            log: Callable[[str], None] | None = None) -> Prepared:
    done = Prepared()
    done.consumed = len(consume(ledger, state, log))
    for module in modules:
        chain = by_module(ledger.entries()).get(module, [])
        why = _dead(api, module, chain) if chain else None
        if chain and why is None:
            jobs = ", ".join(f"job {e.job_id} (page {e.page})" for e in chain)
            done.kept[module] = f"{jobs}: a live export not loaded yet"
            continue
        job = create_job(api, module, 1)
        entry = Entry(module=module, job_id=job.id, page=1, created_at=_now(),
                      zoho_created_time=job.created_time, created_by="prepare")
        holder = ledger.add(entry, replacing=[e.job_id for e in chain])
        if holder is not entry:
            done.kept[module] = (f"job {holder.job_id} (page 1), which another prepare "
                                 f"recorded first; job {job.id}, created at the same time, "
                                 "left unused")
            continue
        done.created[module] = job.id
        if why is not None:
            done.replaced[module] = why
    return done
