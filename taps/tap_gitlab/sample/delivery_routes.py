"""The sample GitLab's delivery endpoints, answered as GitLab does (``doc/api`` and
``lib/api`` of gitlabhq/gitlabhq):

- ``repository/commits``: newest first; ``ref_name`` (a branch, the default one when absent),
  ``since`` and ``until`` (both "on or after"/"on or before"), ``with_stats``,
  ``trailers``; paged without a count, as GitLab pages commits: no ``X-Total`` or
  ``X-Total-Pages``, and a next page announced whenever a page is full, so that the page
  after the last full one is empty;
- ``deployments``: ``order_by`` (``id`` by default, ``iid``, ``created_at``, ``updated_at``,
  ``ref``), ``sort`` (``asc`` by default), ``updated_after``/``updated_before`` (on or
  after/before, as GitLab's ``UpdatedAtFilterable``; a 400 unless ordered by
  ``updated_at``, as ``DeploymentsFinder`` answers), ``environment``, ``status``
  (``finished_after``/``finished_before`` are not served: ``order_by=finished_at`` is a
  400, as GitLab answers it without them);
- ``environments``: ``name``, ``search``, ``states``;
- ``releases``: ``order_by`` (``released_at`` by default, ``created_at``), ``sort``
  (``desc`` by default), ``include_html_description``;
- ``repository/tags``: ``order_by`` (``updated`` by default, ``name``, ``version``),
  ``sort`` (``desc`` by default), ``search``;
- ``repository/branches``: by name, ``search``;
- ``milestones``: ``state``, ``title``, ``search``, ``updated_after``/``updated_before``
  (on or after/before), ordered by due date (none last), then title, as
  ``MilestonesFinder`` orders them;
- ``labels``: ``with_counts`` (the counts are left out without it), ``search``.

A project without a repository answers the repository endpoints with ``404 Repository Not
Found``. Every listing is paged by the tap kit's :func:`offset_page` (``Link: rel="next"``
and ``X-Next-Page``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from observes_singer.tapkit.fake_api.paging import next_link, offset_page
from observes_singer.tapkit.fake_api.server import FakeAPI, Reply, Request
from tap_gitlab.sample.delivery_data import DeliveryData, Record, parse_time

TRUE = ("true", "1", "yes")


class HasDelivery(Protocol):
    """A sample project: the sample server's ``Project``."""

    @property
    def delivery(self) -> DeliveryData: ...


Find = Callable[[str], HasDelivery | None]


def add_delivery_routes(server: FakeAPI, find: Find) -> None:
    """Answer the delivery endpoints on ``server`` for the projects ``find`` returns (by id
    or path). Register before any catch-all ``/projects/{project}/...`` route."""
    routes = _Routes(server, find)
    for resource, handler in (
        ("repository/commits", routes.commits),
        ("deployments", routes.deployments),
        ("environments", routes.environments),
        ("releases", routes.releases),
        ("repository/tags", routes.tags),
        ("repository/branches", routes.branches),
        ("milestones", routes.milestones),
        ("labels", routes.labels),
    ):
        server.route("GET", f"/projects/{{project}}/{resource}", handler)


class _Routes:
    def __init__(self, server: FakeAPI, find: Find) -> None:
        self.server = server
        self.find = find

    def _data(self, project: str) -> DeliveryData | None:
        found = self.find(project)
        return found.delivery if found is not None else None

    def _page(self, request: Request, items: Sequence[Record]) -> Reply:
        return offset_page(request, items,
                           link_origin=getattr(self.server, "link_origin", None))

    def _respond(self, request: Request, project: str,
                 answer: Callable[[DeliveryData], Reply], repository: bool = False) -> Reply:
        data = self._data(project)
        if data is None:
            return Reply(404, {"message": "404 Project Not Found"})
        if repository and not data.repository:
            return Reply(404, {"message": "404 Repository Not Found"})
        return answer(data)

    # -- commits ------------------------------------------------------------------------------

    def commits(self, request: Request, project: str) -> Reply:
        return self._respond(request, project, lambda data: self._commits(request, data),
                             repository=True)

    def _commits(self, request: Request, data: DeliveryData) -> Reply:
        query = request.query
        history = list(data.commits)
        ref = query.get("ref_name") or None
        if ref is not None:
            heads = {b["name"]: b["commit"]["id"] for b in data.branches}
            if ref not in heads:
                return self._commit_page(request, [])
            ids = [c["id"] for c in history]
            history = history[: ids.index(heads[ref]) + 1] if heads[ref] in ids else []
        try:
            since = parse_time(query["since"]) if query.get("since") else None
            until = parse_time(query["until"]) if query.get("until") else None
        except ValueError:
            return Reply(400, {"error": "since is invalid"})
        found = [c for c in history
                 if (since is None or _time(c["committed_date"]) >= since)
                 and (until is None or _time(c["committed_date"]) <= until)]
        # git log's default order: newest first, a child before its parent
        position = {c["id"]: n for n, c in enumerate(history)}
        found.sort(key=lambda c: (_time(c["committed_date"]), position[c["id"]]), reverse=True)
        shown = []
        for c in found:
            c = copy.deepcopy(c)
            if query.get("with_stats", "").lower() not in TRUE:
                c.pop("stats", None)
            if query.get("trailers", "").lower() not in TRUE:
                c["trailers"], c["extended_trailers"] = {}, {}
            shown.append(c)
        return self._commit_page(request, shown)

    def _commit_page(self, request: Request, items: list[Record]) -> Reply:
        """GitLab pages commits without counting them (``paginate(...,
        without_count: true)`` with a total of ``offset + page size + 1``): no totals, and
        a next page whenever this one is full."""
        reply = offset_page(request, items, link_origin=getattr(self.server, "link_origin",
                                                                None))
        for header in ("X-Total", "X-Total-Pages"):
            reply.headers.pop(header, None)
        size = int(reply.headers["X-Per-Page"])
        page = int(reply.headers["X-Page"])
        if len(reply.body) == size and "Link" not in reply.headers:
            link = next_link(request, {"page": page + 1, "per_page": size},
                             getattr(self.server, "link_origin", None))
            reply.headers["Link"] = f'<{link}>; rel="next"'
            reply.headers["X-Next-Page"] = str(page + 1)
        return reply

    # -- deployments and environments ---------------------------------------------------------

    def deployments(self, request: Request, project: str) -> Reply:
        return self._respond(request, project, lambda data: self._deployments(request, data))

    def _deployments(self, request: Request, data: DeliveryData) -> Reply:
        query = request.query
        order = query.get("order_by", "id")
        if order not in ("id", "iid", "created_at", "updated_at", "finished_at", "ref"):
            return Reply(400, {"error": "order_by does not have a valid value"})
        if (query.get("updated_after") or query.get("updated_before")) and order != "updated_at":
            return Reply(400, {"message": "400 Bad request - `updated_at` filter requires "
                                          "`updated_at` sort"})
        if order == "finished_at":  # finished_after/before are not served here
            return Reply(400, {"message": "400 Bad request - `finished_at` sort requires "
                                          "`finished_at` filter or a filter with at least "
                                          "one of the finished statuses."})
        items = _updated_between(data.deployments, query)
        if query.get("environment"):
            items = [d for d in items if d["environment"]["name"] == query["environment"]]
        if query.get("status"):
            items = [d for d in items if d["status"] == query["status"]]
        key: Callable[[Record], Any] = (
            (lambda d: (_time(d[order]), d["id"])) if order.endswith("_at") else
            (lambda d: (d[order], d["id"])))
        items.sort(key=key, reverse=query.get("sort") == "desc")
        return self._page(request, items)

    def environments(self, request: Request, project: str) -> Reply:
        return self._respond(request, project, lambda data: self._environments(request, data))

    def _environments(self, request: Request, data: DeliveryData) -> Reply:
        query = request.query
        items = list(data.environments)
        if query.get("name"):
            items = [e for e in items if e["name"] == query["name"]]
        if query.get("search"):
            items = [e for e in items if query["search"].lower() in e["name"].lower()]
        if query.get("states"):
            items = [e for e in items if e["state"] == query["states"]]
        return self._page(request, sorted(items, key=lambda e: e["id"]))

    # -- releases, tags, branches -------------------------------------------------------------

    def releases(self, request: Request, project: str) -> Reply:
        return self._respond(request, project, lambda data: self._releases(request, data))

    def _releases(self, request: Request, data: DeliveryData) -> Reply:
        query = request.query
        order = "created_at" if query.get("order_by") == "created_at" else "released_at"
        items = sorted(data.releases, key=lambda r: (r[order], r["tag_name"]),
                       reverse=query.get("sort", "desc") != "asc")
        if query.get("include_html_description", "").lower() in TRUE:
            items = [{**r, "description_html": f"<p>{r['description']}</p>"} for r in items]
        return self._page(request, items)

    def tags(self, request: Request, project: str) -> Reply:
        return self._respond(request, project, lambda data: self._tags(request, data),
                             repository=True)

    def _tags(self, request: Request, data: DeliveryData) -> Reply:
        query = request.query
        items = list(data.tags)
        if query.get("search"):
            items = [t for t in items if query["search"].lower() in t["name"].lower()]
        order = query.get("order_by", "updated")
        key: Callable[[Record], Any] = (
            (lambda t: t["name"]) if order == "name" else
            (lambda t: tuple(int(p) if p.isdigit() else 0 for p in
                             t["name"].lstrip("v").split("."))) if order == "version" else
            (lambda t: (_time(t["commit"]["committed_date"]), t["name"])))
        items.sort(key=key, reverse=query.get("sort", "desc") != "asc")
        return self._page(request, items)

    def branches(self, request: Request, project: str) -> Reply:
        return self._respond(request, project, lambda data: self._branches(request, data),
                             repository=True)

    def _branches(self, request: Request, data: DeliveryData) -> Reply:
        items = sorted(data.branches, key=lambda b: b["name"])
        search = request.query.get("search")
        if search:
            items = [b for b in items if search.strip("^$").lower() in b["name"].lower()]
        return self._page(request, items)

    # -- milestones and labels ----------------------------------------------------------------

    def milestones(self, request: Request, project: str) -> Reply:
        return self._respond(request, project, lambda data: self._milestones(request, data))

    def _milestones(self, request: Request, data: DeliveryData) -> Reply:
        query = request.query
        items = _updated_between(data.milestones, query)
        if query.get("state") in ("active", "closed"):
            items = [m for m in items if m["state"] == query["state"]]
        if query.get("title"):
            items = [m for m in items if m["title"] == query["title"]]
        if query.get("search"):
            wanted = query["search"].lower()
            items = [m for m in items if wanted in m["title"].lower()
                     or wanted in (m["description"] or "").lower()]
        items.sort(key=lambda m: (m["due_date"] is None, m["due_date"] or "", m["title"]))
        return self._page(request, items)

    def labels(self, request: Request, project: str) -> Reply:
        return self._respond(request, project, lambda data: self._labels(request, data))

    def _labels(self, request: Request, data: DeliveryData) -> Reply:
        query = request.query
        items = list(data.labels)
        if query.get("search"):
            items = [lb for lb in items if query["search"].lower() in lb["name"].lower()]
        if query.get("with_counts", "").lower() not in TRUE:
            counts = ("open_issues_count", "closed_issues_count", "open_merge_requests_count")
            items = [{k: v for k, v in lb.items() if k not in counts} for lb in items]
        return self._page(request, items)


def _time(text: str) -> datetime:
    return parse_time(text)


def _updated_between(items: list[Record], query: dict[str, str]) -> list[Record]:
    """``updated_after`` and ``updated_before``, both inclusive (``updated_at >=`` and
    ``<=``, GitLab's ``UpdatedAtFilterable``)."""
    found = list(items)
    if query.get("updated_after"):
        since = parse_time(query["updated_after"])
        found = [i for i in found if _time(i["updated_at"]) >= since]
    if query.get("updated_before"):
        until = parse_time(query["updated_before"])
        found = [i for i in found if _time(i["updated_at"]) <= until]
    return found
