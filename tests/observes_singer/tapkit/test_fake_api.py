"""The fake-API kit over real loopback HTTP: routes, auth, the request log, injected
faults, each paging style and the record factories."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from observes_singer.tapkit.fake_api import records as factories
from observes_singer.tapkit.fake_api.paging import (
    cursor_page,
    keyset_page,
    numbered_page,
    offset_page,
)
from observes_singer.tapkit.fake_api.server import FakeAPI, Reply, Request

TOKEN = "tok-fake"
ITEMS = [{"id": n, "name": factories.person(n)["name"]} for n in range(1, 46)]
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    with FakeAPI(base_path="/api", auth=("Authorization", f"Bearer {TOKEN}")) as server:
        server.route("GET", "/offset", lambda r: offset_page(r, ITEMS))
        server.route("GET", "/keyset", lambda r: keyset_page(r, list(reversed(ITEMS))))
        server.route("GET", "/cursor", lambda r: cursor_page(r, ITEMS))
        server.route("GET", "/numbered", lambda r: numbered_page(r, ITEMS))
        server.route("GET", "/zoho", lambda r: numbered_page(
            r, ITEMS, flag="more_records", info_key="info", size_param="per_page"))
        server.route("GET", "/projects/{project}/items/{rest:path}",
                     lambda r, project, rest: Reply(200, {"project": project, "rest": rest}))
        server.route("POST", "/echo", lambda r: Reply(201, {"got": r.json()}))
        yield server


def get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, headers=AUTH, timeout=10, **kwargs)


def ids(body: Any) -> list[int]:
    return [item["id"] for item in body]


def test_offset_paging_the_gitlab_way(api: FakeAPI) -> None:
    first = get(f"{api.url}/offset", params={"per_page": 20, "sort": "asc"})
    assert ids(first.json()) == list(range(1, 21))
    assert {k: first.headers[k] for k in ("X-Page", "X-Per-Page", "X-Total", "X-Total-Pages",
                                          "X-Next-Page")} == {
        "X-Page": "1", "X-Per-Page": "20", "X-Total": "45", "X-Total-Pages": "3",
        "X-Next-Page": "2"}
    seen, url = [], f"{api.url}/offset?per_page=20&sort=asc"
    while url:
        response = get(url)
        seen += ids(response.json())
        url = response.links.get("next", {}).get("url")
        assert url is None or "sort=asc" in url  # the other parameters are kept
    assert seen == list(range(1, 46))
    assert response.headers["X-Next-Page"] == ""
    assert len(get(f"{api.url}/offset", params={"per_page": 500}).json()) == 45  # clamped


def test_keyset_paging_follows_id_after(api: FakeAPI) -> None:
    seen, url = [], f"{api.url}/keyset?per_page=10"
    while url:
        response = get(url)
        seen += ids(response.json())
        url = response.links.get("next", {}).get("url")
        assert "X-Total" not in response.headers
    assert seen == list(range(1, 46))
    assert [r.query.get("id_after") for r in api.log] == [None, "10", "20", "30", "40"]


def test_cursor_paging_with_the_cursor_in_the_body(api: FakeAPI) -> None:
    seen, cursor = [], None
    while True:
        body = get(f"{api.url}/cursor", params={"limit": 20, "nextId": cursor}).json()
        seen += ids(body["entries"])
        assert body["length"] == len(body["entries"])
        cursor = body["nextId"]
        if cursor is None:
            break
    assert seen == list(range(1, 46))
    stale = get(f"{api.url}/cursor", params={"nextId": "not-a-cursor"})
    assert stale.status_code == 400


def test_numbered_pages_with_a_more_flag(api: FakeAPI) -> None:
    pages = [get(f"{api.url}/numbered", params={"page": n, "page_size": 20}).json()
             for n in (1, 2, 3)]
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert [p["count"] for p in pages] == [20, 20, 5]
    assert [i for p in pages for i in ids(p["data"])] == list(range(1, 46))
    zoho = get(f"{api.url}/zoho", params={"page": 3, "per_page": 20}).json()
    assert zoho["info"] == {"page": 3, "per_page": 20, "count": 5, "more_records": False}
    assert ids(zoho["data"]) == list(range(41, 46))


def test_auth_is_checked(api: FakeAPI) -> None:
    assert requests.get(f"{api.url}/offset", timeout=10).status_code == 401
    wrong = requests.get(f"{api.url}/offset", headers={"Authorization": "Bearer nope"},
                         timeout=10)
    assert wrong.status_code == 401
    assert wrong.json() == {"message": "401 Unauthorized"}
    assert get(f"{api.url}/offset").status_code == 200


def test_routes_take_path_parameters_and_unknown_paths_are_404(api: FakeAPI) -> None:
    found = get(f"{api.url}/projects/group%2Fapp/items/a/b/c").json()
    assert found == {"project": "group/app", "rest": "a/b/c"}
    assert get(f"{api.url}/nowhere").status_code == 404
    assert get(f"{api.origin}/offset").status_code == 404  # outside base_path


def test_the_request_log(api: FakeAPI) -> None:
    get(f"{api.url}/offset", params=[("scope[]", "a"), ("scope[]", "b"), ("page", "2")])
    requests.post(f"{api.url}/echo", json={"ñ": 1}, headers=AUTH, timeout=10)
    first, second = api.log
    assert (first.method, first.path, first.query) == ("GET", "/api/offset",
                                                       {"scope[]": "b", "page": "2"})
    assert first.params["scope[]"] == ["a", "b"]
    assert first.header("authorization") == f"Bearer {TOKEN}"
    assert first.target == "/api/offset?scope%5B%5D=a&scope%5B%5D=b&page=2"
    assert (second.method, second.json()) == ("POST", {"ñ": 1})
    assert api.calls() == 2
    assert api.calls("/offset") == 1
    assert api.calls("/echo", method="POST") == 1
    assert api.calls("/echo", method="GET") == 0


def test_injected_failures_are_one_shot_and_match_paths(api: FakeAPI) -> None:
    api.fail(503, part="/numbered")
    assert get(f"{api.url}/offset").status_code == 200  # another path: untouched
    assert get(f"{api.url}/numbered").status_code == 503
    assert get(f"{api.url}/numbered").status_code == 200
    api.fail(500, times=2)
    assert [get(f"{api.url}/offset").status_code for _ in range(3)] == [500, 500, 200]
    api.failures.append(("/cursor", 502))  # plain tuples work too
    assert get(f"{api.url}/cursor").status_code == 502
    assert api.failures == []


def test_injected_429s_carry_their_headers(api: FakeAPI) -> None:
    api.throttle()
    assert get(f"{api.url}/offset").headers["Retry-After"] == "1"
    api.throttle(headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT",
                          "RateLimit-Reset": "1792560480"})
    throttled = get(f"{api.url}/offset")
    assert throttled.status_code == 429
    assert throttled.headers["RateLimit-Reset"] == "1792560480"


def test_a_rate_limit_answers_429_every_n_requests() -> None:
    with FakeAPI() as server:
        server.rate_limit = 2
        server.route("GET", "/x", lambda r: Reply(200, {}))
        codes = [requests.get(f"{server.url}/x", timeout=10).status_code for _ in range(6)]
    assert codes == [200, 200, 429, 200, 200, 429]


def test_a_dropped_connection_gets_no_answer(api: FakeAPI) -> None:
    api.drop(part="/offset")
    with pytest.raises(requests.ConnectionError):
        get(f"{api.url}/offset")
    assert get(f"{api.url}/offset").status_code == 200


def test_redirects_keep_path_and_query(api: FakeAPI) -> None:
    api.redirect("/offset", 307, "https://moved.example")
    moved = get(f"{api.url}/offset?page=2", allow_redirects=False)
    assert moved.status_code == 307
    assert moved.headers["Location"] == "https://moved.example/api/offset?page=2"
    assert api.redirects == []


def test_handlers_see_the_whole_request() -> None:
    seen: list[Request] = []

    def remember(request: Request) -> Reply:
        seen.append(request)
        return Reply(204)

    with FakeAPI() as server:
        server.route("PATCH", "/things/{id}", lambda r, id: remember(r))
        response = requests.patch(f"{server.url}/things/9?x=1", data=b"raw", timeout=10)
    assert response.status_code == 204
    assert (seen[0].method, seen[0].body, seen[0].query) == ("PATCH", b"raw", {"x": "1"})


def test_record_factories_are_deterministic_and_awkward() -> None:
    assert factories.person(2) == {"id": 103, "username": "mchen", "name": "Mei Chen 陈美",
                                   "email": "mchen@example.com"}
    assert factories.person(6) == factories.person(0)
    assert factories.person(5, people=4) == factories.person(1)
    assert factories.timestamp(90) == "2026-01-01T01:30:00.000Z"
    assert len(factories.sha(1)) == 40 and factories.sha(1) == factories.sha(1)
    assert factories.uuid(3) == factories.uuid(3) != factories.uuid(4)
    texts = [factories.text(n) for n in range(6)]
    assert any("\t" in t for t in texts) and any("\n" in t for t in texts)
    assert any("\r\n" in t for t in texts) and any("🚀" in t for t in texts)
    assert "" in texts
    assert any(not name.isascii() for name, _ in factories.PEOPLE)
