"""`publish` (a Publisher restricted to one article) while a daemon runs on the same
SQLite store (the real one, each side with its own Store): they share the claims, so no
post is sent twice and every post is sent."""

from __future__ import annotations

import random
import threading

from bot.daemon import Daemon
from bot.platforms.base import Outgoing
from bot.publish import Publisher, PublishOptions
from bot.store import Store, open_store
from bot.threads import PostDraft, ThreadDraft
from tests.daemon.realstore import enqueue_threads, rows
from tests.publish.fakes import FakePlatform


def _queue(store: Store) -> list[int]:
    """Three articles on account a and three on b, one thread of 6 each; their ids."""
    articles = []
    for article in (1, 2, 3):
        for account in ("a", "b"):
            drafts = tuple(PostDraft(f"{article}{account}{i}") for i in range(6))
            thread = ThreadDraft("bluesky", 0, drafts)
            ids = enqueue_threads(store, f"{article}{account}", [thread], {"bluesky": account})
            articles.append(rows(store)[ids[0] - 1]["article"])
    return articles


def test_publish_and_daemon_never_send_one_post_twice(tmp_path):
    url = f"sqlite:///{tmp_path / 'beside.db'}"
    store, other = open_store(url), open_store(url)
    first = _queue(store)[0]
    server: dict[str, list[str]] = {}
    plats = {acct: FakePlatform("bluesky", acct, server) for acct in ("a", "b")}
    gate = threading.Barrier(2, timeout=5)

    def meet(post: Outgoing) -> None:  # make both sides hold posts at the same moment once
        if post.post_id == 1:
            gate.wait()

    plats["a"].on_send = meet

    def make(on: Store, owner: str) -> Publisher:
        options = PublishOptions(owner=owner, concurrency=2)
        accounts = {"bluesky": ["a", "b"]}
        return Publisher(on, lambda n, a: plats[a], accounts, options, rng=random.Random(1))

    daemon = Daemon(store, make(store, "daemon"), tick=30)
    runner = threading.Thread(target=daemon.run)
    runner.start()
    one_off = make(other, "publish")
    try:
        gate.wait()
        outcomes = one_off.run_until_idle(article_id=first)
        done = threading.Event()
        for _ in range(500):  # bounded wait for the daemon to finish the rest
            if {r["state"] for r in rows(store)} == {"published"}:
                break
            done.wait(0.02)
    finally:
        daemon.request_stop()
        runner.join(10)
        one_off.close()
    found = rows(store)
    store.close()
    other.close()
    assert {r["state"] for r in found} == {"published"}
    assert all(len(texts) == 1 for texts in server.values()), "a post was sent twice"
    assert len(server) == len(found) == 36
    assert all(o.state == "published" for o in outcomes)
    by_id = {r["id"]: r for r in found}
    assert {by_id[o.post_id]["article"] for o in outcomes} <= {first}
