"""A fake source API on loopback: routes, a request log, auth and injected faults.

Each request goes through, in order: the log (method, path, query, headers), a pending
redirect for its path, the auth check (401), the rate limit (429 every ``rate_limit + 1``
requests), a pending fault for its path (a status, or a dropped connection), then the
first route whose method and path template match. Redirects and faults are one-shot
entries in public lists that tests append to and read back (``server.failures == []``
once all were served). :meth:`FakeAPI.ignore` makes the routes of a path deaf to some
query parameters from then on, as a source that ignores the page asked for: the log
keeps what was sent.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, unquote, urlsplit

DROP = 0
"""A fault's status that closes the connection without any answer."""


@dataclass(frozen=True)
class Request:
    """One request as the server saw it. ``path`` is as sent (percent-encoded, without
    the query); ``query`` has the last value of each parameter, ``params`` all of them."""

    method: str
    path: str
    query: dict[str, str]
    params: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    origin: str
    target: str
    """Path and query, as on the request line."""
    at: float = 0.0
    """When the request was read (``time.monotonic()``)."""

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of its name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Reply:
    """An answer: ``body`` is sent as JSON unless it is bytes."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


class Fault(NamedTuple):
    """Answer the next request whose path contains ``part`` with ``status`` (``DROP``:
    close the connection without answering) and ``headers``."""

    part: str
    status: int
    headers: Mapping[str, str] = {}


class Redirect(NamedTuple):
    """Answer the next request whose path contains ``part`` with a redirect ``status``
    to ``origin`` + the request's path and query, as a moved API would."""

    part: str
    status: int
    origin: str


class Ignored(NamedTuple):
    """Answer every request whose path contains ``part`` as if ``params`` were not in its
    query."""

    part: str
    params: tuple[str, ...]


Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler


def compile_template(template: str) -> re.Pattern[str]:
    """``/projects/{project}/jobs/{job}``: each ``{name}`` is one path segment (``%2F``
    included, unquoted for the handler), ``{name:path}`` the rest of the path."""
    pattern = ""
    for literal, name, kind in re.findall(r"([^{]*)(?:\{(\w+)(?::(\w+))?\})?", template):
        pattern += re.escape(literal)
        if name:
            pattern += f"(?P<{name}>{'.+' if kind == 'path' else '[^/]+'})"
    return re.compile(pattern + "/?")


class _Handler(BaseHTTPRequestHandler):
    server: FakeAPI

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are logged on the server object, not on stderr."""

    def do_GET(self) -> None:
        self.server.dispatch(self, "GET")

    def do_POST(self) -> None:
        self.server.dispatch(self, "POST")

    def do_PUT(self) -> None:
        self.server.dispatch(self, "PUT")

    def do_PATCH(self) -> None:
        self.server.dispatch(self, "PATCH")

    def do_DELETE(self) -> None:
        self.server.dispatch(self, "DELETE")

    def send(self, reply: Reply) -> None:
        data = _encode(reply)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def drop(self) -> None:
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


class FakeAPI(ThreadingHTTPServer):
    """A fake API on ``127.0.0.1`` (a free port); ``url`` is its root (``base_path`` on
    its ``origin``). ``auth`` is a header name and the value it must have (else 401).
    Use as a context manager, or :meth:`start` and :meth:`stop`."""

    daemon_threads = True

    def __init__(self, *, base_path: str = "", auth: tuple[str, str] | None = None,
                 rate_limit: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.base_path = base_path.rstrip("/")
        self.auth = auth
        self.rate_limit = rate_limit  # requests answered before each 429 (0: never)
        self.latency = 0.0
        """Seconds every answer waits before it is sent (an API across the internet);
        requests are answered in parallel, so they wait side by side."""
        self.routes: list[Route] = []
        self.log: list[Request] = []
        self.failures: list[Fault] = []
        self.redirects: list[Redirect] = []
        self.ignored: list[Ignored] = []
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"{self.origin}{self.base_path}"

    def start(self) -> Self:
        # A short poll keeps stop() quick (shutdown waits for the loop's next poll).
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- set up ------------------------------------------------------------------------------

    def route(self, method: str, template: str, handler: Handler) -> None:
        """Answer ``method`` on ``base_path + template`` with ``handler(request,
        **path_parameters)``; the first matching route wins."""
        self.routes.append(Route(method.upper(), template, compile_template(template),
                                 handler))

    def fail(self, status: int, times: int = 1, part: str = "",
             headers: Mapping[str, str] | None = None) -> None:
        """Answer the next ``times`` requests (on paths containing ``part``) with
        ``status``."""
        with self.lock:
            self.failures.extend([Fault(part, status, dict(headers or {}))] * times)

    def drop(self, times: int = 1, part: str = "") -> None:
        """Close the connection of the next ``times`` requests without answering."""
        self.fail(DROP, times, part)

    def throttle(self, times: int = 1, part: str = "",
                 headers: Mapping[str, str] | None = None) -> None:
        """Answer the next ``times`` requests with 429 and ``headers`` (by default
        :meth:`throttle_headers`)."""
        self.fail(429, times, part, headers if headers is not None else self.throttle_headers())

    def redirect(self, part: str, status: int, origin: str, times: int = 1) -> None:
        with self.lock:
            self.redirects.extend([Redirect(part, status, origin)] * times)

    def ignore(self, *params: str, part: str = "") -> None:
        """From now on, answer requests on paths containing ``part`` as if ``params``
        were not sent: a source that ignores ``page`` answers the first page to every
        request."""
        with self.lock:
            self.ignored.append(Ignored(part, params))

    def throttle_headers(self) -> dict[str, str]:
        """The headers of a 429 from the rate limit; override to mimic a source."""
        return {"Retry-After": "1"}

    def authorized(self, request: Request) -> bool:
        if self.auth is None:
            return True
        name, expected = self.auth
        return request.header(name) == expected

    # -- reading the log ---------------------------------------------------------------------

    def calls(self, part: str = "", method: str | None = None) -> int:
        """How many requests had ``part`` in their path (and were ``method``)."""
        with self.lock:
            return sum(1 for r in self.log
                       if part in r.path and (method is None or r.method == method))

    # -- answering ---------------------------------------------------------------------------

    def dispatch(self, handler: _Handler, method: str) -> None:
        request = self._read(handler, method)
        if self.latency > 0:
            time.sleep(self.latency)
        with self.lock:
            self.log.append(request)
            served = len(self.log)
            taken = _take(self.redirects, request.path)
        if taken is not None:
            redirect = Redirect(*taken)  # tests may append plain tuples
            handler.send(Reply(redirect.status, {"message": "moved"},
                               {"Location": redirect.origin.rstrip("/") + request.target}))
            return
        if not self.authorized(request):
            handler.send(Reply(401, {"message": "401 Unauthorized"}))
            return
        if self.rate_limit and served % (self.rate_limit + 1) == 0:
            handler.send(Reply(429, {"message": "Retry later"}, self.throttle_headers()))
            return
        with self.lock:
            taken = _take(self.failures, request.path)
        if taken is not None:
            fault = Fault(*taken)
            if fault.status == DROP:
                handler.drop()
            else:
                handler.send(Reply(fault.status, {"message": f"{fault.status} (injected)"},
                                   dict(fault.headers)))
            return
        try:
            reply = self.answer(self._deaf(request))
        except Exception:
            handler.send(Reply(500, {"message": "the fake API's handler failed; its "
                                                "traceback is on stderr"}))
            raise
        handler.send(reply)

    def answer(self, request: Request) -> Reply:
        """The first route's reply, or 404."""
        path = request.path.removeprefix(self.base_path)
        if self.base_path and (path == request.path or path[:1] not in ("/", "")):
            return Reply(404, {"message": "404 Not Found"})  # outside base_path
        path = path or "/"
        for route in self.routes:
            if route.method != request.method:
                continue
            found = route.pattern.fullmatch(path)
            if found:
                params = {k: unquote(v) for k, v in found.groupdict().items()}
                return route.handler(request, **params)
        return Reply(404, {"message": "404 Not Found"})

    def _deaf(self, request: Request) -> Request:
        """``request`` without the query parameters :meth:`ignore` named for its path."""
        with self.lock:
            names = {name for part, params in self.ignored if part in request.path
                     for name in params}
        if not names:
            return request
        params = {k: v for k, v in request.params.items() if k not in names}
        return replace(request, params=params,
                       query={k: v for k, v in request.query.items() if k not in names})

    def _read(self, handler: _Handler, method: str) -> Request:
        parts = urlsplit(handler.path)
        params = parse_qs(parts.query, keep_blank_values=True)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        return Request(method=method, path=parts.path,
                       query={k: v[-1] for k, v in params.items()}, params=params,
                       headers=dict(handler.headers.items()), body=body, origin=self.origin,
                       target=handler.path, at=time.monotonic())


def _encode(reply: Reply) -> bytes:
    if isinstance(reply.body, bytes):
        return reply.body
    if reply.body is None and reply.status in (204, 304):
        return b""
    return json.dumps(reply.body).encode()


def _take(entries: list[Any], path: str) -> tuple[Any, ...] | None:
    """Remove and return the first entry whose part is in ``path``."""
    for index, entry in enumerate(entries):
        if entry[0] in path:
            del entries[index]
            return tuple(entry)
    return None
