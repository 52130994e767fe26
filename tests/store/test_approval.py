"""Approval and undo on both backends: awaiting_approval is never claimed, approve and
restore queue posts again (a due time that passed becomes now), the queue views page
through each state's index."""

from __future__ import annotations

import pytest

from bot.errors import StoreError
from bot.store import Store
from bot.threads import STATES
from tests.store.helpers import MIN, NOW, article, bluesky_thread, claim, reddit_threads


def held(store: Store) -> int:
    threads = [bluesky_thread(0, 3), *reddit_threads(1, 1)]
    return store.enqueue(
        article(sections=2), source="posts/held.md", threads=threads,
        due={("bluesky", 0): NOW, ("reddit", 1): NOW + MIN}, spacing=MIN,
        accounts={"bluesky": "b", "reddit": "r"}, subreddit="news", now=NOW,
        state="awaiting_approval",
    )  # fmt: skip


def test_awaiting_approval_is_never_claimed_until_approved(store: Store) -> None:
    assert "awaiting_approval" in STATES
    aid = held(store)
    assert claim(store, NOW + 600 * MIN) == []
    assert store.make_due(aid, NOW) == 0  # `publish a12` does not bypass approval
    assert store.approve(f"a{aid}", NOW + 30 * MIN) == 5
    posts = store.get_article(aid).posts
    assert {p.state for p in posts} == {"queued"}
    assert all(p.due_at >= NOW + 30 * MIN for p in posts)  # waited past its time: due now
    assert [c.post_id for c in claim(store, NOW + 30 * MIN)] != []
    assert store.approve(f"a{aid}", NOW) == 0


def test_restore_undoes_a_cancel_of_never_sent_posts(store: Store) -> None:
    aid = held(store)
    store.approve(f"a{aid}", NOW)
    assert store.cancel(f"a{aid}", NOW) == 5
    assert store.restore(f"a{aid}", NOW + 90 * MIN) == 5
    assert {p.state for p in store.get_article(aid).posts} == {"queued"}
    (sent,) = [c for c in claim(store, NOW + 90 * MIN) if c.platform == "bluesky"]
    store.fail(sent.post_id, "d1", error="boom", retry_at=NOW + 99 * MIN, now=NOW)
    store.cancel(f"p{sent.post_id}", NOW)
    with pytest.raises(StoreError, match="tried before"):
        store.restore(f"p{sent.post_id}", NOW)


def test_queue_pages_follow_due_order_across_states(store: Store) -> None:
    aid = held(store)
    store.approve(f"t{store.get_article(aid).posts[0].thread_id}", NOW)
    states = ("awaiting_approval", "queued")
    first = store.list_posts(states=states, limit=2)
    rest = store.list_posts(states=states, limit=10, offset=2)
    every = sorted(store.get_article(aid).posts, key=lambda p: (p.due_at, p.id))
    assert [p.id for p in first + rest] == [p.id for p in every]
    newest = store.list_posts(states=states, limit=2, newest_first=True)
    assert [p.id for p in newest] == [p.id for p in every[::-1][:2]]
    assert [p.platform for p in store.list_posts(states=states, platform="reddit")] == [
        "reddit", "reddit"]  # fmt: skip
    assert store.list_posts(states=states, account="nobody") == []
