"""Zoho CRM's Bulk Read API, version 8: create a job, read its details, find its result.

From the API guide (https://www.zoho.com/crm/developer/docs/api/v8/bulk-read/overview.html,
create-job.html, job-details.html, download-result.html) and the CRM OpenAPI document
(https://github.com/zoho/crm-oas, ``v8.0/bulk_read.json``, commit 45dff2c of 2025-06-27:
``Request_Wrapper``, ``Query``, ``Job_Detail``, ``Result``, ``Success_Response``,
``Page_Range_Exceeded``; read 2026-12-07):

- ``POST /crm/bulk/v8/read`` with ``{"query": {"module": {"api_name": "Leads"}, "page":
  1}}`` answers 201 ``{"data": [{"status": "success", "code": "ADDED_SUCCESSFULLY",
  "message": "Added successfully.", "details": {"id", "operation": "read", "state":
  "ADDED", "created_by": {"id", "name"}, "created_time"}}], "info": {}}``. With no
  ``fields`` every field of the module is exported, and an ``id`` column is added. A page
  holds at most 200,000 records: page 2 is records 200,001 to 400,000.
- ``page`` is capped: past the cap Zoho answers 400 ``PAGE_RANGE_EXCEEDED`` with
  ``details.max_limit`` (the OpenAPI document's ``page`` pattern, ``[1-9]|[1-4][1-9]|50``,
  tops at 50). The way past it is the query's ``page_token``: a completed job whose module
  has more records carries ``next_page_token`` in its ``result`` (the Job Details page's
  samples show it from page 1 on), and the next page's job is created with
  ``{"query": {"module": {...}, "page_token": "..."}}`` instead of a page number.
- ``GET /crm/bulk/v8/read/{job_id}`` answers ``{"data": [{"id", "operation", "state",
  "query", "created_by", "created_time", "file_type", "result"}]}``; ``state`` is
  ``ADDED``, ``QUEUED``, ``IN PROGRESS``, ``COMPLETED`` or ``FAILURE``, and once
  ``COMPLETED`` ``result`` is ``{"page", "count", "download_url", "per_page",
  "more_records", "next_page_token"}``. ``more_records`` true means the module has more
  records than this page: the next page is another job. An unknown job is a 404
  ``RESOURCE_NOT_FOUND``.
- ``GET /crm/bulk/v8/read/{job_id}/result`` (the ``download_url``, a path on the API
  domain) answers the export as a zip holding one CSV file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from observes_singer.tapkit.errors import SourceError
from tap_zoho_crm.answers import SOURCE
from tap_zoho_crm.paths import BULK_READ_PATH
from tap_zoho_crm.session import ZohoApi

COMPLETED = "COMPLETED"
FAILURE = "FAILURE"
WAITING_STATES = ("ADDED", "QUEUED", "IN PROGRESS")


@dataclass(frozen=True)
class JobResult:
    page: int
    count: int
    download_url: str
    per_page: int
    more_records: bool
    next_page_token: str | None = None


@dataclass(frozen=True)
class BulkJob:
    id: str
    state: str
    module: str
    page: int | None
    """The page the job's query asked for; None for a job asked for by a page token."""
    created_time: str
    result: JobResult | None = None

    @property
    def completed(self) -> bool:
        return self.state == COMPLETED and self.result is not None

    @property
    def failed(self) -> bool:
        return self.state == FAILURE

    def result_path(self) -> str:
        if self.result is not None and self.result.download_url:
            return self.result.download_url
        return f"{BULK_READ_PATH}/{self.id}/result"


def create_job(api: ZohoApi, module: str, page: int, page_token: str | None = None) -> BulkJob:
    """A new bulk read job of ``module``'s page ``page`` (from 1), every field: asked for
    by ``page_token`` (the previous page's ``next_page_token``) when given, else by the
    page's number."""
    query: dict[str, Any] = {"module": {"api_name": module}}
    if page_token:
        query["page_token"] = page_token
    else:
        query["page"] = page
    response = api.request("POST", BULK_READ_PATH, json={"query": query},
                           resource=f"a bulk read job of {module} (page {page})")
    answer = _first(response.json())
    details = answer.get("details") if isinstance(answer, Mapping) else None
    if not isinstance(details, Mapping) or not details.get("id"):
        raise SourceError(f"{SOURCE} answered the bulk read job of {module} without a job "
                          "id", source=SOURCE, status=response.status_code)
    return BulkJob(id=str(details["id"]), state=str(details.get("state") or "ADDED"),
                   module=module, page=None if page_token else page,
                   created_time=str(details.get("created_time") or ""))


def job_details(api: ZohoApi, job_id: str, module: str) -> BulkJob | None:
    """The job as Zoho has it now, or None when Zoho no longer knows it (404)."""
    try:
        response = api.request("GET", f"{BULK_READ_PATH}/{job_id}",
                               resource=f"the bulk read job {job_id} of {module}")
    except SourceError as exc:
        if exc.status == 404:
            return None
        raise
    return parse_job(_first(response.json()), module)


def parse_job(raw: Any, module: str) -> BulkJob:
    if not isinstance(raw, Mapping) or not raw.get("id"):
        raise SourceError(f"{SOURCE} answered a bulk read job of {module} without its id",
                          source=SOURCE)
    query = raw.get("query") if isinstance(raw.get("query"), Mapping) else {}
    assert isinstance(query, Mapping)
    named = query.get("module")
    if isinstance(named, Mapping):
        named = named.get("api_name")
    page = _integer(query.get("page"), 0) or None
    result = raw.get("result")
    return BulkJob(id=str(raw["id"]), state=str(raw.get("state") or ""),
                   module=str(named or module), page=page,
                   created_time=str(raw.get("created_time") or ""),
                   result=_result(result, page or 0) if isinstance(result, Mapping) else None)


def _result(raw: Mapping[str, Any], page: int) -> JobResult:
    token = raw.get("next_page_token")
    return JobResult(page=_integer(raw.get("page"), page), count=_integer(raw.get("count"), 0),
                     download_url=str(raw.get("download_url") or ""),
                     per_page=_integer(raw.get("per_page"), 0),
                     more_records=raw.get("more_records") is True,
                     next_page_token=str(token) if token else None)


def _first(body: Any) -> Any:
    data = body.get("data") if isinstance(body, Mapping) else None
    return data[0] if isinstance(data, list) and data else None


def _integer(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return default
