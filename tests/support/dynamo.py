"""DynamoDB test tables on the moto server, and a proxy that throttles Scan calls.

:func:`sample_item` builds an item in DynamoDB's typed form (as boto3's low-level client
takes it) together with the plain JSON value tap-dynamo must turn it into, written by
hand here from the same numbers, so that a test compares the tap's output with what it
put. :class:`ThrottlingProxy` stands between a client and moto and answers the first N
Scan calls with DynamoDB's own 400 ``ProvisionedThroughputExceededException``.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

Typed = dict[str, Any]


def create_table(client: Any, name: str, hash_key: tuple[str, str] = ("pk", "S"),
                 range_key: tuple[str, str] | None = None) -> None:
    keys = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    attributes = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    if range_key:
        keys.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        attributes.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
    client.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=attributes,
                        BillingMode="PAY_PER_REQUEST")


def put_items(client: Any, table: str, items: list[Typed]) -> None:
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
        pending: dict[str, Any] = {table: requests}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sample_item(n: int) -> tuple[Typed, dict[str, Any]]:
    """Item ``n`` of a test table (key ``pk``), typed, and the plain value expected."""
    big = 2**64 * (n + 3) + n  # beyond 64 bits
    decimal = f"{n}.{(n * 7919) % 10**30:030d}7"  # 32 to 35 significant digits
    blob = bytes([n % 256, 0, 255, (n * 3) % 256])
    sets = sorted({f"t{n % 3}", f"u{n % 7}", "z"})
    numbers = [str(n), "1.5", "-100000000000000000000000000001", "0.000000000000000000001"]
    expected_numbers = sorted([n, Decimal("1.5"), -100000000000000000000000000001,
                               Decimal("0.000000000000000000001")])
    blobs = [b"\x00", bytes([n % 256]) + b"x", b"\xff\xfe"]
    typed: Typed = {
        "pk": {"S": f"item#{n:05d}"},
        "n": {"N": str(n)},
        "negative": {"N": str(-n * 1000)},
        "big": {"N": str(big if n % 2 else -big)},
        "decimal": {"N": decimal},
        "half": {"N": "-12.5"},
        "flag": {"BOOL": n % 2 == 0},
        "nothing": {"NULL": True},
        "blob": {"B": blob},
        "tags": {"SS": list(reversed(sets))},
        "scores": {"NS": numbers},
        "blobs": {"BS": blobs},
        "text": {"S": f"naïve ünïcode ✓ \"quoted\" {n}"},
        "nested": {"M": {
            "name": {"S": f"n{n}"},
            "list": {"L": [{"N": "7"}, {"S": "x"}, {"M": {"deep": {"L": [
                {"BOOL": True}, {"NULL": True}, {"N": decimal}, {"B": blob}]}}}]},
            "empty": {"M": {}},
            "set": {"NS": ["3", "1", "2"]},
        }},
        "list": {"L": [] if n % 5 else [{"L": [{"N": str(big)}]}]},
    }
    plain: dict[str, Any] = {
        "pk": f"item#{n:05d}",
        "n": n,
        "negative": -n * 1000,
        "big": big if n % 2 else -big,
        "decimal": Decimal(decimal),
        "half": Decimal("-12.5"),
        "flag": n % 2 == 0,
        "nothing": None,
        "blob": _b64(blob),
        "tags": sets,
        "scores": expected_numbers,
        "blobs": sorted(_b64(b) for b in blobs),
        "text": f"naïve ünïcode ✓ \"quoted\" {n}",
        "nested": {"name": f"n{n}",
                   "list": [7, "x", {"deep": [True, None, Decimal(decimal), _b64(blob)]}],
                   "empty": {}, "set": [1, 2, 3]},
        "list": [] if n % 5 else [[big]],
    }
    return typed, plain


class ThrottlingProxy:
    """A loopback HTTP proxy to ``upstream`` that answers the first ``throttle`` Scan calls
    with DynamoDB's 400 ProvisionedThroughputExceededException, and counts the calls."""

    BODY = json.dumps({
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": "The level of configured provisioned throughput for the table was "
                   "exceeded. Consider increasing your provisioning level with the "
                   "UpdateTable API."}).encode()

    def __init__(self, upstream: str, throttle: int) -> None:
        self.upstream = urlsplit(upstream)
        self.throttle = throttle
        self.throttled = 0
        self.scans = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if proxy._throttles(self.headers.get("X-Amz-Target", "")):
                    self._answer(400, {"Content-Type": "application/x-amz-json-1.0"},
                                 proxy.BODY)
                    return
                upstream = http.client.HTTPConnection(proxy.upstream.hostname or "",
                                                      proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("connection", "keep-alive")}
                upstream.request("POST", self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                kept = {k: v for k, v in answer.getheaders()
                        if k.lower() not in ("connection", "transfer-encoding",
                                             "content-length", "keep-alive")}
                self._answer(answer.status, kept, data)

            def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _throttles(self, target: str) -> bool:
        if not target.endswith(".Scan"):
            return False
        with self._lock:
            self.scans += 1
            if self.throttled < self.throttle:
                self.throttled += 1
                return True
            return False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
