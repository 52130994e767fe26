"""A small HTTP proxy on 127.0.0.1 with switchable faults, for exactly-once tests.

    with FaultProxy("http://localhost:PORT") as proxy:
        proxy.inject("createRecord", "500-after")   # forward, then answer 500
        ...
        proxy.count("createSession")

Faults (each consumed by the next matching request):
``500-after`` forwards the request, then answers 500; ``drop-after`` forwards it,
then closes the connection without an answer; ``drop`` closes it without
forwarding; ``429`` answers 429 with ``headers`` (ratelimit-*, retry-after)
without forwarding.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Fault:
    match: str
    kind: str
    headers: Mapping[str, str] = field(default_factory=dict)


class FaultProxy:
    """Forwards everything to ``upstream`` except requests matched by an injected fault."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.paths: list[str] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def inject(self, match: str, kind: str, headers: Mapping[str, str] | None = None) -> None:
        """Apply ``kind`` to the next request whose path contains ``match``."""
        with self._lock:
            self._faults.append(Fault(match, kind, dict(headers or {})))

    def count(self, match: str) -> int:
        """How many requests whose path contains ``match`` reached the proxy."""
        with self._lock:
            return sum(match in path for path in self.paths)

    def _take(self, path: str) -> Fault | None:
        with self._lock:
            self.paths.append(path)
            for fault in self._faults:
                if fault.match in path:
                    self._faults.remove(fault)
                    return fault
        return None

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for conn in self._open:  # keep-alive connections too: the proxy is really gone
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(10)


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            with proxy._lock:
                proxy._open.add(self.connection)

        def finish(self) -> None:
            with proxy._lock:
                proxy._open.discard(self.connection)
            super().finish()

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            fault = proxy._take(self.path)
            kind = fault.kind if fault else ""
            if kind == "drop":
                self.close_connection = True
                return
            if kind == "429":
                message = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
                self._answer(429, fault.headers if fault else {}, json.dumps(message).encode())
                return
            status, headers, payload = self._forward(body)
            if kind == "drop-after":
                self.close_connection = True
                return
            if kind == "500-after":
                message = {"error": "InternalServerError", "message": "Internal Server Error"}
                self._answer(500, {}, json.dumps(message).encode())
                return
            self._answer(status, headers, payload)

        def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
            conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
                return response.status, dict(response.getheaders()), response.read()
            finally:
                conn.close()

        def _answer(self, status: int, headers: Mapping[str, str], payload: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            if not any(k.lower() == "content-type" for k in headers):
                self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler
