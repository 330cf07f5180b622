"""What a warehouse of GitLab needs beyond CI: commits, deployments and environments (DORA's
deployment frequency, lead time for changes and change failure rate), releases, tags,
branches, milestones and labels. One partition (and one bookmark) per project, like the
other streams.

How each resumes after a run stopped by ``max_pages`` or ``max_duration``:

- ``deployments`` lists oldest change first (``order_by=updated_at&sort=asc``), so the
  bookmark is the last record emitted, as for pipelines (:class:`UpdatedStream`).
- ``commits`` come newest first and cannot be asked otherwise: a bookmark taken from the
  first page would skip the older pages a stopped run did not read. The bookmark moves only
  once a partition is read to its end. A stopped run leaves where it stopped instead: the
  newest ``committed_date`` of that pass, sent as ``until`` from then on so that the
  listing stays the same while new commits arrive, and the page and row to go on from.
- ``milestones`` come by due date, not by change, and a listing that changes under offset
  pages can skip records: a stopped run keeps the old bookmark, and the next one reads
  again from it (repeats, folded by the target's upsert, rather than gaps).
- ``environments``, ``releases``, ``tags``, ``branches`` and ``labels`` are read whole each
  run (GitLab offers no filter by change for them); a stopped run leaves the page and row
  to go on from, so a bounded run never reads only the first pages over and over.

A bookmark never passes the run's start: a commit dated in the future (a committer's
clock set wrong) leaves it at the run's start and is read again each run.

GitLab's ``since`` and ``updated_after`` are "on or after": the records that have the
bookmark's own value come again in the next run. Their ids are kept with the bookmark
(``seen_at_bookmark``) and they are not emitted twice; a record that reaches the same
value later is new to that list and is emitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import requests

from observes_singer.tapkit.budget import RunBudget
from observes_singer.tapkit.moments import iso
from observes_singer.tapkit.rest import PartitionReading
from tap_gitlab.streams import BoundedPaginator, GitLabStream, UpdatedStream

Record = dict[str, Any]
Context = Mapping[str, Any]


def instant(text: Any) -> datetime | None:
    """A GitLab timestamp (``Z`` or an offset) as an aware datetime; None for no value."""
    if not isinstance(text, str) or not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def query_time(text: str, *, whole_seconds: bool = False, round_up: bool = False) -> str:
    """A bookmark as a query parameter, in UTC as GitLab's documentation writes it
    (``2026-01-02T03:04:05Z``, with milliseconds when the value has them); Git dates have
    whole seconds."""
    moment = instant(text)
    if moment is None:
        raise ValueError(f"not a timestamp: {text!r}")
    moment = moment.astimezone(UTC)
    if whole_seconds and moment.microsecond:
        moment = moment.replace(microsecond=0)
        if round_up:
            moment += timedelta(seconds=1)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Edge:
    """The newest value of a timestamp met (as GitLab wrote it) and the ids of the records
    that have it."""

    text: str | None = None
    moment: datetime | None = None
    ids: set[Any] = field(default_factory=set)

    @classmethod
    def saved(cls, saved: Any, bookmark: Any = None) -> Edge:
        """From state: ``{"value": ..., "ids": [...]}``, kept only when it belongs to
        ``bookmark``; else the bookmark alone, with no ids."""
        edge = cls.at(bookmark)
        if isinstance(saved, Mapping) and edge.moment is not None and \
                instant(saved.get("value")) == edge.moment:
            edge.ids = set(saved.get("ids") or [])
        return edge

    @classmethod
    def at(cls, text: Any, ids: Iterable[Any] = ()) -> Edge:
        moment = instant(text)
        return cls(text if moment else None, moment, set(ids) if moment else set())

    def add(self, text: Any, identifier: Any) -> None:
        moment = instant(text)
        if moment is None:
            return
        if self.moment is None or moment > self.moment:
            self.text, self.moment, self.ids = text, moment, {identifier}
        elif moment == self.moment:
            self.ids.add(identifier)

    def merge(self, other: Edge) -> Edge:
        """The newer of both; the ids of both when they have the same value."""
        if other.moment is None:
            return self
        if self.moment is None or other.moment > self.moment:
            return other
        if other.moment < self.moment:
            return self
        return Edge(self.text, self.moment, self.ids | other.ids)

    def has(self, text: Any, identifier: Any) -> bool:
        return self.moment is not None and instant(text) == self.moment and \
            identifier in self.ids

    def as_state(self) -> dict[str, Any]:
        return {"value": self.text, "ids": sorted(self.ids, key=str)}


class ResumablePaginator(BoundedPaginator):
    """:class:`BoundedPaginator` that tells a stop at ``max_pages`` with pages left
    (``truncated``) from the end of the listing."""

    def __init__(self, budget: RunBudget) -> None:
        super().__init__(budget)
        self.truncated = False
        self.passed_over = False
        """The last page had rows, all of them read before: go on to the next."""

    def has_more(self, response: requests.Response) -> bool:
        more = super().has_more(response)
        if not more and self.budget.out_of_pages():
            self.truncated = "next" in response.links
        return more

    def continue_if_empty(self, response: requests.Response) -> bool:
        passed_over, self.passed_over = self.passed_over, False
        return passed_over


@dataclass
class Pass:
    """Where the reading of one partition is, kept on the thread that reads it: several
    projects are read at once (``max_concurrent_requests``)."""

    reading: PartitionReading
    paginator: ResumablePaginator | None = None
    ended_empty: bool = False
    page_rows: int = 0
    page_length: int = 0
    first_page: int = 1
    skip_rows: int = 0
    bookmark: Edge = field(default_factory=Edge)
    """The bookmark and the ids emitted with its value (not emitted again)."""
    top: Edge = field(default_factory=Edge)
    """The newest value read in this pass, and its ids."""
    until: str | None = None


class PassStream(GitLabStream):
    """A stream whose reading of a partition keeps where it is in a :class:`Pass`, on the
    thread that reads it, and writes the partition's state through its
    :class:`PartitionReading`: the projects are read ahead, several at once, and the state
    is settled on the tap's thread in their order."""

    prefetch_partitions = True

    @property
    def current(self) -> Pass:
        """This thread's pass."""
        return cast("Pass", self._reading.pass_)

    def start_pass(self, context: Context | None) -> Pass:
        pass_ = Pass(self.partition_reading(context))
        self._reading.pass_ = pass_
        return pass_

    def settle_in_turn(self, pass_: Pass) -> None:
        """Read in turn on the tap's thread: settled now (read ahead, the tap's thread
        settles it once the records are emitted)."""
        if pass_.reading.saved is None:
            self.settle_partition(pass_.reading)


class PagedStream(PassStream):
    """A stream that knows how far it read a partition: to its end, or to which page and
    row (``stopped_at``), and that can start a partition at a page, past its first rows."""

    primary_keys: tuple[str, ...] = ("project_path", "id")

    # -- reading a partition ------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[Record]:
        pass_ = self.start_pass(context)
        state = pass_.reading.state
        self.begin(state)
        yield from super().get_records(context)
        self.end(state, self.stopped_at())
        self.settle_in_turn(pass_)

    def begin(self, state: dict[str, Any]) -> None:
        """Before a partition: read what the state says of it."""

    def end(self, state: dict[str, Any], stop: tuple[int, int] | None) -> None:
        """After a partition: ``stop`` is None when it was read to its end, else the page
        and the rows of it read."""

    def emitted_before(self, row: Record) -> bool:
        """Whether a row of the listing was emitted by an earlier run (it is passed over
        before it reaches singer-sdk, so that it counts for no record, not even for
        ``max_duration``)."""
        return False

    def met(self, row: Record) -> None:
        """A row of the listing that will be emitted, met in order on the thread that reads
        the partition (which may be ahead of the records emitted)."""

    def keep(self, row: Record, context: Context | None) -> Record | None:
        """A row of the listing, in order, about to be emitted (on the tap's thread): the
        record to emit."""
        return row

    # -- where it stopped ---------------------------------------------------------------------

    def get_new_paginator(self) -> ResumablePaginator:
        pass_ = self.current
        pass_.paginator = ResumablePaginator(self.budget.part())
        pass_.ended_empty = False
        pass_.page_rows = 0
        return pass_.paginator

    def parse_response(self, response: requests.Response) -> Iterable[Record]:
        rows = list(super().parse_response(response))
        pass_ = self.current
        pass_.page_rows, pass_.page_length, pass_.ended_empty = 0, len(rows), not rows
        passed = 0
        for row in rows:
            pass_.page_rows += 1  # before the yield: a stop comes after the record
            if pass_.skip_rows:  # read by the run that stopped inside this page
                pass_.skip_rows -= 1
            elif not self.emitted_before(row):
                self.met(row)
                yield row
                continue
            passed += 1
        if rows and passed == len(rows) and pass_.paginator is not None:
            pass_.paginator.passed_over = True

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        return self.keep(row, context)

    def stopped_at(self) -> tuple[int, int] | None:
        """None when the partition was read to its end; else the page to go on from and how
        many of its rows were read (a stop at ``max_pages`` ends after a whole page; one at
        ``max_duration`` may end inside one)."""
        pass_ = self.current
        paginator = pass_.paginator
        if paginator is None:
            return None
        page = pass_.first_page + paginator.pages
        if paginator.finished:
            return (page, 0) if paginator.truncated else None
        if pass_.ended_empty:  # an empty page: the listing's end
            return None
        if pass_.page_rows >= pass_.page_length:  # stopped after a page's last row
            return page + 1, 0
        return page, pass_.page_rows

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        if not next_page_token and self.current.first_page > 1:
            params["page"] = self.current.first_page
        return params


class RepositoryStream(PagedStream):
    """A listing of the project's Git repository. A project whose repository is missing (a
    failed import) or disabled has nothing to read there, which GitLab answers with ``404
    Repository Not Found``: that is logged and the project skipped; any other 404 stays an
    error."""

    def validate_response(self, response: requests.Response) -> None:
        if response.status_code == 404 and _message(response) == "404 Repository Not Found":
            self.logger.warning("%s: the project has no repository (missing or disabled); "
                                "nothing to read", self.describe(response.request))
            return
        super().validate_response(response)

    def parse_response(self, response: requests.Response) -> Iterable[Record]:
        if response.status_code == 404:
            pass_ = self.current
            pass_.page_rows, pass_.page_length, pass_.ended_empty = 0, 0, True
            return iter(())
        return super().parse_response(response)


def _message(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("message") if isinstance(body, dict) else None


class WholeStream(PagedStream):
    """Read whole each run; a stopped run leaves the page and row to go on from
    (``resume``), the next run goes on there, and the one after starts over."""

    def begin(self, state: dict[str, Any]) -> None:
        resume = state.get("resume") or {}
        self.current.first_page = max(1, int(resume.get("page") or 1))
        self.current.skip_rows = max(0, int(resume.get("rows") or 0))

    def end(self, state: dict[str, Any], stop: tuple[int, int] | None) -> None:
        if stop is None:
            state.pop("resume", None)
        else:
            state["resume"] = {"page": stop[0], "rows": stop[1]}


class UnsortedStream(PagedStream):
    """An incremental stream GitLab lists in another order than its replication key's:
    singer-sdk's own bookkeeping (the newest value seen, promoted at the end of the
    partition whether or not it was read to the end) is not used; the bookmark moves when
    :meth:`end` says so."""

    is_sorted = False

    def begin(self, state: dict[str, Any]) -> None:
        bookmark = state.get("replication_key_value") \
            if state.get("replication_key") == self.replication_key else None
        self.current.bookmark = Edge.saved(state.get("seen_at_bookmark"), bookmark)

    def emitted_before(self, row: Record) -> bool:
        # emitted when the bookmark was taken: "since" and "updated_after" are "on or after"
        return self.current.bookmark.has(row.get(str(self.replication_key)), row["id"])

    def met(self, row: Record) -> None:
        self.current.top.add(row.get(str(self.replication_key)), row["id"])

    def _increment_stream_state(self, latest_record: Record, *,
                                context: Context | None = None) -> None:
        """Nothing: :meth:`end` moves the bookmark, once the partition is read to its
        end."""

    def advance(self, state: dict[str, Any], top: Edge) -> None:
        """Move the bookmark to ``top`` (when newer), remembering the ids read with its
        value; never past the run's start. A commit's date is the committer's clock, which
        may be years ahead: the bookmark then stays at the run's start, and that commit is
        read again each run (the target's upsert folds it) rather than every run failing
        on a bookmark in the future."""
        newest = self.current.bookmark.merge(top)
        if newest.moment is None:
            return
        if newest.moment > self.run_started:
            newest = Edge.at(iso(self.run_started))
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = newest.text
        state["seen_at_bookmark"] = newest.as_state()

    def since(self, context: Context | None) -> str | None:
        """The bookmark, or ``start_date`` on a first run (the later of both)."""
        value = self.get_starting_replication_key_value(context)
        return str(value) if value else None


# -- the streams ------------------------------------------------------------------------------

class CommitsStream(RepositoryStream, UnsortedStream):
    """The default branch's commits: ``ref_name`` is left out, as GitLab then lists the
    default branch (``ref = params[:ref_name].presence || user_project.default_branch``),
    with no call to find its name. ``committed_date`` is the bookmark: ``since`` and
    ``until`` compare it (``git log --since``), and ``created_at`` is always the same
    (doc/api/commits.md)."""

    name = "commits"
    resource = "repository/commits"
    replication_key = "committed_date"

    def begin(self, state: dict[str, Any]) -> None:
        super().begin(state)
        resume = state.get("resume") or {}
        pass_ = self.current
        pass_.until = resume.get("until") or None
        if pass_.until:
            pass_.first_page = max(1, int(resume.get("page") or 1))
            pass_.skip_rows = max(0, int(resume.get("rows") or 0))
            pass_.top = Edge.at(pass_.until, resume.get("newest_ids") or ())

    def end(self, state: dict[str, Any], stop: tuple[int, int] | None) -> None:
        top = self.current.top
        if stop is None:
            self.advance(state, top)
            state.pop("resume", None)
        elif top.moment is not None:
            state["resume"] = {"until": top.text, "newest_ids": sorted(top.ids),
                               "page": stop[0], "rows": stop[1]}

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        if not next_page_token:
            params.update({"with_stats": "true", "trailers": "true"})
            since = self.since(context)
            if since:
                params["since"] = query_time(since, whole_seconds=True)
            until = self.current.until
            if until:
                params["until"] = query_time(until, whole_seconds=True, round_up=True)
        return params


class DeploymentsStream(PassStream, UpdatedStream):
    """Deployments, oldest change first: a deployment that was running at the last run is
    read again once it finishes (its ``updated_at`` moves). With ``environments`` (their
    ``tier``), what DORA's deployment frequency, lead time for changes and change failure
    rate are computed from."""

    name = "deployments"
    resource = "deployments"

    def get_records(self, context: Context | None) -> Iterable[Record]:
        pass_ = self.start_pass(context)
        state = pass_.reading.state
        bookmark = state.get("replication_key_value") \
            if state.get("replication_key") == self.replication_key else None
        pass_.bookmark = Edge.saved(state.get("seen_at_bookmark"), bookmark)
        yield from super().get_records(context)
        pass_.reading.notes.update(seen=pass_.bookmark, top=pass_.top)
        self.settle_in_turn(pass_)

    def settle_partition(self, reading: PartitionReading) -> None:
        """singer-sdk moved the bookmark record by record, on the tap's thread: the ids
        read with its value are kept beside it."""
        super().settle_partition(reading)
        seen, top = reading.notes.get("seen"), reading.notes.get("top")
        if seen is None or top is None:
            return
        state = self.get_context_state(reading.context)
        value = state.get("replication_key_value")
        if top.moment is not None and instant(value) == top.moment:
            state["seen_at_bookmark"] = seen.merge(top).as_state()

    def parse_response(self, response: requests.Response) -> Iterable[Record]:
        seen, top = self.current.bookmark, self.current.top
        for row in super().parse_response(response):
            if not seen.has(row.get("updated_at"), row["id"]):
                top.add(row.get("updated_at"), row["id"])
                yield row  # else emitted by the run that took the bookmark


class EnvironmentsStream(WholeStream):
    name = "environments"
    resource = "environments"
    primary_keys = ("id",)


class ReleasesStream(WholeStream):
    """Oldest first (``order_by=created_at&sort=asc``): a new release goes at the end of
    the listing rather than moving the others along the pages."""

    name = "releases"
    resource = "releases"
    primary_keys = ("project_path", "tag_name")

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        if not next_page_token:
            params.update({"order_by": "created_at", "sort": "asc"})
        return params


class TagsStream(RepositoryStream, WholeStream):
    """Oldest first (``order_by=updated&sort=asc``), for the same reason as releases."""

    name = "tags"
    resource = "repository/tags"
    primary_keys = ("project_path", "name")

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        if not next_page_token:
            params.update({"order_by": "updated", "sort": "asc"})
        return params


class BranchesStream(RepositoryStream, WholeStream):
    name = "branches"
    resource = "repository/branches"
    primary_keys = ("project_path", "name")


class MilestonesStream(UnsortedStream):
    """``updated_after`` the bookmark; GitLab lists milestones by due date, so the bookmark
    moves only once a partition is read to its end, and a stopped run is read again from
    the old bookmark."""

    name = "milestones"
    resource = "milestones"
    primary_keys = ("id",)
    replication_key = "updated_at"

    def end(self, state: dict[str, Any], stop: tuple[int, int] | None) -> None:
        if stop is None:
            self.advance(state, self.current.top)
            return
        self.logger.warning(
            "milestones of project %s: stopped with more to read; GitLab lists them by due "
            "date, not by change, so the bookmark stays and the next run reads them again "
            "from it (raise max_pages if this repeats)", state.get("context", {}).get(
                "project_path", "?"))

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        since = self.since(context)
        if not next_page_token and since:
            params["updated_after"] = query_time(since)
        return params


class LabelsStream(WholeStream):
    """The project's labels and its groups' (``include_ancestor_groups`` is GitLab's
    default): a group label has the same id in every project, hence the key."""

    name = "labels"
    resource = "labels"
    primary_keys = ("project_path", "id")

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        if not next_page_token:
            params["with_counts"] = "true"
        return params


DELIVERY_STREAMS: list[type[GitLabStream]] = [
    CommitsStream, DeploymentsStream, EnvironmentsStream, ReleasesStream, TagsStream,
    BranchesStream, MilestonesStream, LabelsStream]
