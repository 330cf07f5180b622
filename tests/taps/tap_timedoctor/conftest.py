"""The sample Time Doctor company and its server, fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tap_timedoctor.sample.company import SampleCompany
from tap_timedoctor.sample.server import TimeDoctorServer


@pytest.fixture
def company() -> SampleCompany:
    return SampleCompany()


@pytest.fixture
def api(company: SampleCompany) -> Iterator[TimeDoctorServer]:
    with TimeDoctorServer(company) as server:
        yield server
