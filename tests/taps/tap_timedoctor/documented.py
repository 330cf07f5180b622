"""The fields public sources show Time Doctor answering on each endpoint tap-timedoctor
reads, as data: the sample Time Doctor's answers are held to these lists, and the tap's
schemas and records to them, so that a field either side drops shows.

Time Doctor's API reference (https://timedoctor.redoc.ly/, "Time Doctor API (1.0.0)")
renders its response schemas client-side; what could be read of it (read 2026-12-07) is
the introduction, the login and the register bodies. The fields below come from the
clients and extractors built on the API, each named with what it shows (all read
2026-12-07):

- the SDK: ``fluidattacks-timedoctor-sdk`` 5.2.2 on PyPI, Fluid Attacks' Time Doctor
  client: ``client/_computer_activity/_decode.py`` (the ``/files/...``
  answers: each moment's ``userId``, ``date``, ``deviceId`` and ``numbers``; each file's
  ``number``, ``mime``, ``deleted``, ``avgActivity``, ``entity`` and ``meta``; the meta's
  ``blur``, ``clicks``, ``movements``, ``keys``, ``period``, ``created_at``, ``project``,
  ``task_id``, ``obj_type``), ``client/_worklog/_decode.py`` (a work log's ``userId``,
  ``mode``, ``start``, ``time``, ``taskId``, ``taskName``, ``projectId``,
  ``projectName``, ``deviceId``), ``client/_get_users.py`` and ``_get_projects.py``
  (``id``, ``name``, ``email``);
- Keboola: the Time Doctor 2 Generic Extractor template, keboola/kbc-ui-templates
  ``resources/kds-team.ex-time-doctor-2/templates/README.md``, whose mappings list the
  fields it loads of ``/users`` (``id``, ``name``, ``employeeId``, ``exists``,
  ``active``, ``email``, ``createdAt``), ``/projects`` (``id``, ``name``, ``creatorId``,
  ``weight``, ``deleted``, ``scope``), ``/tasks`` (``id``, ``name``, ``project.id``,
  ``status``, ``reporterId``, ``deleted``, ``folders.id``, ``folders.weight``),
  ``/activity/worklog`` (``userId``, ``start``, ``time``, ``mode``, ``taskId``,
  ``taskName``, ``projectId``, ``projectName``, ``deviceId``), ``/activity/timeuse``
  (``start``, ``time``, ``score``, ``category``, ``type``, ``value``, ``title``; the user
  from the request, as the tap adds it) and ``/activity/edit-time`` (``id``, ``start``,
  ``time``, ``approved``, ``operation``, ``taskId``, ``projectId``, ``reason``); and
  keboola/component-time-doctor-2 ``src/timedoctor2/endpoint_mapping.py``, which keys
  edit-time rows by ``id``, ``start`` and ``userId``;
- WYRE-AI/timedoctor-mcp ``src/types.ts``, typed from the reference: a user's ``role``,
  ``status``, ``hiredAt``, ``createdAt``, ``emailConfirmed``; a project's and a task's
  ``description``; a work log's ``date``;
- the reference itself: a user's ``timezone`` ("User timezone self setting", the register
  body).

The types and formats the sources leave open are the schemas' choice: ``hiredAt`` is a
date-time, as the users' other instants; a work log's ``date`` is kept as the string sent,
its format unconfirmed.
"""

from __future__ import annotations

USERS = ("id", "name", "email", "employeeId", "role", "status", "timezone", "active",
         "exists", "emailConfirmed", "hiredAt", "createdAt")
PROJECTS = ("id", "name", "description", "creatorId", "weight", "deleted", "scope")
TASKS = ("id", "name", "description", "project", "status", "reporterId", "deleted",
         "folders")
WORKLOGS = ("userId", "start", "time", "mode", "date", "taskId", "taskName", "projectId",
            "projectName", "deviceId")
TIMEUSE = ("start", "time", "score", "category", "type", "value", "title")
EDIT_TIME = ("id", "userId", "start", "time", "operation", "approved", "reason", "taskId",
             "projectId")
FILE_MOMENT = ("userId", "date", "deviceId", "numbers")
FILE = ("number", "mime", "deleted", "avgActivity", "entity", "meta")
FILE_META = ("blur", "clicks", "movements", "keys", "period", "created_at", "project",
             "task_id", "obj_type")

ANSWERS: dict[str, tuple[str, ...]] = {
    "/users": USERS,
    "/projects": PROJECTS,
    "/tasks": TASKS,
    "/activity/worklog": WORKLOGS,
    "/activity/timeuse": TIMEUSE,
    "/activity/edit-time": EDIT_TIME,
    "/files/screenshot": FILE_MOMENT,
    "/files/video": FILE_MOMENT,
}
"""Every documented top-level field of each endpoint's records."""

NESTED: dict[str, tuple[str, ...]] = {
    "tasks.project": ("id",),
    "tasks.folders": ("id", "weight"),
    "files.numbers": FILE,
    "files.numbers.meta": FILE_META,
}
"""The documented fields of nested objects (of a list's items, for a list)."""

FIELDS: dict[str, tuple[str, ...]] = {
    "users": USERS,
    "projects": PROJECTS,
    "tasks": TASKS,
    "worklogs": WORKLOGS,
    "computer_activity": TIMEUSE,
    "time_edits": EDIT_TIME,
    "file_activity": tuple(f for f in FILE_MOMENT if f != "numbers") + FILE,
}
"""Every documented field each stream's records carry: ``file_activity`` is one record per
file, the moment's fields with the file's."""

ADDED_BY_THE_TAP: dict[str, tuple[str, ...]] = {"computer_activity": ("userId",)}
"""Fields a stream's records carry that its endpoint does not send."""

UNCONFIRMED: dict[str, dict[str, str]] = {
    "users": {"settings": "each user's settings: no public source read shows the field or "
                          "its shape, so the tap keeps the object Time Doctor sends whole "
                          "(a free-form object, loaded as key and value rows)"},
}
"""Fields the tap reads that no public source confirms, and why they are read anyway; the
sample sends them, the schemas declare them."""
