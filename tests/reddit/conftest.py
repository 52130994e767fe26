"""Fixtures: a fresh Reddit stand-in per test, an account pointing at it, and a guard
that fails any test in which prawcore (or praw) would sleep."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from bot.config import RedditAccount, Secret
from bot.platforms.reddit import RedditPlatform
from bot.sandbox.reddit.standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    RedditStandin,
    start_standin,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class MemorySessions:
    """A SessionCache fake: records blocks."""

    sessions: dict[tuple[str, str], str] = field(default_factory=dict)
    blocks: list[tuple[str, str, datetime | None, str]] = field(default_factory=list)

    def load_session(self, platform: str, account: str) -> str | None:
        return self.sessions.get((platform, account))

    def save_session(self, platform: str, account: str, session: str) -> None:
        self.sessions[(platform, account)] = session

    def block_account(
        self, platform: str, account: str, until: datetime | None, reason: str
    ) -> None:
        self.blocks.append((platform, account, until, reason))


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """prawcore's rate-limit and retry sleeps must never run in these tests."""
    import time

    import praw.reddit
    import prawcore.rate_limit
    import prawcore.sessions

    def refuse(seconds: float) -> None:
        raise AssertionError(f"prawcore/praw tried to sleep {seconds:.2f}s")

    fake = SimpleNamespace(
        sleep=refuse,
        monotonic=time.monotonic,
        monotonic_ns=time.monotonic_ns,
        time=time.time,
    )
    for module in (prawcore.sessions, prawcore.rate_limit, praw.reddit):
        if hasattr(module, "time"):
            monkeypatch.setattr(module, "time", fake)


@pytest.fixture
def standin() -> Iterator[RedditStandin]:
    with start_standin() as server:
        yield server


def make_account(standin: RedditStandin, **overrides: Any) -> RedditAccount:
    values: dict[str, Any] = {
        "name": "main",
        "client_id": CLIENT_ID,
        "client_secret": Secret(CLIENT_SECRET),
        "user_agent": "sharebot-tests/0.1 (by u/sharebot_test)",
        "username": USERNAME,
        "password": Secret(PASSWORD),
        "oauth_url": standin.url,
        "reddit_url": standin.url,
        "subreddits": ("sharebot_test",),
    }
    values.update(overrides)
    return RedditAccount(**values)


@pytest.fixture
def sessions() -> MemorySessions:
    return MemorySessions()


@pytest.fixture
def platform(standin: RedditStandin, sessions: MemorySessions) -> Iterator[RedditPlatform]:
    adapter = RedditPlatform(make_account(standin), sessions, clock=lambda: NOW, timeout=5.0)
    yield adapter
    adapter.close()
