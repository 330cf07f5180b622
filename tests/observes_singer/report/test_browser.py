"""The report in a real browser (headless Chromium), as a person sees it: the job table, a
stale job in red, a chart with a point per run, no console error; a screenshot is kept."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from observes_singer.batch.failure_report import Failure
from observes_singer.jobs.files import CommandJob
from observes_singer.jobs.ledger import record_run
from observes_singer.report.build import build_report
from observes_singer.report.html import render
from observes_singer.store.storage import BlobStore
from tests.observes_singer.report.page import parse
from tests.observes_singer.report.test_report import (
    HOSTILE_ERROR,
    HOSTILE_NAME,
    jobs_with_history,
)
from tests.support import chromium

pytestmark = pytest.mark.skipif(chromium.BINARY is None, reason=chromium.MISSING)
RED = "rgb(207, 34, 46)"

#: Run in the page (a copy without its Content-Security-Policy, which allows no script):
#: what the browser computed, written into the DOM for --dump-dom to show.
PROBE = """<script>
for (const row of document.querySelectorAll("tr.job")) {
  row.dataset.probeColor = getComputedStyle(row.querySelector(".status")).color;
  row.dataset.probeBackground = getComputedStyle(row.cells[0]).backgroundColor;
}
for (const chart of document.querySelectorAll("svg.chart")) {
  chart.dataset.probePoints = chart.querySelector("polyline").points.numberOfItems;
  chart.dataset.probeWidth = chart.getBoundingClientRect().width;
}
</script>"""


def probed(page: Path) -> Path:
    html = page.read_text()
    start = html.index('<meta http-equiv="Content-Security-Policy"')
    html = html[:start] + html[html.index(">", start) + 1:]
    copy = page.with_name("probed.html")
    copy.write_text(html.replace("</body>", PROBE + "</body>"))
    return copy


def test_a_person_sees_the_table_the_stale_job_in_red_and_each_run(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    jobs_with_history(tmp_path, now)
    out = tmp_path / "report.html"
    env = {**os.environ, "OBSERVES_JOBS_DIR": str(tmp_path / "jobs"),
           "OBSERVES_STATE_STORE": str(tmp_path / "store")}
    done = subprocess.run([sys.executable, "-m", "observes_singer.cli", "report", "--out",
                           str(out)], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr

    shot = chromium.screenshot(out, tmp_path / "profile", "report-page", (1280, 1400))
    loaded = chromium.load(out, tmp_path / "profile")
    seen = chromium.load(probed(out), tmp_path / "profile")

    assert shot.stat().st_size > 10_000
    # As the page is published: nothing refused, nothing logged.
    assert loaded.console == []
    page = parse(loaded.dom)
    assert [r.attrs["data-job"] for r in page.all("tr", "job")] == [
        "late", "never", "free", "nightly"]
    assert seen.console == []
    rows = {r.attrs["data-job"]: r for r in parse(seen.dom).all("tr", "job")}
    assert rows["late"].attrs["data-probe-color"] == RED
    assert rows["never"].attrs["data-probe-color"] == RED
    assert rows["nightly"].attrs["data-probe-color"] != RED
    assert rows["late"].attrs["data-probe-background"] != \
        rows["nightly"].attrs["data-probe-background"]
    charts = parse(seen.dom).all("svg", "chart")
    nightly = [c for c in charts if "over 5 runs" in c.attrs["aria-label"]]
    assert len(nightly) == 3
    for chart in nightly:
        assert chart.attrs["data-probe-points"] == "5"
        assert float(chart.attrs["data-probe-width"]) == 240


def test_hostile_names_stay_text_in_the_browser(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    store = f"{tmp_path}/store/"
    monkeypatch.setenv("OBSERVES_STATE_STORE", store)
    job = CommandJob(name=HOSTILE_NAME, path=tmp_path / "x.toml", description=HOSTILE_ERROR,
                     command=["true"], max_age=timedelta(hours=1))
    record_run(BlobStore(), store, HOSTILE_NAME, "r1", now, now,
               report={"records": 1, "tables": {HOSTILE_NAME: 1}})
    failure = Failure(job=HOSTILE_NAME, label=HOSTILE_NAME, batch_name=HOSTILE_NAME,
                      job_id="1", kind="application error", reason=HOSTILE_ERROR,
                      created=now + timedelta(seconds=1), status="FAILED", exit_code=1,
                      log_url=None, region="us-east-1")
    out = tmp_path / "hostile.html"
    out.write_text(render(build_report([job], BlobStore(), now + timedelta(seconds=5),
                                       failures=[failure])))

    loaded = chromium.load(out, tmp_path / "profile")

    # No script ran (none to refuse either), no element came from the data.
    assert loaded.console == []
    page = parse(loaded.dom)
    assert not page.all("script") and not page.all("img")
    assert HOSTILE_NAME in page.text and HOSTILE_ERROR in page.text


def test_the_console_check_sees_what_a_page_logs(tmp_path: Path) -> None:
    """The check above is not blind: a page that logs, or that the policy refuses, is
    seen."""
    page = tmp_path / "noisy.html"
    page.write_text('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
                    "content=\"default-src 'none'\"></head><body><script>console.error('x')"
                    "</script></body></html>")
    (message,) = chromium.load(page, tmp_path / "profile").console
    assert "Content Security Policy" in message
