"""How tap-gitlab and its tools talk to GitLab: the kit's HTTP layer with GitLab's
credential and hints.

GitLab authenticates with a ``PRIVATE-TOKEN`` header, which requests would carry along a
redirect to another host (it drops only ``Authorization``); the kit's origin-bound
session refuses to send either anywhere but ``api_url``'s scheme, host and port.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from observes_singer.tapkit.http import Client
from observes_singer.tapkit.retry import RetryPolicy

SOURCE = "GitLab"
DEFAULT_API_URL = "https://gitlab.com/api/v4"
CREDENTIAL_HEADERS = ("PRIVATE-TOKEN", "Authorization")

HINTS = {
    401: "the token is missing, expired or revoked; check private_token",
    403: "the token lacks access; it needs the read_api scope and membership of the project",
    404: "no such project, or the token cannot see it; check the path or id in projects",
}
GROUP_HINTS = {status: hint.replace("project", "group") for status, hint in HINTS.items()}


def gitlab_client(api_url: str, token: str, *, hints: Mapping[int, str] = HINTS,
                  policy: RetryPolicy | None = None,
                  log: Callable[[str], None] | None = None) -> Client:
    """A client of ``api_url`` sending ``token`` as ``PRIVATE-TOKEN``, to that origin only;
    ``log`` gets a line before each retry."""
    return Client(api_url, source=SOURCE, credentials={"PRIVATE-TOKEN": token},
                  credential_headers=CREDENTIAL_HEADERS, hints=hints, policy=policy, log=log)
