"""Retraction in the store: what to delete (last reply first), cancelling the unsent, recording
each deletion once; migration 10 from the previous head. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from bot.errors import ConfigError, StoreError
from bot.platforms.base import Ref
from bot.store import Store, open_store
from bot.store.engine import make_engine
from bot.store.schema import MIGRATIONS, migrate
from tests.store.helpers import MIN, NOW, bluesky_thread, claim, enqueue, reddit_threads


def publish_all(store: Store, start: datetime = NOW + 600 * MIN) -> list[int]:
    """Claim and confirm until nothing is due; the post ids in publication order."""
    order: list[int] = []
    when = start
    while claims := claim(store, when):
        for c in claims:
            when += MIN
            store.confirm(
                c.post_id, "d1", Ref(f"at://p/{c.post_id}", "c", f"https://u/{c.post_id}"), when
            )
            order.append(c.post_id)
    return order


def test_targets_delete_every_reply_before_its_parent(store: Store) -> None:
    aid = enqueue(store, [bluesky_thread(0, 3), bluesky_thread(1, 2), *reddit_threads(2, 2)])
    order = publish_all(store)
    targets = store.retraction_targets(f"a{aid}")
    assert [p.id for p in targets] == order[::-1]
    position = {p.id: n for n, p in enumerate(targets)}
    for post in targets:
        if post.parent_post_id is not None:
            assert position[post.id] < position[post.parent_post_id]
    reddit = store.retraction_targets(f"a{aid}", "reddit")
    assert {p.platform for p in reddit} == {"reddit"}
    assert [p.id for p in reddit] == [i for i in order[::-1] if i in {p.id for p in reddit}]
    thread = targets[0].thread_id
    assert {p.thread_id for p in store.retraction_targets(f"t{thread}")} == {thread}


def test_mark_retracted_records_the_time_once(store: Store) -> None:
    aid = enqueue(store, [bluesky_thread(0, 2)])
    first, second = publish_all(store)
    assert store.mark_retracted(second, NOW + 900 * MIN)
    assert not store.mark_retracted(second, NOW + 901 * MIN)  # idempotent
    post = store.get_post(second)
    assert (post.state, post.retracted_at) == ("retracted", NOW + 900 * MIN)
    assert [p.id for p in store.retraction_targets(f"a{aid}")] == [first]
    assert store.post_states(f"a{aid}") == {"published": 1, "retracted": 1}
    kinds = [(e["kind"], e["post_id"]) for e in store.events()]
    assert kinds.count(("retracted", second)) == 1
    links = [x["url"] for x in store.get_article(aid).share_links if x["kind"] == "post"]
    assert links == [f"https://u/{first}"]  # a retracted post is no longer linked


def test_unsent_posts_are_cancelled_and_a_sending_one_blocks(store: Store) -> None:
    aid = enqueue(store, [bluesky_thread(0, 2), *reddit_threads(1, 1)])
    (sub,) = claim(store, NOW + 600 * MIN, platforms=["reddit"])
    with pytest.raises(StoreError, match=f"post {sub.post_id} is being sent"):
        store.retraction_targets(f"a{aid}")
    assert store.retraction_targets(f"a{aid}", "bluesky") == []
    assert store.cancel_unsent(f"a{aid}", "bluesky", NOW) == 2
    assert store.post_states(f"a{aid}") == {"cancelled": 2, "queued": 1, "sending": 1}
    with pytest.raises(ConfigError, match=r"article .* or a thread"):
        store.retraction_targets(f"p{sub.post_id}")


def test_migration_10_adds_retracted_at_to_a_previous_head_store(store_url: str) -> None:
    engine = make_engine(store_url)
    with engine.begin() as conn:
        assert migrate(conn, MIGRATIONS[:9]) == list(range(1, 10))
        # the posts table as the previous head made it, without the new column
        conn.execute(text("ALTER TABLE posts DROP COLUMN retracted_at"))
    old = Store(engine)
    aid = enqueue(old, [bluesky_thread(0, 1)])  # an insert naming only the old columns
    with old.write() as conn:  # published as the previous head recorded it
        conn.execute(
            text("UPDATE posts SET state = 'published', uri = 'at://x', url = 'https://u', "
                 "published_at = 1 WHERE article_id = :a"),
            {"a": aid},
        )  # fmt: skip
        (pid,) = conn.execute(text("SELECT id FROM posts WHERE article_id = :a"), {"a": aid}).one()
    old.close()

    store = open_store(store_url)
    (post,) = store.retraction_targets(f"a{aid}")
    assert (post.id, post.url, post.retracted_at) == (pid, "https://u", None)
    assert store.mark_retracted(post.id, NOW + 700 * MIN)
    assert store.get_post(post.id).retracted_at == NOW + 700 * MIN
    store.close()
