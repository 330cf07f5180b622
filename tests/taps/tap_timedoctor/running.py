"""Running tap-timedoctor against its sample Time Doctor, as the tap's tests do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tap_timedoctor.sample.server import TimeDoctorServer

from observes_singer.tapkit import testing
from observes_singer.tapkit.testing import TapRun

TAP = "tap_timedoctor.tap"
FAST_RETRIES = {"OBSERVES_HTTP_BACKOFF": "0.1"}  # backoff from 0.1 s, not 1 s
JAN, FEB, MAR, APR = (datetime(2026, m, 1, tzinfo=UTC) for m in (1, 2, 3, 4))


def login(server: TimeDoctorServer, **more: Any) -> dict[str, Any]:
    company = server.company
    return {"api_url": server.url, "email": company.email, "password": company.password,
            **more}


def with_token(server: TimeDoctorServer, **more: Any) -> dict[str, Any]:
    return {"api_url": server.url, "token": server.company.token,
            "company_id": server.company.company, **more}


def run_tap(config: dict[str, Any], state: dict[str, Any] | None = None) -> TapRun:
    return testing.run_tap(TAP, config, state, env=FAST_RETRIES)


def keys(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((r["userId"], r["start"]) for r in rows)


def queries(server: TimeDoctorServer, part: str) -> list[dict[str, str]]:
    with server.lock:
        return [r.query for r in server.log if part in r.path]


def states(run: TapRun) -> list[dict[str, Any]]:
    return [m["value"] for m in run.messages if m["type"] == "STATE"]
