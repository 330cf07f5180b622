"""Sample check results, the alerts they raise and the reports rolled up from them, shaped
as Checkly documents them.

- A result is what ``GET /v2/check-results/{checkId}`` lists (``CheckResultListEntry``
  in the API reference: a ``CheckResult``, or a ``CheckResultProjection``, which adds
  ``createdAt``; the entries here are both, ``createdAt`` the instant of
  ``created_at``). Its nested parts have the shapes Checkly's own client types them with
  (checkly/checkly-cli, ``packages/cli/src/rest/check-results.ts``) and its docs describe
  them: an API check's ``response.timings`` (``socket``, ``lookup``, ``connect``,
  ``response``, ``end``: milliseconds from the start) and ``timingPhases`` (``wait``,
  ``dns``, ``tcp``, ``firstByte``, ``download``, ``total``: durations), its
  ``assertions`` (the spec's free-form objects: here with the value each saw and its
  error besides what the client names), an image's body base64 with ``bodyEncoding``; a
  browser check's ``traceSummary``, ``pages`` with ``webVitals`` (free-form too: here
  with the page's title besides), ``errors``, ``jobLog``, traces and videos.
- An alert is what ``GET /v1/check-alerts`` lists (``CheckAlert``): a failure when a check
  starts failing, a recovery when it passes again, a degradation; what it sent to each
  alert channel the check is subscribed to, what ``GET /v1/alert-notifications`` lists
  (``AlertNotification``).
- A report is what ``GET /v1/reporting`` answers (``Reporting``): per check, its
  ``aggregate`` over the window, or with ``granularity`` one ``aggregates`` bucket per
  day, week or month (clamped to the window; buckets without runs left out), the success
  ratio as a percentage with four decimals and response times in milliseconds.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from observes_singer.tapkit.fake_api.records import iso, uuid
from observes_singer.tapkit.moments import day_start, instant
from tap_checkly.sample import check_kinds

Record = dict[str, Any]

ARTIFACTS = "https://api.checklyhq.com/v1/assets/checkRunData/eu-west-1"
RESULT_TYPES = ("apiCheckResult", "browserCheckResult", "multiStepCheckResult",
                "agenticCheckResult", "playwrightCheckResult", "tracerouteCheckResult",
                "grpcCheckResult", "sslCheckResult")


def at(text: Any) -> datetime:
    """A timestamp the samples wrote, as an aware datetime."""
    moment = instant(text)
    if moment is None:
        raise ValueError(f"not a timestamp: {text!r}")
    return moment


def _phases(n: int, total: float) -> tuple[Record, Record]:
    """``timingPhases`` that add up to ``total`` ms, and the ``timings`` they make."""
    wait = 1.0 + (n % 7) * 0.13
    dns = 2.5 + (n % 11) * 1.7
    tcp = 14.0 + (n % 5) * 3.1
    download = 0.4 + (n % 3) * 0.25
    first_byte = round(total - wait - dns - tcp - download, 3)
    phases = {"wait": round(wait, 3), "dns": round(dns, 3), "tcp": round(tcp, 3),
              "firstByte": first_byte, "download": round(download, 3), "total": total}
    lookup = wait + dns
    connect = lookup + tcp
    timings = {"socket": round(wait, 3), "lookup": round(lookup, 3),
               "connect": round(connect, 3), "response": round(connect + first_byte, 3),
               "end": total}
    return phases, timings


def _base(check: Record, n: int, started: datetime, response_time: float, *,
          failing: bool, degraded: bool, result_type: str, attempts: int,
          location: str) -> Record:
    stopped = started + timedelta(milliseconds=response_time)
    base: Record = {
        "id": uuid(n, f"checkly-result-{check['id']}"),
        "name": check["name"], "checkId": check["id"],
        "hasFailures": failing, "hasErrors": False, "isDegraded": degraded,
        "isCancelled": False, "overMaxResponseTime": False, "runLocation": location,
        "startedAt": iso(started), "stoppedAt": iso(stopped),
        "created_at": iso(stopped + timedelta(milliseconds=180 + n % 400)),
        "responseTime": response_time,
        "checkRunId": 98_000_000 + n, "attempts": attempts, "resultType": result_type,
        "sequenceId": uuid(n, f"checkly-sequence-{check['id']}"),
        "traceId": f"{n:032x}" if n % 4 else None,
        "errorGroupIds": [uuid(1, f"checkly-error-group-{check['id']}")] if failing else [],
    }
    base["createdAt"] = base["created_at"]
    base.update({kind: None for kind in RESULT_TYPES})
    return base


def api_result(check: Record, n: int, started: datetime, *, failing: bool = False,
               degraded: bool = False, result_type: str = "FINAL", attempts: int = 0,
               location: str = "eu-west-1") -> Record:
    total = round(120.0 + (n * 37) % 900 + (n % 10) / 10, 3)
    if degraded:
        total += 5000.0
    result = _base(check, n, started, total, failing=failing, degraded=degraded,
                   result_type=result_type, attempts=attempts, location=location)
    phases, timings = _phases(n, total)
    request = check["request"]
    status = 500 if failing else 200
    response = _api_response(request["url"], failing)
    result["apiCheckResult"] = {
        "assertions": _api_assertions(response, failing),
        "request": {"method": request["method"], "url": request["url"],
                    "data": request["body"],
                    "headers": {"User-Agent": "Checkly/1.0 (https://www.checklyhq.com)",
                                "Accept": "application/json"},
                    "params": {"check": str(n % 9)}},
        "response": {"status": status,
                     "statusText": "Internal Server Error" if failing else "OK",
                     **response, "timings": timings, "timingPhases": phases},
        "requestError": None,
        "jobLog": {"setup": [{"time": 1_700_000_000_000 + n, "msg": "check SETUP",
                              "level": "INFO"}],
                   "request": [], "teardown": []},
        "jobAssets": None, "pcapDataUrl": None,
    }
    return result


BADGE = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()
"""A 1x1 PNG: a raster image's body, which Checkly sends base64-encoded."""


def _api_response(url: str, failing: bool) -> Record:
    """An API check's response body and headers: JSON, or an image for a URL to a
    ``.png`` (its body base64, ``bodyEncoding`` saying so)."""
    image = urlsplit(url).path.endswith(".png") and not failing
    body = (BADGE if image else '{"status": "degraded", "error": "upstream timeout"}'
            if failing else '{"status": "ok", "region": "ñandú-1"}')
    answer: Record = {"body": body, "headers": {
        "content-type": "image/png" if image else "application/json; charset=utf-8",
        "content-length": str(len(base64.b64decode(body)) if image else len(body)),
        "server": "nginx/1.27.0"}}
    if image:
        answer["bodyEncoding"] = "base64"
    return answer


def _api_assertions(response: Record, failing: bool) -> list[Record]:
    """What an API check asserted of its response, each with the value it saw and its
    error (keys of the runner's own: the items are free-form objects)."""
    status = {"source": "STATUS_CODE", "comparison": "EQUALS", "property": "", "target": 200,
              "regex": None, "actual": 500 if failing else 200,
              "error": "expected 200, received 500" if failing else None}
    if response.get("bodyEncoding"):
        return [status, {"source": "HEADERS", "comparison": "CONTAINS",
                         "property": "content-type", "target": "image/png", "regex": None,
                         "actual": response["headers"]["content-type"], "error": None}]
    return [status, {"source": "JSON_BODY", "comparison": "EQUALS", "property": "$.status",
                     "target": "ok", "regex": None, "actual": "degraded" if failing else "ok",
                     "error": "expected ok, received degraded" if failing else None}]


def browser_result(check: Record, n: int, started: datetime, *, failing: bool = False,
                   result_type: str = "FINAL", attempts: int = 0,
                   location: str = "eu-west-1") -> Record:
    total = float(4200 + (n * 53) % 3000)
    result = _base(check, n, started, total, failing=failing, degraded=False,
                   result_type=result_type, attempts=attempts, location=location)
    start_ms = int(started.timestamp() * 1000)
    run = f"{ARTIFACTS}/{check['id']}/{n}"
    # the spec's ``errors`` items are any value (``{"nullable": true}``): strings, and an
    # object too
    errors: list[Any] = ["Error: expect(locator).toBeVisible() failed\n\tLocator: "
                         "getByRole('heading', { name: 'Ñandú' })",
                         {"message": "net::ERR_CONNECTION_RESET", "url": run,
                          "frames": [{"line": 3, "column": 9}]}] if failing else []
    result["browserCheckResult"] = {
        "type": "PLAYWRIGHT",
        "traceSummary": {"consoleErrors": 1 if failing else 0, "networkErrors": n % 2,
                         "documentErrors": 0, "userScriptErrors": 1 if failing else 0},
        "pages": [{"url": "https://shop.example.com/", "title": "Ñandú shop",
                   "webVitals": {"TTFB": {"value": 85.1 + n % 40, "score": "GOOD"},
                                 "FCP": {"value": 367.7 + n % 90, "score": "GOOD"},
                                 "LCP": {"value": 1800.0 + n % 900,
                                         "score": "NEEDS_IMPROVEMENT" if n % 5 == 0
                                         else "GOOD"},
                                 "CLS": {"value": 0.0049804687500000005, "score": "GOOD"},
                                 "TBT": {"value": 162, "score": "GOOD"}}}],
        "playwrightTestVideos": [f"{run}/the-shop-loads.webm"],
        "errors": errors,
        "endTime": start_ms + int(total), "startTime": start_ms,
        "runtimeVersion": check.get("runtimeId") or "2025.04",
        "jobLog": [{"time": start_ms, "msg": "Starting job", "level": "DEBUG"},
                   {"time": start_ms + 40, "msg": "Running 1 test using 1 worker",
                    "level": "INFO"},
                   {"time": start_ms + int(total), "msg": "1 failed" if failing
                    else "1 passed", "level": "INFO"}],
        "jobAssets": [f"{run}/screenshot.jpg"],
        "playwrightTestTraces": [f"{run}/script-the-shop-loads-chromium.zip"],
        "playwrightTestJsonReportFile": f"{run}/report.json",
    }
    return result


def kind_result(check: Record, n: int, started: datetime, *, failing: bool = False,
                result_type: str = "FINAL", attempts: int = 0,
                location: str = "eu-west-1") -> Record:
    """The n-th result of a check of a type :mod:`tap_checkly.sample.check_kinds` makes."""
    total = float(300 + (n * 41) % 2000)
    result = _base(check, n, started, total, failing=failing, degraded=False,
                   result_type=result_type, attempts=attempts, location=location)
    part = check_kinds.result_part(check, n, started, total, failing)
    if part is not None:
        result[part[0]] = part[1]
    return result


def check_result(check: Record, n: int, started: datetime, **kind: Any) -> Record:
    """The n-th result of ``check``, of any check type."""
    if check["checkType"] == "API":
        return api_result(check, n, started, **kind)
    kind.pop("degraded", None)
    if check["checkType"] == "BROWSER":
        return browser_result(check, n, started, **kind)
    return kind_result(check, n, started, **kind)


def run_results(check: Record, n: int, started: datetime, location: str) -> list[Record]:
    """The results of one scheduled run of ``check``: its final result and, when the run
    was retried (every 13th), the failed attempt before it. Every 17th run fails, every
    19th (of an API check) is degraded."""
    failing = n % 17 == 5
    degraded = not failing and n % 19 == 7
    kind = {"failing": failing, "degraded": degraded, "location": location}
    if n % 13 == 3:
        attempt = check_result(check, 10_000_000 + n, started, result_type="ATTEMPT",
                               attempts=0, **{**kind, "failing": True})
        final = check_result(check, n, started + timedelta(seconds=5), attempts=1, **kind)
        return [attempt, final]
    return [check_result(check, n, started, **kind)]


# -- alerts -----------------------------------------------------------------------------------

def alerting(results: Iterable[Record]) -> list[tuple[str, Record]]:
    """The alerts final results raise, oldest first, each with the result that raised it:
    a failure when a check starts failing, a recovery when it passes again, a degradation
    when it starts being slow."""
    found: list[tuple[str, Record]] = []
    failing = degraded = False
    for result in sorted((r for r in results if r["resultType"] == "FINAL"),
                         key=lambda r: r["created_at"]):
        kind = None
        if result["hasFailures"] and not failing:
            kind = "ALERT_FAILURE"
        elif not result["hasFailures"] and failing:
            kind = "ALERT_RECOVERY"
        elif result["isDegraded"] and not degraded:
            kind = "ALERT_DEGRADED"
        failing, degraded = result["hasFailures"], bool(result["isDegraded"])
        if kind is not None:
            found.append((kind, result))
    return found


def alert(check: Record, kind: str, result: Record, alert_id: int) -> Record:
    """The alert (``CheckAlert``) ``result`` raised."""
    api = result.get("apiCheckResult") or {}
    status = (api.get("response") or {}).get("status")
    return {
        "id": str(alert_id), "name": check["name"], "checkId": check["id"],
        "alertType": kind, "checkType": check["checkType"],
        "runLocation": result["runLocation"], "responseTime": result["responseTime"],
        "error": "Expected 200 but received 500" if kind == "ALERT_FAILURE" else None,
        "statusCode": str(status) if status is not None else None,
        "created_at": iso(at(result["created_at"]) + timedelta(seconds=2)),
        "startedAt": result["startedAt"],
    }


def alerts(check: Record, results: Iterable[Record], first_id: int) -> list[Record]:
    """The alerts a check's final results raise, oldest first."""
    return [alert(check, kind, result, first_id + n)
            for n, (kind, result) in enumerate(alerting(results))]


def notifications(check: Record, results: Iterable[Record], first_id: int,
                  channels: list[Record]) -> list[Record]:
    """What each of a check's alerts sent to each of ``channels`` (``AlertNotification``):
    a few seconds after the alert; every seventh one failed (the channel answered an
    error), and a webhook's answer is its body."""
    found: list[Record] = []
    for n, (kind, result) in enumerate(alerting(results)):
        raised = alert(check, kind, result, first_id + n)
        for channel in channels:
            k = len(found)
            failed = k % 7 == 6
            answer = ('{"ok": false, "error": "channel_not_found"}' if failed else
                      '{"ok": true}') if channel["type"] != "EMAIL" else None
            found.append({
                "id": uuid(first_id + k, f"checkly-notification-{check['id']}"),
                "type": channel["type"], "status": "FAILURE" if failed else "SUCCESS",
                "alertConfig": dict(channel["config"]), "notificationResult": answer,
                "timestamp": iso(at(raised["created_at"]) + timedelta(seconds=1 + k % 5)),
                "checkType": check["checkType"], "checkId": check["id"],
                "checkAlertId": raised["id"], "alertChannelId": channel["id"],
                "checkResultId": result["id"],
            })
    return found


# -- reporting --------------------------------------------------------------------------------

def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, math.ceil(share * len(ordered)) - 1)
    return ordered[index]


def aggregate(results: Sequence[Record]) -> Record:
    times = [r["responseTime"] for r in results]
    passed = sum(1 for r in results if not r["hasFailures"] and not r["hasErrors"])
    return {"successRatio": round(100 * passed / len(results), 4),
            "avg": round(sum(times) / len(times), 2),
            "p95": _percentile(times, 0.95), "p99": _percentile(times, 0.99)}


def _buckets(start: datetime, end: datetime, granularity: str) -> list[tuple[datetime, datetime]]:
    """Calendar buckets in UTC covering [start, end), clamped to it."""
    found = []
    edge = day_start(start)
    if granularity == "week":
        edge -= timedelta(days=edge.weekday())
    elif granularity == "month":
        edge = edge.replace(day=1)
    while edge < end:
        if granularity == "day":
            following = edge + timedelta(days=1)
        elif granularity == "week":
            following = edge + timedelta(days=7)
        else:
            following = (edge.replace(day=28) + timedelta(days=4)).replace(day=1)
        found.append((max(edge, start), min(following, end)))
        edge = following
    return found


def report(check: Record, results: Iterable[Record], start: datetime, end: datetime,
           granularity: str | None) -> Record:
    """``GET /v1/reporting``'s entry for ``check`` over [start, end)."""
    finals = [r for r in results if r["resultType"] == "FINAL"
              and start <= at(r["startedAt"]) < end]
    entry: Record = {"name": check["name"], "checkId": check["id"],
                     "checkType": check["checkType"], "deactivated": not check["activated"],
                     "tags": list(check["tags"])}
    if granularity is None:
        entry["aggregate"] = aggregate(finals) if finals else \
            {"successRatio": 0, "avg": 0, "p95": 0, "p99": 0}
        return entry
    buckets = []
    for low, high in _buckets(start, end, granularity):
        inside = [r for r in finals if low <= at(r["startedAt"]) < high]
        if inside:
            buckets.append({**aggregate(inside), "from": iso(low), "to": iso(high)})
    entry["aggregates"] = buckets
    return entry

