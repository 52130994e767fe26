"""The publisher with the real Reddit adapter (real PRAW) against the stand-in, with
create-then-502 and slow-reply faults and simulated crashes after a send: every post
of the seed article lands exactly once, chained to the right parent.

The store is the in-memory fake (the SQLite store's crash test lives in tests/daemon/);
a "crash" is a worker dying after the send returned, before confirm: its lease runs
out and the next claim reconciles."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
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
from tests.publish.fakes import FakeStore

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


def _drive(pub: Publisher, store: FakeStore, deadline: datetime) -> None:
    """Dispatch until every post is published or in review (bounded)."""
    pending: set[Future] = set()
    idle = threading.Event()
    while datetime.now(UTC) < deadline:
        pending |= set(pub.dispatch())
        states = set(store.states().values())
        if not pending and states <= {"published", "needs_review"}:
            return
        if pending:
            _, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        else:
            idle.wait(0.05)  # waiting for a lease or a backoff to run out
    raise AssertionError(f"not done by the deadline: {store.states()}")


def test_seed_article_lands_exactly_once_despite_faults_and_crashes(standin):
    article = read_source(str(SEED))
    threads = compile_article(article, "reddit")
    store = FakeStore()
    for article_id in (1, 2):  # two articles: two submissions, two comment chains
        store.add_threads("main", threads, due=datetime.now(UTC), article=article_id)
    real = RedditPlatform(_account(standin), _Sessions(), timeout=0.5)
    plat = CrashingPlatform(real, random.Random(5), rate=0.25)
    opts = PublishOptions(
        owner="t", concurrency=2, lease=timedelta(seconds=1), backoff_base=0.05,
        backoff_max=0.2, max_attempts=8, max_ambiguous=8,
    )  # fmt: skip
    pub = Publisher(store, lambda n, a: plat, {"reddit": ["main"]}, opts, rng=random.Random(2))
    try:
        _drive(pub, store, datetime.now(UTC) + timedelta(seconds=90))
    finally:
        pub.close()
    rows = list(store.rows.values())
    assert {r.state for r in rows} == {"published"}, [(r.id, r.state, r.error) for r in rows]
    things = standin.world.things
    assert len(things) == len(rows), "a post was duplicated or lost"
    for row in rows:
        data = things[row.ref.uri]
        body = data.get("selftext") if row.ref.uri.startswith("t3_") else data.get("body")
        assert body.count(f"(#sb-{row.key})") == 1 and row.draft.text in body
        if row.parent is not None:
            assert data["parent_id"] == store.rows[row.parent].ref.uri
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
