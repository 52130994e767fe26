"""`publish` (a Publisher restricted to one article) while a daemon runs on the same
store: they share the claims, so no post is sent twice and every post is sent."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

from bot.daemon import Daemon
from bot.platforms.base import Outgoing
from bot.publish import Publisher, PublishOptions
from tests.publish.fakes import FakePlatform, FakeStore


def test_publish_and_daemon_never_send_one_post_twice():
    store = FakeStore()
    server: dict[str, list[str]] = {}
    now = datetime.now(UTC)
    for article in (1, 2, 3):
        for account in ("a", "b"):
            store.add_thread("bluesky", account, [f"{article}{account}{i}" for i in range(6)],
                             due=now, article=article)  # fmt: skip
    plats = {acct: FakePlatform("bluesky", acct, server) for acct in ("a", "b")}
    gate = threading.Barrier(2, timeout=5)

    def meet(post: Outgoing) -> None:  # make both sides hold posts at the same moment once
        if post.post_id == 1:
            gate.wait()

    plats["a"].on_send = meet

    def make(owner: str) -> Publisher:
        options = PublishOptions(owner=owner, concurrency=2)
        accounts = {"bluesky": ["a", "b"]}
        return Publisher(store, lambda n, a: plats[a], accounts, options, rng=random.Random(1))

    daemon = Daemon(store, make("daemon"), tick=30)
    runner = threading.Thread(target=daemon.run)
    runner.start()
    one_off = make("publish")
    try:
        gate.wait()
        outcomes = one_off.run_until_idle(article_id=1)
        done = threading.Event()
        for _ in range(500):  # bounded wait for the daemon to finish the rest
            if set(store.states().values()) == {"published"}:
                break
            done.wait(0.02)
    finally:
        daemon.request_stop()
        runner.join(10)
        one_off.close()
    assert set(store.states().values()) == {"published"}
    assert all(len(texts) == 1 for texts in server.values()), "a post was sent twice"
    assert len(server) == len(store.rows)
    assert all(o.state == "published" for o in outcomes)
    assert {store.rows[o.post_id].article_id for o in outcomes} <= {1}
