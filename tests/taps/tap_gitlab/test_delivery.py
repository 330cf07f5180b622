"""tap-gitlab's delivery streams (commits, deployments, environments, releases, tags,
branches, milestones, labels) against the loopback GitLab: paging, differential runs,
bounded runs that resume without gaps or repeats, and the sample data held to GitLab's
documentation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from tap_gitlab.delivery_streams import query_time
from tap_gitlab.sample.delivery_data import STREAMS, DeliveryData, delivery_records, parse_time
from tap_gitlab.sample.server import GitLabServer, SampleGitLab

from observes_singer.tapkit import testing
from observes_singer.tapkit.fake_api.records import EPOCH
from observes_singer.tapkit.schemas import load_schemas
from observes_singer.tapkit.testing import TapRun, assert_schemas_cover, last_state, records

TOKEN = "glpat-delivery"
PROJECTS = ["observes/project-0", "20000001"]  # by path and by id, as a config may say
FAST_RETRIES = {"OBSERVES_HTTP_BACKOFF": "0.1"}
KEYS = {"commits": ("project_path", "id"), "deployments": ("id",), "environments": ("id",),
        "releases": ("project_path", "tag_name"), "tags": ("project_path", "name"),
        "branches": ("project_path", "name"), "milestones": ("id",),
        "labels": ("project_path", "id")}
WHOLE = ("environments", "releases", "tags", "branches", "labels")
"""Read whole each run."""
PAGED = {"commits": 230, "deployments": 150, "environments": 101, "releases": 101,
         "tags": 104, "branches": 101, "milestones": 101, "labels": 101}
"""Records per project in the big sample: more than a page (100) of each."""


def big_gitlab() -> SampleGitLab:
    data = SampleGitLab(projects=2, pipelines=3, token=TOKEN)
    for project in data.projects:
        project.delivery = DeliveryData.sample(
            project.id, project.path, commits=230, deployments=150, environments=101,
            releases=101, lightweight_tags=3, branches=101, milestones=101, labels=101)
    return data


@pytest.fixture
def gitlab() -> Iterator[GitLabServer]:
    with GitLabServer(big_gitlab()) as server:
        yield server


def run_tap(server: GitLabServer, state: dict[str, Any] | None = None,
            **config: Any) -> TapRun:
    settings = {"api_url": server.url, "private_token": TOKEN, "projects": PROJECTS,
                **config}
    result = testing.run_tap("tap_gitlab.tap", settings, state, env=FAST_RETRIES)
    assert result.exit_code == 0, result.stderr[-3000:]
    return result


def key(stream: str, record: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(record[k] for k in KEYS[stream])


def keys(messages: list[dict[str, Any]], stream: str) -> list[tuple[Any, ...]]:
    return [key(stream, r) for r in records(messages, stream)]


def source(server: GitLabServer, stream: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    """What the sample GitLab holds for ``stream``, by key, as the tap emits it (with
    ``project_path`` as configured)."""
    found = {}
    for reference, project in zip(PROJECTS, server.data.projects, strict=True):
        for record in project.delivery.records()[stream]:
            record = {**record, "project_path": reference}
            found[key(stream, record)] = record
    return found


def partitions(state: dict[str, Any], stream: str) -> dict[str, dict[str, Any]]:
    return {p["context"]["project_path"]: p
            for p in state["bookmarks"].get(stream, {}).get("partitions", [])}


def queries(server: GitLabServer, part: str) -> list[dict[str, str]]:
    return [query for path, query in server.requests if path.endswith(part)]


# -- reading ------------------------------------------------------------------------------------

def test_every_delivery_stream_with_paging(gitlab: GitLabServer) -> None:
    run = run_tap(gitlab)
    for stream in STREAMS:
        emitted = records(run.messages, stream)
        assert len(emitted) == 2 * PAGED[stream], stream
        assert {key(stream, r): r for r in emitted} == source(gitlab, stream), stream
    # more than a page of each, in pages of 100 (GitLab's most)
    pages = {"/repository/commits": 3, "/deployments": 2, "/environments": 2,
             "/releases": 2, "/repository/tags": 2, "/repository/branches": 2,
             "/milestones": 2, "/labels": 2}
    for part, count in pages.items():
        assert gitlab.calls(part) == 2 * count, part
        assert {q["per_page"] for q in queries(gitlab, part)} == {"100"}
    first = queries(gitlab, "/repository/commits")[0]
    assert first == {"per_page": "100", "with_stats": "true", "trailers": "true"}
    assert queries(gitlab, "/deployments")[0] == {"per_page": "100", "order_by": "updated_at",
                                                  "sort": "asc"}
    assert queries(gitlab, "/labels")[0]["with_counts"] == "true"
    assert queries(gitlab, "/releases")[0]["order_by"] == "created_at"
    assert queries(gitlab, "/repository/tags")[0]["sort"] == "asc"
    # GitLab lists commits newest first; the tap keeps that order
    commits = [r for r in records(run.messages, "commits")
               if r["project_path"] == PROJECTS[0]]
    assert commits[0]["id"] == gitlab.data.projects[0].delivery.commits[-1]["id"]
    assert isinstance(commits[0]["stats"]["total"], int)
    # a group's labels are in every project's list with the same id: the key tells them apart
    labels = Counter(r["id"] for r in records(run.messages, "labels"))
    assert list(labels.values()).count(2) == 3
    # the schemas have a place for every field the records have, nested ones too
    assert_schemas_cover([m for m in run.messages if m.get("stream") in STREAMS])


def test_every_field_the_sample_gitlab_returns_has_a_schema(gitlab: GitLabServer) -> None:
    assert_schemas_cover(delivery_records(gitlab.data.projects), load_schemas("tap_gitlab"))


# -- differential runs --------------------------------------------------------------------------

def test_a_second_run_fetches_only_what_changed(gitlab: GitLabServer) -> None:
    first = run_tap(gitlab)
    state = last_state(first.messages)
    project, other = (p.delivery for p in gitlab.data.projects)
    commits = partitions(state, "commits")[PROJECTS[0]]
    newest = project.commits[-1]
    assert commits["replication_key_value"] == newest["committed_date"]
    assert commits["seen_at_bookmark"]["ids"] == [newest["id"]]
    assert "resume" not in commits

    # commits pushed since, the first committed in the bookmark's own second (written in
    # another time zone)
    pushed = project.push(3, after=timedelta(0))
    assert parse_time(pushed[0]["committed_date"]) == parse_time(newest["committed_date"])
    # a deployment that finished, one in the bookmark's own instant, and a new one
    deployments = partitions(state, "deployments")
    running = next(n for n, d in enumerate(project.deployments) if d["status"] == "running")
    finished = project.finish_deployment(running, "success", EPOCH + timedelta(days=90))
    tied = other.add_deployment()
    tied["updated_at"] = deployments[PROJECTS[1]]["replication_key_value"]
    added = other.add_deployment()
    touched = project.touch_milestone(5, EPOCH + timedelta(days=200))
    gitlab.log.clear()

    second = run_tap(gitlab, state=state)
    assert keys(second.messages, "commits") == [(PROJECTS[0], c["id"]) for c in
                                                reversed(pushed)]
    assert sorted(keys(second.messages, "deployments")) == sorted(
        [(finished["id"],), (tied["id"],), (added["id"],)])
    assert keys(second.messages, "milestones") == [(touched["id"],)]
    # one call each a project: the bookmark is sent, the repeat of its own records skipped
    for part in ("/repository/commits", "/deployments", "/milestones"):
        assert gitlab.calls(part) == 2, part
    since = queries(gitlab, "/repository/commits")[0]["since"]
    assert since == query_time(newest["committed_date"], whole_seconds=True)
    assert "until" not in queries(gitlab, "/repository/commits")[0]
    assert {parse_time(q["updated_after"]) for q in queries(gitlab, "/milestones")} == {
        parse_time(p["replication_key_value"])
        for p in partitions(state, "milestones").values()}
    # the streams GitLab cannot filter by change are read whole again
    for stream in WHOLE:
        assert len(records(second.messages, stream)) == 2 * PAGED[stream], stream
    third = run_tap(gitlab, state=last_state(second.messages))
    for stream in ("commits", "deployments", "milestones"):
        assert records(third.messages, stream) == [], stream


# -- bounded runs -------------------------------------------------------------------------------

def test_a_bounded_run_then_unbounded_runs_read_every_record_once(
        gitlab: GitLabServer) -> None:
    bounded = run_tap(gitlab, max_pages=1)
    state = last_state(bounded.messages)
    # newest-first commits: no bookmark from a partition read half way, but where to go on
    for path, commits in partitions(state, "commits").items():
        assert "replication_key_value" not in commits, path
        project = gitlab.data.projects[PROJECTS.index(path)].delivery
        assert commits["resume"] == {"until": project.commits[-1]["committed_date"],
                                     "newest_ids": [project.commits[-1]["id"]],
                                     "page": 2, "rows": 0}
    for stream in WHOLE:
        assert {p["resume"]["page"] for p in partitions(state, stream).values()} == {2}
    assert len(records(bounded.messages, "commits")) == 200

    rest = run_tap(gitlab, state=state)
    emitted = bounded.messages + rest.messages
    for stream in STREAMS:
        counts = Counter(keys(emitted, stream))
        assert set(counts) == set(source(gitlab, stream)), stream  # none skipped
        if stream != "milestones":
            assert set(counts.values()) == {1}, stream  # none twice
    # milestones come by due date, not by change: the stopped run's bookmark stays, and
    # the next run reads them again from it (repeats, never gaps), saying so
    assert "GitLab lists them by due date" in bounded.stderr
    repeated = {k for k, n in Counter(keys(emitted, "milestones")).items() if n > 1}
    assert repeated == set(keys(bounded.messages, "milestones"))

    final = last_state(rest.messages)
    for path, commits in partitions(final, "commits").items():
        project = gitlab.data.projects[PROJECTS.index(path)].delivery
        assert commits["replication_key_value"] == project.commits[-1]["committed_date"]
        assert "resume" not in commits
    again = run_tap(gitlab, state=final)
    for stream in ("commits", "deployments", "milestones"):
        assert records(again.messages, stream) == [], stream
    for stream in WHOLE:  # whole again, from the first page
        assert Counter(keys(again.messages, stream)) == dict.fromkeys(source(gitlab, stream),
                                                                      1), stream


def test_bounded_runs_alone_go_on_where_the_last_stopped(gitlab: GitLabServer) -> None:
    seen: dict[str, list[tuple[Any, ...]]] = {stream: [] for stream in STREAMS}
    state = None
    for _ in range(3):
        run = run_tap(gitlab, state=state, max_pages=1)
        for stream in STREAMS:
            seen[stream] += keys(run.messages, stream)
        state = last_state(run.messages)
    # 230 commits a project are three pages: read once each, and bookmarked at the newest
    assert Counter(seen["commits"]) == dict.fromkeys(source(gitlab, "commits"), 1)
    for commits in partitions(state, "commits").values():
        assert "resume" not in commits and commits["replication_key_value"]
    # 150 deployments a project, oldest change first: two pages, then nothing new
    assert Counter(seen["deployments"]) == dict.fromkeys(source(gitlab, "deployments"), 1)
    # whole streams of two pages: both, then the first again
    for stream in ("environments", "branches", "labels"):
        first_pages = [k for k in seen[stream] if Counter(seen[stream])[k] == 2]
        assert set(seen[stream]) == set(source(gitlab, stream)), stream
        assert len(first_pages) == 2 * 2 * 100, stream


def test_a_run_stopped_inside_a_page_goes_on_at_the_next_row() -> None:
    """``max_duration`` stops after any record: each run here emits one record a stream
    (the limit is past from the start), and the next run goes on at the following row."""
    data = SampleGitLab(projects=1, pipelines=0, token=TOKEN)
    project = data.projects[0]
    project.delivery = DeliveryData.sample(
        project.id, project.path, commits=4, deployments=3, environments=3, releases=2,
        lightweight_tags=1, branches=3, milestones=2, labels=3)
    seen: dict[str, list[tuple[Any, ...]]] = {stream: [] for stream in STREAMS}
    state = None
    with GitLabServer(data) as server:
        for _ in range(5):
            run = testing.run_tap("tap_gitlab.tap", {
                "api_url": server.url, "private_token": TOKEN, "projects": [project.path],
                "max_duration": 1e-9}, state, env=FAST_RETRIES)
            assert run.exit_code == 0, run.stderr[-2000:]
            for stream in STREAMS:
                emitted = keys(run.messages, stream)
                assert len(emitted) <= 1, stream
                seen[stream] += emitted
            state = last_state(run.messages)
    for stream in ("commits", "deployments", "environments", "releases", "tags", "branches",
                   "labels"):
        wanted = {key(stream, {**r, "project_path": project.path})
                  for r in project.delivery.records()[stream]}
        firsts = seen[stream][: len(wanted)]
        assert sorted(firsts) == sorted(wanted), stream  # each once, in as many runs
    commits = partitions(state, "commits")[project.path]
    assert commits["replication_key_value"] == project.delivery.commits[-1]["committed_date"]


def test_runs_stopped_inside_pages_of_projects_read_at_once_miss_and_repeat_nothing() -> None:
    """Three projects read at once, every run stopped by ``max_duration`` after a record of
    each project and stream: each project's reading leaves its own place to go on from, and
    the runs together emit every record once, as they do one project at a time."""
    data = SampleGitLab(projects=3, pipelines=0, token=TOKEN)
    for project in data.projects:
        project.delivery = DeliveryData.sample(
            project.id, project.path, commits=3, deployments=3, environments=2, releases=2,
            lightweight_tags=1, branches=2, milestones=2, labels=2)
    paths = [project.path for project in data.projects]
    seen: dict[str, list[tuple[Any, ...]]] = {stream: [] for stream in STREAMS}
    state = None
    with GitLabServer(data) as server:
        for _ in range(4):
            run = testing.run_tap("tap_gitlab.tap", {
                "api_url": server.url, "private_token": TOKEN, "projects": paths,
                "max_duration": 1e-9, "max_concurrent_requests": 4}, state, env=FAST_RETRIES)
            assert run.exit_code == 0, run.stderr[-2000:]
            for stream in STREAMS:
                emitted = records(run.messages, stream)
                assert len(emitted) <= len(paths), stream  # a record a project at most
                seen[stream] += [key(stream, r) for r in emitted]
            state = last_state(run.messages)
    for stream in ("commits", "deployments", "environments", "releases", "tags", "branches",
                   "labels"):
        wanted = [key(stream, {**r, "project_path": project.path})
                  for project in data.projects
                  for r in project.delivery.records()[stream]]
        assert Counter(seen[stream][: len(wanted)]) == Counter(wanted), stream
    for project in data.projects:
        commits = partitions(state, "commits")[project.path]
        assert commits["replication_key_value"] == \
            project.delivery.commits[-1]["committed_date"]


def test_more_than_a_page_of_commits_in_one_second() -> None:
    """A rebase commits many in the same second: when the bookmark's own second holds more
    than a page, the pages of commits read before are passed over, not taken for the end."""
    data = SampleGitLab(projects=1, pipelines=0, token=TOKEN)
    project = data.projects[0]
    project.delivery = DeliveryData.sample(project.id, project.path, commits=120)
    same = project.delivery.commits[-1]["committed_date"]
    for found in project.delivery.commits:
        found["committed_date"] = found["created_at"] = same
    with GitLabServer(data) as server:
        config = {"api_url": server.url, "private_token": TOKEN, "projects": [project.path]}
        first = testing.run_tap("tap_gitlab.tap", config, env=FAST_RETRIES)
        assert len(records(first.messages, "commits")) == 120
        pushed = project.delivery.push(1, after=timedelta(0))[0]
        pushed["committed_date"] = pushed["created_at"] = same
        server.log.clear()
        second = testing.run_tap("tap_gitlab.tap", config, last_state(first.messages),
                                 env=FAST_RETRIES)
        assert [c["id"] for c in records(second.messages, "commits")] == [pushed["id"]]
        assert server.calls("/repository/commits") == 2
        commits = partitions(last_state(second.messages), "commits")[project.path]
        assert len(commits["seen_at_bookmark"]["ids"]) == 121 and "resume" not in commits
        third = testing.run_tap("tap_gitlab.tap", config, last_state(second.messages),
                                env=FAST_RETRIES)
        assert records(third.messages, "commits") == []


def test_a_commit_dated_in_the_future_leaves_the_bookmark_at_the_run_s_start() -> None:
    """A committer's clock set years ahead: the next run still reads, and reads what came
    since (the future commit again, folded by the target's upsert)."""
    data = SampleGitLab(projects=1, pipelines=0, token=TOKEN)
    project = data.projects[0]
    project.delivery = DeliveryData.sample(project.id, project.path, commits=5)
    ahead = project.delivery.commits[-1]
    ahead["committed_date"] = "2099-01-01T00:00:00.000+02:00"
    with GitLabServer(data) as server:
        config = {"api_url": server.url, "private_token": TOKEN, "projects": [project.path]}
        first = testing.run_tap("tap_gitlab.tap", config, streams=["commits"],
                                env=FAST_RETRIES)
        assert first.exit_code == 0, first.stderr[-3000:]
        bookmark = partitions(last_state(first.messages), "commits")[project.path]
        assert parse_time(bookmark["replication_key_value"]) < parse_time(
            "2099-01-01T00:00:00Z")
        second = testing.run_tap("tap_gitlab.tap", config, last_state(first.messages),
                                 streams=["commits"], env=FAST_RETRIES)
    assert second.exit_code == 0, second.stderr[-3000:]
    assert [c["id"] for c in records(second.messages, "commits")] == [ahead["id"]]


def test_a_project_without_a_repository_has_no_commits_tags_or_branches() -> None:
    data = SampleGitLab(projects=2, pipelines=3, token=TOKEN)
    data.projects[1].delivery.repository = False
    with GitLabServer(data) as server:
        run = run_tap(server)
    assert "project 20000001 (commits): the project has no repository" in run.stderr
    for stream in ("commits", "tags", "branches"):
        assert {r["project_path"] for r in records(run.messages, stream)} == {PROJECTS[0]}
    for stream in ("deployments", "environments", "releases", "milestones", "labels"):
        assert {r["project_path"] for r in records(run.messages, stream)} == set(PROJECTS)


# -- the sample GitLab, held to GitLab's documentation -------------------------------------------

# The top-level fields of each endpoint's example response in gitlabhq/gitlabhq doc/api
# (GitLab 17 and 18), with the fields the same page documents besides the example:
# commits.md "List repository commits" (`stats` with `with_stats`, `trailers` and
# `extended_trailers`), deployments.md "List project deployments" (`approvals` and
# `pending_approval_count` on Premium and Ultimate), environments.md "List environments",
# releases/_index.md "List Releases" (`upcoming_release` and `historical_release`, its
# "Upcoming Releases" and "Historical releases"), tags.md "List project repository tags",
# branches.md "List repository branches", milestones.md "List all project milestones",
# labels.md "List labels" (with `with_counts=true`).
DOCUMENTED = {
    "commits": {"id", "short_id", "title", "author_name", "author_email", "authored_date",
                "committer_name", "committer_email", "committed_date", "created_at",
                "message", "parent_ids", "web_url", "trailers", "extended_trailers",
                "stats"},
    "deployments": {"id", "iid", "ref", "sha", "created_at", "updated_at", "status", "user",
                    "environment", "deployable", "approvals", "pending_approval_count"},
    "environments": {"id", "name", "slug", "description", "external_url", "state", "tier",
                     "created_at", "updated_at", "enable_advanced_logs_querying",
                     "logs_api_path", "auto_stop_at", "kubernetes_namespace",
                     "flux_resource_path", "auto_stop_setting"},
    "releases": {"tag_name", "description", "name", "created_at", "released_at", "author",
                 "commit", "milestones", "commit_path", "tag_path", "assets", "evidences",
                 "_links", "upcoming_release", "historical_release"},
    "tags": {"commit", "release", "name", "target", "message", "protected", "created_at"},
    "branches": {"name", "merged", "protected", "default", "developers_can_push",
                 "developers_can_merge", "can_push", "web_url", "commit"},
    "milestones": {"id", "iid", "project_id", "title", "description", "due_date",
                   "start_date", "state", "updated_at", "created_at", "expired"},
    "labels": {"id", "name", "color", "text_color", "description", "description_html",
               "open_issues_count", "closed_issues_count", "open_merge_requests_count",
               "subscribed", "priority", "is_project_label", "archived"},
}
NESTED = {
    ("commits", "stats"): {"additions", "deletions", "total"},
    ("deployments", "environment"): {"id", "name", "external_url"},
    ("deployments", "user"): {"id", "name", "username", "state", "avatar_url", "web_url"},
    ("releases", "assets"): {"count", "sources", "links", "evidence_file_path"},
    ("releases", "_links"): {"closed_issues_url", "closed_merge_requests_url", "edit_url",
                             "merged_merge_requests_url", "opened_issues_url",
                             "opened_merge_requests_url", "self"},
    ("tags", "commit"): {"id", "short_id", "title", "created_at", "parent_ids", "message",
                         "author_name", "author_email", "authored_date", "committer_name",
                         "committer_email", "committed_date"},
    ("branches", "commit"): DOCUMENTED["commits"] - {"stats"},
}
DATES = {("milestones", "due_date"), ("milestones", "start_date")}
"""Dates (``YYYY-MM-DD``); the other timestamps are date-times."""


def test_the_sample_records_have_the_documented_fields() -> None:
    data = DeliveryData.sample(20_000_000, "observes/project-0", commits=60)
    for stream, fields in DOCUMENTED.items():
        found = data.records()[stream]
        assert found, stream
        for record in found:
            assert set(record) == fields, (stream, set(record) ^ fields)
    for (stream, name), fields in NESTED.items():
        for record in data.records()[stream]:
            assert set(record[name]) == fields, (stream, name)
    assert {frozenset(e) for r in data.releases for e in r["evidences"]} == {
        frozenset({"sha", "filepath", "collected_at"})}
    # nulls where GitLab sends them
    assert any(d["deployable"] is None for d in data.deployments)
    assert any(t["release"] is None and t["message"] is None and t["created_at"] is None
               for t in data.tags)
    assert any(m["due_date"] is None for m in data.milestones)


def test_the_schemas_type_the_documented_fields() -> None:
    schemas = load_schemas("tap_gitlab")
    for stream, fields in DOCUMENTED.items():
        properties = schemas[stream]["properties"]
        assert fields <= set(properties), (stream, fields - set(properties))
        for name in KEYS[stream]:
            assert properties[name]["type"] in ("string", "integer"), (stream, name)
        for name, schema in properties.items():
            if name.endswith(("_at", "_date")):
                wanted = "date" if (stream, name) in DATES else "date-time"
                assert schema.get("format") == wanted, (stream, name)
    assert schemas["commits"]["properties"]["stats"]["properties"].keys() == {
        "additions", "deletions", "total"}
    assert schemas["deployments"]["properties"]["deployable"]["type"] == ["null", "object"]


# -- the sample GitLab answers the documented parameters ------------------------------------------

def test_the_sample_gitlab_answers_as_gitlab_does() -> None:
    data = SampleGitLab(projects=1, pipelines=0, token=TOKEN)
    project = data.projects[0]
    project.delivery = DeliveryData.sample(project.id, project.path, commits=200,
                                           milestones=12)
    history = project.delivery.commits
    with GitLabServer(data) as server:
        session = requests.Session()
        session.headers["PRIVATE-TOKEN"] = TOKEN
        base = f"{server.url}/projects/{project.id}"

        def get(path: str, **params: Any) -> requests.Response:
            return session.get(f"{base}/{path}", params=params, timeout=10)

        # commits: newest first, since and until "on or after/before", no totals, and a
        # next page announced whenever a page is full
        tie = history[130]
        assert parse_time(tie["committed_date"]) == parse_time(history[129]["committed_date"])
        answer = get("repository/commits", since=tie["committed_date"], per_page=100)
        assert [c["id"] for c in answer.json()] == [c["id"] for c in reversed(history[129:])]
        answer = get("repository/commits", until=tie["committed_date"], per_page=100)
        assert answer.json()[0]["id"] == tie["id"]
        assert "stats" not in answer.json()[0] and answer.json()[0]["trailers"] == {}
        last_full = get("repository/commits", page=2, per_page=100)
        assert len(last_full.json()) == 100 and "X-Total" not in last_full.headers
        assert last_full.headers["X-Next-Page"] == "3" and 'rel="next"' in \
            last_full.headers["Link"]
        assert get("repository/commits", page=3, per_page=100).json() == []
        assert "stats" in get("repository/commits", with_stats="true").json()[0]
        assert get("repository/commits", ref_name="nope").json() == []
        # deployments: updated_after needs order_by=updated_at, and is "on or after"
        assert get("deployments", updated_after="2026-01-01T00:00:00Z").status_code == 400
        target = project.delivery.deployments[5]
        answer = get("deployments", updated_after=target["updated_at"],
                     order_by="updated_at", sort="asc")
        assert answer.json()[0]["updated_at"] == target["updated_at"]
        # milestones: by due date (none last), updated_after "on or after"
        dues = [m["due_date"] for m in get("milestones").json()]
        assert dues == sorted(d for d in dues if d) + [None] * dues.count(None)
        newest = max(project.delivery.milestones, key=lambda m: m["updated_at"])
        assert get("milestones", updated_after=newest["updated_at"]).json() == [newest]
        # labels: the counts only with with_counts
        assert "open_issues_count" not in get("labels").json()[0]
        assert "open_issues_count" in get("labels", with_counts="true").json()[0]
        # a project without a repository
        project.delivery.repository = False
        answer = get("repository/branches")
        assert (answer.status_code, answer.json()) == (404, {"message": "404 Repository "
                                                                        "Not Found"})
