"""Fixtures for the Bluesky tests: accounts, platforms, a page server, and the plain PDS with
rate limits. ``pds`` is the session's test network (tests/readback.py): every post a test
writes there is read back through its AppView after the test."""

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from bot.config import BlueskyAccount, Secret
from bot.fetch import FetchPolicy
from bot.platforms.bluesky import BlueskyPlatform
from bot.sandbox.pds import PdsServer, start_pds
from tests.readback import pages

_names = itertools.count(1)


@dataclass
class MemorySessions:
    """An in-memory SessionCache that records what the adapter asked of it."""

    sessions: dict[tuple[str, str], str] = field(default_factory=dict)
    blocks: list[tuple[str, str, datetime | None, str]] = field(default_factory=list)
    saves: int = 0

    def load_session(self, platform: str, account: str) -> str | None:
        return self.sessions.get((platform, account))

    def save_session(self, platform: str, account: str, session: str) -> None:
        self.saves += 1
        self.sessions[(platform, account)] = session

    def block_account(
        self, platform: str, account: str, until: datetime | None, reason: str
    ) -> None:
        self.blocks.append((platform, account, until, reason))


@dataclass(frozen=True)
class PdsAccount:
    did: str
    handle: str
    password: str

    def config(self, service: str, *, password: str | None = None) -> BlueskyAccount:
        return BlueskyAccount(
            name=self.handle,
            handle=self.handle,
            password=Secret(password or self.password),
            service=service,
        )


@pytest.fixture(scope="session")
def plain_pds() -> Iterator[PdsServer]:
    """The plain reference PDS launcher (the demo's), for the tests of that launcher itself;
    the Bluesky tests publish to the test networks (tests/conftest.py)."""
    with start_pds() as server:
        yield server


def new_account(server: PdsServer) -> PdsAccount:
    return PdsAccount(*server.create_account(f"user{next(_names):03d}"))


@pytest.fixture
def account(pds: PdsServer) -> PdsAccount:
    return new_account(pds)


@pytest.fixture
def make_platform(
    tmp_path: Path,
) -> Iterator[Callable[..., BlueskyPlatform]]:
    made: list[BlueskyPlatform] = []

    def make(
        config: BlueskyAccount, sessions: MemorySessions | None = None, **kwargs: Any
    ) -> BlueskyPlatform:
        kwargs.setdefault("fetch_policy", FetchPolicy(timeout=10, allow_private=True))
        kwargs.setdefault("base_dir", tmp_path)
        platform = BlueskyPlatform(config, sessions or MemorySessions(), **kwargs)
        made.append(platform)
        return platform

    yield make
    for platform in made:
        platform.close()


class PageServer:
    """Serves ``routes`` (path -> (content type, body)) on 127.0.0.1 and counts hits."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.hits: list[str] = []
        routes, hits = self.routes, self.hits

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                hits.append(path)
                kind, body = routes.get(path, ("text/plain", b""))
                self.send_response(200 if path in routes else 404)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def web() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.close()


def png_bytes(size: tuple[int, int], color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def xrpc_get(server: PdsServer, nsid: str, params: Mapping[str, str]) -> dict[str, Any]:
    """An unauthenticated read straight from the PDS (not through the adapter)."""
    response = httpx.get(f"{server.url}/xrpc/{nsid}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def get_record(server: PdsServer, uri: str) -> dict[str, Any]:
    did, collection, rkey = uri.removeprefix("at://").split("/")
    return xrpc_get(
        server, "com.atproto.repo.getRecord", {"repo": did, "collection": collection, "rkey": rkey}
    )


def list_records(server: PdsServer, did: str) -> list[dict[str, Any]]:
    """Every app.bsky.feed.post record of ``did`` on the PDS, page after page."""
    params = {"repo": did, "collection": "app.bsky.feed.post", "limit": 100}
    return list(pages(server.url, "com.atproto.repo.listRecords", params, "records"))
