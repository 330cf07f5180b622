"""tap-zoho-crm against its sample Zoho (an accounts server and a CRM API on loopback):
prepare, the run and its readiness check, every data type, next pages, users, OAuth
refresh and its errors, grant and revoke, retries, and secrets never shown."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tap_zoho_crm.rest import REST_STREAMS
from tap_zoho_crm.sample.crm import MODULES, SampleCrm
from tap_zoho_crm.sample.server import SampleZoho

from observes_singer.tapkit import testing
from observes_singer.tapkit.fake_api.server import Reply, Route, compile_template
from tests.taps.tap_zoho_crm.helpers import (
    FAST_RETRIES,
    STREAMS,
    TAP,
    command,
    counts,
    entries,
    prepare,
    raw_run,
    run,
    settings,
    write,
)

# -- prepare -----------------------------------------------------------------------------------


def test_prepare_creates_a_job_per_module_once(zoho: SampleZoho, ledger: Path,
                                               tmp_path: Path) -> None:
    first = prepare(zoho, ledger, tmp_path)
    jobs = entries(ledger)
    assert sorted(j["module"] for j in jobs) == sorted(MODULES)
    assert {j["page"] for j in jobs} == {1} and {j["created_by"] for j in jobs} == {"prepare"}
    assert all(j["job_id"] in zoho.crm.jobs and j["created_at"].endswith("Z") and
               j["zoho_created_time"] for j in jobs)
    assert [line.split(":")[0] for line in first.stdout.splitlines()] == list(MODULES)
    created = zoho.api.calls("/crm/bulk/v8/read", method="POST")
    assert created == len(MODULES)
    # Zoho answered each POST as its guide shows: 201, ADDED_SUCCESSFULLY.
    second = prepare(zoho, ledger, tmp_path)
    assert zoho.api.calls("/crm/bulk/v8/read", method="POST") == created
    assert entries(ledger) == jobs
    assert all(": kept job " in line for line in second.stdout.splitlines())


def test_prepare_needs_the_state_url_to_tell_loaded_exports(zoho: SampleZoho, ledger: Path,
                                                            tmp_path: Path) -> None:
    result = prepare(zoho, ledger, tmp_path)
    assert "no state_url (nor --state)" in result.stderr


def test_prepare_limited_to_some_modules(zoho: SampleZoho, ledger: Path,
                                         tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path, modules=["Deals", "Price_Books"])
    assert sorted(j["module"] for j in entries(ledger)) == ["Deals", "Price_Books"]


def test_two_prepares_at_once_record_one_job_per_module_page(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    modules = ["Leads", "Deals", "Cases"]
    crm.pair_creations = 10  # a job is created once both prepares ask for it
    path = write(tmp_path, "prepare-config.json", settings(zoho, ledger, modules=modules))
    racing = [subprocess.Popen([sys.executable, "-m", "tap_zoho_crm.cli", "prepare",
                                "--config", str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **FAST_RETRIES}) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in racing]
    crm.pair_creations = 0
    assert [process.returncode for process in racing] == [0, 0], outputs
    jobs = entries(ledger)
    assert sorted((j["module"], j["page"]) for j in jobs) == [(m, 1) for m in sorted(modules)]
    said = [line for stdout, _ in outputs for line in stdout.splitlines()]
    recorded = {j["module"]: j["job_id"] for j in jobs}
    for module, job in recorded.items():
        lines = [line for line in said if line.startswith(f"{module}: ")]
        assert len(lines) == 2, lines
        assert f"{module}: created bulk read job {job} (page 1)" in lines
        assert any(line.startswith(f"{module}: kept job {job} (page 1)") for line in lines)
    # Every job Zoho made and the ledger does not hold is named as left unused.
    unused = set(crm.jobs) - set(recorded.values())
    assert unused == set(re.findall(r"job (\d+), created at the same time, left unused",
                                    "\n".join(said)))
    result = run(zoho, ledger, modules=modules)
    assert result.exit_code == 0, result.stderr[-3000:]
    assert counts(result)["leads"] == 25


# -- the run: readiness ------------------------------------------------------------------------


def test_a_run_before_the_exports_are_ready_writes_nothing_and_exits_69(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    crm.export_delay = 3600
    prepare(zoho, ledger, tmp_path)
    result = raw_run(zoho, ledger, tmp_path)
    assert result.returncode == 69, result.stderr[-3000:]
    assert result.stdout == ""
    [line] = [line for line in result.stderr.splitlines() if "not ready" in line]
    jobs = {j["module"]: j["job_id"] for j in entries(ledger)}
    for module in MODULES:
        assert f"{module}: ADDED (job {jobs[module]}, page 1)" in line
    assert "Run again later" in line
    assert zoho.api.calls("/result") == 0  # nothing downloaded either


def test_a_module_without_a_job_is_not_ready(zoho: SampleZoho, ledger: Path,
                                             tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path, modules=["Leads"])
    result = run(zoho, ledger, modules=["Leads", "Deals"])
    assert result.exit_code == 69 and result.messages == []
    assert "Deals: no bulk read job in the ledger (run tap-zoho-crm prepare)" in result.stderr
    assert "Leads" not in result.stderr.split("not ready")[1]


def test_a_failed_export_is_named_and_prepare_replaces_it(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    crm.fail_job("Deals")
    failed = {j["module"]: j["job_id"] for j in entries(ledger)}["Deals"]
    result = run(zoho, ledger)
    assert result.exit_code == 69 and result.messages == []
    assert (f"Deals: FAILURE (job {failed}, page 1): a failed export; rerun "
            "tap-zoho-crm prepare") in result.stderr
    again = prepare(zoho, ledger, tmp_path)
    assert "Deals: created bulk read job " in again.stdout
    assert f"replacing job {failed} (page 1), a FAILURE" in again.stdout
    assert sum("created" in line for line in again.stdout.splitlines()) == 1
    done = run(zoho, ledger)
    assert done.exit_code == 0, done.stderr[-3000:]
    assert counts(done)["deals"] == 3


def test_an_export_zoho_no_longer_knows_is_named(zoho: SampleZoho, crm: SampleCrm,
                                                 ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    gone = {j["module"]: j["job_id"] for j in entries(ledger)}["Cases"]
    with crm.lock:
        del crm.jobs[gone]
    result = run(zoho, ledger)
    assert result.exit_code == 69
    assert f"Cases: Zoho no longer knows job {gone}, page 1 (expired?)" in result.stderr


# -- the run: records ---------------------------------------------------------------------------


def test_every_module_the_users_and_the_settings_are_read(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    result = run(zoho, ledger)
    assert result.exit_code == 0, result.stderr[-3000:]
    found = counts(result)
    for module, stream in zip(MODULES, STREAMS, strict=True):
        assert found[stream] == len(crm.data[module]), stream
    assert found["users"] == len(crm.user_records)
    settings_read = {"org": [crm.organisation], "currencies": crm.currencies,
                     "profiles": crm.profiles, "roles": crm.roles,
                     "territories": crm.territory_records}
    for stream, records in settings_read.items():
        assert result.records(stream) == records, stream
    fields = result.records("fields")
    assert [(f["module"], f["api_name"]) for f in fields] == [
        (module, f["api_name"]) for module in MODULES for f in crm.fields(module)]
    assert {**fields[0], "module": None} == {**crm.fields(MODULES[0])[0], "module": None}
    schemas = {m["stream"]: m for m in result.messages if m["type"] == "SCHEMA"}
    assert set(schemas) == {*STREAMS, "users", *settings_read, "fields"}
    assert all(m["key_properties"] == (["module", "id"] if m["stream"] == "fields" else ["id"])
               for m in schemas.values())
    # Zoho's own fields, and the id the export adds.
    assert set(schemas["deals"]["schema"]["properties"]) == {
        "id", "Deal_Name", "Owner", "Created_By", "Modified_By", "Created_Time",
        "Modified_Time", "Tag", "Description", "Amount", "Stage", "Closing_Date",
        "Probability", "Account_Name", "Contact_Name"}
    testing.assert_schemas_cover(result.messages)
    # The state lists each module's jobs, for the ledger to consume once it is committed.
    bookmarks = result.last_state()["bookmarks"]
    jobs: dict[str, list[str]] = {}
    for job in entries(ledger):
        jobs.setdefault(job["module"], []).append(job["job_id"])
    for module, stream in zip(MODULES, STREAMS, strict=True):
        assert bookmarks[stream] == {"bulk_jobs": jobs[module], "module": module}


def test_each_data_type_is_typed_from_the_field_metadata(zoho: SampleZoho, crm: SampleCrm,
                                                         ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    result = raw_run(zoho, ledger, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    messages = [json.loads(line, parse_float=Decimal) for line in result.stdout.splitlines()]
    schema = next(m["schema"] for m in messages
                  if m["type"] == "SCHEMA" and m["stream"] == "leads")["properties"]
    assert schema["id"] == {"type": "string"}
    assert schema["No_of_Employees"]["type"] == ["integer", "null"]
    assert schema["Visits__c"]["type"] == ["integer", "null"]  # bigint
    assert schema["Weight__c"] == {"type": ["number", "null"], "multipleOf": Decimal("0.001")}
    assert schema["Annual_Revenue"] == {"type": ["number", "null"],
                                        "multipleOf": Decimal("0.01")}
    assert schema["Discount__c"] == {"type": ["number", "null"]}  # percent, no places
    assert schema["Margin__c"]["multipleOf"] == Decimal("0.01")  # formula -> currency
    assert schema["Email_Opt_Out"]["type"] == ["boolean", "null"]
    assert schema["Date_of_Birth__c"] == {"type": ["string", "null"], "format": "date"}
    assert schema["Last_Activity_Time"] == {"type": ["string", "null"], "format": "date-time"}
    for lookup in ("Owner", "Created_By", "Converted_Account"):
        assert schema[lookup]["type"] == ["object", "null"]
        assert schema[lookup]["properties"] == {"id": {"type": ["string", "null"]}}
    assert schema["Interests__c"] == {"type": ["array", "null"], "items": {"type": "string"}}
    for text in ("Last_Name", "Email", "Lead_Status", "Lead_No__c", "Description"):
        assert schema[text] == {"type": ["string", "null"]}
    tasks = next(m["schema"] for m in messages
                 if m["type"] == "SCHEMA" and m["stream"] == "tasks")["properties"]
    assert tasks["Recurring_Activity"] == {"type": ["string", "null"]}
    assert "Tasks: fields of a data type the tap does not type, loaded as text: " \
           "Recurring_Activity (RRULE)" in result.stderr
    leads = {m["record"]["id"]: m["record"] for m in messages
             if m["type"] == "RECORD" and m["stream"] == "leads"}
    third = leads[crm.data["Leads"][3]["id"]]
    assert third["No_of_Employees"] == 21 and isinstance(third["No_of_Employees"], int)
    assert third["Visits__c"] == 2**53 + 4  # exact past 2^53
    assert third["Weight__c"] == Decimal("0.375")
    assert str(third["Annual_Revenue"]) == "3702.50"
    assert third["Discount__c"] == Decimal("37.5")
    assert third["Margin__c"] == Decimal("3702.50")
    assert third["Email_Opt_Out"] is True
    assert leads[crm.data["Leads"][2]["id"]]["Email_Opt_Out"] is False
    assert third["Date_of_Birth__c"] == "2026-01-01"
    assert third["Last_Activity_Time"] == "2026-01-02T02:30:00+05:30"
    assert third["Owner"] == {"id": crm.data["Leads"][3]["Owner"]}
    assert third["Converted_Account"] == {"id": crm.data["Accounts"][0]["id"]}
    assert leads[crm.data["Leads"][4]["id"]]["Converted_Account"] is None  # empty: null
    assert third["Interests__c"] == ["Analytics", "Big data"]
    assert leads[crm.data["Leads"][10]["id"]]["Interests__c"] == ["Big data", "Mañana"]
    assert leads[crm.data["Leads"][0]["id"]]["Interests__c"] is None
    assert third["Lead_No__c"] == "LEAD-00003"
    assert third["Description"] == "Mañana\r\nlínea 2\ttab 🚀 #3"  # CRLF inside quotes
    assert leads[crm.data["Leads"][2]["id"]]["Description"] == \
        "Customer says: \"it's broken\"\tagain (2)"
    assert leads[crm.data["Leads"][5]["id"]]["Description"] is None
    assert leads[crm.data["Leads"][2]["id"]]["Tag"] is None
    assert leads[crm.data["Leads"][1]["id"]]["Tag"] == "tag-1, \"quoted\""


def test_next_pages_are_waited_for_up_to_page_wait(zoho: SampleZoho, crm: SampleCrm,
                                                   ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    crm.export_delay = 0.5  # the next pages take a while
    result = run(zoho, ledger, page_wait=30)
    assert result.exit_code == 0, result.stderr[-3000:]
    assert len(result.records("leads")) == 25
    # With no time to wait, the run stops as not ready; the next run goes on from there.
    crm.add_records("Deals", 10)  # Deals now has 13 records: 2 pages
    ledger.unlink()
    crm.export_delay = 0  # the first pages are ready at once, however loaded the machine
    prepare(zoho, ledger, tmp_path)
    crm.export_delay = 3600
    stopped = run(zoho, ledger, page_wait=0)
    assert stopped.exit_code == 69 and stopped.messages == []
    page_two = [j for j in entries(ledger) if j["module"] == "Deals" and j["page"] == 2]
    assert len(page_two) == 1
    assert f"Deals: ADDED (job {page_two[0]['job_id']}, page 2)" in stopped.stderr
    crm.finish_exports()
    crm.export_delay = 0
    posts = zoho.api.calls("/crm/bulk/v8/read", method="POST")
    done = run(zoho, ledger, page_wait=0)
    assert done.exit_code == 0, done.stderr[-3000:]
    assert len(done.records("deals")) == 13 and len(done.records("leads")) == 25
    # The pages 2 the stopped run asked for were kept: only Leads' page 3 is new.
    assert zoho.api.calls("/crm/bulk/v8/read", method="POST") == posts + 1


def test_users_are_read_page_by_page() -> None:
    crm = SampleCrm(users=250, records={}, default=1)
    with SampleZoho(crm, download_limit=None) as zoho:
        folder = Path(os.environ.get("TMPDIR", "/tmp"))
        ledger = folder / f"zoho-users-{os.getpid()}.json"
        try:
            prepare(zoho, ledger, folder, modules=["Leads"])
            result = run(zoho, ledger, modules=["Leads"])
        finally:
            ledger.unlink(missing_ok=True)
        pages = [r.query for r in zoho.api.log if r.path == "/crm/v8/users"]
    assert result.exit_code == 0, result.stderr[-3000:]
    users = result.records("users")
    assert len({u["id"] for u in users}) == len(users) == 250
    assert [(q["type"], q["page"], q["per_page"]) for q in pages] == [
        ("AllUsers", "1", "200"), ("AllUsers", "2", "200")]
    assert {u["status"] for u in users} == {"active", "disabled", "deleted"}
    assert users[1]["Reporting_To"] == {"name": "Ana García", "id": users[0]["id"]}


def test_users_that_never_end_stop_with_an_error(zoho: SampleZoho, crm: SampleCrm,
                                               ledger: Path) -> None:
    zoho.api.ignore("page", part="/crm/v8/users")  # every request answered with page 1...
    zoho.api.users_more_records = True  # ... which says more records follow
    result = testing.run_tap(TAP, settings(zoho, ledger), streams=["users"],
                             env=FAST_RETRIES)
    assert result.exit_code != 0
    assert "Zoho CRM answered the 2nd page of users (GET /crm/v8/users) with the same 4 " \
           "records as the page before" in result.stderr
    assert [u["id"] for u in result.records("users")] == [u["id"] for u in crm.user_records]
    assert [r.query["page"] for r in zoho.api.log if r.path == "/crm/v8/users"] == ["1", "2"]


def test_a_value_that_does_not_read_as_its_type_stops_the_run(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    crm.data["Leads"][12]["No_of_Employees"] = "many"
    prepare(zoho, ledger, tmp_path)
    result = run(zoho, ledger)
    assert result.exit_code != 0
    page_two = [j["job_id"] for j in entries(ledger) if j["module"] == "Leads"][1]
    # Row 3 of page 2; the rows before it hold line breaks in quoted values.
    assert (f"Leads, bulk read job {page_two}, {page_two}.csv, row 3 (line 6), field "
            "No_of_Employees (integer): 'many' is not an integer") in result.stderr


def test_a_file_with_fewer_rows_than_zoho_counted_stops_the_run(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    crm.add_records("Deals", 2)  # 5 records, of which the file holds 2
    crm.short_files["Deals"] = 2
    prepare(zoho, ledger, tmp_path, modules=["Deals"])
    [job] = [j["job_id"] for j in entries(ledger)]
    result = run(zoho, ledger, modules=["Deals"])
    assert result.exit_code != 0
    assert (f"Deals, bulk read job {job}, {job}.csv: Zoho counted 5 records, the file held "
            "2; stopped rather than load a part") in result.stderr
    assert [m for m in result.messages if m["type"] == "STATE"
            and m["value"].get("bookmarks", {}).get("deals")] == []
    assert [j["job_id"] for j in entries(ledger)] == [job]


# -- OAuth --------------------------------------------------------------------------------------


def test_the_secrets_go_to_the_accounts_server_and_the_token_to_the_api_only(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    result = run(zoho, ledger)
    assert result.exit_code == 0, result.stderr[-3000:]
    refreshes = [r for r in zoho.accounts.log if r.path == "/oauth/v2/token"]
    assert len(refreshes) == 2  # one for prepare, one for the run
    for request in refreshes:
        assert request.query == {}  # the secrets travel in the form body, not the URL
        assert f"client_secret={crm.client_secret}" in request.body.decode()
        assert request.header("Authorization") is None
    tokens = {r.header("Authorization") for r in zoho.api.log}
    assert len(tokens) == 2 and all(t and t.startswith("Zoho-oauthtoken 1000.") for t in tokens)
    for request in zoho.api.log:
        seen = request.target + request.body.decode(errors="replace")
        assert crm.client_secret not in seen and crm.refresh_token not in seen


def test_an_invalid_token_is_refreshed_once_then_the_request_goes_on(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    crm.spoiled = 1  # the run's first access token is refused at once
    before = len(zoho.api.log)
    result = run(zoho, ledger)
    assert result.exit_code == 0, result.stderr[-3000:]
    assert len(result.records("leads")) == 25
    refused, again = zoho.api.log[before], zoho.api.log[before + 1]
    assert refused.target == again.target == "/crm/v8/settings/fields?module=Leads"
    assert refused.header("Authorization") != again.header("Authorization")
    assert not crm.token_valid(str(refused.header("Authorization")).split()[-1])
    assert len([r for r in zoho.accounts.log if r.path == "/oauth/v2/token"]) == 3
    assert "401 from Zoho" not in result.stderr  # refreshed and sent again, no retry needed


def test_an_access_token_refused_twice_stops_the_run(zoho: SampleZoho, crm: SampleCrm,
                                                     ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    crm.spoiled = 2
    result = run(zoho, ledger)
    assert result.exit_code != 0 and result.messages == []
    assert "401 from Zoho CRM for the fields of Leads (GET /crm/v8/settings/fields)" in \
        result.stderr
    assert "INVALID_TOKEN: invalid oauth token" in result.stderr


def test_an_access_token_is_refreshed_before_it_expires(zoho: SampleZoho,
                                                        crm: SampleCrm) -> None:
    from tap_zoho_crm.oauth import Credentials, TokenSource

    now = [1000.0]
    tokens = TokenSource(zoho.accounts.url, Credentials(crm.client_id, crm.client_secret,
                                                        crm.refresh_token),
                         clock=lambda: now[0])
    first = tokens.access_token()
    now[0] += 3000  # well within the hour
    assert tokens.access_token() == first and tokens.refreshes == 1
    now[0] += 545  # less than a minute left: renewed before it lapses
    second = tokens.access_token()
    assert second != first and tokens.refreshes == 2
    assert tokens.api_domain == zoho.api.url
    assert crm.token_valid(second)


def test_a_missing_scope_is_named_with_the_scopes_needed(zoho: SampleZoho, ledger: Path,
                                                       tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path, modules=["Deals"])
    zoho.api.refuse(401, "OAUTH_SCOPE_MISMATCH", part="/crm/v8/users")
    result = run(zoho, ledger, modules=["Deals"])
    assert result.exit_code != 0
    assert ("401 from Zoho CRM for users (page 1) (GET /crm/v8/users)" in result.stderr)
    assert "OAUTH_SCOPE_MISMATCH: oauth_scope_mismatch; the refresh token lacks a scope; " \
           "it needs ZohoCRM.bulk.read, ZohoCRM.modules.ALL, ZohoCRM.settings.fields.READ, " \
           "ZohoCRM.users.READ" in result.stderr
    assert len([r for r in zoho.accounts.log if r.path == "/oauth/v2/token"]) == 2


@pytest.mark.parametrize(("field", "error", "hint"), [
    ("refresh_token", "invalid_code", "the refresh token (or grant code) is wrong"),
    ("client_secret", "invalid_client", "client_id or client_secret is wrong")])
def test_a_refused_refresh_is_named_without_the_secret(
        zoho: SampleZoho, ledger: Path, field: str, error: str, hint: str) -> None:
    wrong = f"1000.wrong0{field}0value0000000000000000"
    result = run(zoho, ledger, **{field: wrong})
    assert result.exit_code != 0 and result.messages == []
    assert f"Zoho Accounts refused the access token refresh: {error}: {hint}" in result.stderr
    assert wrong not in result.stderr


def test_grant_prints_the_refresh_token_once_and_revoke_revokes_it(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    config = settings(zoho, ledger)
    del config["refresh_token"]
    granted = command(tmp_path, "grant", config, stdin=crm.grant_code + "\n")
    assert granted.returncode == 0, granted.stderr
    token = granted.stdout.strip()
    assert granted.stdout == token + "\n" and token in crm.refresh_tokens
    assert token not in granted.stderr and crm.grant_code not in granted.stderr
    assert "shown this once" in granted.stderr
    [exchange] = [r for r in zoho.accounts.log if r.path == "/oauth/v2/token"]
    assert "grant_type=authorization_code" in exchange.body.decode()
    # A grant code is single use.
    again = command(tmp_path, "grant", config, stdin=crm.grant_code + "\n")
    assert again.returncode == 1 and again.stdout == ""
    assert "refused the grant code: invalid_code" in again.stderr
    assert crm.grant_code not in again.stderr
    # The new token works, then is revoked, and is refused after.
    prepare(zoho, ledger, tmp_path, refresh_token=token)
    revoked = command(tmp_path, "revoke", {**config, "refresh_token": token})
    assert revoked.returncode == 0, revoked.stderr
    assert crm.revoked == [token] and token not in revoked.stdout + revoked.stderr
    refused = command(tmp_path, "prepare", {**config, "refresh_token": token})
    assert refused.returncode == 1
    assert "refused the access token refresh: invalid_code" in refused.stderr
    twice = command(tmp_path, "revoke", {**config, "refresh_token": token})
    assert twice.returncode == 1 and "not a valid refresh token" in twice.stderr
    assert token not in twice.stderr


def test_revoke_takes_a_token_from_stdin(zoho: SampleZoho, crm: SampleCrm, ledger: Path,
                                         tmp_path: Path) -> None:
    config = settings(zoho, ledger)
    del config["refresh_token"], config["ledger_url"]
    revoked = command(tmp_path, "revoke", config, "--token-stdin",
                      stdin=crm.refresh_token + "\n")
    assert revoked.returncode == 0, revoked.stderr
    assert crm.revoked == [crm.refresh_token]
    assert crm.refresh_token not in revoked.stdout + revoked.stderr


def test_grant_without_a_code_is_a_usage_error(zoho: SampleZoho, ledger: Path,
                                               tmp_path: Path) -> None:
    result = command(tmp_path, "grant", settings(zoho, ledger), stdin="")
    assert result.returncode == 2 and "no grant code on stdin" in result.stderr


def test_settings_are_checked_without_showing_a_secret(zoho: SampleZoho, ledger: Path,
                                                       tmp_path: Path) -> None:
    secret = ["sample0secret0in0a0list000000"]
    result = command(tmp_path, "prepare", settings(zoho, ledger, client_secret=secret,
                                                   data_centre="mars",
                                                   download_rate_limit="fast"))
    assert result.returncode == 2
    assert "client_secret: must be a string, got a list (not shown: a secret)" in result.stderr
    assert "data_centre: must be one of 'com', 'eu'" in result.stderr
    assert "download_rate_limit: must be N/W" in result.stderr
    assert secret[0] not in result.stderr
    tap = run(zoho, ledger, refresh_token=12345678)
    assert tap.exit_code != 0
    assert "refresh_token: must be a string, got an integer (not shown: a secret)" in tap.stderr
    assert "12345678" not in tap.stderr


# -- retries and hosts ---------------------------------------------------------------------------


def test_rate_limits_server_errors_and_dropped_connections_are_retried(
        zoho: SampleZoho, ledger: Path, tmp_path: Path) -> None:
    zoho.api.refuse(429, "TOO_MANY_REQUESTS", times=2, part="/crm/bulk/v8/read")
    prepare(zoho, ledger, tmp_path)
    zoho.api.refuse(429, "TOO_MANY_REQUESTS", times=1, part="/crm/v8/users")
    zoho.api.fail(503, times=1, part="/crm/v8/settings/fields")
    zoho.api.drop(times=1, part="/result")
    result = run(zoho, ledger)
    assert result.exit_code == 0, result.stderr[-3000:]
    assert len(result.records("leads")) == 25 and len(result.records("users")) == 4
    assert "429 from Zoho CRM for users (page 1) (GET /crm/v8/users); retrying" in \
        result.stderr
    assert "503 from Zoho CRM for the fields of" in result.stderr
    assert "no answer from Zoho CRM for the export of" in result.stderr
    assert zoho.api.refusals == [] and zoho.api.failures == []


def test_downloads_are_paced_below_zoho_s_limit(ledger: Path, tmp_path: Path) -> None:
    crm = SampleCrm(per_page=10, records={"Leads": 25}, default=1,
                    modules=("Leads", "Accounts", "Contacts", "Deals"))
    with SampleZoho(crm, download_limit=(3, 1.0)) as zoho:
        prepare(zoho, ledger, tmp_path, modules=list(crm.modules))
        result = testing.run_tap(TAP, {**settings(zoho, ledger), "download_rate_limit": "3/1.2",
                                       "modules": list(crm.modules)}, env=FAST_RETRIES)
        assert result.exit_code == 0, result.stderr[-3000:]
        assert zoho.api.refused_downloads == 0
        assert zoho.api.calls("/result") == 6  # 3 pages of leads, 3 other modules


def test_a_redirect_to_another_host_is_refused(zoho: SampleZoho, ledger: Path,
                                              tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    elsewhere = "http://localhost:9"
    zoho.api.redirect("/crm/v8/users", 302, elsewhere)
    result = run(zoho, ledger)
    assert result.exit_code != 0
    assert "another host than api_url's" in result.stderr


# -- the ledger and the committed state ----------------------------------------------------------


def test_a_committed_state_consumes_the_ledger_then_prepare_asks_again(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    first = run(zoho, ledger)
    assert first.exit_code == 0, first.stderr[-3000:]
    loaded = {j["job_id"] for j in entries(ledger)}
    # Not committed (no state saved): the ledger is untouched, the same exports load again.
    again = run(zoho, ledger)
    assert again.exit_code == 0 and {j["job_id"] for j in entries(ledger)} == loaded
    assert counts(again) == counts(first)
    # Committed: prepare reads the state (read only) and asks for new exports.
    state_file = write(tmp_path, "committed.json", first.last_state())
    before = state_file.read_text()
    renewed = prepare(zoho, ledger, tmp_path, state_url=str(state_file))
    assert "19 jobs of " in renewed.stderr and "were loaded and committed" in renewed.stderr
    assert state_file.read_text() == before
    fresh = entries(ledger)
    assert len(fresh) == len(MODULES) and not {j["job_id"] for j in fresh} & loaded
    assert all(j["page"] == 1 for j in fresh)


def test_the_ledger_and_the_state_may_live_on_s3(zoho: SampleZoho, s3_bucket: Any,
                                                tmp_path: Path) -> None:
    on_s3 = {"AWS_ENDPOINT_URL_S3": s3_bucket.endpoint_url}
    ledger_url = s3_bucket.url("zoho-crm/bulk-reads.json")
    config = {**settings(zoho, tmp_path / "unused.json"), "ledger_url": ledger_url}
    assert command(tmp_path, "prepare", config, env=on_s3).returncode == 0
    result = testing.run_tap(TAP, config, env={**FAST_RETRIES, **on_s3})
    assert result.exit_code == 0, result.stderr[-3000:]
    state_url = s3_bucket.put("zoho-crm.json", json.dumps(result.last_state()))
    renewed = command(tmp_path, "prepare", {**config, "state_url": state_url}, env=on_s3)
    assert renewed.returncode == 0, renewed.stderr[-3000:]
    assert "were loaded and committed" in renewed.stderr
    assert len(renewed.stdout.splitlines()) == len(MODULES)
    assert not (tmp_path / "unused.json").exists()


def test_the_run_consumes_what_its_state_lists_before_checking(
        zoho: SampleZoho, ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    first = run(zoho, ledger)
    assert first.exit_code == 0, first.stderr[-3000:]
    # A second run from the committed state, with no prepare in between, has nothing left.
    second = run(zoho, ledger, first.last_state())
    assert second.exit_code == 69 and second.messages == []
    assert "Leads: no bulk read job in the ledger (run tap-zoho-crm prepare)" in second.stderr
    assert entries(ledger) == []


def test_no_secret_reaches_stdout_stderr_the_state_or_the_ledger(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    outputs = []
    config = settings(zoho, ledger)
    del config["refresh_token"]
    granted = command(tmp_path, "grant", config, stdin=crm.grant_code + "\n")
    outputs.append(granted.stderr)
    outputs.append(prepare(zoho, ledger, tmp_path).stdout)
    crm.spoiled = 1
    result = raw_run(zoho, ledger, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    outputs += [result.stdout, result.stderr, ledger.read_text()]
    discover = subprocess.run([sys.executable, "-m", TAP, "--config",
                               str(tmp_path / "run-config.json"), "--discover"],
                              capture_output=True, text=True, timeout=120, check=False)
    assert discover.returncode == 0, discover.stderr[-3000:]
    outputs += [discover.stdout, discover.stderr]
    secrets = [crm.client_secret, crm.refresh_token, crm.grant_code, granted.stdout.strip(),
               *crm.access_tokens]
    for text in outputs:
        for secret in secrets:
            assert secret not in text
        assert "Zoho-oauthtoken" not in text


def test_discovery_types_each_module_from_its_fields(zoho: SampleZoho, ledger: Path,
                                                    tmp_path: Path) -> None:
    path = write(tmp_path, "config.json", settings(zoho, ledger))
    result = subprocess.run([sys.executable, "-m", TAP, "--config", str(path), "--discover"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    catalog = json.loads(result.stdout)
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert set(streams) == {*STREAMS, *REST_STREAMS}
    assert streams["price_books"]["key_properties"] == ["id"]
    assert streams["fields"]["key_properties"] == ["module", "id"]
    assert streams["leads"]["schema"]["properties"]["Visits__c"]["type"] == ["integer", "null"]
    assert zoho.api.calls("/crm/bulk") == 0  # discovery asks only for the fields


def test_the_demo_source_is_prepared_and_runs() -> None:
    from tap_zoho_crm.sample.server import demo_source

    with demo_source(records=45) as source:
        assert source.target_settings == {"load_method": "replace"}
        result = testing.run_tap(source.tap_command, source.tap_config, env=FAST_RETRIES)
        assert result.exit_code == 0, result.stderr[-3000:]
        assert len(result.records("leads")) == 45  # 3 pages of 20
        assert source.calls() > len(MODULES)
        ledger = Path(source.tap_config["ledger_url"])
    assert not ledger.exists()  # the demo's ledger went with it


def zip_of(members: dict[str, bytes]) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return archive.getvalue()


@pytest.mark.parametrize(("members", "holds"), [
    ({}, "it holds nothing"),
    ({"a.csv": b'"id"\r\n"1"\r\n', "b.csv": b'"id"\r\n"2"\r\n'}, "it holds a.csv, b.csv"),
])
def test_an_export_that_is_not_one_csv_ends_in_one_line(
        zoho: SampleZoho, ledger: Path, tmp_path: Path, members: dict[str, bytes],
        holds: str) -> None:
    prepare(zoho, ledger, tmp_path)
    template = "/crm/bulk/v8/read/{job_id}/result"
    zoho.api.routes.insert(0, Route("GET", template, compile_template(template),
                                    lambda _request, job_id: Reply(200, zip_of(members))))
    result = run(zoho, ledger)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith("tap-zoho-crm: ")]
    assert line.startswith("tap-zoho-crm: error: ")
    assert f"the zip should hold one CSV file; {holds}" in line
