"""Failed Batch jobs sent to Bugsnag through its Error Reporting API (payload version 5).

One request per event: ``POST`` to the notify endpoint with the headers
``Bugsnag-Api-Key``, ``Bugsnag-Payload-Version: 5``, ``Bugsnag-Sent-At`` and
``Content-Type: application/json``, and the body ``{apiKey, notifier, events: [event]}``.
The event's error class is the kind of failure, its message the reason, and its grouping
hash the job's name, so that Bugsnag groups the failures of a job together. A 429, 5xx or
lost connection is retried with backoff (:mod:`observes_singer.tapkit.retry`); the API key
never appears in a message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from observes_singer import __version__
from observes_singer.batch.failure_report import Failure

NOTIFY_URL = "https://notify.bugsnag.com/"
PAYLOAD_VERSION = "5"
NOTIFIER = {"name": "Observes Singer batch reports", "version": __version__,
            "url": "https://gitlab.com/fluidattacks/universe"}
HINTS = {400: "Bugsnag refused the payload (empty, or larger than it takes)",
         401: "Bugsnag refused the API key (BUGSNAG_API_KEY)",
         403: "Bugsnag refused the API key (BUGSNAG_API_KEY)",
         413: "the payload is larger than Bugsnag takes"}


def event(failure: Failure, queue: str, release_stage: str) -> dict[str, Any]:
    """The Bugsnag event of one failure."""
    result: dict[str, Any] = {
        "exceptions": [{"errorClass": failure.kind, "message": failure.reason,
                        "stacktrace": []}],
        "context": failure.job,
        "groupingHash": failure.job,
        "severity": "error",
        "unhandled": True,
        "app": {"releaseStage": release_stage},
        "metaData": {"batch": failure.metadata(queue)},
    }
    if failure.created is not None:
        result["device"] = {"time": _iso(failure.created)}
    return result


def payload(api_key: str, events: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"apiKey": api_key, "notifier": dict(NOTIFIER), "events": list(events)}


def headers(api_key: str, sent_at: datetime | None = None) -> dict[str, str]:
    return {"Bugsnag-Api-Key": api_key, "Bugsnag-Payload-Version": PAYLOAD_VERSION,
            "Bugsnag-Sent-At": _iso(sent_at or datetime.now(UTC)),
            "Content-Type": "application/json"}


def notify(failures: Sequence[Failure], *, api_key: str, queue: str, release_stage: str,
           url: str = NOTIFY_URL, log: Callable[[str], None] | None = None,
           timeout: float = 30.0) -> list[str]:
    """Send one event per failure; returns what could not be sent, one line each (empty
    when every event was accepted)."""
    import requests  # late: only a report with an API key sends anything

    from observes_singer.tapkit.errors import SourceError
    from observes_singer.tapkit.http import send_with_retries

    problems: list[str] = []
    with requests.Session() as session:
        for failure in failures:
            body = json.dumps(payload(api_key, [event(failure, queue, release_stage)]))
            where = f"job {failure.label} ({failure.job_id})"

            def send(body: str = body) -> requests.Response:
                return session.post(url, data=body.encode(), headers=headers(api_key),
                                    timeout=timeout)

            try:
                send_with_retries(send, source="Bugsnag", where=where, hints=HINTS, log=log)
            except SourceError as exc:
                problems.append(str(exc))
            except requests.RequestException as exc:
                problems.append(f"cannot send {where} to Bugsnag: {type(exc).__name__} "
                                "(check --bugsnag-url)")
    return problems


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
