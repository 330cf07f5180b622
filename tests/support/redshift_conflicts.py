"""Redshift's serializable isolation violation (error 1023), produced on demand.

Redshift cancels a transaction that concurrent transactions on the same tables made not
serializable, at the statement that would break serializability ("Serializable isolation",
"Troubleshooting serializable isolation errors"; the error reaches redshift_connector as
``{'S': 'ERROR', 'C': 'XX000', 'M': '1023', 'D': 'Serializable isolation violation on table
- 119371, transactions forming the cycle are: 1745830, 1745762 (pid:15021)', ...}``, as
aws/aws-sdk-pandas#665 shows it). PostgreSQL under the shim has no second writer, so a
test arms :class:`Conflicts` instead: the next writes to a table (``INSERT``, ``DELETE``,
``UPDATE``, ``COPY``), or the commits of the transactions that made them (as Redshift may
tell it at ``COMMIT``: estuary/connectors#5218), fail with that error, and PostgreSQL
aborts the transaction as Redshift does.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from tests.support.redshift_refusals import with_parameters_of

CATALOG = """
CREATE OR REPLACE FUNCTION redshift_shim.serializable_violation(relation regclass)
    RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'XX000', MESSAGE = '1023',
        DETAIL = format('Serializable isolation violation on table - %s, transactions '
                        'forming the cycle are: %s, %s (pid:%s)', relation::oid,
                        txid_current(), txid_current() + 1, pg_backend_pid());
END $$;
"""

_NAME = r'(?:"(?:[^"]|"")*"|[\w$]+)'
_END = re.compile(r"^\s*(?:commit|end)(?:\s+(?:work|transaction))?\s*;?\s*$", re.I)
_ROLLBACK = re.compile(r"^\s*(?:rollback|abort)\b", re.I)
_WRITE = re.compile(rf"^\s*(?:insert\s+into|delete\s+from|update|copy)\s+"
                    rf"(?P<table>{_NAME}(?:\s*\.\s*{_NAME})?)", re.I | re.S)


def _name(text: str) -> str:
    parts = re.findall(_NAME, text)
    return ".".join(p[1:-1].replace('""', '"') if p.startswith('"') else p.lower()
                    for p in parts)


@dataclass
class _Armed:
    at: str  # "write": the write itself fails; "commit": the COMMIT after it
    after: int  # writes to let pass first
    times: int  # writes (or commits) left to fail


class Conflicts:
    """Tables whose next writes fail with Redshift's error 1023, armed by a test."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[str, _Armed] = {}
        #: sessions whose open transaction wrote a table armed at commit, and that table
        self._doomed: dict[object, str] = {}

    @contextlib.contextmanager
    def armed(self, table: str, times: int = 1, after: int = 0,
              at: str = "write") -> Iterator[None]:
        """While the block runs, the writes to ``table`` (``schema.table``, or a pattern
        such as ``analytics._observes_stage_*``) after the first ``after`` fail, ``times``
        of them: each at the write itself, or (``at="commit"``) at the ``COMMIT`` of the
        transaction that made it, as Redshift may tell either."""
        with self._lock:
            self._armed[table.lower()] = _Armed(at, after, times)
        try:
            yield
        finally:
            with self._lock:
                self._armed.pop(table.lower(), None)
                self._doomed.clear()

    def statement(self, sql: str, code: str, session: object = None) -> str | None:
        """The failing statement to run instead of ``sql`` (``code``: without its
        literals), when it is a write, or the commit of one, its table's conflicts claim;
        else None. ``session`` tells the client connections apart."""
        if _END.match(code) or _ROLLBACK.match(code):
            with self._lock:
                doomed = self._doomed.pop(session, None)
            return None if doomed is None or _ROLLBACK.match(code) else _violation(sql, doomed)
        write = _WRITE.match(code)
        if write is None:
            return None
        table = _name(write.group("table"))
        with self._lock:
            armed = next((armed for pattern, armed in self._armed.items()
                          if fnmatch.fnmatchcase(table, pattern)), None)
            if armed is None or armed.times == 0 or session in self._doomed:
                return None
            if armed.after:
                armed.after -= 1
                return None
            armed.times -= 1
            if armed.at == "commit":
                self._doomed[session] = table
                return None
        return _violation(sql, table)


def _violation(sql: str, table: str) -> str:
    quoted = ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))
    return with_parameters_of(
        sql, f"redshift_shim.serializable_violation('{quoted}'::regclass)")
