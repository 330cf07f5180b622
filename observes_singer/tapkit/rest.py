"""The tap kit in singer-sdk's REST streams: the one retry policy, session and errors,
and what every source's streams otherwise repeat (base URL, schemas, run budget).

:class:`SourceStream` wires :class:`~observes_singer.tapkit.retry.RetryPolicy` into
singer-sdk's own hooks: ``validate_response`` raises ``RetriableAPIError`` for what the
policy retries and a :class:`~observes_singer.tapkit.errors.SourceError` (a
``FatalAPIError``) with the tap's hint for any other failure; ``backoff_max_tries`` and
``backoff_wait_generator`` are the policy's (``Retry-After``, reset headers, capped
exponential backoff with its own jitter, so ``backoff_jitter`` adds none); and
``request_decorator`` turns the failure that outlasts the tries into a ``SourceError``
too, so that a run always ends on one line naming the source, what was read and why.
The session is an :class:`~observes_singer.tapkit.session.OriginSession`: the
credential headers go to ``url_base``'s origin only, and every request waits as
:meth:`SourceStream.request_pacing` says (by default, not at all).

``url_base`` is the ``url_setting`` setting (``api_url``), else the tap's ``default_url``,
without a trailing slash; ``schema`` is ``<schema_package>/schemas/<stream name>.json``
(:mod:`observes_singer.tapkit.schemas`) unless the stream is given one; ``budget`` is the
stream's :class:`~observes_singer.tapkit.budget.RunBudget` (``max_pages``,
``max_duration``).

Every page of a listing is checked against the one before it
(:class:`~observes_singer.tapkit.paging.RepeatGuard`, the records compared by the
stream's primary keys): a source that ignores the page asked for, or keeps saying more
follow, stops the run with an error naming the source, the stream, the path and the
page, before the repeated records are emitted, instead of reading the same page forever.

A stream whose partitions may be read ahead (``prefetch_partitions``) reads up to
``max_concurrent_requests`` of them at once on other threads
(:class:`~observes_singer.tapkit.prefetch.OrderedPrefetch`), while singer-sdk's loop on
the tap's thread takes each partition's records in the partitions' order, emits them,
moves that partition's bookmark and writes STATE, exactly as it would reading them one by
one. A reader asks the state nothing: its partition's starting value is worked out on
the tap's thread, from a copy of that partition's state, before its reading starts. The
readers share the stream's session, and so its pacing (:meth:`request_pacing`: one for all
the tap's streams where the source counts the whole run's requests), and every session of
the tap shares one bound on the requests in flight (:meth:`request_slots`), the tap's own
thread's requests included: never more than ``max_concurrent_requests`` at once.
"""

from __future__ import annotations

import copy
import functools
import logging
import threading
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

import requests
from requests.adapters import HTTPAdapter
from singer_sdk.exceptions import ConfigValidationError, RetriableAPIError
from singer_sdk.helpers._state import get_state_partitions_list
from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE
from singer_sdk.streams import RESTStream
from singer_sdk.streams._state import StreamStateManager

from observes_singer.tapkit import schemas
from observes_singer.tapkit.budget import RunBudget
from observes_singer.tapkit.errors import no_answer_error, safe_path, status_error
from observes_singer.tapkit.pacing import Pacing
from observes_singer.tapkit.paging import RepeatGuard
from observes_singer.tapkit.prefetch import OrderedPrefetch, concurrency
from observes_singer.tapkit.retry import NO_ANSWER, RetryPolicy
from observes_singer.tapkit.session import OriginSession, RequestSlots

if TYPE_CHECKING:
    from backoff.types import Details
    from singer_sdk import Tap
    from singer_sdk.helpers.types import RequestFunc

    from observes_singer.tapkit.tap import SourceTap


_SCRATCH_LOG = logging.getLogger("observes.tapkit.rest.scratch")
_SCRATCH_LOG.disabled = True


@dataclass
class PartitionReading:
    """One partition's reading (:meth:`SourceStream.partition_reading`): its context, its
    starting value, and the state it writes to. Read ahead on a reader's thread, that is a
    copy of the partition's state (``saved``: the copy as it was), settled into the state
    on the tap's thread once the partition's records are emitted; read in turn, it is the
    partition's own state (``saved`` is None). ``notes``: what a stream keeps of the
    reading for its :meth:`SourceStream.settle_partition`."""

    context: dict[str, Any]
    starting: Any
    saved: dict[str, Any] | None
    state: dict[str, Any]
    notes: dict[str, Any] = field(default_factory=dict)


class SourceStream(RESTStream[Any]):
    """A singer-sdk REST stream of one source. Set ``source`` ("GitLab"),
    ``credential_headers`` (those the authenticator sends), ``hints`` per status,
    ``default_url`` (the API root when ``url_setting`` is not set) and ``schema_package``
    (the package whose ``schemas/`` hold the streams' schemas), and override
    :meth:`describe` to name what a request reads in the user's terms."""

    source: ClassVar[str] = "the source"
    credential_headers: ClassVar[tuple[str, ...]] = ("Authorization",)
    url_setting: ClassVar[str] = "api_url"
    default_url: ClassVar[str | None] = None
    schema_package: ClassVar[str | None] = None
    hints: ClassVar[Mapping[int, str]] = {}
    retry_policy: ClassVar[RetryPolicy] = RetryPolicy.from_environment()
    prefetch_contexts: ClassVar[bool] = False
    """Whether, as a child stream, its contexts may be read ahead as the parent's records
    are read: its ``get_records`` reads through :meth:`reading`, with
    :meth:`prepare_reading` and :meth:`read_records` split between the tap's thread and
    a reader's."""
    prefetch_partitions: ClassVar[bool] = False
    """Whether the partitions may be read ahead on other threads: ``get_records(context)``
    asks the state nothing but the starting replication value, and keeps nothing on the
    stream that the reading of another partition would change."""

    def __init__(self, tap: Tap, name: str | None = None,
                 schema: dict[str, Any] | None = None, path: str | None = None) -> None:
        if schema is None and self.schema_package is not None:
            schema = schemas.schema(self.schema_package, name or self.name)
        self._reading = threading.local()
        self._ahead: OrderedPrefetch[Any, dict[str, Any]] | None = None
        super().__init__(tap, name=name, schema=schema, path=path)
        self.budget = RunBudget.from_config(self.config)
        """This stream's ``max_pages`` and ``max_duration``; its clock starts at the first
        question asked of it, unless the stream starts it earlier."""
        self.pages_read = self.repeat_guard()

    @property
    def pages_read(self) -> RepeatGuard:
        """The pages of the listing being read (on this thread), each checked against the
        one before."""
        guard: RepeatGuard | None = getattr(self._reading, "pages", None)
        if guard is None:
            guard = self._reading.pages = self.repeat_guard()
        return guard

    @pages_read.setter
    def pages_read(self, guard: RepeatGuard) -> None:
        self._reading.pages = guard

    @property
    def url_base(self) -> str:
        url = self.config.get(self.url_setting) or self.default_url
        if not url:
            raise ConfigValidationError(f"{self.url_setting}: required, the root of "
                                        f"{self.source}'s API")
        return str(url).rstrip("/")

    @property
    def requests_session(self) -> requests.Session:
        if not isinstance(self._requests_session, OriginSession):
            self._requests_session = OriginSession(
                self.url_base, source=self.source, credential_headers=self.credential_headers,
                url_setting=self.url_setting, pacing=self.request_pacing(),
                slots=self.request_slots())
            pool = HTTPAdapter(pool_maxsize=max(10, concurrency(self.config) + 1))
            for scheme in ("http://", "https://"):
                self._requests_session.mount(scheme, pool)
        return self._requests_session

    @property
    def run_started(self) -> datetime:
        """The run's "now", the same for every stream (the tap's
        :attr:`~observes_singer.tapkit.tap.SourceTap.run_started`)."""
        return cast("SourceTap", self._tap).run_started

    def request_pacing(self) -> Pacing | None:
        """The pacing of this stream's requests: one object shared by all the streams of a
        tap (the source counts the whole run's requests), or None for none."""
        return None

    def request_slots(self) -> RequestSlots | None:
        """The tap's one bound on requests in flight, ``max_concurrent_requests``, shared
        by the sessions of all its streams (None at 1: one thread, one request)."""
        size = concurrency(self.config)
        if size < 2:
            return None
        slots: RequestSlots | None = getattr(self._tap, "_request_slots", None)
        if slots is None:
            slots = RequestSlots(size)
            setattr(self._tap, "_request_slots", slots)  # noqa: B010 - not the tap's own
        return slots

    def get_starting_replication_key_value(self, context: Mapping[str, Any] | None) -> Any:
        """The partition's starting value: on a reader's thread, the one worked out for it
        on the tap's thread (:meth:`starting_value`)."""
        if hasattr(self._reading, "starting"):
            return self._reading.starting
        return super().get_starting_replication_key_value(context)

    def starting_value(self, context: Mapping[str, Any] | None) -> Any:
        """The value singer-sdk will start ``context``'s partition from, worked out from a
        copy of its state, which is left as it is."""
        if self.replication_method == REPLICATION_FULL_TABLE or not self.replication_key:
            return None
        saved = self.saved_state(context)
        scratch = StreamStateManager(
            stream_name=self.name, state_partitioning_keys=self.state_partitioning_keys,
            tap_state={"bookmarks": {self.name: {"partitions": [copy.deepcopy(saved)]}}}
            if saved else {})
        scratch._logger = _SCRATCH_LOG  # the real start logs the same line
        scratch.write_starting_replication_value(
            dict(context) if context else None, self.replication_method,
            self.replication_key, dict(self.config), self.compare_start_date)
        return scratch.get_starting_replication_value(dict(context) if context else None,
                                                      self.replication_method)

    def _sync_records(self, context: Mapping[str, Any] | None = None, *,
                      write_messages: bool = True) -> Generator[dict[str, Any], Any, Any]:
        """singer-sdk's loop over the partitions, their records read ahead on
        ``max_concurrent_requests`` threads when the stream allows it, and so are the
        child streams' that allow it (``prefetch_contexts``)."""
        workers = concurrency(self.config)
        partitions = self.partitions if context is None and self.prefetch_partitions \
            else None
        children = [child for child in self.child_streams
                    if isinstance(child, SourceStream) and child.prefetch_contexts
                    and (child.selected or child.has_selected_descendents)]
        if workers < 2 or not ((partitions and len(partitions) > 1) or children):
            yield from super()._sync_records(context, write_messages=write_messages)
            return
        prefetches: list[OrderedPrefetch[Any, dict[str, Any]]] = []
        if partitions and len(partitions) > 1:
            prefetches.append(self._read_partitions_ahead(partitions, workers))
        if children:
            prefetches += self._read_children_ahead(children, workers)
        try:
            yield from super()._sync_records(context, write_messages=write_messages)
        finally:
            self.__dict__.pop("get_records", None)
            for prefetch in prefetches:
                prefetch.close()
            for child in children:
                child._ahead = None

    def _read_children_ahead(self, children: list[SourceStream], workers: int
                             ) -> list[OrderedPrefetch[Any, dict[str, Any]]]:
        """Each child's records read ahead as this stream's records are read (a window of
        them ahead of those emitted), each child context offered in the order the
        children will be synced. A failure reading this stream's records is raised once
        the records read before it are handed over, as it would be reading in turn."""
        prefetches = []
        for child in children:
            assert child.requests_session is not None  # shared by its readers
            child._ahead = OrderedPrefetch(
                (), child.read_records, workers=workers, setup=child.prepare_reading,
                inline=child.read_now, name=child.name)
            prefetches.append(child._ahead)
        records_of = self.get_records
        window = 2 * workers

        def offering(context: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
            source = iter(records_of(context))
            ahead: deque[dict[str, Any]] = deque()
            failure: Exception | None = None
            more = True
            while True:
                while more and failure is None and len(ahead) < window:
                    try:
                        record = next(source)
                    except StopIteration:
                        more = False
                        break
                    except Exception as error:  # raised in its turn, below
                        failure = error
                        break
                    ahead.append(record)
                    for child_context in self.generate_child_contexts(record, context):
                        for child in children:
                            cast("OrderedPrefetch[Any, dict[str, Any]]",
                                 child._ahead).offer(copy.copy(child_context))
                if not ahead:
                    if failure is not None:
                        raise failure
                    return
                yield ahead.popleft()

        self.get_records = offering  # type: ignore[method-assign]
        return prefetches

    def _read_partitions_ahead(self, partitions: list[dict[str, Any]], workers: int
                               ) -> OrderedPrefetch[Any, dict[str, Any]]:
        assert self.requests_session is not None  # made here, before the readers share it

        def setup(index: int) -> PartitionReading:
            return self.partition_ahead(partitions[index])

        def read(index: int, reading: PartitionReading) -> Iterable[dict[str, Any]]:
            self._reading.starting = reading.starting
            self._reading.partition = reading
            try:
                yield from type(self).get_records(self, partitions[index])
            finally:
                self._reading.__dict__.pop("starting", None)
                self._reading.__dict__.pop("partition", None)

        prefetch = OrderedPrefetch(range(len(partitions)), read, workers=workers,
                                   setup=setup, name=self.name)
        for index in range(len(partitions)):
            prefetch.offer(index)
        order = iter(range(len(partitions)))

        def prefetched(context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
            index = next(order)
            if partitions[index] != (context or {}):
                raise RuntimeError(f"{self.name}: partition {context} taken where "
                                   f"{partitions[index]} was read")
            reading, records = prefetch.take(index)
            yield from records
            self.settle_partition(reading)

        self.get_records = prefetched  # type: ignore[method-assign]
        return prefetch

    def partition_ahead(self, context: Mapping[str, Any]) -> PartitionReading:
        """On the tap's thread, before a reader starts ``context``: its starting value and
        a copy of its state for the reading to write to (the state itself is not made
        yet: a STATE written meanwhile stays what the sequential run writes)."""
        saved = copy.deepcopy(self.saved_state(context)) or \
            {"context": self.state_manager.get_state_partition_context(dict(context))}
        return PartitionReading(dict(context), self.starting_value(context), saved,
                                copy.deepcopy(saved))

    def partition_reading(self, context: Mapping[str, Any] | None) -> PartitionReading:
        """The reading of ``context`` under way on this thread: the one prepared for a
        reader (:meth:`partition_ahead`), or, read in turn on the tap's thread, one that
        writes to the partition's own state."""
        reading: PartitionReading | None = getattr(self._reading, "partition", None)
        if reading is not None:
            return reading
        return PartitionReading(dict(context or {}), None, None,
                                self.get_context_state(context))

    def settle_partition(self, reading: PartitionReading) -> None:
        """On the tap's thread, once a partition's records are all emitted: what its reading
        wrote to its copy of the state goes to the partition's own state, as the reading
        in turn would have written it by then."""
        if reading.saved is None:
            return
        state = self.get_context_state(reading.context)
        for key, value in reading.state.items():
            if key not in reading.saved or reading.saved[key] != value:
                state[key] = copy.deepcopy(value)
        for key in reading.saved:
            if key not in reading.state:
                state.pop(key, None)

    def prepare_reading(self, context: Mapping[str, Any] | None) -> Any:
        """For a child stream read ahead (``prefetch_contexts``): what its reading of
        ``context`` needs from the tap's thread (the state), worked out there before the
        reading starts; by default nothing."""
        return None

    def read_records(self, context: Mapping[str, Any] | None, prepared: Any
                     ) -> Iterable[dict[str, Any]]:
        """For a child stream read ahead: the records of ``context``, read on a reader's
        thread (or the tap's) with what :meth:`prepare_reading` gave; by default
        :meth:`request_records`."""
        return self.request_records(context)

    def read_now(self, context: Mapping[str, Any] | None
                 ) -> tuple[Any, Iterable[dict[str, Any]]]:
        """:meth:`reading` of a context no reader started: prepared and read now."""
        prepared = self.prepare_reading(context)
        return prepared, self.read_records(context, prepared)

    def reading(self, context: Mapping[str, Any] | None
                ) -> tuple[Any, Iterator[dict[str, Any]]]:
        """For a child stream read ahead, in its ``get_records``: what was prepared for
        ``context`` and its records, read ahead when the parent offered it."""
        if self._ahead is not None:
            return self._ahead.take(context)
        prepared, records = self.read_now(context)
        return prepared, iter(records)

    def read_ahead(self, context: Mapping[str, Any] | None) -> bool:
        """Whether the reading of ``context`` has begun on a reader's thread (a stream
        that would skip a context, out of time, takes one begun: its reading stops where
        the stream's own checks say, and the bookmark goes on from there)."""
        return self._ahead is not None and self._ahead.started(context)

    def saved_state(self, context: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The state of ``context``'s partition as the input state had it, read without
        making it (``get_context_state`` makes a partition it does not find)."""
        where = self.state_manager.get_state_partition_context(
            dict(context) if context else None)
        return next((p for p in get_state_partitions_list(self.tap_state, self.name) or []
                     if p.get("context") == where), None)

    def describe(self, request: requests.PreparedRequest | None) -> str:
        """What ``request`` reads, for messages: by default the stream and the path."""
        path = safe_path(request.url or "") if request is not None else self.path
        return f"{self.name} ({path})"

    def repeat_guard(self) -> RepeatGuard:
        """A listing's guard against a page that repeats the previous one. Empty pages
        are not compared: a cursor may lead through several, and page numbers end at
        the first."""
        return RepeatGuard(self.source, self.primary_keys or (), empty_pages_repeat=False)

    def request_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        self.pages_read = self.repeat_guard()
        yield from super().request_records(context)

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        """The page's records, once they are known not to repeat the page before."""
        records = list(super().parse_response(response))
        self.pages_read.check(records, self.describe(response.request))
        return records

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if self.retry_policy.retries(status):
            where = self.describe(response.request)
            raise RetriableAPIError(f"{status} from {self.source} for {where}", response)
        if status >= 400:
            raise status_error(self.source, self.describe(response.request), status,
                               self.hints, response.reason or "")

    def backoff_max_tries(self) -> int:
        return self.retry_policy.max_tries

    def backoff_wait_generator(self) -> Generator[float, None, None]:
        return self.retry_policy.wait_generator()

    def backoff_jitter(self, value: float) -> float:
        """None added: the policy jitters its own backoff, and a wait the source asked
        for is kept as asked."""
        return value

    def backoff_handler(self, details: Details) -> None:
        failure = details.get("exception")
        response = getattr(failure, "response", None)
        what = (f"{response.status_code} from {self.source}"
                if isinstance(response, requests.Response) else f"no answer from {self.source}")
        where = self.describe(response.request if isinstance(response, requests.Response)
                              else None)
        self.logger.warning("%s for %s; retrying in %.1f s (try %d of %d)", what, where,
                            details.get("wait", 0.0), details.get("tries", 0),
                            self.retry_policy.max_tries)
        slots = self.request_slots()
        if slots is not None and isinstance(response, requests.Response) \
                and response.status_code == 429:
            slots.hold(details.get("wait", 0.0))  # the limit is the account's: all wait

    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        retried = super().request_decorator(func)

        @functools.wraps(func)
        def request(prepared_request: requests.PreparedRequest,
                    context: Mapping[str, Any] | None) -> requests.Response:
            tries = self.retry_policy.max_tries
            try:
                return retried(prepared_request, context)
            except RetriableAPIError as exc:
                response = exc.response
                if response is None:
                    raise
                raise status_error(self.source, self.describe(prepared_request),
                                   response.status_code, self.hints, response.reason or "",
                                   tries) from None
            except NO_ANSWER as exc:
                raise no_answer_error(self.source, self.describe(prepared_request), exc,
                                      tries) from None

        return request
