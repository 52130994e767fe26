"""Fixtures for the reader tests: data paths and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "corpus"
SEED = DATA / "seed" / "china-russia-partnership.txt"
GOLDEN = Path(__file__).resolve().parent / "golden"


@dataclass
class Route:
    """One canned answer: status, headers, body; ``hold`` makes the handler wait."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    hold: bool = False
    send_length: bool = True
    drip: float = 0.0  # seconds between single bytes of the body: a slow server


@dataclass
class PageServer:
    """A local HTTP server whose routes the test fills in."""

    base: str
    routes: dict[str, Route]
    release: threading.Event
    hits: list[str]

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.base + path


def _handler(server: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.hits.append(self.path)
            route = server.routes.get(self.path, Route(404, {"content-type": "text/plain"}, b"no"))
            if route.hold:
                server.release.wait(timeout=30)
                return
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.send_length and "content-length" not in {k.lower() for k in route.headers}:
                self.send_header("content-length", str(len(route.body)))
            self.end_headers()
            # the client gives up on a too-large body, as it should
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                if not route.drip:
                    self.wfile.write(route.body)
                for byte in route.body if route.drip else b"":
                    if server.release.wait(timeout=route.drip):
                        return  # the test is over
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    """A ThreadingHTTPServer on a free 127.0.0.1 port, stopped after the test."""
    state = PageServer("", {}, threading.Event(), [])
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], str]:
    """Write a file under tmp_path and return its path as a string."""

    def _write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return str(path)

    return _write
