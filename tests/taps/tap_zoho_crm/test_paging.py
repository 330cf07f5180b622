"""A module of more pages than Zoho lets a bulk read job ask for by number: the pages past
the cap are asked for with the ``page_token`` the page before carried, and every record
comes out once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tap_zoho_crm.sample.crm import SampleCrm
from tap_zoho_crm.sample.server import SampleZoho

from tests.taps.tap_zoho_crm.helpers import entries, prepare, run


@pytest.fixture
def crm() -> SampleCrm:
    # 23 leads, 5 a page: 5 pages, and page numbers past 2 refused (PAGE_RANGE_EXCEEDED).
    return SampleCrm(records={"Leads": 23}, default=1, per_page=5, max_page=2)


def leads_asked(zoho: SampleZoho) -> list[dict[str, object]]:
    return [json.loads(r.body)["query"] for r in zoho.api.log
            if r.method == "POST" and r.path == "/crm/bulk/v8/read"
            and json.loads(r.body)["query"]["module"] == {"api_name": "Leads"}]


def test_a_module_past_the_page_cap_is_read_whole_once(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    prepare(zoho, ledger, tmp_path)
    result = run(zoho, ledger)
    assert result.exit_code == 0, result.stderr[-3000:]
    ids = [r["id"] for r in result.records("leads")]
    assert len(ids) == len(set(ids)) == 23
    assert set(ids) == {r["id"] for r in crm.data["Leads"]}
    pages = [j for j in entries(ledger) if j["module"] == "Leads"]
    assert [(j["page"], j["created_by"]) for j in pages] == [
        (1, "prepare"), (2, "run"), (3, "run"), (4, "run"), (5, "run")]
    assert [crm.jobs[j["job_id"]].page for j in pages] == [1, 2, 3, 4, 5]
    # Page 1 by its number, then each next page by the token the page before carried.
    tokens = [crm.jobs[j["job_id"]].next_page_token for j in pages[:-1]]
    assert leads_asked(zoho) == [
        {"module": {"api_name": "Leads"}, "page": 1},
        *({"module": {"api_name": "Leads"}, "page_token": t} for t in tokens)]
    assert "Leads: Zoho has more records than page 2; created bulk read job" in \
        result.stderr and "(by its next_page_token)" in result.stderr
    assert result.last_state()["bookmarks"]["leads"]["bulk_jobs"] == \
        [j["job_id"] for j in pages]


def test_without_a_next_page_token_the_cap_stops_the_run_naming_it(
        zoho: SampleZoho, crm: SampleCrm, ledger: Path, tmp_path: Path) -> None:
    crm.page_tokens = False  # an answer without next_page_token: pages go by number
    prepare(zoho, ledger, tmp_path)
    result = run(zoho, ledger)
    assert result.exit_code not in (0, 69)
    assert result.messages == []  # nothing emitted: the target swaps nothing
    assert [q.get("page") for q in leads_asked(zoho)] == [1, 2, 3]
    last = result.stderr.strip().splitlines()[-1]
    assert "a bulk read job of Leads (page 3)" in last
    assert "PAGE_RANGE_EXCEEDED" in last and "next_page_token" in last
