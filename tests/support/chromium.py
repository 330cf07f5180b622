"""Debian's headless Chromium, as the tests open a page in it: the rendered DOM, a
screenshot, and what the page wrote to the console (its errors and the Content Security
Policy's refusals included)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import REPO

BINARY = shutil.which("chromium") or shutil.which("chromium-browser")
MISSING = ("Chromium is not installed (Debian: apt-get install chromium, as .ci/run does "
           "where it runs as root)")
#: Screenshots kept after the run (ignored by git).
ARTIFACTS = REPO / "test-artifacts"
_CONSOLE = re.compile(r':CONSOLE[:(]\d+\)?\] "(.*)", source: ')


@dataclass(frozen=True)
class Loaded:
    dom: str
    console: list[str]  # each message the page logged


def _run(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert BINARY is not None, MISSING
    return subprocess.run(
        [BINARY, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr",
         "--v=0", *args], capture_output=True, text=True, timeout=120, check=False)


def load(page: Path, profile: Path) -> Loaded:
    """The DOM after the page loaded (``--dump-dom``), and its console messages."""
    done = _run(profile, "--dump-dom", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-3000:]
    return Loaded(done.stdout, _CONSOLE.findall(done.stderr))


def screenshot(page: Path, profile: Path, name: str, size: tuple[int, int]) -> Path:
    """A PNG of the page at ``size``, kept as ``test-artifacts/NAME.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    target.unlink(missing_ok=True)
    done = _run(profile, f"--screenshot={target}", f"--window-size={size[0]},{size[1]}",
                "--hide-scrollbars", page.resolve().as_uri())
    assert done.returncode == 0 and target.is_file(), done.stderr[-3000:]
    print(f"screenshot: {target}")
    return target
