"""The organisation's settings the tap reads over REST: territories page by page, a
refused scope named, and no module's stream taking one of their names."""

from __future__ import annotations

from pathlib import Path

import pytest
from tap_zoho_crm.sample.crm import SampleCrm
from tap_zoho_crm.sample.server import SampleZoho

from observes_singer.tapkit import testing
from tests.taps.tap_zoho_crm.helpers import FAST_RETRIES, TAP, command, run, settings


@pytest.fixture
def crm() -> SampleCrm:
    return SampleCrm(records={}, default=1, territories=450)  # 3 pages of 200


def test_territories_are_read_page_by_page_each_once(zoho: SampleZoho, crm: SampleCrm,
                                                     ledger: Path) -> None:
    result = testing.run_tap(TAP, settings(zoho, ledger), streams=["territories"],
                             env=FAST_RETRIES)
    assert result.exit_code == 0, result.stderr[-3000:]
    assert result.records("territories") == crm.territory_records
    pages = [(r.query["page"], r.query["per_page"]) for r in zoho.api.log
             if r.path == "/crm/v8/settings/territories"]
    assert pages == [("1", "200"), ("2", "200"), ("3", "200")]


def test_a_settings_scope_refused_is_named_with_the_scopes_needed(
        zoho: SampleZoho, ledger: Path) -> None:
    zoho.api.refuse(401, "OAUTH_SCOPE_MISMATCH", part="/crm/v8/settings/profiles")
    result = testing.run_tap(TAP, settings(zoho, ledger), streams=["profiles"],
                             env=FAST_RETRIES)
    assert result.exit_code != 0
    assert result.records("profiles") == []
    last = result.stderr.strip().splitlines()[-1]
    assert "401 from Zoho CRM for profiles (GET /crm/v8/settings/profiles)" in last
    assert "ZohoCRM.settings.profiles.READ" in last


@pytest.mark.parametrize("module", ["Roles", "Fields", "Users"])
def test_a_module_may_not_take_a_settings_stream_s_name(zoho: SampleZoho, ledger: Path,
                                                        tmp_path: Path, module: str) -> None:
    result = command(tmp_path, "prepare", settings(zoho, ledger, modules=["Leads", module]))
    assert result.returncode == 2
    assert f"modules: {module.lower()} would collide with the stream of that name" in \
        result.stderr
    assert run(zoho, ledger, modules=[module]).exit_code != 0
