"""Stats in the store: which posts are due after their publication, snapshots, each post's
next round, the two newest snapshots per post; migration 11 from the previous head."""

from __future__ import annotations

from sqlalchemy import inspect

from bot.platforms.base import Engagement, Ref
from bot.store import Store, open_store
from bot.store.engine import make_engine
from bot.store.schema import MIGRATIONS, migrate
from tests.store.helpers import MIN, NOW, bluesky_thread, claim, enqueue, reddit_threads

HOUR = 60 * MIN


def publish_all(store: Store) -> list[int]:
    order: list[int] = []
    while claims := claim(store, NOW + 600 * MIN):
        for c in claims:
            store.confirm(c.post_id, "d1", Ref(f"at://p/{c.post_id}", "c", "https://u"), NOW)
            order.append(c.post_id)
    return order


def test_due_after_the_first_interval_then_as_scheduled(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 2), *reddit_threads(1, 1)])
    ids = publish_all(store)
    assert store.stats_due(NOW + 59 * MIN, HOUR, 100) == []
    due = store.stats_due(NOW + HOUR, HOUR, 100)
    assert sorted(t.post_id for t in due) == sorted(ids)
    assert {t.round for t in due} == {0} and due[0].published_at == NOW
    assert len(store.stats_due(NOW + HOUR, HOUR, 3)) == 3  # the limit holds

    first, second, *rest = ids
    store.record_stats(
        {first: Engagement(likes=2, reposts=1, replies=0, quotes=0)},
        [(first, 1, NOW + 6 * HOUR), (second, 1, NOW + 6 * HOUR)],  # second: a failed fetch
        NOW + HOUR,
    )
    assert sorted(t.post_id for t in store.stats_due(NOW + HOUR, HOUR, 100)) == sorted(rest)
    later = store.stats_due(NOW + 6 * HOUR, HOUR, 100)
    assert {(t.post_id, t.round) for t in later} >= {(first, 1), (second, 1)}
    store.record_stats({first: Engagement(likes=5)}, [(first, 2, None)], NOW + 6 * HOUR)
    assert first not in {t.post_id for t in store.stats_due(NOW + 900 * HOUR, HOUR, 100)}

    rows = store.newest_snapshots()
    assert [(r.post_id, r.newest, r.counts.likes) for r in rows] == [(first, 1, 5), (first, 2, 2)]
    assert rows[0].platform == "bluesky" and rows[0].section == 0
    assert rows[0].heading == "Part 0" and rows[0].fetched_at == NOW + 6 * HOUR


def test_retracted_posts_are_no_longer_due(store: Store) -> None:
    aid = enqueue(store, [bluesky_thread(0, 1)])
    (only,) = publish_all(store)
    store.mark_retracted(only, NOW)
    assert store.stats_due(NOW + 2 * HOUR, HOUR, 10) == []
    assert store.newest_snapshots(aid) == []


def test_migration_11_from_the_previous_head(store_url: str) -> None:
    engine = make_engine(store_url)
    with engine.begin() as conn:
        assert migrate(conn, MIGRATIONS[:10]) == list(range(1, 11))
    assert "stats_snapshots" not in inspect(engine).get_table_names()
    old = Store(engine)
    enqueue(old, [bluesky_thread(0, 1)])
    (post,) = publish_all(old)
    old.close()
    store = open_store(store_url)
    (target,) = store.stats_due(NOW + HOUR, HOUR, 10)
    assert target.post_id == post
    store.record_stats({post: Engagement(score=3, comments=1, upvote_ratio=0.5)},
                       [(post, 1, None)], NOW + HOUR)  # fmt: skip
    (row,) = store.newest_snapshots()
    assert (row.counts.score, row.counts.comments, row.counts.upvote_ratio) == (3, 1, 0.5)
    store.close()
