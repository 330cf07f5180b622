"""The token: how git gets it for a clone URL, and where it may go.

git asks a credential helper for a username and password when a server answers 401.
The tap gives git, through its environment (:mod:`tap_git.git`), these settings:

- ``credential.helper`` set empty, which empties the list of helpers the machine's own
  configuration gave (so that no ``store`` or keychain helper is asked, nor told to keep
  the token once it worked);
- ``credential.<scheme>://<host>.helper``, a shell function that answers ``get`` with
  the username and the token read from the variables ``TAP_GIT_USERNAME`` and
  ``TAP_GIT_TOKEN`` of git's environment, and ignores ``store`` and ``erase``.

So the token is in no command line, no repository's config or remote URL, and is given
only to the host of the URL (a redirect to another host gets nothing). It goes to https
URLs, and to plain http ones on a loopback address only (a local server), never in clear
over a network.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

USERNAME_VARIABLE = "TAP_GIT_USERNAME"
TOKEN_VARIABLE = "TAP_GIT_TOKEN"  # noqa: S105  (the name of a variable, not a token)
DEFAULT_USERNAME = "x-access-token"
"""GitHub's name for a token; GitHub and GitLab take any name with a personal token."""

HELPER = ("!f() { test \"$1\" = get || exit 0; "
          f"printf 'username=%s\\npassword=%s\\n' \"${USERNAME_VARIABLE}\" \"${TOKEN_VARIABLE}\"; "
          "}; f")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_origin(url: str) -> str | None:
    """``https://host[:port]`` when the token may be sent for ``url``, else ``None``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and _loopback(host)):
        return None
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}" + (f":{port}" if port is not None else "")


def credential_config(url: str, token: str | None) -> list[tuple[str, str]]:
    """The git settings that give ``token`` for ``url`` (none without a token, or when
    the URL may not have it)."""
    origin = token_origin(url) if token else None
    if origin is None:
        return []
    return [("credential.helper", ""), (f"credential.{origin}.helper", HELPER)]


def credential_variables(token: str | None, username: str | None) -> dict[str, str]:
    if not token:
        return {}
    return {USERNAME_VARIABLE: username or DEFAULT_USERNAME, TOKEN_VARIABLE: token}
