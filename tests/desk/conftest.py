"""Desk route tests: the real Starlette app over a real SQLite store, driven by
Starlette's TestClient; a settable clock for idle timeouts and plans."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.app import App
from bot.config import BlueskyAccount, RedditAccount, Secret, from_mapping
from bot.desk.server import create_app
from bot.store import open_store

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "seed" / "china-russia-partnership.txt"
START = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # a Tuesday, 08:00 in Berlin (CET)
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> Iterator[App]:
    """An App over a fresh SQLite store: one Bluesky and one Reddit account configured,
    an editor "ed" and a contributor "cora"."""
    settings = from_mapping({
        "timezone": "Europe/Berlin", "slots": ["Daily 09:00", "Daily 13:00", "Daily 17:00"],
        "every": "next slot", "data_dir": str(tmp_path / "data"),
        "store_url": f"sqlite:///{tmp_path}/desk.db",
    })  # fmt: skip
    settings = replace(
        settings,
        bluesky=(BlueskyAccount("desk", "desk.test", Secret("pw")),),
        reddit=(RedditAccount("news", "id", "ua", subreddits=("sharebot_test",)),),
    )
    opened = App(settings, open_store(settings.store_url), clock=clock)
    opened.add_user("ed", "editor", PASSWORD)
    opened.add_user("cora", "contributor", PASSWORD)
    yield opened
    opened.close()


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    """An anonymous browser (redirects are not followed, so tests see them)."""
    with TestClient(create_app(app), follow_redirects=False) as http:
        yield http


def csrf_of(html: str) -> str:
    """The first CSRF token in a page."""
    found = _CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> None:
    """Log in through the form (asserts it worked)."""
    token = csrf_of(client.get("/login").text)
    done = client.post("/login", data={"name": name, "password": password, "csrf": token})
    assert done.status_code == 303, done.text


def post(client: TestClient, url: str, data: dict[str, str] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    """POST with the session's CSRF token (read from the queue page)."""
    token = csrf_of(client.get("/").text)
    return client.post(url, data={"csrf": token, **(data or {})}, **kw)  # type: ignore[arg-type]


@pytest.fixture
def editor(client: TestClient) -> TestClient:
    login(client, "ed")
    return client


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")
