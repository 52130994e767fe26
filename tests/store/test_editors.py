"""Editors' intents: enqueue, list, show, cancel, reschedule, retry, edit; sync helpers."""

from __future__ import annotations

import pytest

from bot.article import content_hash
from bot.errors import NotFoundError, StoreError
from bot.platforms.base import Ref
from bot.store import Store, parse_ident
from bot.threads import PostDraft
from tests.store.helpers import (
    IMAGES,
    MIN,
    NOW,
    article,
    bluesky_thread,
    claim,
    due_for,
    enqueue,
    reddit_threads,
)


def test_enqueue_plans_due_times_and_article_view(store: Store) -> None:
    threads = [bluesky_thread(0, 3), bluesky_thread(1, 2), *reddit_threads(2, 1)]
    aid = enqueue(store, threads, gap=60 * MIN, spacing=2 * MIN)
    posts = store.list_posts(platform="bluesky", limit=10)
    assert [p.due_at for p in posts] == [
        NOW,
        NOW + 2 * MIN,
        NOW + 4 * MIN,
        NOW + 60 * MIN,
        NOW + 62 * MIN,
    ]
    assert all(p.state == "queued" and p.attempts == 0 for p in posts)
    assert posts[0].draft == threads[0].posts[0] and posts[1].parent_post_id == posts[0].id
    view = store.get_article(aid)
    assert (view.title, view.url, view.slug) == ("Partners", "https://example.org/a", "partners")
    assert len(view.posts) == 8 and view.data["sections"][1]["anchor"] == "part-1"
    assert {(link["platform"], link["kind"]) for link in view.share_links} == {
        ("web", "page"),
        ("bluesky", "intent"),
        ("reddit", "submit"),
    }
    assert store.list_posts(limit=2, offset=1)[0].id == store.list_posts(limit=3)[1].id
    assert store.list_posts(article=aid + 1) == []
    assert store.find_article_by_hash(content_hash(article())) == aid
    assert store.find_article_by_source("posts/a.md") == aid
    with pytest.raises(NotFoundError):
        store.get_article(aid + 1)


def test_enqueue_is_one_transaction(store: Store) -> None:
    threads = [bluesky_thread(0, 2), *reddit_threads(1, 0)]
    with pytest.raises(StoreError, match="no due time"):
        store.enqueue(
            article(),
            source="a.md",
            threads=threads,
            due={("bluesky", 0): NOW},
            spacing=MIN,
            accounts={"bluesky": "b", "reddit": "r"},
            now=NOW,
        )
    assert store.list_posts() == [] and store.counts() == {}


def test_cancel_by_article_thread_and_post(store: Store) -> None:
    a1 = enqueue(store, [bluesky_thread(0, 2), bluesky_thread(1, 2)])
    a2 = enqueue(store, [bluesky_thread(0, 3)])
    posts = store.list_posts(article=a1, limit=10)
    assert store.cancel(f"p{posts[0].id}") == 1
    assert store.cancel(str(posts[1].id)) == 1
    assert store.cancel(f"t{posts[2].thread_id}") == 2
    assert store.cancel(f"t{posts[2].thread_id}") == 0
    (c,) = claim(store, article_id=a2)
    store.confirm(c.post_id, "d1", Ref("at://x", "c", "u"), NOW)
    assert store.cancel(f"A{a2}") == 2  # the published post stays
    assert store.counts() == {"cancelled": 6, "published": 1}
    for bad in ("x1", "a999", "t999", "999", ""):
        with pytest.raises(NotFoundError):
            store.cancel(bad)


def test_reschedule_keeps_spacing_and_retry_requeues(store: Store) -> None:
    aid = enqueue(store, [bluesky_thread(0, 3), bluesky_thread(1, 1)], spacing=5 * MIN)
    posts = store.list_posts(article=aid, limit=10)
    later = NOW + 24 * 60 * MIN
    assert store.reschedule(f"t{posts[0].thread_id}", later) == 3
    moved = [
        p.due_at
        for p in store.list_posts(article=aid, limit=10)
        if p.thread_id == posts[0].thread_id
    ]
    assert moved == [later, later + 5 * MIN, later + 10 * MIN]
    assert store.reschedule(f"a{aid}", NOW) == 4  # earliest (thread 1 at +60 min) moves to NOW
    assert store.next_due() == NOW
    (c,) = claim(store, NOW)
    store.fail(c.post_id, "d1", error="rejected", retry_at=None, now=NOW, review=True)
    assert store.retry(f"p{c.post_id}", NOW + MIN) == 1
    (again,) = claim(store, NOW + MIN)
    assert again.post_id == c.post_id and again.attempts == 1
    assert store.retry(f"a{aid}", NOW) == 0


def test_edit_post_until_published(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 2)])
    first, second = store.list_posts()
    store.edit_post(second.id, PostDraft("new text", embed=IMAGES))
    assert store.list_posts()[1].draft == PostDraft("new text", embed=IMAGES)
    (c,) = claim(store)
    with pytest.raises(StoreError, match="sending"):
        store.edit_post(first.id, PostDraft("x"))
    store.confirm(c.post_id, "d1", Ref("at://x", "c", "u"), NOW)
    with pytest.raises(StoreError, match="published"):
        store.edit_post(first.id, PostDraft("x"))
    with pytest.raises(NotFoundError):
        store.edit_post(9999, PostDraft("x"))
    view = store.get_post(second.id)
    assert view == store.list_posts()[1] and view.draft == PostDraft("new text", embed=IMAGES)
    assert store.get_post(first.id).state == "published" and store.get_post(first.id).url == "u"
    with pytest.raises(NotFoundError, match="no post 9999"):
        store.get_post(9999)


def test_taken_slots_and_replace_unpublished(store: Store) -> None:
    threads = [bluesky_thread(0, 2), bluesky_thread(1, 2), bluesky_thread(2, 2)]
    aid = enqueue(store, threads, gap=60 * MIN)
    assert store.taken_slots("b", "bluesky", NOW, NOW + 120 * MIN) == {NOW, NOW + 60 * MIN}
    assert store.taken_slots("r", "bluesky", NOW, NOW + 999 * MIN) == set()
    (c,) = claim(store)
    store.confirm(c.post_id, "d1", Ref("at://x", "c", "u"), NOW)
    changed = [bluesky_thread(0, 2, "new "), bluesky_thread(1, 3, "new ")]
    result = store.replace_unpublished(
        aid,
        article(title="Partners 2"),
        source="posts/a.md",
        threads=changed,
        due=due_for(changed, NOW + 600 * MIN, 60 * MIN),
        spacing=MIN,
        accounts={"bluesky": "b"},
        now=NOW,
    )
    assert result == {"kept_threads": 1, "replaced_threads": 2, "posts_added": 3}
    texts = [p.text for p in store.list_posts(article=aid, limit=20)]
    assert texts == [
        "s0 p0 https://example.org",
        "s0 p1",
        "new s1 p0 https://example.org",
        "new s1 p1",
        "new s1 p2",
    ]
    assert store.get_article(aid).title == "Partners 2"


def test_sessions_heartbeat_daemons_and_events(store: Store) -> None:
    assert store.load_session("bluesky", "b") is None
    store.save_session("bluesky", "b", "jwt1")
    store.save_session("bluesky", "b", "jwt2")
    assert store.load_session("bluesky", "b") == "jwt2"
    store.heartbeat("d1", NOW)
    store.heartbeat("d1", NOW + MIN)
    store.heartbeat("d2", NOW)
    assert store.daemons() == [
        {"owner": "d1", "heartbeat": NOW + MIN},
        {"owner": "d2", "heartbeat": NOW},
    ]
    store.event("claim", "claimed 3", post_id=None, now=NOW)
    assert store.events()[0]["message"] == "claimed 3"


def test_daemon_lock(store: Store) -> None:
    assert store.acquire_daemon_lock("d1", NOW, 2 * MIN)
    second = store.acquire_daemon_lock("d2", NOW + MIN, 2 * MIN)
    if store.dialect == "postgresql":
        assert second  # several daemons share the work
        return
    assert not second
    store.heartbeat("d1", NOW + 2 * MIN)
    assert not store.acquire_daemon_lock("d2", NOW + 3 * MIN, 2 * MIN)
    assert store.acquire_daemon_lock("d2", NOW + 5 * MIN, 2 * MIN)  # d1 went silent
    store.release_daemon_lock("d2")
    assert store.acquire_daemon_lock("d3", NOW + 5 * MIN, 2 * MIN)


def test_parse_ident() -> None:
    assert parse_ident("a12") == ("article", 12)
    assert parse_ident("T34") == ("thread", 34)
    assert parse_ident("p56") == ("post", 56) == parse_ident(" 56 ") == parse_ident(56)
