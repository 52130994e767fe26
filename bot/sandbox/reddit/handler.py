"""HTTP plumbing of the Reddit stand-in: parse, route, answer in Reddit's envelopes."""

from __future__ import annotations

import base64
import json
import select
import socket
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.reddit.faults import TOO_MANY_REQUESTS_PAGE, ratelimit_message

if TYPE_CHECKING:
    from bot.sandbox.reddit.standin import RedditStandin


class Reply(Exception):
    """Raised by a route to answer at once: status, JSON (or raw text) body, headers."""

    def __init__(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        raw: str | None = None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.raw = raw


def api_errors(*errors: list[str]) -> Reply:
    """Reddit's api_type=json error envelope: HTTP 200 with ``json.errors``."""
    return Reply(200, {"json": {"errors": [list(e) for e in errors]}})


NOT_FOUND = Reply(404, {"message": "Not Found", "error": 404})


class Handler(BaseHTTPRequestHandler):
    """One request; the server's ``standin`` holds the state and the routes."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server_version = "snooserv"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        standin: RedditStandin = self.server.standin  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        try:
            standin.dispatch(self, method, path, query, form)
        except Reply as reply:
            self.answer(reply)
        except (BrokenPipeError, ConnectionResetError):
            return

    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("Authorization", "")
        if not value.lower().startswith("basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password

    def bearer(self) -> str | None:
        value = self.headers.get("Authorization", "")
        return value[7:] if value.lower().startswith("bearer ") else None

    def answer(self, reply: Reply, *, close: bool = False) -> None:
        if reply.raw is not None:
            payload = reply.raw.encode()
            ctype = "text/html; charset=UTF-8"
        elif reply.body is None:
            payload = b""
            ctype = "application/json; charset=UTF-8"
        else:
            payload = json.dumps(reply.body).encode()
            ctype = "application/json; charset=UTF-8"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def wait_for_hangup(self, limit: float) -> bool:
        """Block until the client closes its end (it timed out) or ``limit`` seconds pass."""
        sock = self.connection
        readable, _, _ = select.select([sock], [], [], limit)
        if not readable:
            return False
        try:
            return bool(sock.recv(1, socket.MSG_PEEK) == b"")
        except OSError:
            return True


def pre_faults(standin: RedditStandin, method: str, route: str) -> None:
    """Faults that answer instead of the endpoint (nothing is written)."""
    faults = standin.faults
    if "unauthorized_once" in faults and faults["unauthorized_once"].take(method, route):
        standin.revoke_tokens()
        raise Reply(
            401,
            {"message": "Unauthorized", "error": 401},
            {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
        )
    if "too_many_requests" in faults and faults["too_many_requests"].take(method, route):
        n = int(faults["too_many_requests"].params.get("retry_after", 4))
        raise Reply(429, headers={"retry-after": str(n)}, raw=TOO_MANY_REQUESTS_PAGE.format(n=n))
    if "server_error" in faults and faults["server_error"].take(method, route):
        raise Reply(int(faults["server_error"].params.get("status", 500)))
    if "ratelimit" in faults and faults["ratelimit"].take(method, route):
        raise api_errors(["RATELIMIT", ratelimit_message(faults["ratelimit"].params), "ratelimit"])
    if "api_error" in faults and faults["api_error"].take(method, route):
        p = faults["api_error"].params
        raise api_errors([p["code"], p.get("message", p["code"].lower()), p.get("field", "")])


def post_faults(standin: RedditStandin, handler: Handler, method: str, route: str) -> None:
    """Faults that strike after the write happened: the client cannot know it did."""
    faults = standin.faults
    if "create_then_502" in faults and faults["create_then_502"].take(method, route):
        raise Reply(502)
    if "slow_reply" in faults and faults["slow_reply"].take(method, route):
        handler.wait_for_hangup(float(faults["slow_reply"].params.get("max_wait", 5.0)))
