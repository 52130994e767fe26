"""Rate limits with the real Reddit adapter and the stand-in answering RATELIMIT and 429:
the adapter blocks the account (or the account in one subreddit), the real store's claim
skips it until the reset, nothing is lost, and the requests stay bounded (no storm)."""

from __future__ import annotations

import random
import threading
from concurrent.futures import FIRST_COMPLETED, Future, wait
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.compile import compile_article
from bot.errors import RateLimitedError
from bot.platforms.base import Outgoing, Ref
from bot.platforms.reddit import RedditPlatform
from bot.publish import Publisher, PublishOptions
from bot.readers import read_source
from bot.sandbox.reddit.standin import start_standin
from bot.store import Store, open_store
from bot.threads import PostDraft, ThreadDraft
from tests.publish.test_reddit_faults import SEED, _account


class Recording:
    """The real adapter, recording each send's start and each rate limit's reset."""

    def __init__(self, real: RedditPlatform) -> None:
        self.real, self.name, self.limits = real, real.name, real.limits
        self.log: list[tuple[str, datetime, datetime | None]] = []
        self.lock = threading.Lock()

    def prepare(self, draft, key, now):
        return self.real.prepare(draft, key, now)

    def send(self, post: Outgoing) -> Ref:
        with self.lock:
            self.log.append(("send", datetime.now(UTC), None))
        try:
            return self.real.send(post)
        except RateLimitedError as exc:
            with self.lock:
                self.log.append(("limited", datetime.now(UTC), exc.until))
            raise

    def reconcile(self, post: Outgoing) -> Ref | None:
        return self.real.reconcile(post)

    def close(self) -> None:
        self.real.close()


def _drive_store(pub: Publisher, store: Store, deadline: datetime) -> None:
    """Dispatch until every post of the real store is published or in review (bounded)."""
    pending: set[Future[Any]] = set()
    idle = threading.Event()
    while datetime.now(UTC) < deadline:
        pending |= set(pub.dispatch())
        if not pending and set(store.counts()) <= {"published", "needs_review"}:
            return
        if pending:
            _, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        else:
            idle.wait(0.05)  # waiting for a block or a backoff to run out
    raise AssertionError(f"not done by the deadline: {store.counts()}")


def test_posts_wait_for_the_reset_and_nothing_is_lost(tmp_path: Path) -> None:
    faults = {
        "ratelimit": {"every": 3, "times": 2, "n": 1, "unit": "seconds"},
        "too_many_requests": {"every": 7, "times": 2, "retry_after": 1},
    }
    with start_standin(**faults) as standin:
        store = open_store(f"sqlite:///{tmp_path}/s.db")
        threads = compile_article(read_source(str(SEED)), "reddit")
        now = datetime.now(UTC)
        store.enqueue(
            read_source(str(SEED)), source=str(SEED), threads=threads,
            due={("reddit", i): now for i in range(len(threads))}, spacing=timedelta(0),
            accounts={"reddit": "main"}, subreddit="sharebot_test", now=now,
        )  # fmt: skip
        real = RedditPlatform(_account(standin), store, timeout=2.0)
        plat = Recording(real)
        opts = PublishOptions(owner="t", concurrency=2, lease=timedelta(seconds=5))
        pub = Publisher(store, lambda n, a: plat, {"reddit": ["main"]}, opts, rng=random.Random(1))
        try:
            _drive_store(pub, store, datetime.now(UTC) + timedelta(seconds=60))
        finally:
            pub.close()
        posts = store.list_posts(limit=1000)
        store.close()
        assert {p.state for p in posts} == {"published"}
        assert standin.count("t3") + standin.count("t1") == len(posts)
        limited = [(at, until) for kind, at, until in plat.log if kind == "limited"]
        assert len(limited) >= 3
        for at, until in limited:
            later = [t for kind, t, _ in plat.log if kind == "send" and t > at]
            assert later and min(later) >= until - timedelta(milliseconds=5)
        requests = sum(standin.counters.values())
        assert requests <= 4 * len(posts) + 20, standin.counters


def test_bluesky_429_blocks_until_ratelimit_reset(pds, tmp_path: Path):
    import time

    from bot.config import BlueskyAccount, Secret
    from bot.platforms.bluesky import BlueskyPlatform
    from tests.servers.proxy import FaultProxy

    _, handle, password = pds.create_account("ratelimited")
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    now = datetime.now(UTC)
    drafts = tuple(PostDraft(text=f"post {i}") for i in range(6))
    article = read_source(str(SEED))
    store.enqueue(
        article, source=str(SEED), threads=[ThreadDraft("bluesky", 0, drafts)],
        due={("bluesky", 0): now}, spacing=timedelta(0), accounts={"bluesky": "b"}, now=now,
    )  # fmt: skip
    with FaultProxy(pds.url) as proxy:
        real = BlueskyPlatform(BlueskyAccount("b", handle, Secret(password), proxy.url), store)
        plat = Recording(real)
        for _ in range(2):
            reset = str(int(time.time()) + 2)
            headers = {"ratelimit-limit": "5000", "ratelimit-remaining": "0",
                       "ratelimit-reset": reset}  # fmt: skip
            proxy.inject("createRecord", "429", headers)
        opts = PublishOptions(owner="t", concurrency=2, lease=timedelta(seconds=5))
        pub = Publisher(store, lambda n, a: plat, {"bluesky": ["b"]}, opts)
        try:
            _drive_store(pub, store, datetime.now(UTC) + timedelta(seconds=60))
        finally:
            pub.close()
        writes = proxy.count("createRecord")
    states = [p.state for p in sorted(store.list_posts(limit=100), key=lambda p: p.seq)]
    store.close()
    assert states == ["published"] * 6
    limited = [(at, until) for kind, at, until in plat.log if kind == "limited"]
    assert len(limited) == 2
    for at, until in limited:
        later = [t for kind, t, _ in plat.log if kind == "send" and t > at]
        assert min(later) >= until - timedelta(milliseconds=5)
    assert writes == 6 + 2  # each post written once, plus the two refused attempts
