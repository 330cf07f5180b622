"""Zoho on loopback, with a sample organisation: an accounts server and a CRM API domain,
for the demo and the tests.

Two servers on the tap kit's fake API, as Zoho has two hosts (the tap sends the client
secret and refresh token to the first only, the access token to the second only):

**Accounts** (``accounts_url``), from Zoho's OAuth documentation (see
:mod:`tap_zoho_crm.oauth`):

- ``POST /oauth/v2/token``, parameters in the query string or a form body:
  ``grant_type=refresh_token`` (``client_id``, ``client_secret``, ``refresh_token``) or
  ``authorization_code`` (``code``, single use): ``{"access_token", "api_domain",
  "token_type": "Bearer", "expires_in"}`` (and ``refresh_token`` for a code); refusals
  are HTTP 200 with ``{"error": "invalid_client"}`` or ``{"error": "invalid_code"}``.
- ``POST /oauth/v2/token/revoke?token=...``: ``{"status": "success"}``, or 400 for an
  unknown token (Zoho documents the status only; the body here is an assumption).

**CRM API** (``api_url``), from the API guide and the CRM OpenAPI document (see
:mod:`tap_zoho_crm.bulk`, :mod:`tap_zoho_crm.fields`, :mod:`tap_zoho_crm.streams`):

- ``Authorization: Zoho-oauthtoken <access token>`` on every call; none is a 401
  ``AUTHENTICATION_FAILURE``, an unknown, expired or revoked one a 401 ``INVALID_TOKEN``,
  in Zoho's error body ``{"code", "details": {}, "message", "status": "error"}``;
- ``GET /crm/v8/settings/fields?module=M``: ``{"fields": [...]}``; an unknown module is
  a 400 ``INVALID_MODULE``;
- ``GET /crm/v8/users?type=AllUsers&page=&per_page=``: ``{"users": [...], "info": {"page",
  "per_page", "count", "more_records"}}``, 204 past the last user;
- ``GET /crm/v8/org``, ``/crm/v8/org/currencies``, ``/crm/v8/settings/profiles`` and
  ``/crm/v8/settings/roles``: ``{"org": [...]}`` and so on, 204 when empty; and
  ``/crm/v8/settings/territories``, paged as users are
  (:mod:`tap_zoho_crm.sample.settings`);
- ``POST /crm/bulk/v8/read``, ``GET /crm/bulk/v8/read/{id}`` and
  ``GET /crm/bulk/v8/read/{id}/result``: the bulk read job's life, ``ADDED`` to
  ``COMPLETED`` over ``export_delay`` seconds (or ``FAILURE``), its ``result`` once
  completed, ``more_records`` and ``next_page_token`` when the module has more records
  than ``per_page``, and its export as a zip of one CSV file named after the job. The
  module is ``{"api_name"}`` (a string is a 400 ``INVALID_DATA``); a page number past
  ``max_page`` is a 400 ``PAGE_RANGE_EXCEEDED`` naming ``max_limit``, and a page asked for
  by ``page_token`` is the one after the job that gave the token. The CSV quotes every value
  and ends rows with CRLF (Zoho's guide shows the file only as a picture);
- downloads limited to 10 in any 60 seconds, beyond which a 429 ``TOO_MANY_REQUESTS``
  with no ``Retry-After`` (the Download Bulk Read Result page).

``refuse(status, code)`` queues answers with Zoho's error body, and
``users_more_records = True`` makes every page of users say ``more_records``; the kit
adds the request log, injected failures (5xx, dropped connections), redirects and
parameters ignored (``ignore("page", part="/crm/v8/users")``: the first page to every
request).
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import tempfile
import time
import zipfile
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from observes_singer.tapkit.fake_api.paging import numbered_page
from observes_singer.tapkit.fake_api.server import FakeAPI, Reply, Request
from observes_singer.tapkit.sample_sources import SampleSource
from tap_zoho_crm.sample.crm import SampleCrm, SampleJob, module_fields

DOWNLOAD_LIMIT = (10, 60.0)
ERROR_MESSAGES: Mapping[str, str] = {
    "INVALID_TOKEN": "invalid oauth token",
    "AUTHENTICATION_FAILURE": "Authentication failed",
    "TOO_MANY_REQUESTS": "The API request limit has been exceeded",
    "INVALID_MODULE": "the module name given seems to be invalid",
    "RESOURCE_NOT_FOUND": "the requested resource is not found",
    "INVALID_DATA": "the given data is invalid",
    "INTERNAL_ERROR": "Internal Server Error",
}


def zoho_error(status: int, code: str, details: Mapping[str, Any] | None = None) -> Reply:
    """Zoho CRM's error body."""
    return Reply(status, {"code": code, "details": dict(details or {}),
                          "message": ERROR_MESSAGES.get(code, code.lower()),
                          "status": "error"})


def _params(request: Request) -> dict[str, str]:
    """The query string's parameters and a form body's, the body's winning."""
    found = dict(request.query)
    if request.body:
        form = parse_qs(request.body.decode(errors="replace"), keep_blank_values=True)
        found.update({k: v[-1] for k, v in form.items()})
    return found


class ZohoAccountsServer(FakeAPI):
    """Zoho's accounts server for the sample organisation."""

    def __init__(self, crm: SampleCrm, api_domain: str = "") -> None:
        super().__init__()
        self.crm = crm
        self.api_domain = api_domain
        self.route("POST", "/oauth/v2/token/revoke", self.revoke)
        self.route("POST", "/oauth/v2/token", self.token)

    def token(self, request: Request) -> Reply:
        given = _params(request)
        crm = self.crm
        if given.get("client_id") != crm.client_id or \
                given.get("client_secret") != crm.client_secret:
            return Reply(200, {"error": "invalid_client"})
        answer: dict[str, Any] = {"api_domain": self.api_domain, "token_type": "Bearer",
                                  "expires_in": crm.token_lifetime}
        with crm.lock:
            grant = given.get("grant_type")
            if grant == "refresh_token":
                refresh = given.get("refresh_token", "")
                if refresh not in crm.refresh_tokens:
                    return Reply(200, {"error": "invalid_code"})
            elif grant == "authorization_code":
                if given.get("code") not in crm.grant_codes:
                    return Reply(200, {"error": "invalid_code"})
                crm.grant_codes.discard(given["code"])
                refresh = f"1000.{time.time_ns():x}.granted"
                crm.refresh_tokens.add(refresh)
                answer["refresh_token"] = refresh
            else:
                return Reply(200, {"error": "unsupported_grant_type"})
        return Reply(200, {"access_token": crm.issue_access_token(refresh), **answer})

    def revoke(self, request: Request) -> Reply:
        token = _params(request).get("token", "")
        with self.crm.lock:
            if token not in self.crm.refresh_tokens:
                return Reply(400, {"error": "invalid_token"})
            self.crm.refresh_tokens.discard(token)
            self.crm.revoked.append(token)
        return Reply(200, {"status": "success"})


class SlidingWindow:
    """At most ``requests`` in any ``seconds``."""

    def __init__(self, requests: int, seconds: float) -> None:
        self.requests = requests
        self.seconds = seconds
        self.arrivals: deque[float] = deque()

    def admit(self) -> bool:
        now = time.monotonic()
        while self.arrivals and self.arrivals[0] <= now - self.seconds:
            self.arrivals.popleft()
        if len(self.arrivals) >= self.requests:
            return False
        self.arrivals.append(now)
        return True


class ZohoApiServer(FakeAPI):
    """Zoho CRM's API domain for the sample organisation."""

    def __init__(self, crm: SampleCrm,
                 download_limit: tuple[int, float] | None = DOWNLOAD_LIMIT) -> None:
        super().__init__()
        self.crm = crm
        self.downloads = SlidingWindow(*download_limit) if download_limit else None
        self.refused_downloads = 0
        self.refusals: list[tuple[str, int, str]] = []
        self.users_more_records = False
        """Every page of users says ``more_records``, the last one too."""
        self.route("GET", "/crm/v8/settings/fields", self.fields)
        self.route("GET", "/crm/v8/users", self.users)
        self.route("GET", "/crm/v8/org", lambda _: self.listing("org", [crm.organisation]))
        self.route("GET", "/crm/v8/org/currencies",
                   lambda _: self.listing("currencies", crm.currencies))
        self.route("GET", "/crm/v8/settings/profiles",
                   lambda _: self.listing("profiles", crm.profiles))
        self.route("GET", "/crm/v8/settings/roles", lambda _: self.listing("roles", crm.roles))
        self.route("GET", "/crm/v8/settings/territories", self.territories)
        self.route("POST", "/crm/bulk/v8/read", self.create_job)
        self.route("GET", "/crm/bulk/v8/read/{job_id}/result", self.result)
        self.route("GET", "/crm/bulk/v8/read/{job_id}", self.job)

    def throttle_headers(self) -> dict[str, str]:
        return {}  # Zoho documents no Retry-After

    def refuse(self, status: int, code: str, times: int = 1, part: str = "") -> None:
        """Answer the next ``times`` requests whose path contains ``part`` with ``status``
        and Zoho's error body of ``code``."""
        with self.lock:
            self.refusals.extend([(part, status, code)] * times)

    def answer(self, request: Request) -> Reply:
        authorization = request.header("Authorization") or ""
        if not authorization.startswith("Zoho-oauthtoken "):
            return zoho_error(401, "AUTHENTICATION_FAILURE")
        if not self.crm.token_valid(authorization.removeprefix("Zoho-oauthtoken ")):
            return zoho_error(401, "INVALID_TOKEN")
        with self.lock:
            queued = next((i for i, (part, _, _) in enumerate(self.refusals)
                           if part in request.path), None)
            refusal = self.refusals.pop(queued) if queued is not None else None
        if refusal is not None:
            return zoho_error(refusal[1], refusal[2])
        return super().answer(request)

    def fields(self, request: Request) -> Reply:
        module = request.query.get("module", "")
        if module not in self.crm.data:
            return zoho_error(400, "INVALID_MODULE")
        return Reply(200, {"fields": self.crm.fields(module)})

    @staticmethod
    def listing(key: str, records: list[dict[str, Any]]) -> Reply:
        """A settings answer: ``{key: [...]}``, or 204 with no body when there is none."""
        return Reply(200, {key: records}) if records else Reply(204, None)

    def territories(self, request: Request) -> Reply:
        reply = numbered_page(request, self.crm.territory_records, items_key="territories",
                              flag="more_records", info_key="info", size_param="per_page",
                              default_size=200, max_size=200)
        return reply if reply.body["territories"] else Reply(204, None)

    def users(self, request: Request) -> Reply:
        users = self.crm.user_records
        if request.query.get("type", "AllUsers") != "AllUsers":
            users = [u for u in users if u["status"] == "active"]
        reply = numbered_page(request, users, items_key="users", flag="more_records",
                              info_key="info", size_param="per_page", default_size=200,
                              max_size=200)
        if not reply.body["users"]:
            return Reply(204, None)
        if self.users_more_records:
            reply.body["info"]["more_records"] = True
        return reply

    def create_job(self, request: Request) -> Reply:
        """``POST /crm/bulk/v8/read``: the module as ``{"api_name"}``, the page by number
        (at most ``max_page``) or by a ``page_token`` an earlier job of the module gave."""
        body = request.json() or {}
        query = body.get("query") if isinstance(body, dict) else None
        if not isinstance(query, dict):
            return zoho_error(400, "INVALID_DATA", {"api_name": "query"})
        named = query.get("module")
        module = named.get("api_name") if isinstance(named, dict) else None
        if not isinstance(named, dict):
            return zoho_error(400, "INVALID_DATA", {"api_name": "module",
                                                    "expected_data_type": "jsonobject"})
        if not isinstance(module, str) or module not in self.crm.data:
            return zoho_error(400, "INVALID_MODULE")
        token = query.get("page_token")
        if token is not None:
            found = self.crm.page_of_token(token) if isinstance(token, str) else None
            if found is None or found[0] != module:
                return zoho_error(400, "INVALID_DATA", {"api_name": "page_token"})
            page = found[1]
        else:
            page = query.get("page", 1)
            if not isinstance(page, int) or isinstance(page, bool) or page < 1:
                return zoho_error(400, "INVALID_DATA", {"api_name": "page"})
            if page > self.crm.max_page:
                return zoho_error(400, "PAGE_RANGE_EXCEEDED", {"max_limit": self.crm.max_page})
        self.crm.await_pair(module, page)
        job = self.crm.create_job(module, page, token)
        return Reply(201, {"data": [{"status": "success", "code": "ADDED_SUCCESSFULLY",
                                     "message": "Added successfully.",
                                     "details": {"id": job.id, "operation": "read",
                                                 "state": "ADDED",
                                                 "created_by": self._creator(),
                                                 "created_time": job.created_time}}],
                           "info": {}})

    def _creator(self) -> dict[str, str]:
        user = self.crm.user_records[0]
        return {"id": user["id"], "name": user["full_name"]}

    def _job(self, job_id: str) -> SampleJob | None:
        with self.crm.lock:
            return self.crm.jobs.get(job_id)

    def job(self, request: Request, job_id: str) -> Reply:
        job = self._job(job_id)
        if job is None:
            return zoho_error(404, "RESOURCE_NOT_FOUND", {"resource": job_id})
        state = self.crm.state(job)
        query: dict[str, Any] = {"module": {"api_name": job.module,
                                            "id": self.crm.module_id(job.module)}}
        if job.page_token is None:
            query["page"] = job.page
        else:
            query["page_token"] = job.page_token
        detail: dict[str, Any] = {
            "id": job.id, "operation": "read", "state": state, "query": query,
            "created_by": self._creator(), "created_time": job.created_time,
            "file_type": "csv"}
        if state == "COMPLETED":
            rows, more = self.crm.page_rows(job)
            detail["result"] = {"page": job.page, "count": len(rows),
                                "download_url": f"/crm/bulk/v8/read/{job.id}/result",
                                "per_page": self.crm.per_page, "more_records": more}
            token = self.crm.next_page_token(job)
            if token is not None:
                detail["result"]["next_page_token"] = token
        return Reply(200, {"data": [detail]})

    def result(self, request: Request, job_id: str) -> Reply:
        job = self._job(job_id)
        if job is None or self.crm.state(job) != "COMPLETED":
            return zoho_error(404, "RESOURCE_NOT_FOUND", {"resource": job_id})
        if self.downloads is not None:
            with self.lock:
                admitted = self.downloads.admit()
                self.refused_downloads += not admitted
            if not admitted:
                return zoho_error(429, "TOO_MANY_REQUESTS")
        return Reply(200, export_zip(job, self.crm.export_rows(job)),
                     content_type="application/x-download",
                     headers={"Content-Disposition": f"attachment; filename={job.id}.zip"})


def export_zip(job: SampleJob, rows: list[dict[str, Any]]) -> bytes:
    """The job's export: a zip holding ``<job id>.csv``, every value quoted."""
    columns = ["id", *(f.api_name for f in module_fields(job.module))]
    text = io.StringIO()
    writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(f"{job.id}.csv", text.getvalue().encode())
    return archive.getvalue()


class SampleZoho:
    """The accounts server and the CRM API of one sample organisation."""

    def __init__(self, crm: SampleCrm | None = None, *,
                 download_limit: tuple[int, float] | None = DOWNLOAD_LIMIT) -> None:
        self.crm = crm or SampleCrm()
        self.api = ZohoApiServer(self.crm, download_limit)
        self.accounts = ZohoAccountsServer(self.crm, self.api.url)

    def start(self) -> SampleZoho:
        self.api.start()
        self.accounts.start()
        return self

    def stop(self) -> None:
        self.accounts.stop()
        self.api.stop()

    def __enter__(self) -> SampleZoho:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def settings(self, ledger_url: str, **more: Any) -> dict[str, Any]:
        """The tap's settings for this organisation."""
        return {"client_id": self.crm.client_id, "client_secret": self.crm.client_secret,
                "refresh_token": self.crm.refresh_token, "accounts_url": self.accounts.url,
                "api_url": self.api.url, "ledger_url": ledger_url, **more}


def demo_source(records: int = 50) -> SampleSource:
    """The ``observes.sample_servers`` entry point: a started sample Zoho whose exports
    are prepared (a ledger in a temporary folder), and how to run tap-zoho-crm on it."""
    from tap_zoho_crm.ledger import Ledger
    from tap_zoho_crm.oauth import Credentials, TokenSource
    from tap_zoho_crm.prepare import prepare
    from tap_zoho_crm.session import ZohoApi

    zoho = SampleZoho(SampleCrm(records={"Leads": records}, per_page=20),
                      download_limit=None).start()
    folder = Path(tempfile.mkdtemp(prefix="observes-zoho-demo-"))
    settings = zoho.settings(str(folder / "bulk-reads.json"), download_rate_limit="1000/1")
    api = ZohoApi(zoho.api.url, TokenSource(zoho.accounts.url,
                                            Credentials.from_config(settings)))
    try:
        prepare(api, Ledger(settings["ledger_url"]), list(zoho.crm.modules), None)
    finally:
        api.close()

    def close() -> None:
        zoho.stop()
        shutil.rmtree(folder, ignore_errors=True)

    return SampleSource(
        name="Zoho CRM", url=zoho.api.url,
        tap_command=[sys.executable, "-m", "tap_zoho_crm.tap"], tap_config=settings,
        calls=lambda: len(zoho.api.log) + len(zoho.accounts.log), close=close,
        schema="zoho_crm",
        summary=f"{len(zoho.crm.modules)} modules, {records} leads",
        target_settings={"load_method": "replace"},
        real_run="ZOHO_CRM_CLIENT_ID=... ZOHO_CRM_CLIENT_SECRET=... "
                 "ZOHO_CRM_REFRESH_TOKEN=... observes run zoho-crm-prepare; later: "
                 "WAREHOUSE_URL=redshift://user:pass@host:5439/db observes run zoho-crm")


if __name__ == "__main__":
    with SampleZoho() as running:
        crm = running.crm
        print(f"Zoho sample: accounts {running.accounts.url}, API {running.api.url} "
              f"(client_id {crm.client_id}, client_secret {crm.client_secret}, "
              f"refresh_token {crm.refresh_token}); Ctrl-C stops it")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
