"""The sample Zoho the tests of tap-zoho-crm run against, and where its ledger lives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tap_zoho_crm.sample.crm import SampleCrm
from tap_zoho_crm.sample.server import SampleZoho


@pytest.fixture
def crm() -> SampleCrm:
    return SampleCrm(per_page=10)  # Leads' 25 records make 3 pages


@pytest.fixture
def zoho(crm: SampleCrm) -> Iterator[SampleZoho]:
    with SampleZoho(crm, download_limit=None) as server:
        yield server


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "state" / "zoho-crm" / "bulk-reads.json"
