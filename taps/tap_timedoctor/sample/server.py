"""Time Doctor's API on loopback, with a sample company: for the demo and the tests.

Built on the tap kit's fake API, it answers the routes tap-timedoctor reads the way Time
Doctor's API reference (https://timedoctor.redoc.ly/) and the clients built on it show
them, under ``/api/1.0``:

- ``POST /login`` with ``email``, ``password`` (and ``permissions``, ``totpCode``):
  ``{"data": {"token", "expiresAt", "createdAt", "companies": [...]}}``, or a 401;
- ``Authorization: JWT <token>`` on every other call, else a 401 with an error body;
- ``GET /authorization``: the login and its ``companies``;
- ``company`` on every data call: a missing one is a 400, one the login is not in a 403;
- ``GET /users``, ``/projects``, ``/tasks``: ``{"data": [...]}`` paged by ``limit`` (1 to
  1000) and ``page`` (from 0);
- ``GET /activity/worklog`` and ``/activity/timeuse``: ``user`` (ids, comma-separated),
  ``from`` and ``to`` (ISO 8601, ``to`` excluded), at most 7 days apart here (the
  reference's recommendation, held to so that the tap is); ``{"data": [[...], ...]}``,
  one list per user, each paged by ``limit`` and ``page``; the rows that overlap the
  range (a session begun before ``from`` and still going is answered too: the reference
  does not say, and this is the case that asks more of a client); task and project names
  only with ``task-project-names=true``; time-use rows without ``userId``.

The kit adds the request log, injected failures (429, 5xx, dropped connections) and
redirects.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from observes_singer.tapkit.fake_api.records import iso
from observes_singer.tapkit.fake_api.server import FakeAPI, Reply, Request
from observes_singer.tapkit.sample_sources import SampleSource
from tap_timedoctor.sample.company import Record, SampleCompany

BASE_PATH = "/api/1.0"
MAX_RANGE = timedelta(days=7)
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
HISTORY_STREAMS = ("worklogs", "computer_activity")
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
        for path, listing in (("/users", lambda: data.user_records),
                              ("/projects", lambda: data.project_records),
                              ("/tasks", lambda: data.task_records)):
            self.route("GET", path,
                       lambda request, listing=listing: self.paged(request, listing()))
        self.route("GET", "/activity/worklog",
                   lambda request: self.activity(request, data.worklogs))
        self.route("GET", "/activity/timeuse",
                   lambda request: self.activity(request, data.timeuse))

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
        return Reply(200, {"data": {"token": company.token,
                                    "expiresAt": iso(now + timedelta(days=182)),
                                    "createdAt": iso(now),
                                    "companies": company.companies()}})

    def authorization(self, request: Request) -> Reply:
        company = self.company
        return Reply(200, {"data": {"id": company.user_records[0]["id"],
                                    "email": company.email,
                                    "companies": company.companies()}})

    def paged(self, request: Request, items: Sequence[Record]) -> Reply:
        limit, page = _paging(request)
        return Reply(200, {"data": list(items[page * limit:(page + 1) * limit])})

    def activity(self, request: Request, rows: dict[str, list[Record]]) -> Reply:
        start, end = _moment(request, "from"), _moment(request, "to")
        if end <= start:
            raise BadQuery("to must be after from")
        if end - start > MAX_RANGE:
            raise BadQuery("the range may span at most 7 days")
        users = [u for u in request.query.get("user", "").split(",") if u]
        if not users:
            raise BadQuery("user is required")
        limit, page = _paging(request)
        names = request.query.get("task-project-names") == "true"
        answer = []
        for user in users:
            found = self.company.answered(rows.get(user, []), start, end)
            found = found[page * limit:(page + 1) * limit]
            answer.append([r if names else _without_names(r) for r in found])
        return Reply(200, {"data": answer})


def _without_names(row: Record) -> Record:
    return {k: v for k, v in row.items() if k not in ("taskName", "projectName")}


def _paging(request: Request) -> tuple[int, int]:
    try:
        limit = int(request.query.get("limit", DEFAULT_LIMIT))
        page = int(request.query.get("page", 0))
    except ValueError:
        raise BadQuery("limit and page must be numbers") from None
    if not 1 <= limit <= MAX_LIMIT or page < 0:
        raise BadQuery(f"limit must be 1 to {MAX_LIMIT}, page 0 or more")
    return limit, page


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
