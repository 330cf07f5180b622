"""singer-sdk's standard tap tests, and the schema-coverage check, against the loopback
GitLab."""

from __future__ import annotations

from tap_gitlab.sample.server import GitLabServer, SampleGitLab
from tap_gitlab.tap import TapGitLab

from observes_singer.tapkit.schemas import load_schemas
from observes_singer.tapkit.testing import assert_schemas_cover, standard_tap_tests
from tests.taps.tap_gitlab.documented import every_kind_of_record

# The standard tests are generated from a config at import time, so the server starts
# with the module (on a free loopback port, in a daemon thread).
SERVER = GitLabServer(SampleGitLab(projects=1, pipelines=15, token="glpat-standard",
                                   trigger_every=5)).start()

TestTapGitLab = standard_tap_tests(
    TapGitLab, {"api_url": SERVER.url, "private_token": "glpat-standard",
                "projects": ["observes/project-0"], "groups": ["observes"]})


def test_the_schemas_cover_every_field_the_sample_gitlab_returns() -> None:
    """A field GitLab returns that a schema lacks would be dropped by singer-sdk without a
    word: every field the sample server returns, nested ones too, has a place."""
    assert_schemas_cover(every_kind_of_record().records(), load_schemas("tap_gitlab"))
