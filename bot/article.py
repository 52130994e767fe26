"""The article model every reader produces and the compiler consumes (pure).

Block text is *inline Markdown*: plain prose that may carry ``[text](url)``
links, ``*emphasis*``/``**strong**`` and ``code`` spans, bare URLs, #tags and
@mentions. Readers escape stray Markdown punctuation that is meant literally
(``\\*``), so the compiler can render inline Markdown to plain text + facets
for Bluesky and keep it as Markdown for Reddit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


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
