"""Paging a listing to its end, and never past it.

- A page decides whether another follows: its cursor, its link, or being shorter than a
  full page. An empty page says nothing of the kind (a source may answer one with a
  cursor to go on from), so :class:`SourcePaginator` turns the page whatever its size, and
  stops only where its own rule says the listing ends. singer-sdk's paginators stop at
  the first empty page instead.
- A page that repeats the previous one (the same records, or records with the same keys)
  means the source ignores the page asked for, or keeps saying there is more: turning
  the page again would read it again, forever. :class:`RepeatGuard` stops the listing
  there with a :class:`RepeatedPageError` naming the source, what was read and the page,
  before the repeated records are emitted. :class:`~observes_singer.tapkit.rest.SourceStream`
  checks every page of every listing with one; :meth:`Client.pages
  <observes_singer.tapkit.http.Client.pages>` and plain-code loops use one too.
- :class:`NumberedPaginator` is page-number paging with neither count nor link (Checkly's
  ``/v1`` listings, Time Doctor's): pages ``first``, ``first + 1``, ... until one holds
  fewer than ``size`` records.
- :class:`NextTokenPaginator` follows the next page's token the answer carries (Time
  Doctor's ``paging.next``): sent back as the page parameter, until an answer carries
  none. A token answered twice in a row stops the listing with a
  :class:`RepeatedPageError`.
- ``RepeatGuard(..., overlap=True)`` also stops a page that repeats only some records of
  the page before: where a page token counts records to skip, a client that sends page
  numbers instead reads pages that overlap, every record many times over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
import requests
from singer_sdk.pagination import BaseAPIPaginator

from observes_singer.tapkit.errors import SourceError

__all__ = ["NextTokenPaginator", "NumberedPaginator", "RepeatGuard", "RepeatedPageError",
           "SourcePaginator", "array_rows"]

Token = TypeVar("Token")


class RepeatedPageError(SourceError):
    """A page held the same records as the page before it: the source does not turn its
    pages, and the listing would never end."""


def _ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ... ``11th``, ``21st``."""
    suffix = "th" if 10 <= number % 100 <= 20 else \
        {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


class RepeatGuard:
    """The pages of one listing, each compared with the one before.

    A record's identity is its values of ``keys`` when it has them all, else the whole
    record; two pages repeat when their records' identities are the same, in the same
    order. Empty pages are compared too unless ``empty_pages_repeat`` is false (a cursor
    may lead through several empty pages, each with its own cursor). With ``overlap``, a
    page that holds any record of the page before repeats it too.
    """

    def __init__(self, source: str, keys: Sequence[str] = (), *,
                 empty_pages_repeat: bool = True, overlap: bool = False) -> None:
        self.source = source
        self.keys = tuple(keys)
        self.empty_pages_repeat = empty_pages_repeat
        self.overlap = overlap
        self.pages = 0
        self._previous: list[bytes] | None = None

    def check(self, records: Sequence[Any], where: str) -> None:
        """Count the page of ``records`` read from ``where`` (what was read, as errors
        name it); raise :class:`RepeatedPageError` when it repeats the page before."""
        self.pages += 1
        identities = [self.identity(record) for record in records]
        repeated = identities == self._previous and (bool(identities) or
                                                     self.empty_pages_repeat)
        shared = 0 if repeated else self._shared(identities)
        self._previous = identities
        if repeated:
            held = f"the same {len(identities)} records" if identities else "no records again"
            raise RepeatedPageError(
                f"{self.source} answered the {_ordinal(self.pages)} page of {where} with "
                f"{held} as the page before: it does not turn its pages (the page asked "
                "for is ignored, or it keeps saying more follow), so the listing would "
                "never end; stopped before emitting them again", source=self.source)
        if shared:
            raise RepeatedPageError(
                f"{self.source} answered the {_ordinal(self.pages)} page of {where} with "
                f"{shared} of its {len(identities)} records already on the page before: "
                "its pages overlap (the page asked for is not the one the source turns "
                "to), so every record would be read many times over; stopped before "
                "emitting them again", source=self.source)

    def _shared(self, identities: list[bytes]) -> int:
        """How many of ``identities`` the page before held, when overlaps count."""
        if not self.overlap or not self._previous:
            return 0
        before = set(self._previous)
        return sum(1 for identity in identities if identity in before)

    def identity(self, record: Any) -> bytes:
        if self.keys and isinstance(record, Mapping) and all(k in record for k in self.keys):
            record = [record[k] for k in self.keys]
        return orjson.dumps(record, option=orjson.OPT_SORT_KEYS, default=str)


class SourcePaginator(BaseAPIPaginator[Token]):
    """A singer-sdk paginator that reads on past an empty page: whether another page
    follows is for :meth:`has_more` and :meth:`get_next` to say, from the page's cursor,
    link or length, never from its having no records."""

    def continue_if_empty(self, response: requests.Response) -> bool:
        return True


def array_rows(response: requests.Response) -> int:
    """How many records a bare JSON array holds (0 for anything else)."""
    body = response.json()
    return len(body) if isinstance(body, list) else 0


class NumberedPaginator(SourcePaginator[int]):
    """Pages ``first``, ``first + 1``, ... of ``size`` records, until one holds fewer (a
    listing with no count nor link). ``rows`` counts a page's records; by default, those
    of a bare JSON array."""

    def __init__(self, *, size: int, first: int = 1,
                 rows: Callable[[requests.Response], int] = array_rows) -> None:
        super().__init__(first)
        self.size = size
        self.rows = rows

    def get_next(self, response: requests.Response) -> int | None:
        if self.rows(response) < self.size:
            return None
        return self.current_value + 1


class NextTokenPaginator(SourcePaginator[str | None]):
    """Follows the next page's token the answer carries, until an answer carries none.

    ``paths`` name where the token is, as dotted paths in the JSON body (``paging.next``);
    the first path whose object the answer holds is the one read, so an answer with a
    ``paging`` object and no ``next`` in it is the last page. A null or empty token is the
    end too. The first page is asked for with no token (:attr:`current_value` is None);
    the stream sends each token back as its page parameter. A token answered again
    for the page it was sent for would read that page forever: it stops the listing with
    a :class:`RepeatedPageError` naming ``source``.
    """

    def __init__(self, *paths: str, source: str) -> None:
        super().__init__(None)
        self.paths = paths or ("next",)
        self.source = source

    def get_next(self, response: requests.Response) -> str | None:
        token = self.token(response.json())
        if token is not None and token == self.current_value:
            raise RepeatedPageError(
                f"{self.source} answered the page token {token!r} for the page it names: "
                "the listing would never end; stopped", source=self.source)
        return token

    def token(self, body: Any) -> str | None:
        """The next page's token in ``body``, or None on the last page."""
        for path in self.paths:
            *parents, leaf = path.split(".")
            holder = body
            for name in parents:
                holder = holder.get(name) if isinstance(holder, Mapping) else None
            if isinstance(holder, Mapping):
                value = holder.get(leaf)
                return None if value is None or value == "" else str(value)
        return None
