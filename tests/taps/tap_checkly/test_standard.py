"""singer-sdk's standard tap tests against the sample Checkly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tap_checkly.sample.account import SampleAccount
from tap_checkly.sample.server import ChecklyServer
from tap_checkly.tap import TapCheckly

from observes_singer.tapkit.testing import standard_tap_tests

# The standard tests are generated from a config at import time, so the server starts
# with the module (on a free loopback port, in a daemon thread). They run the tap many
# times in a row: no rate limit on either side, and two days of alerts to read.
SERVER = ChecklyServer(SampleAccount(runs=40), rate_limits={}).start()
UNLIMITED = {"requests": 100_000, "seconds": 1}

TestTapCheckly = standard_tap_tests(
    TapCheckly, {"api_url": SERVER.url, "api_key": SERVER.account.api_key,
                 "account_id": SERVER.account.account_id,
                 "start_date": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
                 "rate_limit": UNLIMITED, "check_results_rate_limit": UNLIMITED,
                 "alert_notifications_rate_limit": UNLIMITED})
