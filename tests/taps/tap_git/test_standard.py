"""singer-sdk's standard tap tests for tap-git, on a repository made with git."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from tap_git.tap import TapGit

from observes_singer.tapkit.testing import standard_tap_tests
from tests.support.git_repos import BOB, CAROL, Repo

# The standard tests are generated from a config at import time, so the repository is
# made with the module: a local one read in place, and the same served as a clone URL.
_FOLDER = Path(tempfile.mkdtemp(prefix="tap-git-standard-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
_REPO = Repo(_FOLDER / "app")
_REPO.commit("first", {"a.txt": "1\n", "b.bin": b"\x00\x01"})
_REPO.checkout("feature", new=True)
_REPO.commit("feature", {"f.txt": "f\n"}, author=CAROL)
_REPO.checkout("main")
_REPO.commit("second", {"a.txt": "1\n2\n"}, author=BOB)
_REPO.merge("feature", "merge feature")

TestTapGit = standard_tap_tests(
    TapGit, {"repositories": [{"path": str(_REPO.path), "group": "local"},
                              {"url": _REPO.path.as_uri(), "group": "cloned",
                               "name": "app-clone"}],
             "clone_dir": str(_FOLDER / "clones"), "files": True})
