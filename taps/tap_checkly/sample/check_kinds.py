"""The sample checks of the types besides API and browser checks, and their results:
multi-step, Playwright, agentic, traceroute, gRPC, SSL, heartbeat, ICMP, TCP, URL and DNS.

Shapes from Checkly's OpenAPI document (checkly/docs, ``api-reference/openapi.json`` at
28f32985, read 2026-12-07): the checks as ``GET /v1/checks`` lists them
(``ChecksV1MultiStepCheck``, ``ChecksV1PlaywrightCheck``, ``ChecksV1TracerouteMonitor``,
``ChecksV1GrpcMonitor``, ``ChecksV1SslMonitor``, ``ChecksV1HeartbeatCheck``,
``ChecksV1IcmpMonitor``, ``ChecksV1TcpCheck``, ``ChecksV1UrlMonitor``,
``ChecksV1DnsMonitor``; an agentic check as ``ChecksV1GenericCheck``, with the
``intent`` it documents), their results' parts as ``CheckResult`` documents them
(``MultiStepResultBrowser``, ``CheckResultPlaywright``, ``CheckResultAgentic``,
``CheckResultTraceroute``, ``CheckResultGrpc``, ``CheckResultSsl``). ``CheckResult``
has no part for heartbeat, ICMP, TCP, URL and DNS checks: their results here hold the
fields every result has, every part null. A multi-step check deployed by the Checkly CLI
names its script's file and the files it imports (``scriptPath``, ``dependencies``, of
``ChecksV1GenericCheck``).

The spec types several result lists as arrays of ``CheckResultFreeformObject`` (an object
with no properties and any others): agentic and Playwright ``errors``, the
``assertions`` of traceroute, gRPC and SSL results, traceroute ``hops``, gRPC
``metadata`` and the SSL ``chain``. What they hold is the runner's own: here it is what
Checkly's CLI reads from them (checkly/checkly-cli, ``packages/cli/src/rest/
check-results.ts`` and ``src/formatters/check-result-detail.ts`` at c25a9045, read
2026-12-07): a hop's ``hop_number``, ``main_ip``, ``main_host``, ``loss_percentage``,
``rtt`` (``avg_ms``, ``best_ms``, ``worst_ms``) and ``asn``; a certificate's
``subjectCN``, ``issuerCN``, ``notBefore``, ``notAfter``, ``sans``, ...; an agentic error's
``error.message``; and, for Playwright, the fields of Playwright's ``TestError``
(``message``, ``stack``, ``location``, ``snippet``). Nested objects and lists inside them
are there on purpose: a free-form object must arrive whole.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from observes_singer.tapkit.fake_api.records import iso, uuid

Record = dict[str, Any]
Part = Callable[[Record, int, datetime, float, bool], Record]

KINDS = ("MULTI_STEP", "PLAYWRIGHT", "AGENTIC", "TRACEROUTE", "GRPC", "SSL", "HEARTBEAT", "ICMP",
         "TCP", "URL", "DNS")
"""The check types this module makes, in the order :func:`check` numbers them."""
RESULT_FIELDS = {"MULTI_STEP": "multiStepCheckResult", "PLAYWRIGHT": "playwrightCheckResult",
                 "AGENTIC": "agenticCheckResult", "TRACEROUTE": "tracerouteCheckResult",
                 "GRPC": "grpcCheckResult", "SSL": "sslCheckResult"}
ARTIFACTS = "https://api.checklyhq.com/v1/assets/checkRunData/eu-west-1"
HOST = "shop.example.com"


def check(kind: str, common: Record) -> Record:
    """A check of type ``kind``, given the fields every check type has (``common``)."""
    made = {**common, "checkType": kind}
    if kind != "HEARTBEAT":
        made["frequency"] = 10
    if kind in REQUESTS:
        made.update({"frequencyOffset": 3, "degradedResponseTime": 3000,
                     "maxResponseTime": 10000, "request": REQUESTS[kind]})
    if kind == "PLAYWRIGHT":
        made.update({"playwrightVersion": "1.52.0", "workingDir": ".",
                     "testCommand": "npx playwright test", "installCommand": "npm ci",
                     "browsers": ["chromium"], "environmentVariables": [],
                     "codeBundlePath": "bundles/shop-suite.tar.gz", "cacheHash": "9f2c41",
                     "engine": "node", "engineVersion": "22"})
    elif kind == "HEARTBEAT":
        made.update(heartbeat(common["id"]))
    elif kind == "ICMP":
        made.update({"degradedPacketLossThreshold": 10, "maxPacketLossThreshold": 20})
    elif kind == "MULTI_STEP":
        made.update({"script": SCRIPT, "environmentVariables": [],
                     "scriptPath": "checks/cart.spec.ts",
                     "dependencies": [{"path": "checks/helpers/login.ts",
                                       "content": "export const user = 'monitor'\n"}]})
    elif kind == "AGENTIC":
        made.update({"script": SCRIPT, "environmentVariables": [], "intent": INTENT})
    elif kind == "URL":
        made["triggerIncident"] = TRIGGER_INCIDENT
    return made


SCRIPT = "await page.goto('https://shop.example.com/')\n"
TRIGGER_INCIDENT = {"serviceId": uuid(1, "status-service"), "severity": "MAJOR",
                    "name": "The shop is down", "description": "robots.txt does not answer",
                    "notifySubscribers": True}
"""The incident a failing check opens on a status page's service."""
INTENT = {"goal": "A visitor can buy a product — ñandú",
          "requiredOutcomes": ["The cart shows the product", "The total is in euros"],
          "mustPreserve": ["No order is placed"]}


def heartbeat(check_id: str) -> Record:
    """A heartbeat check's ``heartbeat``: a ping a day, 30 minutes' grace, and the URL the
    job pings (its token, from the check's id)."""
    token = check_id.replace("-", "")[:24]
    return {"heartbeat": {"period": 1, "periodUnit": "days", "grace": 30,
                          "graceUnit": "minutes", "pingToken": token,
                          "pingUrl": f"https://ping.checklyhq.com/{token}"},
            "alertChannels": LEGACY_ALERT_CHANNELS}


LEGACY_ALERT_CHANNELS: Record = {
    "email": [{"address": "oncall@example.com"}],
    "slack": [{"url": "https://hooks.slack.com/services/T000/B000/YYYYYYYY"}],
    "sms": [{"name": "On call — ñandú", "number": "+34600000000"}],
    "webhook": [{"name": "Pager bridge", "url": "https://hooks.example.com/checkly",
                 "method": "POST",
                 "headers": [{"key": "X-Source", "value": "checkly", "locked": False}],
                 "queryParameters": [{"key": "team", "value": "shop", "locked": True}]}],
}
"""``alertChannels`` as a check set up before alert channel subscriptions still has it."""


def _check_assertion(source: str, comparison: str, target: str, prop: str = "") -> Record:
    return {"source": source, "comparison": comparison, "property": prop, "target": target,
            "regex": None}


SECURITY_BASELINE: Record = {
    "enabled": True, "minTLSVersion": {"value": "TLS1.2", "severity": "fail"},
    "recommendedTLSVersion": {"value": "TLS1.3", "severity": "degrade"},
    "minKeySizeBits": {"value": 2048, "severity": "fail"},
    "recommendedKeySizeBits": {"value": 3072, "severity": "degrade"},
    "weakSignatureAlgorithm": {"severity": "fail"}, "weakCipherSuite": {"severity": "degrade"},
    "knownBadCA": {"severity": "fail"}, "ocspMustStapleRespected": {"severity": "ignore"},
    "sctPresent": {"severity": "ignore"},
}
REQUESTS: dict[str, Record] = {
    "TRACEROUTE": {"url": HOST, "protocol": "TCP", "port": 443, "ipFamily": "IPv4",
                   "maxHops": 30, "maxUnknownHops": 15, "ptrLookup": True, "timeout": 10,
                   "assertions": []},
    "GRPC": {"url": "grpc.example.com", "port": 443, "ipFamily": "IPv4", "skipSSL": False,
             "timeout": 10, "assertions": [],
             "grpcConfig": {"mode": "HEALTH", "tls": True,
                            "metadata": [{"key": "x-api-version", "value": "2"}],
                            "service": None, "encoding": None, "bfbsContent": None,
                            "serviceDefinition": None, "method": None,
                            "protoContent": None, "message": None}},
    "SSL": {"sslConfig": {"hostname": HOST, "port": 443, "serverName": None,
                          "ipFamily": "IPv4", "skipChainValidation": False,
                          "handshakeTimeoutMs": 10000, "alertDaysBeforeExpiry": 30,
                          "clientCertificateMode": "auto",
                          "securityBaseline": SECURITY_BASELINE},
            "sslClientCertificateId": None, "assertions": []},
    "ICMP": {"hostname": HOST, "ipFamily": "IPv4", "pingCount": 10,
             "assertions": [_check_assertion("LATENCY", "LESS_THAN", "200", "avg")]},
    "TCP": {"hostname": "mail.example.com", "port": 25, "data": "EHLO checkly\r\n",
            "ipFamily": "IPv4",
            "assertions": [_check_assertion("RESPONSE_DATA", "CONTAINS", "250")]},
    "URL": {"method": "GET", "url": f"https://{HOST}/robots.txt", "followRedirects": True,
            "skipSSL": False, "ipFamily": "IPv4",
            "assertions": [_check_assertion("STATUS_CODE", "EQUALS", "200")]},
    "DNS": {"query": HOST, "nameServer": "1.1.1.1", "port": 53, "recordType": "A",
            "protocol": "UDP",
            "assertions": [_check_assertion("TEXT_ANSWER", "CONTAINS", "203.0.113.10")]},
}


def result_part(check_record: Record, n: int, started: datetime, total: float,
                failing: bool) -> tuple[str, Record] | None:
    """The result field of ``check_record``'s type and its value for the n-th run, or None
    for a type ``CheckResult`` gives no part."""
    kind = str(check_record["checkType"])
    if kind not in PARTS:  # no part of its own in CheckResult
        return None
    return RESULT_FIELDS[kind], PARTS[kind](check_record, n, started, total, failing)


def _run_files(check_record: Record, n: int) -> str:
    return f"{ARTIFACTS}/{check_record['id']}/{n}"


def _job_log(started: datetime, total: float, failing: bool) -> list[Record]:
    start_ms = int(started.timestamp() * 1000)
    return [{"time": start_ms, "msg": "Starting job", "level": "DEBUG"},
            {"time": start_ms + int(total), "msg": "1 failed" if failing else "1 passed",
             "level": "INFO"}]


def multi_step(check_record: Record, n: int, started: datetime, total: float,
               failing: bool) -> Record:
    start_ms = int(started.timestamp() * 1000)
    run = _run_files(check_record, n)
    return {"errors": [{"message": "Request failed with status 500",
                        "step": "POST /cart"}, "Error: expect(received).toBe(200)"]
            if failing else [],
            "endTime": start_ms + int(total), "startTime": start_ms,
            "runtimeVersion": "2025.04", "jobLog": _job_log(started, total, failing),
            "jobAssets": [f"{run}/screenshot.jpg"],
            "playwrightTestTraces": [f"{run}/trace.zip"],
            "playwrightTestJsonReportFile": f"{run}/report.json"}


def playwright(check_record: Record, n: int, started: datetime, total: float,
               failing: bool) -> Record:
    run = _run_files(check_record, n)
    errors = [{"message": "Error: expect(locator).toHaveText(expected) failed",
               "stack": "Error: expect(locator).toHaveText(expected) failed\n"
                        "    at tests/cart.spec.ts:14:33",
               "location": {"file": "tests/cart.spec.ts", "line": 14, "column": 33},
               "snippet": "> 14 |   await expect(total).toHaveText('€ 42,00')",
               "testTitle": "the cart adds up — ñandú"}] if failing else []
    return {"errors": errors,
            "playwrightTraceFiles": [{"url": f"{run}/trace.zip", "name": "cart",
                                      "filename": "trace.zip"}],
            "jobLog": _job_log(started, total, failing), "jobAssets": [],
            "playwrightTestVideos": [f"{run}/cart.webm"],
            "playwrightTestTraces": [f"{run}/trace.zip"],
            "playwrightTestJsonReportFile": f"{run}/report.json"}


def agentic(check_record: Record, n: int, started: datetime, total: float,
            failing: bool) -> Record:
    return {
        "summary": "The checkout works" if not failing else "The checkout button is gone",
        "prompt": "Open the shop, add a product to the cart and check the total",
        "assertions": [{"condition": "The cart total is shown", "passed": not failing,
                        "actual": "€ 42,00" if not failing else "no total",
                        "expected": "a total in euros"}],
        "suggestions": [{"summary": "Also check the shipping costs",
                         "prompt": "Check that shipping is free over € 50",
                         "promptReplacement": "Check that shipping is free over € 50 "
                                              "in Spain", "secrets": ["SHOP_USER"],
                         "category": "configuration"}],
        "steps": [{"type": "tool_call", "name": "navigate",
                   "input": {"url": f"https://{HOST}/", "wait": {"until": "load"}},
                   "timestamp": iso(started), "sequenceNumber": 1},
                  {"type": "message", "output": "The page shows the cart", "timestamp":
                   iso(started + timedelta(seconds=4)), "sequenceNumber": 2}],
        "errors": [{"error": {"message": "Timed out waiting for #checkout — ñandú",
                              "code": "TIMEOUT"}, "step": 2, "retryable": True}]
        if failing else [],
        "artifactManifest": {"screenshots/1.png": "The cart", "trace.zip": "The trace"},
    }


def _latency(n: int, base: float) -> Record:
    return {"avg_ms": round(base + n % 7 * 0.4, 3), "best_ms": round(base, 3),
            "worst_ms": round(base + 3.5, 3)}


def _assertions(source: str, target: Any, actual: Any, failing: bool) -> list[Record]:
    return [{"source": source, "comparison": "LESS_THAN", "property": "", "target": target,
             "actual": actual, "error": "the value is too high" if failing else None}]


def traceroute(check_record: Record, n: int, started: datetime, total: float,
               failing: bool) -> Record:
    hops = [{"hop_number": k + 1, "main_ip": f"10.0.{k}.1",
             "main_host": f"hop-{k + 1}.isp.example.net" if k % 2 == 0 else None,
             "loss_percentage": 0.0 if k < 3 or not failing else 100.0,
             "rtt": _latency(n, 1.5 + 4 * k), "asn": 64500 + k,
             "ips": [f"10.0.{k}.1", f"10.0.{k}.2"]} for k in range(4)]
    final = _latency(n, 14.5)
    return {
        "totalHops": len(hops), "destinationReached": not failing,
        "finalHopLatency": final, "timingPhases": {"total": total},
        "requestError": "destination not reached" if failing else None,
        "request": {"hostname": HOST, "protocol": "TCP", "port": 443, "maxHops": 30},
        "assertions": _assertions("TOTAL_HOPS", 10, len(hops), failing),
        "response": {"hostname": HOST, "resolvedIp": "203.0.113.10", "totalHops": len(hops),
                     "destinationReached": not failing,
                     "finalHopLatency": final, "hops": hops, "protocol": "IPv4",
                     "probeProtocol": "TCP",
                     **({"truncationReason": "max unknown hops"} if failing else {})},
    }


def grpc(check_record: Record, n: int, started: datetime, total: float,
         failing: bool) -> Record:
    phases = {"dns": 2.1, "connect": round(total / 3, 3), "total": total}
    status = 14 if failing else 0
    return {
        "grpcStatusCode": status, "healthStatus": 2 if failing else 1, "timingPhases": phases,
        "requestError": None,
        "request": {"host": "grpc.example.com", "port": 443, "mode": "HEALTH",
                    "service": "shop.Cart"},
        "assertions": _assertions("RESPONSE_TIME", 500, total, failing),
        "response": {"grpcMode": "HEALTH", "host": "grpc.example.com",
                     "resolvedIp": "203.0.113.20", "port": 443,
                     "grpcMethod": "grpc.health.v1.Health/Check",
                     "responseMessage": '{"status": "SERVING"}', "grpcStatusCode": status,
                     "grpcStatusMessage": "UNAVAILABLE" if failing else "OK",
                     "healthStatus": 2 if failing else 1,
                     "healthStatusLabel": "NOT_SERVING" if failing else "SERVING",
                     "metadata": [{"key": "content-type", "value": "application/grpc"},
                                  {"key": "x-envoy-upstream-service-time",
                                   "value": str(n % 40), "binary": False}],
                     "discoveredMethods": ["shop.Cart/Add", "shop.Cart/Total"],
                     "requestError": None, "timingPhases": phases},
    }


def _certificate(subject: str, issuer: str, n: int, *, leaf: bool) -> Record:
    return {"subjectCN": subject, "issuerCN": issuer,
            "notBefore": "2026-09-01T00:00:00.000Z", "notAfter": "2027-01-23T23:59:59.000Z",
            "keyAlgorithm": "EC", "keySizeBits": 256,
            "signatureAlgorithm": "ecdsa-with-SHA384",
            "fingerprintSha256": f"{n:064x}", "sans": [HOST, f"www.{HOST}"] if leaf else [],
            "serialNumber": f"{n:x}", "selfSigned": False, "isCA": not leaf}


UNTRUSTED = {"chainTrustReason": "INCOMPLETE_CHAIN",
             "chainTrustDetail": "The intermediate E6 is missing", "missingIntermediate": "E6"}
"""Why an SSL result's chain is not trusted: the document does not make these nullable,
and a trusted chain's result leaves them out."""


def ssl(check_record: Record, n: int, started: datetime, total: float,
        failing: bool) -> Record:
    leaf = _certificate(HOST, "E6", n, leaf=True)
    chain = [leaf, _certificate("E6", "ISRG Root X1", n + 1, leaf=False)]
    baseline = {"minTLSVersion": {"value": "TLSv1.2", "severity": "PASS"},
                "weakCiphers": {"value": [], "severity": "PASS"}}
    return {
        "tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
        "daysUntilExpiry": 47, "handshakeTimeMs": round(total / 2, 3),
        "chainTrusted": not failing, "hostnameVerified": True,
        "baselineVerdict": "FAIL" if failing else "PASS", "baselineGrade": "B" if failing
        else "A", "failureCategory": "CHAIN_UNTRUSTED" if failing else None,
        "requestError": None, "request": {"hostname": HOST, "port": 443},
        "assertions": _assertions("DAYS_UNTIL_EXPIRY", 30, 47, failing),
        "response": {"resolvedIp": "203.0.113.30", "protocol": "TLSv1.3",
                     "cipherSuite": "TLS_AES_128_GCM_SHA256",
                     "handshakeTimeMs": round(total / 2, 3), "hostnameVerified": True,
                     "chainTrusted": not failing, "daysUntilExpiry": 47,
                     "ocspStapled": True, "ocspStatus": "GOOD", "incompleteChain": failing,
                     **(UNTRUSTED if failing else {}),
                     "securityBaseline": baseline, "certificate": leaf,
                     "chain": chain[:1] if failing else chain},
    }


PARTS: dict[str, Part] = {"MULTI_STEP": multi_step, "PLAYWRIGHT": playwright,
                          "AGENTIC": agentic, "TRACEROUTE": traceroute, "GRPC": grpc,
                          "SSL": ssl}
