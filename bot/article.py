"""The article model every reader produces and the compiler consumes (pure).

Block text is *inline Markdown*: plain prose that may carry ``[text](url)``
links, ``*emphasis*``/``**strong**`` and ``code`` spans, bare URLs, #tags and
@mentions. Readers escape stray Markdown punctuation that is meant literally
(``\\*``), so the compiler can render inline Markdown to plain text + facets
for Bluesky and keep it as Markdown for Reddit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class ListBlock:
    items: tuple[str, ...]
    ordered: bool = False
    start: int = 1


@dataclass(frozen=True)
class Quote:
    text: str


@dataclass(frozen=True)
class Code:
    text: str
    lang: str | None = None


@dataclass(frozen=True)
class Image:
    src: str
    alt: str = ""


Block = Paragraph | ListBlock | Quote | Code | Image

ThreadMode = Literal["section", "article"]
Overflow = Literal["continue", "link"]
OVERFLOWS: tuple[Overflow, ...] = ("continue", "link")


@dataclass(frozen=True)
class Section:
    """One unit that becomes a thread. ``heading`` is None for an untitled intro."""

    heading: str | None
    level: int
    path: tuple[str, ...]
    anchor: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Options:
    """Publishing choices an editor may set in front-matter (None = use the config)."""

    publish_at: datetime | None = None
    platforms: tuple[str, ...] | None = None
    subreddit: str | None = None
    flair: str | None = None
    split_level: int | None = None
    thread_mode: ThreadMode | None = None
    evergreen: str | None = None  # share again every this long ("30d"), as a quote post
    max_reshares: int | None = None
    replies: tuple[str, ...] | None = None  # Bluesky reply rules (bot.controls)
    quotes: bool | None = None
    labels: tuple[str, ...] | None = None
    max_posts_per_thread: int | None = None
    overflow: Overflow | None = None


@dataclass(frozen=True)
class Article:
    title: str
    url: str | None
    lang: str | None
    tags: tuple[str, ...]
    summary: str | None
    image: str | None
    sections: tuple[Section, ...]
    source: str = ""
    options: Options = field(default_factory=Options)


_BLOCK_TYPES: dict[str, type[Paragraph | ListBlock | Quote | Code | Image]] = {
    "paragraph": Paragraph,
    "list": ListBlock,
    "quote": Quote,
    "code": Code,
    "image": Image,
}


def block_to_dict(block: Block) -> dict[str, Any]:
    """A block as JSON-ready data, with a ``type`` key (paragraph, list, quote, code, image)."""
    kind = next(name for name, cls in _BLOCK_TYPES.items() if isinstance(block, cls))
    data: dict[str, Any] = {"type": kind, **asdict(block)}
    if isinstance(block, ListBlock):
        data["items"] = list(block.items)
    return data


def to_dict(article: Article) -> dict[str, Any]:
    """The article as JSON-ready data (golden files, ``preview --json``, the store)."""
    options = {k: v for k, v in asdict(article.options).items() if v is not None}
    if article.options.publish_at is not None:
        options["publish_at"] = article.options.publish_at.isoformat()
    if article.options.platforms is not None:
        options["platforms"] = list(article.options.platforms)
    return {
        "title": article.title,
        "url": article.url,
        "lang": article.lang,
        "tags": list(article.tags),
        "summary": article.summary,
        "image": article.image,
        "options": options,
        "sections": [
            {
                "heading": s.heading,
                "level": s.level,
                "path": list(s.path),
                "anchor": s.anchor,
                "blocks": [block_to_dict(b) for b in s.blocks],
            }
            for s in article.sections
        ],
    }


def canonical_json(data: Any) -> str:
    """Compact, key-sorted JSON: the form articles are stored and hashed in."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(article: Article) -> str:
    """The one content hash of an article (its content and options, not where it was read
    from): an unchanged file hashes the same, whichever command read it."""
    return hashlib.sha256(canonical_json(to_dict(article)).encode()).hexdigest()


def from_dict(data: dict[str, Any], *, source: str = "") -> Article:
    """The inverse of ``to_dict``."""
    raw_options = dict(data.get("options") or {})
    if raw_options.get("publish_at"):
        raw_options["publish_at"] = datetime.fromisoformat(raw_options["publish_at"])
    if raw_options.get("platforms") is not None:
        raw_options["platforms"] = tuple(raw_options["platforms"])
    sections = tuple(
        Section(
            heading=s["heading"],
            level=s["level"],
            path=tuple(s["path"]),
            anchor=s["anchor"],
            blocks=tuple(_block_from_dict(b) for b in s["blocks"]),
        )
        for s in data["sections"]
    )
    return Article(
        title=data["title"],
        url=data.get("url"),
        lang=data.get("lang"),
        tags=tuple(data.get("tags") or ()),
        summary=data.get("summary"),
        image=data.get("image"),
        sections=sections,
        source=source,
        options=Options(**raw_options),
    )


def _block_from_dict(data: dict[str, Any]) -> Block:
    fields = {k: v for k, v in data.items() if k != "type"}
    if data["type"] == "list":
        fields["items"] = tuple(fields["items"])
    return _BLOCK_TYPES[data["type"]](**fields)
