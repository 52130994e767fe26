"""Share links: UTM-tagged article links, share intents, post web URLs (pure).

``share_links`` gives, for the article and for each section, a dict::

    {"url": <plain link, the "copy link">, "copy": <same>,
     "bluesky": <link with utm_source=bluesky>, "reddit": <link with utm_source=reddit>,
     "bluesky_intent": "https://bsky.app/intent/compose?text=…",
     "reddit_submit": "https://www.reddit.com/submit?url=…&title=…"}

UTM: utm_source=bluesky|reddit, utm_medium=social, utm_campaign=<article slug>,
utm_content=<section anchor> (none for the article itself). With ``utm=False``
the platform links are the plain link. An article without a URL has no links
(None), but still a compose intent and a submit link carrying the title.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import regex

from bot.article import Article, Section
from bot.compile.reddit import cut_title
from bot.compile.urls import article_slug, section_url, slugify, tracked_url, utm_url
from bot.richtext import cut_graphemes, graphemes
from bot.threads import BLUESKY_LIMITS, REDDIT_LIMITS

__all__ = [
    "article_slug",
    "bluesky_intent",
    "bluesky_post_url",
    "reddit_submit",
    "share_link_lines",
    "share_links",
    "slugify",
    "utm_url",
]

BLUESKY_INTENT = "https://bsky.app/intent/compose"
REDDIT_SUBMIT = "https://www.reddit.com/submit"
_AT_POST = regex.compile(r"\Aat://([^/]+)/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]+)\Z")


def bluesky_post_url(handle: str, uri: str) -> str:
    """``https://bsky.app/profile/<handle>/post/<rkey>`` for an ``at://…/app.bsky.feed.post/<rkey>``."""
    match = _AT_POST.match(uri)
    if match is None:
        raise ValueError(f"not an app.bsky.feed.post at:// URI: {uri!r}")
    return f"https://bsky.app/profile/{handle or match.group(1)}/post/{match.group(2)}"


def bluesky_intent(title: str, url: str | None) -> str:
    """A Bluesky compose link whose text (title + URL) fits the post grapheme limit."""
    limit = BLUESKY_LIMITS.max_graphemes or 300
    tail = f"\n\n{url}" if url else ""
    text = cut_graphemes(title, max(limit - graphemes(tail), 1)) + tail
    return f"{BLUESKY_INTENT}?{urlencode({'text': text}, quote_via=quote)}"


def reddit_submit(title: str, url: str | None) -> str:
    """A Reddit submit link (title cut to Reddit's title limit)."""
    params = {"url": url} if url else {"selftext": "true"}
    params["title"] = cut_title(title, REDDIT_LIMITS.max_title_chars or 300)
    return f"{REDDIT_SUBMIT}?{urlencode(params, quote_via=quote)}"


def _entry(article: Article, section: Section | None, utm: bool) -> dict[str, Any]:
    anchor = section.anchor if section else ""
    title = article.title
    if section is not None and section.heading:
        title = f"{section.heading} — {article.title}"
    plain = section_url(article, anchor)
    bluesky = tracked_url(article, anchor, "bluesky", utm=utm)
    reddit = tracked_url(article, anchor, "reddit", utm=utm)
    return {
        "url": plain,
        "copy": plain,
        "bluesky": bluesky,
        "reddit": reddit,
        "bluesky_intent": bluesky_intent(title, bluesky),
        "reddit_submit": reddit_submit(title, reddit),
    }


def share_links(article: Article, *, utm: bool = True) -> dict[str, Any]:
    """Share links for the article and for each section (see the module docstring)."""
    return {
        "campaign": article_slug(article),
        "article": _entry(article, None, utm),
        "sections": [
            {"section": i, "anchor": s.anchor, "heading": s.heading, **_entry(article, s, utm)}
            for i, s in enumerate(article.sections)
        ],
    }


def share_link_lines(links: dict[str, Any], limit: int | None = None) -> list[str]:
    """Readable share links, one URL a line: the article's, then each headed section's."""
    sections = [s for s in links["sections"] if s.get("heading")]
    entries = [("article", links["article"])] + [(s["heading"], s) for s in sections[:limit]]
    lines: list[str] = []
    for label, entry in entries:
        lines.append(f"  {label}")
        if entry.get("url"):
            lines.append(f"    Link:    {entry['url']}")
        lines.append(f"    Bluesky: {entry['bluesky_intent']}")
        lines.append(f"    Reddit:  {entry['reddit_submit']}")
    if limit is not None and len(sections) > limit:
        lines.append(f"  … and {len(sections) - limit} more sections")
    return lines
