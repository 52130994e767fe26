"""Queue articles into the real store (bot.store) and read back what the daemons did,
for the daemon process tests (crash, scale-out)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.article import Article, Paragraph, Section
from bot.store import Store
from bot.store.schema import posts
from bot.threads import PostDraft, ThreadDraft

SUBREDDIT = "sharebot_test"


def _article(tag: str, sections: int) -> Article:
    secs = tuple(
        Section(f"Part {i}", 2, (f"Part {i}",), f"part-{i}", (Paragraph(f"{tag} text {i}"),))
        for i in range(sections)
    )
    return Article(f"Article {tag}", f"https://example.org/{tag}", "en", (), None, None, secs)


def enqueue_article(store: Store, tag: str, *, bsky: int, reddit: int, sections: int = 2) -> int:
    """One article: ``sections`` Bluesky threads of ``bsky`` posts and a Reddit submission
    with ``reddit - 1`` comments, then comment chains of ``reddit`` that continue it."""
    threads: list[ThreadDraft] = []
    for s in range(sections):
        drafts = tuple(
            PostDraft(f"{tag} bluesky s{s} post {i}: the quick fox") for i in range(bsky)
        )
        threads.append(ThreadDraft("bluesky", s, drafts))
    sub = PostDraft(f"{tag} submission body", kind="submission", title=f"Article {tag}")
    comments = [
        PostDraft(f"{tag} reddit s0 comment {i}", kind="comment") for i in range(reddit - 1)
    ]
    threads.append(ThreadDraft("reddit", 0, (sub, *comments)))
    for s in range(1, sections):
        chain = tuple(
            PostDraft(f"{tag} reddit s{s} comment {i}", kind="comment") for i in range(reddit)
        )
        threads.append(ThreadDraft("reddit", s, chain, continues=True))
    now = datetime.now(UTC)
    return store.enqueue(
        _article(tag, sections),
        source=f"posts/{tag}.md",
        threads=threads,
        due={(t.platform, i): now for i, t in enumerate(threads)},
        spacing=timedelta(0),
        accounts={"bluesky": "b", "reddit": "r"},
        subreddit=SUBREDDIT,
        now=now,
    )


def enqueue_threads(
    store: Store, tag: str, threads: list[ThreadDraft], accounts: dict[str, str]
) -> list[int]:
    """Queue ``threads`` (all due now, no spacing) as one article; the new post ids."""
    before = {r["id"] for r in rows(store)}
    now = datetime.now(UTC)
    store.enqueue(
        _article(tag, max(t.section for t in threads) + 1),
        source=f"posts/{tag}.md",
        threads=threads,
        due={(t.platform, i): now for i, t in enumerate(threads)},
        spacing=timedelta(0),
        accounts=accounts,
        subreddit=SUBREDDIT,
        now=now,
    )
    return [r["id"] for r in rows(store) if r["id"] not in before]


def rows(store: Store) -> list[dict[str, Any]]:
    """Every post: id, platform, state, uri, parent (post id), key, text."""
    with store.read() as conn:
        found = conn.execute(select(posts).order_by(posts.c.id)).mappings().all()
    return [
        {
            "id": r["id"],
            "article": r["article_id"],
            "platform": r["platform"],
            "state": r["state"],
            "uri": r["uri"],
            "error": r["last_error"] or "",
            "parent": r["parent_post_id"],
            "key": r["idem_key"],
            "text": json.loads(r["draft"])["text"],
        }
        for r in found
    ]


def unpublished(store: Store) -> int:
    """How many posts are not published yet."""
    return sum(1 for r in rows(store) if r["state"] != "published")
