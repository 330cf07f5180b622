"""singer-sdk's standard tap tests, run against the loopback GitLab."""

from __future__ import annotations

from singer_sdk.testing import get_tap_test_class
from tap_gitlab.sample_server import GitLabServer, SampleGitLab
from tap_gitlab.tap import TapGitLab

# The standard tests are generated from a config at import time, so the server starts
# with the module (on a free loopback port, in a daemon thread).
SERVER = GitLabServer(SampleGitLab(projects=1, pipelines=15, token="glpat-standard")).start()

TestTapGitLab = get_tap_test_class(
    tap_class=TapGitLab,
    config={"api_url": SERVER.url, "private_token": "glpat-standard",
            "projects": ["observes/project-0"]},
)
