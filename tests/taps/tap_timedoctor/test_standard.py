"""singer-sdk's standard tap tests for tap-timedoctor, against its sample Time Doctor."""

from __future__ import annotations

from tap_timedoctor.sample.company import SampleCompany
from tap_timedoctor.sample.server import TimeDoctorServer
from tap_timedoctor.tap import TapTimeDoctor

from observes_singer.tapkit.testing import standard_tap_tests

# The standard tests are generated from a config at import time, so the server starts
# with the module (on a free loopback port, in a daemon thread). One month of activity.
SERVER = TimeDoctorServer(SampleCompany(months=1)).start()

TestTapTimeDoctor = standard_tap_tests(
    TapTimeDoctor, {"api_url": SERVER.url, "email": SERVER.company.email,
                    "password": SERVER.company.password, "month": "2026-01"})
