"""Evergreen re-shares quote the section readers engaged with most (engagement stats in
the real store); before any engagement the sections take turns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.evergreen import best_section, reshare_due
from bot.config import from_mapping
from bot.platforms.base import Engagement, Ref
from bot.store import open_store
from bot.threads import PostDraft, QuoteEmbed, ThreadDraft
from tests.daemon.realstore import enqueue_threads


def test_the_best_section_is_quoted(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/green.db")
    threads = [ThreadDraft("bluesky", i, (PostDraft(f"root {i}"),)) for i in range(2)]
    ids = enqueue_threads(store, "green", threads, {"bluesky": "b"})
    now = datetime.now(UTC)
    claims = store.claim_due(now + timedelta(seconds=1), limit=5, owner="t",
                             lease=timedelta(minutes=1), prepare=lambda *a: {})  # fmt: skip
    for c in claims:
        store.confirm(c.post_id, "t", Ref(f"at://did:plc:x/app.bsky.feed.post/{c.post_id}",
                                          f"cid{c.post_id}", "https://u"), now)  # fmt: skip
    article_id = store.get_post(ids[0]).article_id
    assert best_section(store, article_id) is None  # no engagement yet
    liked = {ids[0]: Engagement(likes=1, reposts=0, replies=0, quotes=0),
             ids[1]: Engagement(likes=4, reposts=2, replies=1, quotes=0)}  # fmt: skip
    store.record_stats(liked, [(pid, 1, None) for pid in ids], now)
    assert best_section(store, article_id) == 1
    store.set_evergreen(article_id, timedelta(days=30), 3, now - timedelta(seconds=1))
    settings = from_mapping({"timezone": "UTC", "slots": ["Daily 09:00"]})
    assert reshare_due(store, settings, now) == [article_id]
    (quote,) = [p for p in store.get_article(article_id).posts
                if isinstance(p.draft.embed, QuoteEmbed)]  # fmt: skip
    assert quote.draft.embed == QuoteEmbed(f"at://did:plc:x/app.bsky.feed.post/{ids[1]}",
                                           f"cid{ids[1]}")  # fmt: skip
    assert quote.text == "Worth another read: Part 1"  # the section's heading, not the title
    store.close()
