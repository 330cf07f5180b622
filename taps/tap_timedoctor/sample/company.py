"""A sample Time Doctor company: users, projects, tasks, and months of work sessions,
computer activity, screenshots and videos, and manual time edits, deterministic, shaped as
Time Doctor's API answers them (the fields, and where each comes from, are listed in
``tests/taps/tap_timedoctor/documented.py``).

Each working day (Monday to Friday, UTC) every active user works sessions on tasks of the
company's projects; one user works nights, so that sessions run over midnight, over the
tap's 7-day windows and over month ends. Each computer session is cut in time-use rows
(an app or a site, its window title, category and productivity score), has a screenshot
every half hour (one file per monitor: users in odd positions have two) and one screen
video; each manual session was added by a time edit, and some computer sessions were
edited. An archived user worked the first month only. The ``..._between`` methods say what
the company holds for a period: what a tap reading it should emit.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from observes_singer.tapkit.fake_api.records import PEOPLE, iso

Record = dict[str, Any]

PROJECTS = ("Support — niveau 2", "Migración de datos", "Website 改版", "Internal")
TASKS = ("Tickets", "Code review", "Reunión semanal", "Deploy\trelease", "Docs 📚")
APPS = (("app", "Slack", "#support — Slack", "communication", 2),
        ("web", "github.com", "Pull request #418 · observes/app", "development", 3),
        ("app", "Visual Studio Code", "tap.py — observes", "development", 3),
        ("web", "youtube.com", "Lo-fi beats 🎧", "entertainment", 0),
        ("app", "Microsoft Excel", "Facturas 2026.xlsx", "office", 1))
# (start after midnight, seconds) of a day's sessions, by the user's position
DAY_PLANS = (((9 * 3600, 2 * 3600), (11 * 3600 + 1800, 5400), (14 * 3600, 3 * 3600)),
             ((8 * 3600, 4 * 3600 + 900), (13 * 3600, 4 * 3600)),
             ((22 * 3600 + 1800, 3 * 3600 + 600),),  # works nights, over midnight
             ((10 * 3600, 1800), (10 * 3600 + 2700, 6 * 3600)))
MODES = ("computer", "computer", "manual", "mobile")
SCREENSHOT_EVERY = 1800
"""Seconds between two screenshots of a computer session."""
REASONS = ("Olvidé iniciar el temporizador", "Réunion client — hors ligne", None)


def company_id(n: int) -> str:
    return f"YiUG_nAeY3kW{n:04d}"


def short_id(kind: str, n: int) -> str:
    """A Time Doctor-like id: 16 characters, letters, digits, ``_`` and ``-``."""
    return f"{kind[:2].upper()}{n:05d}-x7Qk_pL2"[:16].ljust(16, "z")


@dataclass
class SampleCompany:
    """``months`` months of activity from ``first_month`` (a month's first day), cut at
    ``until`` (default: none). ``users`` active users, plus one archived."""

    first_month: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    months: int = 3
    users: int = 4
    until: datetime | None = None
    email: str = "manager@example.com"
    password: str = "s3cret-Passw0rd"  # noqa: S105 - the sample login's own
    token: str = "1CZFNCaAn6NIlBX_sample-token-Xz"  # noqa: S105 - the sample's own
    company: str = company_id(1)
    company_name: str = "Observes Demo Co."
    other_companies: list[tuple[str, str]] = field(default_factory=list)
    """(id, name) of further companies the login belongs to."""
    login_companies: Literal["listed", "empty", "absent"] = "listed"
    """Whether ``POST /login`` answers the login's companies, an empty list or no
    ``companies`` at all (``/authorization`` lists them always)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.user_records = [self._user(n) for n in range(self.users + 1)]
        self.project_records = [self._project(n) for n in range(len(PROJECTS))]
        self.task_records = [self._task(n) for n in range(len(TASKS) * 2)]
        self.worklogs: dict[str, list[Record]] = {u["id"]: [] for u in self.user_records}
        self.timeuse: dict[str, list[Record]] = {u["id"]: [] for u in self.user_records}
        self.time_edits: dict[str, list[Record]] = {u["id"]: [] for u in self.user_records}
        self.screenshots: dict[str, list[Record]] = {u["id"]: [] for u in self.user_records}
        self.videos: dict[str, list[Record]] = {u["id"]: [] for u in self.user_records}
        self.file_extras: Record = {}
        """Fields added to every file answered (a test's download links)."""
        self._work()

    # -- the company's listings --------------------------------------------------------------

    @property
    def end(self) -> datetime:
        month = self.first_month
        for _ in range(self.months):
            month = (month + timedelta(days=32)).replace(day=1)
        return month if self.until is None else min(month, self.until)

    def companies(self) -> list[Record]:
        """The companies of the login, as ``/login`` and ``/authorization`` list them."""
        return [{"id": cid, "name": name, "role": "admin"}
                for cid, name in [(self.company, self.company_name), *self.other_companies]]

    def _user(self, n: int) -> Record:
        name, handle = PEOPLE[n % len(PEOPLE)]
        archived = n == self.users
        return {"id": short_id("user", n), "name": name, "email": f"{handle}@example.com",
                "employeeId": f"E-{100 + n}" if n % 3 else None,
                "role": "owner" if n == 0 else "user",
                "status": "archived" if archived else "active",
                "timezone": ("Europe/Madrid", "Asia/Manila", "America/Bogota")[n % 3],
                "active": not archived, "exists": True, "emailConfirmed": n % 4 != 3,
                "hiredAt": iso(self.first_month - timedelta(days=60 - n)),
                "createdAt": iso(self.first_month - timedelta(days=90 - n)),
                "settings": {"allowEditTime": ("yes", "approval", "no")[n % 3],
                             "screenshots": {"interval": SCREENSHOT_EVERY // 60,
                                             "blur": n % 2 == 1},
                             "idleMinutes": 3 + n} if n % 2 == 0 else {}}

    def _project(self, n: int) -> Record:
        return {"id": short_id("project", n), "name": PROJECTS[n],
                "description": f"{PROJECTS[n]}: proyecto «{n}»\nsegunda línea" if n % 2
                else None,
                "creatorId": short_id("user", 0), "weight": n, "deleted": n == 3,
                "scope": "company"}

    def _task(self, n: int) -> Record:
        project = self.project_records[n % len(self.project_records)]
        return {"id": short_id("task", n), "name": TASKS[n % len(TASKS)],
                "description": None if n % 3 == 0 else f"Tarea {n} — ver «{project['name']}»",
                "project": {"id": project["id"]},
                "status": "active" if n % 4 else "closed", "reporterId": short_id("user", 0),
                "deleted": False,
                "folders": [{"id": short_id("folder", n % 2), "weight": n}] if n % 2 else []}

    # -- the work -----------------------------------------------------------------------------

    def _work(self) -> None:
        day = self.first_month
        months_end = self.end
        count = 0
        while day < months_end:
            if day.weekday() < 5:
                for n, user in enumerate(self.user_records):
                    archived = n == self.users
                    if archived and day >= (self.first_month + timedelta(days=32)).replace(day=1):
                        continue
                    for offset, seconds in DAY_PLANS[n % len(DAY_PLANS)]:
                        begun = day + timedelta(seconds=offset + 60 * (day.day % 7))
                        if self.until is not None and \
                                begun + timedelta(seconds=seconds) > self.until:
                            continue
                        self._session(user["id"], n, begun, seconds, count)
                        count += 1
            day += timedelta(days=1)

    def _session(self, user_id: str, n: int, begun: datetime, seconds: int,
                 count: int) -> None:
        task = self.task_records[count % len(self.task_records)]
        project = next(p for p in self.project_records if p["id"] == task["project"]["id"])
        mode = MODES[count % len(MODES)]
        device = f"dev-{user_id[:6]}-{'mac' if n % 2 else 'win'}"
        self.worklogs[user_id].append({
            "userId": user_id, "start": iso(begun), "time": seconds, "mode": mode,
            "date": f"{begun:%Y-%m-%d}",
            "taskId": task["id"], "taskName": task["name"], "projectId": project["id"],
            "projectName": project["name"],
            "deviceId": device if mode == "computer" else None})
        if mode == "manual" or count % 5 == 0:
            self._time_edit(user_id, begun, seconds, task, count, mode)
        if mode != "computer":
            return
        self._files(user_id, n, device, begun, seconds, task, count)
        moment, left, part = begun, seconds, 0
        while left > 0:
            kind, value, title, category, score = APPS[(count + part) % len(APPS)]
            used = min(left, 1200 + 300 * ((count + part) % 4))
            self.timeuse[user_id].append({"start": iso(moment), "time": used, "score": score,
                                          "category": category, "type": kind,
                                          "value": value, "title": title})
            moment += timedelta(seconds=used)
            left -= used
            part += 1

    def _time_edit(self, user_id: str, begun: datetime, seconds: int, task: Record,
                   count: int, mode: str) -> None:
        """The edit that added a manual session, or changed another one's task."""
        self.time_edits[user_id].append({
            "id": short_id("edit", count), "userId": user_id, "start": iso(begun),
            "time": seconds, "operation": "add" if mode == "manual" else "edit",
            "approved": count % 3 != 1, "reason": REASONS[count % len(REASONS)],
            "taskId": task["id"], "projectId": task["project"]["id"]})

    def _files(self, user_id: str, n: int, device: str, begun: datetime, seconds: int,
               task: Record, count: int) -> None:
        """A screenshot of each monitor every half hour of the session, and one video."""
        monitors = 2 if n % 2 else 1
        for shot, offset in enumerate(range(0, seconds, SCREENSHOT_EVERY)):
            taken = begun + timedelta(seconds=offset)
            period = min(SCREENSHOT_EVERY, seconds - offset)
            self.screenshots[user_id].append(self._moment(
                user_id, device, taken, task, count + shot, period, "SCREENSHOT",
                "image/jpeg", monitors))
        self.videos[user_id].append(self._moment(
            user_id, device, begun + timedelta(seconds=60), task, count, seconds, "VIDEO",
            "video/webm", 1))

    def _moment(self, user_id: str, device: str, taken: datetime, task: Record, seed: int,
                period: int, entity: str, mime: str, monitors: int) -> Record:
        """What ``/files/...`` answers for one moment: its files, one per monitor."""
        numbers = [{"number": str(index), "mime": mime, "deleted": (seed + index) % 11 == 0,
                    "avgActivity": None if seed % 13 == 0 else (seed * 7 + index) % 101,
                    "entity": entity,
                    "meta": {"blur": seed % 4 == 0, "clicks": seed % 90,
                             "movements": (seed * 3) % 400, "keys": (seed * 5) % 700,
                             "period": period, "created_at": iso(taken + timedelta(seconds=5)),
                             "project": task["project"]["id"], "task_id": task["id"],
                             "obj_type": entity.lower()}}
                   for index in range(monitors)]
        return {"userId": user_id, "date": iso(taken), "deviceId": device, "numbers": numbers}

    # -- what a period holds ------------------------------------------------------------------

    def worklogs_between(self, start: datetime, end: datetime) -> list[Record]:
        """Every session started in ``[start, end)``, of every user."""
        return [w for rows in self.worklogs.values() for w in rows
                if w["start"] is not None and start <= _at(w["start"]) < end]

    def activity_between(self, start: datetime, end: datetime) -> list[Record]:
        """Every time-use row started in ``[start, end)``, with the ``userId`` the tap adds."""
        return [{**t, "userId": user} for user, rows in self.timeuse.items() for t in rows
                if t["start"] is not None and start <= _at(t["start"]) < end]

    def time_edits_between(self, start: datetime, end: datetime) -> list[Record]:
        """Every time edit of a period started in ``[start, end)``."""
        return [e for rows in self.time_edits.values() for e in rows
                if e["start"] is not None and start <= _at(e["start"]) < end]

    def files_between(self, start: datetime, end: datetime) -> list[Record]:
        """Every file of a moment in ``[start, end)``, as the tap emits it: the moment's
        fields with the file's."""
        return [{"userId": m["userId"], "date": m["date"], "deviceId": m["deviceId"], **f}
                for moments in (self.screenshots, self.videos) for rows in moments.values()
                for m in rows if start <= _at(m["date"]) < end for f in m["numbers"]]

    def answered(self, rows: list[Record], start: datetime, end: datetime) -> list[Record]:
        """The rows the API answers for ``[start, end)``: those that overlap it, and a row
        with ``start: null`` for every range, as Time Doctor has been seen to answer it."""
        return [r for r in rows if r["start"] is None or (
            _at(r["start"]) < end and _at(r["start"]) + timedelta(seconds=r["time"]) > start)]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
