"""Running again a batch that Redshift cancelled as not serializable with another
transaction.

Redshift runs every transaction serializably and cancels one that concurrent transactions
on the same tables made not serializable, with error 1023; AWS's first remedy is to run
the cancelled transaction again ("Troubleshooting serializable isolation errors"). An
upsert or append run commits batch by batch, and each step of the open batch is kept
until its commit, with its rows (:class:`target_redshift.blocks.Block`): a cancelled batch
is rolled back and run again whole, from the same rows, up to :data:`MAX_ATTEMPTS` times,
each attempt said on stderr and waiting twice as long as the one before. Its STATE waits
for the commit, as always.

A full refresh (``replace``) is one transaction over the whole input, whose rows are not
kept once loaded: a cancelled one stops the run, rolled back, with an error that says to
run it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO, Any

from observes_singer.env import positive_number
from target_redshift.dialects.base import ConflictError, WarehouseError

MAX_ATTEMPTS = 5
RETRY_ENV = "OBSERVES_CONFLICT_RETRY_SECONDS"
"""Seconds target-redshift waits before running again a batch that Redshift cancelled for
a serializable isolation violation (error 1023), doubled at each later attempt (default 2;
5 attempts in all)."""
ADVICE = ("run it again, or schedule it apart from the jobs that write the same tables "
          "(Redshift cancels one of two concurrent transactions that are not serializable)")

Step = Callable[[], None]


class BatchRetry:
    """The steps of the open batch, and running them again when Redshift cancels it.

    ``save`` and ``restore`` keep the sink's bookkeeping (rows counted, columns known) as
    it was before the batch's first step; ``rollback`` ends the cancelled transaction."""

    def __init__(self, save: Callable[[], Any], restore: Callable[[Any], None],
                 rollback: Step, log: IO[str], prog: str = "target-redshift") -> None:
        self._save = save
        self._restore = restore
        self._rollback = rollback
        self._log = log
        self._prog = prog
        self._steps: list[Step] = []
        self._saved: Any = None
        self.first_wait = positive_number(RETRY_ENV, 2.0)

    def step(self, step: Step, one_transaction: bool) -> None:
        """Run a step of the open batch (``one_transaction``: of a full refresh)."""
        if one_transaction:
            self._once(step)
            return
        if not self._steps:
            self._saved = self._save()
        self._steps.append(step)
        self._retrying(step, then=None)

    def commit(self, commit: Step, one_transaction: bool) -> None:
        """Commit the open batch; its steps are then forgotten."""
        if one_transaction:
            self._once(commit)
        else:
            self._retrying(commit, then=commit)
        self._steps.clear()
        self._saved = None

    def _once(self, action: Step) -> None:
        try:
            action()
        except ConflictError as exc:
            raise WarehouseError(
                f"{exc}: Redshift cancelled the run's transaction, which holds a full refresh "
                "(replace) of the whole input, for a serializable isolation violation with "
                "another transaction on the same tables; nothing was committed and the "
                f"previous tables are whole: {ADVICE}") from None

    def _retrying(self, action: Step, then: Step | None) -> None:
        attempt = 1
        while True:
            try:
                action()
                return
            except ConflictError as exc:
                if attempt == MAX_ATTEMPTS:
                    raise WarehouseError(
                        f"{exc}: Redshift cancelled the batch's transaction {attempt} times "
                        "for a serializable isolation violation with other transactions on "
                        "the same tables; the batch was rolled back and the state stays at "
                        f"the last committed batch: {ADVICE}") from None
                wait = self.first_wait * 2 ** (attempt - 1)
                attempt += 1
                print(f"{self._prog}: {exc}: the batch was rolled back; running it again in "
                      f"{wait:g} s (attempt {attempt} of {MAX_ATTEMPTS})", file=self._log,
                      flush=True)
                self._rollback()
                if self._saved is not None:
                    self._restore(self._saved)
                time.sleep(wait)
                action = self._replay_then(then)

    def _replay_then(self, then: Step | None) -> Step:
        def replay() -> None:
            for step in self._steps:
                step()
            if then is not None:
                then()

        return replay
