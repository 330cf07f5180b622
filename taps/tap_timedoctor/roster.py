"""The ids of the company's users, whose activity the activity streams ask for one user at
a time (``/activity/...`` answers only for the users named in ``user``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from observes_singer.tapkit.http import Client
from tap_timedoctor.session import DEFAULT_API_URL, HINTS, SOURCE, Access, timedoctor_retry_policy
from tap_timedoctor.streams import PAGE_SIZE


def user_ids(config: Mapping[str, Any], access: Access,
             log: Callable[[str], None] | None = None) -> list[str]:
    """Every user of the company, archived ones included, in the order listed."""
    api_url = str(config.get("api_url") or DEFAULT_API_URL).rstrip("/")
    found: list[str] = []
    with Client(api_url, source=SOURCE, hints=HINTS, policy=timedoctor_retry_policy(),
                credentials={"Authorization": access.authorization}, log=log) as client:
        page = 0
        while True:
            params = {"company": access.company_id, "include-archived-users": "true",
                      "limit": PAGE_SIZE, "page": page}
            response = client.get("/users", params=params, resource="the company's users")
            data = response.json().get("data")
            listed = data if isinstance(data, list) else []
            found += [str(u["id"]) for u in listed if isinstance(u, Mapping) and u.get("id")]
            if len(listed) < PAGE_SIZE:
                return list(dict.fromkeys(found))
            page += 1
