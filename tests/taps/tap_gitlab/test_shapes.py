"""tap-gitlab as GitLab documents its answers: the sample records hold every documented
field and fit the schemas; child pipelines, their jobs and the trigger jobs are read,
with bookmarks that resume; a group's projects are paged by offset, shared ones left
out unless asked for; project statistics are asked for and done without when refused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jsonschema import Draft7Validator, FormatChecker
from tap_gitlab.sample.server import GitLabServer, SampleGitLab
from tap_gitlab.streams import list_group_projects

from observes_singer.tapkit import testing
from observes_singer.tapkit.schemas import load_schemas
from observes_singer.tapkit.testing import TapRun, last_state, records
from tests.taps.tap_gitlab.documented import (
    ALSO_IN_SCHEMAS,
    CONDITIONAL,
    FIELDS,
    every_kind_of_record,
)

TOKEN = "glpat-shapes"
ADDED_BY_THE_TAP = {"project_path", "pipeline_id"}


def run_tap(server: GitLabServer, state: dict[str, Any] | None = None,
            **config: Any) -> TapRun:
    settings = {"api_url": server.url, "private_token": TOKEN,
                "projects": ["observes/project-0"], **config}
    return testing.run_tap("tap_gitlab.tap", settings, state,
                           env={"OBSERVES_HTTP_BACKOFF": "0.1"})


# -- the records as GitLab documents them ------------------------------------------------------

def test_sample_records_have_exactly_the_documented_fields() -> None:
    """Each record has every field GitLab documents for its endpoint (those it sends only
    sometimes, in some records) and none it does not: a field added to or dropped from
    either the samples or the lists in tests.taps.tap_gitlab.documented shows here."""
    sample = every_kind_of_record().records()
    for stream, fields in FIELDS.items():
        items, documented = sample[stream], set(fields)
        sometimes = set(CONDITIONAL.get(stream, {}))
        assert sometimes <= documented, stream
        assert items, stream
        for item in items:
            assert set(item) <= documented, (stream, sorted(set(item) - documented))
            assert documented - sometimes <= set(item), (
                stream, sorted(documented - sometimes - set(item)))
        seen = {field for item in items for field in item}
        assert seen == documented, (stream, sorted(documented - seen))


def test_the_schemas_declare_the_documented_fields_and_no_others() -> None:
    schemas = load_schemas("tap_gitlab")
    assert set(FIELDS) <= set(schemas)
    for stream, documented in FIELDS.items():
        declared = set(schemas[stream]["properties"])
        expected = set(documented) | set(ALSO_IN_SCHEMAS.get(stream, ())) | (
            ADDED_BY_THE_TAP & declared)
        assert declared == expected, (stream, sorted(declared ^ expected))
        assert "project_path" in declared


def test_sample_records_fit_the_schemas_types_and_formats() -> None:
    """Types, nullability and formats: a date (``members.expires_at``, ``issues.due_date``)
    is not a date-time, nor the other way round."""
    schemas = load_schemas("tap_gitlab")
    sample = every_kind_of_record().records()
    for stream in FIELDS:
        items = sample[stream]
        validator = Draft7Validator(schemas[stream], format_checker=FormatChecker())
        problems = [f"{stream}.{'.'.join(map(str, error.absolute_path))}: {error.message}"
                    for item in items for error in validator.iter_errors(item)]
        assert problems == []
    assert schemas["members"]["properties"]["expires_at"]["format"] == "date"
    assert schemas["issues"]["properties"]["due_date"]["format"] == "date"
    assert schemas["projects"]["properties"]["marked_for_deletion_on"]["format"] == "date"


# -- child pipelines and trigger jobs ----------------------------------------------------------

@pytest.fixture
def triggering() -> Iterator[GitLabServer]:
    """A project whose every fourth pipeline has a trigger job that started a child."""
    with GitLabServer(SampleGitLab(projects=1, pipelines=20, token=TOKEN,
                                   trigger_every=4)) as server:
        yield server


def test_child_pipelines_their_jobs_and_the_trigger_jobs_are_read(
        triggering: GitLabServer) -> None:
    code, messages, stderr = run_tap(triggering)
    assert code == 0, stderr[-2000:]
    project = triggering.data.projects[0]
    children = {p["id"] for p in project.child_pipelines}
    assert len(children) == 5
    pipelines = records(messages, "pipelines")
    assert {p["id"] for p in pipelines} == {p["id"] for p in project.pipelines} | children
    assert {p["source"] for p in pipelines if p["id"] in children} == {"parent_pipeline"}
    jobs = records(messages, "jobs")
    assert {j["pipeline_id"] for j in jobs} >= children  # the children's jobs too
    assert len(jobs) == 25
    bridges = records(messages, "bridges")
    assert {b["downstream_pipeline"]["id"] for b in bridges} == children
    assert all(b["pipeline_id"] == b["pipeline"]["id"] and b["project_path"] ==
               "observes/project-0" for b in bridges)
    queries = [query for path, query in triggering.requests if path.endswith("/pipelines")]
    # one query each, side by side
    assert sorted(q.get("source") or "" for q in queries) == ["", "parent_pipeline"]
    assert sum(1 for path, _ in triggering.requests if path.endswith("/bridges")) == 25
    partitions = {tuple(sorted(b["context"].items())): b.get("replication_key_value")
                  for b in last_state(messages)["bookmarks"]["pipelines"]["partitions"]}
    assert partitions == {
        (("project_path", "observes/project-0"),): project.pipelines[-1]["updated_at"],
        (("project_path", "observes/project-0"), ("source", "parent_pipeline")):
            project.child_pipelines[-1]["updated_at"],
    }


def test_a_second_run_reads_only_the_new_child_pipelines(triggering: GitLabServer) -> None:
    code, messages, _ = run_tap(triggering)
    assert code == 0
    project = triggering.data.projects[0]
    triggering.data.add_pipeline(project, 100, minutes=50_000)  # triggers a child
    code, messages, stderr = run_tap(triggering, state=last_state(messages))
    assert code == 0, stderr[-2000:]
    new = [project.pipelines[-1]["id"], project.child_pipelines[-1]["id"]]
    assert [p["id"] for p in records(messages, "pipelines")] == new
    assert sorted(j["pipeline_id"] for j in records(messages, "jobs")) == sorted(new)
    assert [b["downstream_pipeline"]["id"] for b in records(messages, "bridges")] == new[1:]


def test_bounded_runs_resume_each_partition_exactly() -> None:
    """250 pipelines and 250 child pipelines, one page (100) of each a run: three runs
    read each pipeline once, none twice."""
    with GitLabServer(SampleGitLab(projects=1, pipelines=250, token=TOKEN,
                                   trigger_every=1)) as server:
        state = None
        seen: list[int] = []
        for expected in (200, 200, 100):
            code, messages, stderr = run_tap(server, state=state, max_pages=1)
            assert code == 0, stderr[-2000:]
            read = [p["id"] for p in records(messages, "pipelines")]
            assert len(read) == expected
            seen += read
            state = last_state(messages)
        project = server.data.projects[0]
        assert len(seen) == len(set(seen)) == 500
        assert set(seen) == {p["id"] for p in (*project.pipelines, *project.child_pipelines)}
        code, messages, _ = run_tap(server, state=state, max_pages=1)
        assert code == 0 and records(messages, "pipelines") == []


def test_the_sample_gitlab_filters_pipelines_by_source_as_gitlab_does(
        triggering: GitLabServer) -> None:
    def sources(**params: str) -> Counter[str]:
        answer = requests.get(f"{triggering.url}/projects/observes%2Fproject-0/pipelines",
                              params={"per_page": "100", **params},
                              headers={"PRIVATE-TOKEN": TOKEN}, timeout=10)
        assert answer.status_code == 200
        return Counter(p["source"] for p in answer.json())

    default = sources()
    assert "parent_pipeline" not in default and sum(default.values()) == 20
    assert sources(source="parent_pipeline") == {"parent_pipeline": 5}
    assert sources(source="schedule") == {"schedule": default["schedule"]}


# -- a group's projects ------------------------------------------------------------------------

@pytest.fixture
def groups() -> Iterator[GitLabServer]:
    """``observes`` has two projects, a subgroup's and, shared with it, a user's fork."""
    data = SampleGitLab(projects=2, pipelines=3, token=TOKEN)
    data.add_project("observes/platform/api", 3)
    data.add_project("ana.garcia/project-0", 3, forked_from=data.projects[0],
                     shared_with=["observes"])
    with GitLabServer(data) as server:
        yield server


def group_query(server: GitLabServer) -> list[dict[str, str]]:
    return [query for path, query in server.requests if path.endswith("/projects")]


def test_a_groups_shared_projects_are_left_out_unless_asked_for(groups: GitLabServer) -> None:
    config = {"api_url": groups.url, "private_token": TOKEN}
    assert list_group_projects(config, "observes") == [
        "observes/project-0", "observes/project-1", "observes/platform/api"]
    (query,) = group_query(groups)
    assert query["with_shared"] == "false" and query["include_subgroups"] == "true"
    assert query["archived"] == "false" and "pagination" not in query
    assert list_group_projects({**config, "include_shared_projects": True}, "observes") == [
        "observes/project-0", "observes/project-1", "observes/platform/api",
        "ana.garcia/project-0"]
    assert group_query(groups)[-1]["with_shared"] == "true"


def test_the_tap_reads_the_shared_projects_when_asked_to(groups: GitLabServer) -> None:
    code, messages, stderr = run_tap(groups, projects=[], groups=["observes"],
                                     include_shared_projects=True)
    assert code == 0, stderr[-2000:]
    projects = records(messages, "projects")
    assert [p["path_with_namespace"] for p in projects] == [
        "observes/project-0", "observes/project-1", "observes/platform/api",
        "ana.garcia/project-0"]
    fork = projects[-1]
    assert fork["owner"]["username"] == "ana.garcia"
    assert fork["forked_from_project"]["path_with_namespace"] == "observes/project-0"
    assert fork["shared_with_groups"][0]["group_full_path"] == "observes"
    code, messages, _ = run_tap(groups, projects=[], groups=["observes"])
    assert code == 0
    assert "ana.garcia/project-0" not in {p["path_with_namespace"]
                                          for p in records(messages, "projects")}


def test_a_groups_projects_are_paged_by_offset() -> None:
    with GitLabServer(SampleGitLab(projects=230, pipelines=0, token=TOKEN)) as server:
        paths = list_group_projects({"api_url": server.url, "private_token": TOKEN},
                                    "observes")
        pages = group_query(server)
    assert paths == [f"observes/project-{p}" for p in range(230)]
    assert [q.get("page", "1") for q in pages] == ["1", "2", "3"]
    assert all(q["per_page"] == "100" and q["order_by"] == "id" and q["sort"] == "asc"
               for q in pages)


def test_the_sample_gitlab_lists_a_groups_projects_as_gitlab_does(
        groups: GitLabServer) -> None:
    def listed(**params: str) -> tuple[list[str], str]:
        answer = requests.get(f"{groups.url}/groups/observes/projects",
                              params={"order_by": "id", "sort": "asc", **params},
                              headers={"PRIVATE-TOKEN": TOKEN}, timeout=10)
        assert answer.status_code == 200
        return ([p["path_with_namespace"] for p in answer.json()],
                answer.links.get("next", {}).get("url", ""))

    own = ["observes/project-0", "observes/project-1"]
    assert listed()[0] == [*own, "ana.garcia/project-0"]  # shared ones by default
    assert listed(with_shared="false")[0] == own
    assert listed(with_shared="false", include_subgroups="true")[0] == [
        *own, "observes/platform/api"]
    # Keyset pagination is not honoured here: offset pages, Link to the next one.
    first, following = listed(pagination="keyset", per_page="2")
    assert first == own and "page=2" in following and "id_after" not in following
    assert listed(page="2", per_page="2")[0] == ["ana.garcia/project-0"]
    default_order, _ = listed(order_by="created_at", sort="desc")
    assert len(default_order) == 3


# -- project statistics ------------------------------------------------------------------------

def test_statistics_and_license_are_asked_for(groups: GitLabServer) -> None:
    code, messages, stderr = run_tap(groups, projects=["observes/project-0"])
    assert code == 0, stderr[-2000:]
    (project,) = records(messages, "projects")
    assert project["statistics"]["commit_count"] > 0
    assert project["license"]["key"] == "mit"
    assert project["runners_token"] is None  # a secret GitLab shows owners: never loaded
    (query,) = [q for path, q in groups.requests if path.endswith("observes%2Fproject-0")]
    assert query["statistics"] == "true" and query["license"] == "true"


@pytest.mark.parametrize("status", [403, 401])
def test_refused_statistics_are_done_without(groups: GitLabServer, status: int) -> None:
    groups.refuse_statistics = status
    code, messages, stderr = run_tap(groups, projects=["observes/project-0",
                                                       "observes/project-1"])
    assert code == 0, stderr[-2000:]
    projects = records(messages, "projects")
    assert [p["path_with_namespace"] for p in projects] == ["observes/project-0",
                                                            "observes/project-1"]
    assert [p.get("statistics") for p in projects] == [None, None]
    assert projects[0]["license"]["key"] == "mit"  # the license is still asked for
    assert f"project observes/project-0: GitLab answered {status} to statistics=true" \
        in stderr
    for project in ("observes%2Fproject-0", "observes%2Fproject-1"):  # read side by side
        asked = [q.get("statistics") for path, q in groups.requests if path.endswith(project)]
        assert asked == ["true", None], project  # once with, once without
    assert len(records(messages, "pipelines")) == 6  # the rest of the run goes on
