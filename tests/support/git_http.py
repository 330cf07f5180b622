"""git's smart HTTP protocol on loopback: ``git http-backend`` behind Basic auth.

Every repository under ``root`` is served at ``http://127.0.0.1:PORT/<name>``; a request
without the right ``Authorization`` gets a 401 with ``WWW-Authenticate``, as GitHub and
GitLab answer a private repository, so git asks its credential helpers and retries.
:attr:`GitHttpServer.requests` records each request's method, path and the credentials
it carried, to check what a client sent.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    credentials: str | None  # "user:password" from a Basic Authorization header


class GitHttpServer:
    def __init__(self, root: Path, username: str, password: str) -> None:
        self.root = root
        self.expected = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.requests: list[Request] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def start(self) -> GitHttpServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHttpServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def _credentials(header: str | None) -> str | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        return base64.b64decode(header[6:]).decode()
    except ValueError:
        return None


def _handler(owner: GitHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.serve()

        def do_POST(self) -> None:
            self.serve()

        def body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                parts: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(parts)
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def serve(self) -> None:
            header = self.headers.get("Authorization")
            owner.requests.append(Request(self.command, self.path, _credentials(header)))
            body = self.body() if self.command == "POST" else b""
            if header != f"Basic {owner.expected}":
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            parts = urlsplit(self.path)
            env = {**os.environ, "GIT_PROJECT_ROOT": str(owner.root),
                   "GIT_HTTP_EXPORT_ALL": "1", "REQUEST_METHOD": self.command,
                   "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
                   "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                   "CONTENT_LENGTH": str(len(body)), "REMOTE_USER": "tester",
                   "REMOTE_ADDR": "127.0.0.1"}
            if self.headers.get("Content-Encoding"):
                env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
            if self.headers.get("Git-Protocol"):
                env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
            result = subprocess.run(["git", "http-backend"], input=body, env=env,
                                    capture_output=True, check=False)
            head, _, payload = result.stdout.partition(b"\r\n\r\n")
            if not _:
                head, _, payload = result.stdout.partition(b"\n\n")
            status = 200
            headers = []
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler
