"""singer-sdk's standard tap tests against the sample Zoho, its exports prepared."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from tap_zoho_crm.ledger import Ledger
from tap_zoho_crm.oauth import Credentials, TokenSource
from tap_zoho_crm.prepare import prepare
from tap_zoho_crm.sample.crm import SampleCrm
from tap_zoho_crm.sample.server import SampleZoho
from tap_zoho_crm.session import ZohoApi
from tap_zoho_crm.tap import TapZohoCRM

from observes_singer.tapkit.testing import standard_tap_tests

# The standard tests are generated from a config at import time, so the sample Zoho starts
# with the module (free loopback ports, daemon threads) and its exports are prepared at
# once (no delay), in a ledger of a temporary folder. The tests run the tap many times in
# a row with no state: none consumes the ledger, so each loads the same exports.
ZOHO = SampleZoho(SampleCrm(per_page=10), download_limit=None).start()
FOLDER = Path(tempfile.mkdtemp(prefix="observes-zoho-standard-"))
atexit.register(shutil.rmtree, FOLDER, True)
CONFIG = ZOHO.settings(str(FOLDER / "bulk-reads.json"), download_rate_limit="1000/1")
_api = ZohoApi(ZOHO.api.url, TokenSource(ZOHO.accounts.url, Credentials.from_config(CONFIG)))
prepare(_api, Ledger(CONFIG["ledger_url"]), list(ZOHO.crm.modules), None)
_api.close()

TestTapZohoCRM = standard_tap_tests(TapZohoCRM, CONFIG)
