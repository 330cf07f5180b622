"""Time Doctor's API on loopback, with a sample company: for the demo and the tests.

Built on the tap kit's fake API, it answers the routes tap-timedoctor reads the way Time
Doctor's API reference (https://timedoctor.redoc.ly/) and the clients built on it show
them, under ``/api/1.0``:

- ``POST /login`` with ``email``, ``password`` (and ``permissions``, ``totpCode``):
  ``{"data": {"token", "expires", "createdAt", "companies": [...]}}`` (``companies``
  empty or left out as :attr:`SampleCompany.login_companies` says), or a 401;
- ``Authorization: JWT <token>`` on every other call, else a 401 with an error body;
- ``GET /authorization``: the login and its ``companies``;
- ``company`` on every data call: a missing one is a 400, one the login is not in a 403;
- ``GET /users``, ``/projects``, ``/tasks``: ``{"data": [...]}`` paged by ``limit`` (1 to
  1000) and ``page``, the token of the next page the answer carries: ``page.next`` on
  ``/users`` and ``/projects``, ``paging.next`` elsewhere, none on the last page; the
  token counts the records to skip, so that a client sending page numbers instead reads
  overlapping pages, as it would from Time Doctor;
- ``GET /activity/worklog``, ``/activity/timeuse`` and ``/activity/edit-time``: ``user``
  (ids, comma-separated),
  ``from`` and ``to`` (ISO 8601, ``to`` excluded), at most 7 days apart here (the
  reference's recommendation, held to so that the tap is); ``{"data": [[...], ...]}``,
  one list per user, each paged by ``limit`` and ``page`` (``paging.next``, as above:
  the answer goes on while any user's list does); the rows that overlap the
  range (a session begun before ``from`` and still going is answered too: the reference
  does not say, and this is the case that asks more of a client); task and project names
  only with ``task-project-names=true``; time-use rows without ``userId``;
- ``GET /files/screenshot`` and ``/files/video``: the same query; ``{"data": [...]}``, the
  moments of the users asked for whose ``date`` is in the range, each with its files in
  ``numbers``, paged the same way.

The fields of every record, and the public source of each, are listed in
``tests/taps/tap_timedoctor/documented.py``; its tests hold this server to them.

Where the shapes come from (read 2026-12-07):

- paging: Fluid Attacks' Time Doctor client,
  ``fluidattacks-timedoctor-sdk`` 5.2.2 on PyPI: ``client/_common.py``
  (``_decode_next_cursor``: the answer's ``paging.next``, else ``page.next``, a string
  or a number, sent back as ``page``; no token, no further page), ``client/_get_users.py``
  and ``client/_get_projects.py`` (``page.next``, a string), ``client/_computer_activity/
  _get.py`` (``/files/...`` paged through ``paging``); a public client describes ``page``
  as the number of results to skip. The client asks for no ``limit``; the sample honours
  one. ``/tasks`` and ``/activity/...`` are not paged by that client: the sample answers
  them with ``paging``, the shape its common decoder reads first. ``/files/...``: the
  same client's ``client/_computer_activity/_get.py`` (``company``, ``user``, ``from``,
  ``to``, ``page``; ``data`` a list of moments, ``decode_data``) and ``_decode.py`` (each
  moment's ``userId``, ``date``, ``deviceId`` and ``numbers``).
- login: the API reference's login answer names its expiry ``expires``; the same client
  (``auth/_new_token.py``) reads only ``data.token``, and reads the companies from
  ``GET /authorization`` (``client/_get_companies.py``: ``data.companies``, each ``id``
  and ``name``). A public client's notes of September 2025 show a login answer with no
  ``companies`` at all (and its expiry as ``expiresAt``, which the tap does not read).

The kit adds the request log, injected failures (429, 5xx, dropped connections) and
redirects.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from observes_singer.tapkit.fake_api.paging import skip_page, skipped
from observes_singer.tapkit.fake_api.records import iso
from observes_singer.tapkit.fake_api.server import FakeAPI, Reply, Request
from observes_singer.tapkit.sample_sources import SampleSource
from tap_timedoctor.sample.company import Record, SampleCompany

BASE_PATH = "/api/1.0"
MAX_RANGE = timedelta(days=7)
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
HISTORY_STREAMS = ("worklogs", "computer_activity", "file_activity", "time_edits")
TARGET_SETTINGS = {"load_method": "replace",
                   "streams": {name: {"load_method": "upsert"} for name in HISTORY_STREAMS}}
"""The company's listings replaced each run, the activity upserted."""


def error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": code, "message": message})


class BadQuery(ValueError):
    """A query the sample refuses with a 400."""


class TimeDoctorServer(FakeAPI):
    """The sample Time Doctor API on ``127.0.0.1``; ``url`` is its ``api_url``."""

    def __init__(self, company: SampleCompany | None = None) -> None:
        super().__init__(base_path=BASE_PATH)
        self.company = company or SampleCompany()
        data = self.company
        self.route("POST", "/login", self.login)
        self.route("GET", "/authorization", self.authorization)
        for path, paging, listing in (("/users", "page", lambda: data.user_records),
                                      ("/projects", "page", lambda: data.project_records),
                                      ("/tasks", "paging", lambda: data.task_records)):
            self.route("GET", path, lambda request, paging=paging, listing=listing:
                       self.paged(request, listing(), paging))
        self.route("GET", "/activity/worklog",
                   lambda request: self.activity(request, data.worklogs))
        self.route("GET", "/activity/timeuse",
                   lambda request: self.activity(request, data.timeuse))
        self.route("GET", "/activity/edit-time",
                   lambda request: self.activity(request, data.time_edits))
        self.route("GET", "/files/screenshot",
                   lambda request: self.files(request, data.screenshots))
        self.route("GET", "/files/video", lambda request: self.files(request, data.videos))

    # -- what every request goes through ------------------------------------------------------

    def answer(self, request: Request) -> Reply:
        path = request.path.removeprefix(self.base_path)
        if path != "/login" and \
                request.header("Authorization") != f"JWT {self.company.token}":
            return error(401, "invalidToken", "Invalid or expired token")
        if path not in ("/login", "/authorization"):
            company = request.query.get("company")
            if not company:
                return error(400, "invalidQuery", "company is required")
            if company != self.company.company:
                return error(403, "forbidden", "You don't have permission to access this "
                             "company")
        try:
            with self.company.lock:
                return super().answer(request)
        except BadQuery as exc:
            return error(400, "invalidQuery", str(exc))

    # -- routes -------------------------------------------------------------------------------

    def login(self, request: Request) -> Reply:
        body = request.json() or {}
        company = self.company
        if body.get("email") != company.email or body.get("password") != company.password:
            return error(401, "invalidCredentials", "Wrong email or password")
        now = datetime.now(UTC)
        answer: Record = {"token": company.token,
                          "expires": iso(now + timedelta(days=182)), "createdAt": iso(now)}
        if company.login_companies != "absent":
            listed = company.login_companies == "listed"
            answer["companies"] = company.companies() if listed else []
        return Reply(200, {"data": answer})

    def authorization(self, request: Request) -> Reply:
        company = self.company
        return Reply(200, {"data": {"id": company.user_records[0]["id"],
                                    "email": company.email,
                                    "companies": company.companies()}})

    def paged(self, request: Request, items: Sequence[Record], paging: str) -> Reply:
        _check_paging(request)
        return skip_page(request, items, paging_key=paging, default_size=DEFAULT_LIMIT,
                         max_size=MAX_LIMIT)

    def activity(self, request: Request, rows: dict[str, list[Record]]) -> Reply:
        start, end, users = _range_and_users(request)
        names = request.query.get("task-project-names") == "true"
        answer = []
        following: set[str] = set()
        for user in users:
            found, token = skipped(request, self.company.answered(rows.get(user, []),
                                                                  start, end),
                                   default_size=DEFAULT_LIMIT, max_size=MAX_LIMIT)
            answer.append([r if names else _without_names(r) for r in found])
            following.update([token] if token else [])
        paging = {"next": max(following, key=int)} if following else {}
        return Reply(200, {"data": answer, "paging": paging})


    def files(self, request: Request, moments: dict[str, list[Record]]) -> Reply:
        start, end, users = _range_and_users(request)
        extras = self.company.file_extras
        found = [{**m, "numbers": [{**f, **extras} for f in m["numbers"]]}
                 for user in users for m in moments.get(user, [])
                 if start <= _at(m["date"]) < end]
        return skip_page(request, found, paging_key="paging", default_size=DEFAULT_LIMIT,
                         max_size=MAX_LIMIT)


def _range_and_users(request: Request) -> tuple[datetime, datetime, list[str]]:
    """``from``, ``to`` and ``user`` of an activity query, checked as the sample does."""
    start, end = _moment(request, "from"), _moment(request, "to")
    if end <= start:
        raise BadQuery("to must be after from")
    if end - start > MAX_RANGE:
        raise BadQuery("the range may span at most 7 days")
    users = [u for u in request.query.get("user", "").split(",") if u]
    if not users:
        raise BadQuery("user is required")
    _check_paging(request)
    return start, end, users


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _without_names(row: Mapping[str, Any]) -> Record:
    return {k: v for k, v in row.items() if k not in ("taskName", "projectName")}


def _check_paging(request: Request) -> None:
    """A 400 for a ``limit`` out of 1 to 1000, or a ``page`` that is no count to skip."""
    try:
        limit = int(request.query.get("limit", DEFAULT_LIMIT))
        page = int(request.query.get("page", 0))
    except ValueError:
        raise BadQuery("limit and page must be numbers") from None
    if not 1 <= limit <= MAX_LIMIT or page < 0:
        raise BadQuery(f"limit must be 1 to {MAX_LIMIT}, page 0 or more")


def _moment(request: Request, name: str) -> datetime:
    raw = request.query.get(name)
    if not raw:
        raise BadQuery(f"{name} is required")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadQuery(f"{name} must be an ISO 8601 date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def demo_source(months: int = 3, users: int = 4) -> SampleSource:
    """The ``observes.sample_servers`` entry point: a started sample Time Doctor with the
    last ``months`` months up to now, and how to run tap-timedoctor against it."""
    now = datetime.now(UTC)
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    company = SampleCompany(first_month=first, months=months, users=users, until=now)
    server = TimeDoctorServer(company).start()
    return SampleSource(
        name="Time Doctor", url=server.url,
        tap_command=[sys.executable, "-m", "tap_timedoctor.tap"],
        tap_config={"api_url": server.url, "email": company.email,
                    "password": company.password},
        calls=lambda: len(server.log), close=server.stop,
        schema="timedoctor",
        summary=f"{users} users, {months} months of work",
        target_settings=TARGET_SETTINGS,
        real_run="TIMEDOCTOR_TOKEN=... TIMEDOCTOR_COMPANY_ID=... "
                 "WAREHOUSE_URL=redshift://user:pass@host:5439/db observes run timedoctor")


if __name__ == "__main__":
    with TimeDoctorServer() as running:
        company = running.company
        print(f"Time Doctor sample API at {running.url} (email {company.email}, password "
              f"{company.password}, company {company.company}); Ctrl-C stops it")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
