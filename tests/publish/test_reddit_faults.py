"""The publisher with the real Reddit adapter (real PRAW) against the stand-in, with
create-then-502 and slow-reply faults and simulated crashes after a send: every post
of the seed article lands exactly once, chained to the right parent.

The store is the real SQLite store; a "crash" is a worker dying after the send returned,
before confirm: its lease runs out and the next claim reconciles (processes SIGKILLed
there: tests/daemon/test_crash.py and tests/contract/)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.compile import compile_article
from bot.config import RedditAccount, Secret
from bot.platforms.base import Outgoing, Ref
from bot.platforms.reddit import RedditPlatform
from bot.publish import Publisher, PublishOptions
from bot.readers import read_source
from bot.sandbox.reddit.standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    RedditStandin,
    start_standin,
)
from bot.store import open_store

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "china-russia-partnership.txt"


class Crash(BaseException):
    """A worker dying between send and confirm (the publisher does not catch it)."""


class CrashingPlatform:
    """Delegates to the real adapter; after some sends returns, the worker 'dies'."""

    def __init__(self, real: RedditPlatform, rng: random.Random, rate: float) -> None:
        self.real, self.rng, self.rate = real, rng, rate
        self.name, self.limits = real.name, real.limits
        self.crashes = 0

    def prepare(self, draft, key, now):
        return self.real.prepare(draft, key, now)

    def send(self, post: Outgoing) -> Ref:
        ref = self.real.send(post)
        if self.rng.random() < self.rate:
            self.crashes += 1
            raise Crash
        return ref

    def reconcile(self, post: Outgoing) -> Ref | None:
        return self.real.reconcile(post)

    def close(self) -> None:
        self.real.close()


@pytest.fixture
def standin() -> Iterator[RedditStandin]:
    with start_standin(
        create_then_502={"every": 5}, slow_reply={"every": 7}, server_error={"every": 11}
    ) as server:
        yield server


def _account(standin: RedditStandin) -> RedditAccount:
    return RedditAccount(
        name="main", client_id=CLIENT_ID, client_secret=Secret(CLIENT_SECRET),
        user_agent="sharebot-tests/0.1", username=USERNAME, password=Secret(PASSWORD),
        oauth_url=standin.url, reddit_url=standin.url, subreddits=("sharebot_test",),
    )  # fmt: skip


def test_seed_article_lands_exactly_once_despite_faults_and_crashes(
    standin: RedditStandin, tmp_path: Path
) -> None:
    from tests.publish.test_rate_limits import _drive_store

    article = read_source(str(SEED))
    threads = compile_article(article, "reddit")
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    now = datetime.now(UTC)
    for n in range(2):  # two articles: two submissions, two comment chains
        store.enqueue(
            article, source=f"{SEED}#{n}", threads=threads,
            due={("reddit", i): now for i in range(len(threads))}, spacing=timedelta(0),
            accounts={"reddit": "main"}, subreddit="sharebot_test", now=now,
        )  # fmt: skip
    # The stand-in's listings show a write at once (no lag armed): a 1-s listing lag keeps
    # this real-time test from waiting a minute after each send that never landed.
    real = RedditPlatform(
        _account(standin), _Sessions(), timeout=0.5, listing_lag=timedelta(seconds=1)
    )
    plat = CrashingPlatform(real, random.Random(5), rate=0.25)
    opts = PublishOptions(
        owner="t", concurrency=2, lease=timedelta(seconds=1), backoff_base=0.05,
        backoff_max=0.2, max_attempts=8, max_ambiguous=8,
    )  # fmt: skip
    pub = Publisher(store, lambda n, a: plat, {"reddit": ["main"]}, opts, rng=random.Random(2))
    try:
        _drive_store(pub, store, datetime.now(UTC) + timedelta(seconds=90))
    finally:
        pub.close()
    posts = {p.id: p for p in store.list_posts(limit=1000)}
    store.close()
    assert {p.state for p in posts.values()} == {"published"}, [
        (p.id, p.state, p.error) for p in posts.values()
    ]
    things = standin.world.things
    assert len(things) == len(posts), "a post was duplicated or lost"
    for post in posts.values():
        assert post.uri is not None
        data = things[post.uri]
        body = data.get("selftext") if post.uri.startswith("t3_") else data.get("body")
        assert body.count("(#sb-") == 1 and post.text in body
        if post.parent_post_id is not None:
            assert data["parent_id"] == posts[post.parent_post_id].uri
    assert plat.crashes >= 3
    assert sum(f.fired for f in standin.faults.values()) >= 3


class _Sessions:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], str] = {}

    def load_session(self, platform: str, account: str) -> str | None:
        return self.saved.get((platform, account))

    def save_session(self, platform: str, account: str, session: str) -> None:
        self.saved[(platform, account)] = session

    def block_account(self, platform, account, until, reason) -> None:
        pass
