"""What the tests of tap-zoho-crm share: the sample Zoho as a fixture-made server, the tap's
settings for it, and running the tap and its commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tap_zoho_crm.sample.server import SampleZoho

from observes_singer.tapkit import testing
from observes_singer.tapkit.testing import TapRun

TAP = "tap_zoho_crm.tap"
FAST_RETRIES = {"OBSERVES_HTTP_BACKOFF": "0.05"}
STREAMS = ("leads", "accounts", "contacts", "deals", "campaigns", "tasks", "cases", "events",
           "calls", "solutions", "products", "vendors", "price_books", "quotes",
           "sales_orders", "purchase_orders", "invoices")


def settings(zoho: SampleZoho, ledger: Path, **more: Any) -> dict[str, Any]:
    return zoho.settings(str(ledger), **{"download_rate_limit": "1000/1",
                                         "poll_interval": 0.1, **more})


def write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.touch(mode=0o600)
    path.write_text(json.dumps(document))
    return path


def command(folder: Path, name: str, config: dict[str, Any], *args: str,
            stdin: str | None = None, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    path = write(folder, f"{name}-config.json", config)
    return subprocess.run([sys.executable, "-m", "tap_zoho_crm.cli", name, "--config",
                           str(path), *args], input=stdin if stdin is not None else "",
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, **FAST_RETRIES, **(env or {})})


def prepare(zoho: SampleZoho, ledger: Path, folder: Path, *args: str,
            **more: Any) -> subprocess.CompletedProcess[str]:
    result = command(folder, "prepare", settings(zoho, ledger, **more), *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def run(zoho: SampleZoho, ledger: Path, state: dict[str, Any] | None = None,
        **more: Any) -> TapRun:
    return testing.run_tap(TAP, settings(zoho, ledger, **more), state, env=FAST_RETRIES)


def raw_run(zoho: SampleZoho, ledger: Path, folder: Path, **more: Any
            ) -> subprocess.CompletedProcess[str]:
    path = write(folder, "run-config.json", settings(zoho, ledger, **more))
    return subprocess.run([sys.executable, "-m", TAP, "--config", str(path)],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, **FAST_RETRIES})


def entries(ledger: Path) -> list[dict[str, Any]]:
    return list(json.loads(ledger.read_text())["jobs"])


def counts(run: TapRun) -> Counter[str]:
    return Counter(m["stream"] for m in run.messages if m["type"] == "RECORD")
