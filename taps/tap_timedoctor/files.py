"""``file_activity``: what Time Doctor recorded of each screenshot and screen video, read
in date windows as the other activity is (:mod:`tap_timedoctor.activity`).

``GET /files/screenshot`` and ``GET /files/video`` take ``company``, ``user``, ``from``
and ``to`` and answer ``{"data": [...], "paging": {"next": ...}}``: each item a moment of
one user's device (``userId``, ``date``, ``deviceId``) with its ``numbers``, one per file
taken then (a screenshot of each monitor): its index (``number``), ``mime`` type,
``deleted`` flag, average activity (``avgActivity``), ``entity`` (``SCREENSHOT`` or
``VIDEO``) and ``meta``: the keyboard and mouse counts (``clicks``, ``movements``,
``keys``), the ``period`` it stands for, whether it is blurred (``blur``), its
``project`` and ``task_id``, ``obj_type`` and ``created_at`` (Time Doctor's own client,
``fluidattacks-timedoctor-sdk`` 5.2.2, ``client/_computer_activity/``; read 2026-12-07).

The tap emits one record per file: the moment's fields with the file's, keyed by user,
device, date, entity and index. The files themselves are not read, and no field but
those above is kept: anything else a file carries (a download link, which grants access
to the image, above all) is left out, and the stream's log names each field left out and
how many times it came when it ends (``file_activity: left out fields not kept as file
metadata: url (120 times)``). A file without its ``entity`` takes the kind of the
endpoint that answered it; a moment whose ``numbers`` is not a list of objects stops the
run with an error naming it, before the window's bookmark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import requests

from observes_singer.tapkit.errors import SourceError
from tap_timedoctor.activity import ActivityStream
from tap_timedoctor.session import SOURCE
from tap_timedoctor.streams import Context, Record

KINDS = ("screenshot", "video")
MOMENT_FIELDS = ("userId", "date", "deviceId")
FILE_FIELDS = ("number", "mime", "deleted", "avgActivity", "entity", "meta")
META_FIELDS = ("blur", "clicks", "movements", "keys", "period", "created_at", "project",
               "task_id", "obj_type")


class LeftOutFields:
    """The fields answered that are not kept, by name, and how many times each came."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def keep(self, item: Mapping[str, Any], fields: tuple[str, ...], prefix: str = ""
             ) -> dict[str, Any]:
        """``item``'s ``fields``; each other one counted under ``prefix`` + its name."""
        self.seen.update(f"{prefix}{name}" for name in item if name not in fields)
        return {name: item[name] for name in fields if name in item}

    def report(self, stream: str) -> str | None:
        if not self.seen:
            return None
        listed = ", ".join(f"{name} ({count} {'time' if count == 1 else 'times'})"
                           for name, count in sorted(self.seen.items()))
        return f"{stream}: left out fields not kept as file metadata: {listed}"


class FileActivityStream(ActivityStream):
    """``GET /files/screenshot`` and ``GET /files/video``: one record per file."""

    name = "file_activity"
    path = "/files/{kind}"
    primary_keys = ("userId", "deviceId", "date", "entity", "number")
    replication_key = "date"
    records_jsonpath = "$.data[*]"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.left_out = LeftOutFields()

    def requests_of(self, user: str) -> list[Context]:
        return [{"userId": user, "kind": kind} for kind in KINDS]

    def get_records(self, context: Context | None) -> Iterable[Record]:
        self.left_out = LeftOutFields()
        yield from super().get_records(context)
        report = self.left_out.report(self.name)
        if report is not None:
            self.logger.warning("%s", report)

    def parse_response(self, response: requests.Response) -> Iterable[Record]:
        """Each file of the page's moments (the moments checked against the page before)."""
        kind = response.request.path_url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        where = self.describe(response.request)
        for moment in super().parse_response(response):
            yield from self.files_of(moment, kind, where)

    def files_of(self, moment: Mapping[str, Any], kind: str, where: str) -> Iterable[Record]:
        """The moment's files; one that is not an object stops the run, naming it."""
        shared = self.left_out.keep(moment, (*MOMENT_FIELDS, "numbers"))
        shared.pop("numbers", None)
        numbers = moment.get("numbers")
        if numbers is not None and not isinstance(numbers, list):
            raise self.malformed(where, moment, f"numbers is {type(numbers).__name__}, "
                                 "not a list of files")
        for index, item in enumerate(numbers or []):
            if not isinstance(item, Mapping):
                raise self.malformed(where, moment, f"numbers[{index}] is "
                                     f"{type(item).__name__}, not a file")
            record = {**shared, **self.left_out.keep(item, FILE_FIELDS)}
            meta = item.get("meta")
            if isinstance(meta, Mapping):
                record["meta"] = self.left_out.keep(meta, META_FIELDS, "meta.")
            record.setdefault("entity", kind.upper())
            yield record

    def malformed(self, where: str, moment: Mapping[str, Any], problem: str) -> SourceError:
        return SourceError(
            f"{SOURCE} answered {where} with a moment of user {moment.get('userId')} at "
            f"{moment.get('date')} on device {moment.get('deviceId')} whose {problem}; "
            "stopped before its files, so that none is dropped unseen", source=SOURCE)
