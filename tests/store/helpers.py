"""Articles, threads and callbacks shared by the store tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.article import Article, Paragraph, Section
from bot.store import Store
from bot.threads import Facet, ImageRef, ImagesEmbed, LinkCard, PostDraft, ThreadDraft

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def article(title: str = "Partners", sections: int = 2) -> Article:
    """A small article with ``sections`` sections."""
    secs = tuple(
        Section(f"Part {i}", 2, (f"Part {i}",), f"part-{i}", (Paragraph(f"text {i}"),))
        for i in range(sections)
    )
    return Article(title, "https://example.org/a", "en", ("news",), None, None, secs)


def bluesky_thread(section: int, n: int, tag: str = "") -> ThreadDraft:
    """A Bluesky thread of ``n`` posts; the first carries a facet and a link card."""
    first = PostDraft(
        f"{tag}s{section} p0 https://example.org",
        facets=(Facet(8, 27, "link", "https://example.org"),),
        embed=LinkCard("https://example.org/a#p", "T", "D"),
        langs=("en",),
    )
    rest = tuple(PostDraft(f"{tag}s{section} p{i}") for i in range(1, n))
    return ThreadDraft("bluesky", section, (first, *rest))


def reddit_threads(sections: int, comments: int) -> list[ThreadDraft]:
    """Reddit: a submission thread, then comment chains that continue it."""
    sub = PostDraft("body", kind="submission", title="Partners")
    out = [
        ThreadDraft(
            "reddit", 0, (sub, *[PostDraft(f"c0.{i}", kind="comment") for i in range(comments)])
        )
    ]
    for s in range(1, sections):
        chain = tuple(PostDraft(f"c{s}.{i}", kind="comment") for i in range(comments))
        out.append(ThreadDraft("reddit", s, chain, continues=True))
    return out


def due_for(threads: Sequence[ThreadDraft], first: datetime, gap: timedelta) -> dict[Any, datetime]:
    """Each platform's threads start ``gap`` apart from ``first``."""
    seen: dict[str, int] = {}
    due = {}
    for i, t in enumerate(threads):
        n = seen.get(t.platform, 0)
        due[(t.platform, i)] = first + n * gap
        seen[t.platform] = n + 1
    return due


def enqueue(
    store: Store,
    threads: Sequence[ThreadDraft],
    *,
    first: datetime = NOW,
    gap: timedelta = 60 * MIN,
    spacing: timedelta = MIN,
    source: str = "posts/a.md",
    art: Article | None = None,
) -> int:
    """Queue ``threads`` on accounts "b" (Bluesky) and "r" (Reddit)."""
    return store.enqueue(
        art or article(sections=max(t.section for t in threads) + 1),
        source=source,
        threads=threads,
        due=due_for(threads, first, gap),
        spacing=spacing,
        accounts={"bluesky": "b", "reddit": "r"},
        subreddit="news",
        flair="Politics",
        now=NOW,
    )


class Preparer:
    """A prepare callback that counts its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, platform: str, draft: PostDraft, key: str, now: datetime) -> dict[str, Any]:
        self.calls.append((platform, key))
        return {"rkey": f"r{key}", "createdAt": now.isoformat(), "n": len(self.calls)}


def claim(
    store: Store,
    now: datetime = NOW,
    *,
    owner: str = "d1",
    limit: int = 50,
    lease: timedelta = 2 * MIN,
    prepare: Preparer | None = None,
    **kw: Any,
) -> list[Any]:
    """claim_due with test defaults."""
    return store.claim_due(
        now, limit=limit, owner=owner, lease=lease, prepare=prepare or Preparer(), **kw
    )


IMAGES = ImagesEmbed((ImageRef("img/a.png", "alt a"), ImageRef("https://x.org/b.jpg", "")))
