"""The publisher with the real Bluesky adapter against the reference PDS behind the
fault proxy (500 after the write, connection dropped after the write) and simulated
crashes after a send: every post of the seed article is in the repo exactly once,
each reply pointing at the right parent and root."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.compile import compile_article
from bot.config import BlueskyAccount, Secret
from bot.fetch import FetchPolicy
from bot.platforms.base import Outgoing, Ref
from bot.platforms.bluesky import BlueskyPlatform
from bot.publish import Publisher, PublishOptions
from bot.readers import read_source
from bot.store import open_store
from tests.bluesky.conftest import list_records
from tests.publish.test_rate_limits import _drive_store
from tests.publish.test_reddit_faults import Crash, _Sessions
from tests.servers.proxy import FaultProxy

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "china-russia-partnership.txt"


class FaultyPlatform:
    """The real adapter; some sends meet a proxy fault, some workers die after a send."""

    def __init__(self, real: BlueskyPlatform, proxy: FaultProxy, rng: random.Random) -> None:
        self.real, self.proxy, self.rng = real, proxy, rng
        self.name, self.limits = real.name, real.limits
        self.crashes = self.faults = 0

    def prepare(self, draft, key, now):
        return self.real.prepare(draft, key, now)

    def send(self, post: Outgoing) -> Ref:
        roll = self.rng.random()
        if roll < 0.3:
            self.faults += 1
            self.proxy.inject("createRecord", "500-after" if roll < 0.15 else "drop-after")
        ref = self.real.send(post)
        if self.rng.random() < 0.2:
            self.crashes += 1
            raise Crash
        return ref

    def reconcile(self, post: Outgoing) -> Ref | None:
        return self.real.reconcile(post)

    def close(self) -> None:
        self.real.close()


def test_seed_article_lands_exactly_once_on_the_pds(pds, tmp_path: Path):
    did, handle, password = pds.create_account("pubfaults")
    article = read_source(str(SEED))
    threads = compile_article(article, "bluesky")
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    now = datetime.now(UTC)
    store.enqueue(
        article, source=str(SEED), threads=threads,
        due={("bluesky", i): now for i in range(len(threads))}, spacing=timedelta(0),
        accounts={"bluesky": "main"}, now=now,
    )  # fmt: skip
    with FaultProxy(pds.url) as proxy:
        config = BlueskyAccount("main", handle, Secret(password), service=proxy.url)
        real = BlueskyPlatform(
            config, _Sessions(), fetch_policy=FetchPolicy(timeout=5, allow_private=True),
            timeout=2.0,
        )  # fmt: skip
        plat = FaultyPlatform(real, proxy, random.Random(11))
        opts = PublishOptions(
            owner="t", concurrency=2, lease=timedelta(seconds=1), backoff_base=0.05,
            backoff_max=0.2, max_attempts=8, max_ambiguous=8,
        )  # fmt: skip
        pub = Publisher(store, lambda n, a: plat, {"bluesky": ["main"]}, opts)
        try:
            _drive_store(pub, store, datetime.now(UTC) + timedelta(seconds=120))
        finally:
            pub.close()
    posts = {p.id: p for p in store.list_posts(limit=1000)}
    store.close()
    assert {p.state for p in posts.values()} == {"published"}, [
        (p.id, p.state, p.error) for p in posts.values()
    ]
    records = {r["uri"]: r["value"] for r in list_records(pds, did)}
    assert len(records) == len(posts), "a post was duplicated or lost"
    for post in posts.values():
        assert post.uri is not None
        value = records[post.uri]
        assert value["text"] == post.text
        if post.parent_post_id is not None:
            assert value["reply"]["parent"]["uri"] == posts[post.parent_post_id].uri
    assert plat.crashes >= 2 and plat.faults >= 2
