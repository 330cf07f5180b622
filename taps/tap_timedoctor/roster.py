"""The ids of the company's users, whose activity the activity streams ask for one user at
a time (``/activity/...`` answers only for the users named in ``user``). ``/users`` is
paged as every listing is (:mod:`tap_timedoctor.streams`): by the token its answer
carries, a page holding a user of the page before stopping the run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from observes_singer.tapkit.http import Client
from observes_singer.tapkit.paging import RepeatGuard
from tap_timedoctor.session import DEFAULT_API_URL, HINTS, SOURCE, Access, timedoctor_retry_policy
from tap_timedoctor.streams import PageTokenPaginator, page_params

WHAT = "the company's users"


def user_ids(config: Mapping[str, Any], access: Access,
             log: Callable[[str], None] | None = None) -> list[str]:
    """Every user of the company, archived ones included, in the order listed."""
    api_url = str(config.get("api_url") or DEFAULT_API_URL).rstrip("/")
    found: list[str] = []
    with Client(api_url, source=SOURCE, hints=HINTS, policy=timedoctor_retry_policy(),
                credentials={"Authorization": access.authorization}, log=log) as client:
        paginator = PageTokenPaginator()
        guard = RepeatGuard(SOURCE, ("id",), overlap=True)
        while not paginator.finished:
            params = {"company": access.company_id, "include-archived-users": "true",
                      **page_params(paginator.current_value)}
            response = client.get("/users", params=params, resource=WHAT)
            data = response.json().get("data")
            listed = data if isinstance(data, list) else []
            guard.check(listed, f"{WHAT} (/users)")
            found += [str(u["id"]) for u in listed if isinstance(u, Mapping) and u.get("id")]
            paginator.advance(response)
    return list(dict.fromkeys(found))
