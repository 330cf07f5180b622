"""How tap-timedoctor talks to Time Doctor: the token, the company, the hints, the retries.

Time Doctor 2's REST API lives under ``https://api2.timedoctor.com/api/1.0`` (the API
reference, https://timedoctor.redoc.ly/). Every call carries a token as ``Authorization:
JWT <token>``; ``POST /login`` with ``email``, ``password`` and ``permissions`` ("read"
is enough for the tap; "write" is the default) answers ``{"data": {"token", ...}}``, a
token valid for six months. The tap takes a ``token``, or an ``email`` and ``password``
it exchanges for one at the start of the run. Every data call names the company in the
``company`` query parameter; the companies a login can see are in ``GET /authorization``
(``data.companies``), and may be in the login's answer too: when the login's answer lists
none (no ``companies``, or an empty list), the tap asks ``/authorization``. The tap reads
nothing else of the login's answer (its expiry, ``expires``, included).

The credentials go to ``api_url``'s scheme, host and port only: the token through the
kit's origin-bound session, and the login's body (the password) is sent without
following redirects, so that it cannot be carried anywhere else either.

Time Doctor publishes no rate limit the tap could pace itself by; a 429 is retried with
the kit's backoff (``Retry-After`` when sent), as are 5xx answers and dropped
connections.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from observes_singer.tapkit.errors import SourceError
from observes_singer.tapkit.http import Client
from observes_singer.tapkit.retry import RetryPolicy

SOURCE = "Time Doctor"
DEFAULT_API_URL = "https://api2.timedoctor.com/api/1.0"
PERMISSIONS = "read"

HINTS: Mapping[int, str] = {
    400: "Time Doctor refused the query; check company_id and the period (start_date, "
         "end_date, month)",
    401: "the token is wrong, expired (a token lasts six months) or revoked; check token, "
         "or email and password",
    403: "the account lacks access to this in company_id's company (a manager or admin "
         "of the company can read its users' activity)",
    404: "no such resource; check api_url and company_id",
}
LOGIN_HINTS: Mapping[int, str] = {
    400: "Time Doctor refused the login; check email and password",
    401: "Time Doctor refused the email and password (wrong, or the account has 2FA: "
         "give a token instead)",
    403: "Time Doctor refused the login (2FA on the account? give a token instead)",
}


@dataclass(frozen=True)
class Company:
    id: str
    name: str


@dataclass(frozen=True)
class Access:
    """What every request needs: the token and the company."""

    token: str
    company_id: str

    @property
    def authorization(self) -> str:
        return f"JWT {self.token}"


def timedoctor_retry_policy() -> RetryPolicy:
    return RetryPolicy.from_environment()


def sign_in(config: Mapping[str, Any], log: Callable[[str], None] | None = None) -> Access:
    """The token (``token``, or one ``email`` and ``password`` log in for) and the company
    (``company_id``, or the only one the login sees)."""
    api_url = str(config.get("api_url") or DEFAULT_API_URL).rstrip("/")
    with Client(api_url, source=SOURCE, hints=HINTS, policy=timedoctor_retry_policy(),
                log=log) as client:
        token = config.get("token")
        companies: list[Company] | None = None
        if not token:
            token, companies = _log_in(client, config)
        company_id = config.get("company_id")
        if not company_id:
            if companies is None:
                companies = _visible_companies(client, str(token))
            company_id = _only_company(companies)
    return Access(str(token), str(company_id))


def _log_in(client: Client, config: Mapping[str, Any]
            ) -> tuple[str, list[Company] | None]:
    """The token, and the companies the answer lists (None when it lists none)."""
    body = {"email": config.get("email"), "password": config.get("password"),
            "permissions": PERMISSIONS}
    response = client.request("POST", "/login", resource="login", hints=LOGIN_HINTS,
                              json=body, allow_redirects=False)
    if response.is_redirect:
        raise SourceError(
            f"{SOURCE} answered the login with a redirect ({response.status_code}); the "
            "email and password are only sent to api_url, so nothing was sent on. If "
            f"{SOURCE} has moved, set api_url to its new address", source=SOURCE,
            status=response.status_code)
    data = _data(response.json())
    token = data.get("token") if isinstance(data, Mapping) else None
    if not token:
        raise SourceError(f"{SOURCE} answered the login without a token", source=SOURCE)
    return str(token), _companies(data.get("companies")) or None


def _visible_companies(client: Client, token: str) -> list[Company]:
    response = client.get("/authorization", resource="the login's companies",
                          headers={"Authorization": f"JWT {token}"})
    data = _data(response.json())
    return _companies(data.get("companies") if isinstance(data, Mapping) else None)


def _only_company(companies: Sequence[Company]) -> str:
    if len(companies) == 1:
        return companies[0].id
    if not companies:
        raise SourceError(f"{SOURCE}: the login belongs to no company; set company_id",
                          source=SOURCE)
    listed = ", ".join(f"{c.id} ({c.name})" for c in companies)
    raise SourceError(f"{SOURCE}: the login sees {len(companies)} companies; set "
                      f"company_id to one of: {listed}", source=SOURCE)


def _data(body: Any) -> Any:
    return body.get("data") if isinstance(body, Mapping) else None


def _companies(items: Any) -> list[Company]:
    if not isinstance(items, list):
        return []
    return [Company(str(i["id"]), str(i.get("name") or "")) for i in items
            if isinstance(i, Mapping) and i.get("id")]
