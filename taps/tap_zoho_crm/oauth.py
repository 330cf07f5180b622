"""OAuth as Zoho does it: a refresh token exchanged for access tokens, a grant code for a
refresh token, and a revoked refresh token.

From Zoho's OAuth documentation (https://www.zoho.com/accounts/protocol/oauth/
web-apps/access-token-expiry.html, .../revoke-refresh-token.html, and the CRM guide's
"Refresh Access Tokens" and "Revoking Refresh Token" pages):

- ``POST {accounts}/oauth/v2/token`` with ``grant_type=refresh_token``, ``client_id``,
  ``client_secret`` and ``refresh_token`` (as a query string or a form body; the tap sends
  a form body, so that no secret is in a URL) answers ``{"access_token", "api_domain",
  "token_type": "Bearer", "expires_in": 3600}``; an access token lasts an hour.
- ``grant_type=authorization_code`` with ``code`` (and ``redirect_uri`` for a web client)
  also answers a ``refresh_token``. A grant code is single-use and short-lived.
- A refused exchange is answered with HTTP 200 and ``{"error": "invalid_code"}`` (a wrong,
  used, expired or revoked code or refresh token) or ``{"error": "invalid_client"}`` (a
  wrong client id or secret, or another data centre's), as Zoho's SDKs and their issue
  trackers show (e.g. github.com/zoho/zcrm-csharp-sdk issue 7); the error is read from
  the body whatever the status.
- ``POST {accounts}/oauth/v2/token/revoke?token={refresh_token}`` answers
  ``{"status": "success"}``, or HTTP 400 for a token that is not valid.

The secrets go to the accounts server only, in request bodies (the revoke, in its query
string as documented), never on a redirect: a redirect is an error, and nothing is sent
on. No token or secret is ever logged or put in an error message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from observes_singer.tapkit.errors import SourceError
from observes_singer.tapkit.http import Client
from observes_singer.tapkit.retry import RetryPolicy

ACCOUNTS = "Zoho Accounts"
TOKEN_PATH = "/oauth/v2/token"  # noqa: S105 - a path, not a secret
REVOKE_PATH = "/oauth/v2/token/revoke"

ERROR_HINTS: Mapping[str, str] = {
    "invalid_code": "the refresh token (or grant code) is wrong, expired, already used or "
                    "revoked; make a new one with tap-zoho-crm grant",
    "invalid_client": "client_id or client_secret is wrong, or belongs to another data "
                      "centre's accounts server (check data_centre or accounts_url)",
    "invalid_client_secret": "client_secret is wrong",
    "invalid_redirect_uri": "redirect_uri is not the client's (the self client needs none)",
    "access_denied": "the user refused the grant, or the client may not use it",
}
STATUS_HINTS: Mapping[int, str] = {
    400: "Zoho Accounts refused the request (for a revoke: the token is not a valid "
         "refresh token, or was revoked already)",
    401: "Zoho Accounts refused the client; check client_id and client_secret",
}


class AuthError(SourceError):
    """Zoho Accounts refused an exchange; the message names the error, never a secret."""


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    refresh_token: str = ""
    redirect_uri: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Credentials:
        return cls(str(config.get("client_id") or ""), str(config.get("client_secret") or ""),
                   str(config.get("refresh_token") or ""),
                   str(config.get("redirect_uri") or ""))


def _accounts_client(accounts_url: str, policy: RetryPolicy | None,
                     log: Callable[[str], None] | None) -> Client:
    return Client(accounts_url, source=ACCOUNTS, hints=STATUS_HINTS, policy=policy,
                  url_setting="accounts_url", log=log)


def _exchange(client: Client, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
    """POST to the accounts server without following redirects; the JSON answer, or an
    :class:`AuthError` for Zoho's ``{"error": ...}``."""
    response = client.request("POST", path, resource=what, allow_redirects=False, **kwargs)
    if response.is_redirect:
        raise AuthError(f"{ACCOUNTS} answered {what} with a redirect "
                        f"({response.status_code}); the secrets are only sent to "
                        "accounts_url, so nothing was sent on. If the account lives in "
                        "another data centre, set data_centre (or accounts_url)",
                        source=ACCOUNTS, status=response.status_code)
    try:
        body = response.json()
    except ValueError:
        raise AuthError(f"{ACCOUNTS} answered {what} with something other than JSON "
                        f"({response.status_code})", source=ACCOUNTS,
                        status=response.status_code) from None
    if not isinstance(body, dict):
        raise AuthError(f"{ACCOUNTS} answered {what} with an unexpected document",
                        source=ACCOUNTS, status=response.status_code)
    error = body.get("error")
    if error:
        code = str(error)
        hint = ERROR_HINTS.get(code, "see Zoho's OAuth documentation for this error")
        raise AuthError(f"{ACCOUNTS} refused {what}: {code}: {hint}", source=ACCOUNTS,
                        status=response.status_code)
    return body


def _lifetime(body: Mapping[str, Any]) -> float:
    """Seconds the access token lasts: ``expires_in_sec`` when sent (some Zoho services
    give ``expires_in`` in milliseconds next to it), else ``expires_in``, else an hour."""
    for key in ("expires_in_sec", "expires_in"):
        value = body.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
    return 3600.0


class TokenSource:
    """Access tokens for one client and refresh token, refreshed before they expire.

    A token is refreshed once less than a tenth of its life (at most a minute) is left,
    so that a request never leaves with a token about to lapse; :meth:`refresh` forces a
    new one (the API answered ``INVALID_TOKEN``). ``api_domain`` is the domain the last
    exchange named (where Zoho says the API calls go).
    """

    def __init__(self, accounts_url: str, credentials: Credentials, *,
                 policy: RetryPolicy | None = None,
                 log: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.accounts_url = accounts_url
        self.credentials = credentials
        self.policy = policy
        self.log = log
        self.clock = clock
        self.refreshes = 0
        self.api_domain: str | None = None
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            if self._token is None or self.clock() >= self._renew_at:
                self._refresh()
            assert self._token is not None
            return self._token

    def refresh(self, refused: str | None = None) -> str:
        """A new access token; ``refused`` is the token the API refused (if another thread
        refreshed since, its token is used rather than a second refresh)."""
        with self._lock:
            if refused is None or self._token == refused:
                self._refresh()
            assert self._token is not None
            return self._token

    def _refresh(self) -> None:
        credentials = self.credentials
        form = {"grant_type": "refresh_token", "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
                "refresh_token": credentials.refresh_token}
        with _accounts_client(self.accounts_url, self.policy, self.log) as client:
            body = _exchange(client, TOKEN_PATH, "the access token refresh", data=form)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthError(f"{ACCOUNTS} answered the refresh without an access token",
                            source=ACCOUNTS)
        lifetime = _lifetime(body)
        self._token = token
        self._renew_at = self.clock() + lifetime - min(60.0, lifetime / 10)
        domain = body.get("api_domain")
        self.api_domain = str(domain) if isinstance(domain, str) else None
        self.refreshes += 1


def exchange_grant_code(accounts_url: str, credentials: Credentials, code: str, *,
                        policy: RetryPolicy | None = None,
                        log: Callable[[str], None] | None = None) -> str:
    """The refresh token a grant code is worth (the code is spent)."""
    form = {"grant_type": "authorization_code", "client_id": credentials.client_id,
            "client_secret": credentials.client_secret, "code": code}
    if credentials.redirect_uri:
        form["redirect_uri"] = credentials.redirect_uri
    with _accounts_client(accounts_url, policy, log) as client:
        body = _exchange(client, TOKEN_PATH, "the grant code", data=form)
    token = body.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise AuthError(f"{ACCOUNTS} answered the grant code without a refresh token (was "
                        "the code made with access_type=offline? A self client's codes "
                        "are)", source=ACCOUNTS)
    return token


def revoke_refresh_token(accounts_url: str, token: str, *,
                         policy: RetryPolicy | None = None,
                         log: Callable[[str], None] | None = None) -> None:
    """Revoke ``token`` (and every access token made with it)."""
    with _accounts_client(accounts_url, policy, log) as client:
        try:
            body = _exchange(client, REVOKE_PATH, "the revoke", params={"token": token})
        except SourceError as exc:
            if exc.status == 400:
                raise AuthError(f"{ACCOUNTS} refused the revoke (400): the token is not a "
                                "valid refresh token, or was revoked already",
                                source=ACCOUNTS, status=400) from None
            raise
    if body.get("status") not in (None, "success"):
        raise AuthError(f"{ACCOUNTS} did not confirm the revoke (status "
                        f"{str(body.get('status'))[:40]!r})", source=ACCOUNTS)


def bearer(token: str) -> dict[str, str]:
    """The header Zoho CRM takes the access token in."""
    return {"Authorization": f"Zoho-oauthtoken {token}"}
