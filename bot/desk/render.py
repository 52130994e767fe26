"""What the desk's templates show, computed from drafts and plans (no HTML strings here
except the Reddit Markdown, rendered with raw HTML disabled and unsafe links refused)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from bot.app import Plan
from bot.richtext import graphemes, utf8_len
from bot.threads import LIMITS, ImagesEmbed, LinkCard, PostDraft

# CommonMark without raw HTML; markdown-it refuses javascript:, vbscript:, file: and data:
# links (validateLink), so an article cannot smuggle a script through its Markdown.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})


@dataclass(frozen=True)
class Segment:
    """A run of post text; ``kind`` is link / tag / mention for a facet, else None."""

    text: str
    kind: str | None = None
    value: str = ""


@dataclass(frozen=True)
class Card:
    """One post as the platform shows it."""

    platform: str
    kind: str
    title: str | None
    segments: tuple[Segment, ...]
    html: Markup | None  # Reddit: the body rendered from its Markdown
    count: int  # graphemes (Bluesky) or characters (Reddit)
    limit: int
    link_card: LinkCard | None
    images: tuple[str, ...]  # alt texts
    link_url: str | None

    @property
    def over(self) -> bool:
        """True when the text is over the platform's limit."""
        return self.count > self.limit


def segments(draft: PostDraft) -> tuple[Segment, ...]:
    """The text cut at its facets (UTF-8 byte offsets) into plain and highlighted runs."""
    data = draft.text.encode()
    out: list[Segment] = []
    at = 0
    for facet in sorted(draft.facets, key=lambda f: f.byte_start):
        if facet.byte_start < at or facet.byte_end > len(data):
            continue  # overlapping or out of range: show the text plain
        if facet.byte_start > at:
            out.append(Segment(data[at : facet.byte_start].decode(errors="replace")))
        piece = data[facet.byte_start : facet.byte_end].decode(errors="replace")
        out.append(Segment(piece, facet.kind, facet.value))
        at = facet.byte_end
    if at < len(data):
        out.append(Segment(data[at:].decode(errors="replace")))
    return tuple(out)


def limit_of(platform: str, kind: str) -> int:
    """The length limit of a post's text (graphemes on Bluesky, characters on Reddit)."""
    limits = LIMITS[platform]
    if platform == "bluesky":
        return limits.max_graphemes or 300
    return (limits.max_body_chars if kind == "submission" else limits.max_chars) or 10_000


def card(platform: str, draft: PostDraft) -> Card:
    """``draft`` as the preview and the fix page show it."""
    bluesky = platform == "bluesky"
    embed = draft.embed
    return Card(
        platform=platform,
        kind=draft.kind,
        title=draft.title,
        segments=segments(draft) if bluesky else (),
        html=None if bluesky else Markup(_MARKDOWN.render(draft.text)),
        count=graphemes(draft.text) if bluesky else len(draft.text),
        limit=limit_of(platform, draft.kind),
        link_card=embed if isinstance(embed, LinkCard) else None,
        images=tuple(i.alt for i in embed.images) if isinstance(embed, ImagesEmbed) else (),
        link_url=draft.link_url,
    )


def byte_size(text: str) -> int:
    """UTF-8 size of a text (Bluesky's second limit)."""
    return utf8_len(text)


@dataclass(frozen=True)
class PreviewThread:
    """One planned thread: its section heading, due time and cards."""

    platform: str
    section: int
    heading: str
    due: datetime
    cards: tuple[Card, ...]


def preview(plan: Plan) -> dict[str, Any]:
    """The plan per platform, each thread with its section heading and cards."""
    sections = plan.article.sections
    by_platform: dict[str, list[PreviewThread]] = {}
    for i, thread in enumerate(plan.threads):
        heading = sections[thread.section].heading if thread.section < len(sections) else None
        cards = tuple(card(thread.platform, d) for d in thread.posts)
        due = plan.due[(thread.platform, i)]
        shown = PreviewThread(thread.platform, thread.section, heading or "(introduction)", due,
                              cards)  # fmt: skip
        by_platform.setdefault(thread.platform, []).append(shown)
    return {
        "title": plan.article.title,
        "sections": len(sections),
        "posts": plan.posts,
        "platforms": by_platform,
        "subreddit": plan.subreddit,
        "flair": plan.flair,
        "state": plan.state,
    }


def local(moment: datetime | None, tz: tzinfo, fmt: str = "%a %d %b %Y %H:%M") -> str:
    """A time in the configured zone with its abbreviation (``Tue 01 Dec 2026 09:00 CET``)."""
    if moment is None:
        return "-"
    shown = moment.astimezone(tz)
    return f"{shown.strftime(fmt)} {shown.tzname()}"


def group_by_day(items: Sequence[Any], tz: tzinfo) -> list[tuple[str, list[Any]]]:
    """Items with a ``due_at`` grouped under their local day (in the given order)."""
    days: dict[str, list[Any]] = {}
    for item in items:
        shown = item.due_at.astimezone(tz)
        days.setdefault(f"{shown:%A %d %B %Y} ({shown.tzname()})", []).append(item)
    return list(days.items())
