"""Clearing the ledger only after the target committed.

The tap cannot see the target commit. What it can see is the Singer state: each module's
stream ends by writing the job ids it loaded into its bookmark::

    {"bookmarks": {"leads": {"bulk_jobs": ["3652397000001000001", "..."], "module": "Leads"}}}

and a state reaches the state store only once the target has committed everything
before it (``observes run`` saves the target's last state after both sides exited 0;
Meltano does the same with the target's state). So a state read from the store is a
*committed* state, and the job ids it lists were loaded into the warehouse.

Whoever reads a committed state consumes those entries, removing them from the ledger:
the run at its start (its ``--state``), and ``prepare`` (the job's state, read only, from
``state_url`` or ``--state``). ``prepare`` then finds no live job for those modules and
creates fresh ones. A run whose load failed saved no state, so its entries stay in the
ledger and the next run loads the same exports again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from observes_singer.store.state import bare_state
from tap_zoho_crm.ledger import Entry, Ledger

BULK_JOBS = "bulk_jobs"


def loaded_job_ids(state: Mapping[str, Any] | None) -> set[str]:
    """The job ids a committed state lists as loaded, in any form a state comes in."""
    value = bare_state(state) if state is not None else None
    bookmarks = value.get("bookmarks") if isinstance(value, Mapping) else None
    found: set[str] = set()
    if not isinstance(bookmarks, Mapping):
        return found
    for bookmark in bookmarks.values():
        jobs = bookmark.get(BULK_JOBS) if isinstance(bookmark, Mapping) else None
        if isinstance(jobs, list):
            found.update(str(job) for job in jobs)
    return found


def consume(ledger: Ledger, state: Mapping[str, Any] | None,
            log: Callable[[str], None] | None = None) -> list[Entry]:
    """Remove the entries whose jobs ``state`` lists as loaded; returns them."""
    loaded = loaded_job_ids(state)
    if not loaded:
        return []
    removed = ledger.remove(loaded)
    if removed and log is not None:
        modules = sorted({e.module for e in removed})
        log(f"bulk-job ledger: {len(removed)} jobs of {', '.join(modules)} were loaded and "
            "committed (the saved state lists them); removed")
    return removed
