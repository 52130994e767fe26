"""The adapter's LeanSession sends what requests would send and reads answers as requests
would, through a real local HTTP(S) server that records every request it gets."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3.exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.platforms.base import Outgoing
from bot.platforms.reddit import RedditPlatform
from bot.platforms.reddit_http import LeanSession
from bot.platforms.reddit_transport import _refused, http_session
from bot.sandbox.postgres import free_port
from bot.sandbox.reddit.standin import RedditStandin
from bot.threads import PostDraft
from tests.reddit.test_errors import submission

ANSWER = {"json": {"errors": [], "data": {"things": [{"data": {"name": "t1_ab"}}]}}}


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[dict[str, Any]] = []
        self.gzip = False
        self.cookie = False
        self.delay = threading.Event()  # set: answer nothing until released
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Recorder
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": sorted((k.lower(), v) for k, v in self.headers.items()),
                "body": body,
            }
        )
        if self.server.delay.is_set():
            self.server.release.wait(10)
        data = json.dumps(ANSWER).encode()
        self.send_response(201, "Created Here")
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("x-ratelimit-remaining", "99.0")
        if self.server.cookie:
            self.send_header("Set-Cookie", "loid=abc; Domain=127.0.0.1; Path=/")
        if self.server.gzip:
            data = gzip.compress(data)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer


@pytest.fixture
def server() -> Iterator[Recorder]:
    srv = Recorder()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """URLs that went through requests' own Session.send (not the short way)."""
    calls: list[str] = []
    original = requests.Session.send

    def counting(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        calls.append(request.url)
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", counting)
    return calls


def plain() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def lean() -> LeanSession:
    session = LeanSession()
    session.trust_env = False
    return session


# The shapes of prawcore's calls (prawcore.sessions.Session._make_request): method, path,
# form data as sorted pairs, the query, headers with the bearer token, no redirects.
CALLS: list[dict[str, Any]] = [
    {"method": "post", "path": "/api/comment/", "params": {"raw_json": 1},
     "data": [("api_type", "json"), ("text", "Füße & spaces\nnew line"), ("thing_id", "t3_x")]},
    {"method": "get", "path": "/user/me/comments", "params": {"limit": 100, "raw_json": 1}},
    {"method": "post", "path": "/api/submit/", "params": {"raw_json": 1},
     "json": {"title": "T", "nested": [1, "ü"]}},
    {"method": "post", "path": "/api/del/", "params": {}, "data": []},
    {"method": "patch", "path": "/api/v1/me/prefs", "params": None, "data": "raw text body"},
    {"method": "delete", "path": "/api/x/y%20z/", "params": {"a": ["1", "2"]}},
]  # fmt: skip


@pytest.mark.parametrize("call", CALLS, ids=[f"{c['method']} {c['path']}" for c in CALLS])
def test_sends_what_requests_sends(
    server: Recorder, sends: list[str], call: dict[str, Any]
) -> None:
    headers = {"Authorization": "bearer tok", "raw_json": "1", "Accept": None}
    kwargs = {k: v for k, v in call.items() if k in ("params", "data", "json")}
    answers = []
    for session in (plain(), lean()):
        session.headers["User-Agent"] = "sharebot-test prawcore/4.0.0"
        answers.append(
            session.request(
                call["method"], server.url + call["path"], headers=headers, timeout=5,
                allow_redirects=False, **kwargs,
            )
        )  # fmt: skip
    assert len(sends) == 1  # requests' own send for the plain session only
    expected, got = server.seen
    assert got == expected
    assert ("accept", "*/*") not in got["headers"]  # a None header drops the session's
    for attr in ("status_code", "reason", "url", "encoding", "text", "content"):
        assert getattr(answers[1], attr) == getattr(answers[0], attr), attr
    assert answers[1].json() == ANSWER
    assert dict(answers[1].headers) == dict(answers[0].headers)
    assert answers[1].headers["X-RATELIMIT-REMAINING"] == "99.0"


def test_gzip_answers_are_decoded(server: Recorder, sends: list[str]) -> None:
    server.gzip = True
    answer = lean().request("get", server.url + "/api/v1/me", allow_redirects=False, timeout=5)
    assert not sends and answer.json() == ANSWER
    assert ("accept-encoding", requests.utils.DEFAULT_ACCEPT_ENCODING) in server.seen[0]["headers"]


def test_calls_it_does_not_handle_go_through_requests(
    server: Recorder, sends: list[str], tmp_path: Path
) -> None:
    session = lean()
    url = server.url + "/api/v1/access_token"
    session.request("post", url, auth=("id", "secret"), data=[("grant_type", "password")])
    assert ("authorization", "Basic aWQ6c2VjcmV0") in server.seen[-1]["headers"]
    upload = tmp_path / "image.png"
    upload.write_bytes(b"\x89PNG data")
    with upload.open("rb") as handle:
        session.post(server.url + "/upload", data={"key": "k"}, files={"file": handle})
    assert b"\x89PNG data" in server.seen[-1]["body"]
    session.request("get", server.url + "/r/x/about", allow_redirects=True)  # praw's default
    session.request("get", server.url + "/search?q=1", allow_redirects=False)
    session.request("post", server.url + "/stream", data=io.BytesIO(b"streamed"),
                    headers={"Content-Length": "8"}, allow_redirects=False)  # fmt: skip
    assert server.seen[-1]["body"] == b"streamed"
    assert len(sends) == 5
    environment_read = LeanSession()  # trust_env: requests reads the environment per call
    environment_read.request("get", server.url + "/api/v1/me", allow_redirects=False)
    assert len(sends) == 6
    proxied = lean()  # a proxy from the environment (http_session sets it): via requests
    proxied.proxies["http"] = server.url
    proxied.request("get", "http://reddit.invalid/api/v1/me", allow_redirects=False)
    assert len(sends) == 7 and server.seen[-1]["path"] == "http://reddit.invalid/api/v1/me"


def test_a_closed_session_opens_its_pools_again(server: Recorder, sends: list[str]) -> None:
    session = lean()
    url = server.url + "/api/v1/me"
    assert session.request("get", url, allow_redirects=False).json() == ANSWER
    session.close()
    assert session.request("get", url, allow_redirects=False).json() == ANSWER
    assert not sends and len(server.seen) == 2


def test_no_cookie_is_kept_or_sent(server: Recorder, sends: list[str]) -> None:
    server.cookie = True
    session = lean()
    session.request("post", server.url + "/token", auth=("id", "s"), data=[("a", "b")])
    session.request("get", server.url + "/api/v1/me", allow_redirects=False)
    session.request("get", server.url + "/api/v1/me", allow_redirects=False)
    assert len(session.cookies) == 0
    assert all(name != "cookie" for seen in server.seen for name, _ in seen["headers"])
    assert len(sends) == 1


def test_failures_are_classified_like_requests_ones(server: Recorder) -> None:
    session = lean()
    with pytest.raises(urllib3.exceptions.NewConnectionError) as refused:
        session.request("post", f"http://127.0.0.1:{free_port()}/api/comment/",
                        data=[("a", "b")], allow_redirects=False, timeout=2)  # fmt: skip
    assert _refused(refused.value)  # never sent: safe to send again
    server.delay.set()
    with pytest.raises(urllib3.exceptions.ReadTimeoutError) as timed_out:
        session.request("post", server.url + "/api/comment/", data=[("a", "b")],
                        allow_redirects=False, timeout=0.2)  # fmt: skip
    assert not _refused(timed_out.value)  # it may have landed
    assert server.seen and server.seen[-1]["body"] == b"a=b"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    here = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(here, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_tls_is_verified_as_requests_verifies(
    server: Recorder, sends: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    url = f"https://127.0.0.1:{server.server_address[1]}/api/v1/me"
    with pytest.raises(urllib3.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        lean().request("get", url, allow_redirects=False, timeout=5)  # default: verified
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    trusting = http_session((url, url))  # the adapter's session, the bundle read once
    assert isinstance(trusting, LeanSession)
    answer = trusting.request("get", url, allow_redirects=False, timeout=5)
    assert answer.json() == ANSWER and not sends


def test_the_adapter_sends_its_api_calls_the_short_way(
    standin: RedditStandin, platform: RedditPlatform, sends: list[str]
) -> None:
    """Against the stand-in: only the token request goes through requests' own send."""
    root = platform.send(submission())
    assert [url.split("/")[-1] for url in sends] == ["access_token"]
    reply = Outgoing(post_id=2, key="c", account="main", parent=root,
                     draft=PostDraft(text="a comment", kind="comment"))  # fmt: skip
    ref = platform.send(reply)
    assert platform.reconcile(reply) == ref
    assert len(sends) == 1 and standin.counters["POST /api/comment"] == 1
    assert isinstance(platform._http, LeanSession)
