"""Article + platform Limits -> threads of posts ready to send (pure).

``compile_article`` is the one entry point. Bluesky: a section becomes a
thread (``bot.compile.bluesky``); Reddit: one submission per article with the
sections as a comment chain (``bot.compile.reddit``). ``thread_mode`` "section"
(default) gives a thread per section, "article" one thread with every section
in order. The cutting rules live in ``bot.compile.split``.
"""

from __future__ import annotations

from bot.article import Article, Image, Overflow, Section, ThreadMode
from bot.compile import bluesky, overflow, reddit
from bot.compile.layout import Layout
from bot.errors import ConfigError
from bot.threads import LIMITS, Limits, PostDraft, ThreadDraft

__all__ = ["DEFAULT_MAX_POSTS", "compile_article", "render_text"]

DEFAULT_MAX_POSTS = 12


def compile_article(
    article: Article,
    platform: str,
    *,
    limits: Limits | None = None,
    thread_mode: ThreadMode | None = None,
    counters: bool = False,
    utm: bool = True,
    link_post: bool = False,
    max_posts: int | None = DEFAULT_MAX_POSTS,
    overflow_mode: Overflow = "continue",
) -> tuple[ThreadDraft, ...]:
    """The threads ``article`` compiles to on ``platform`` ("bluesky" or "reddit").

    Bluesky threads hold at most ``max_posts`` posts (None: no cap); a longer
    section goes on in next threads or ends with a link (``bot.compile.overflow``).
    The article's front-matter ``max_posts_per_thread`` and ``overflow`` win."""
    if platform not in LIMITS:
        raise ConfigError(f"unknown platform {platform!r} (expected one of {sorted(LIMITS)})")
    limits = limits or LIMITS[platform]
    mode = thread_mode or article.options.thread_mode or "section"
    if mode not in ("section", "article"):
        raise ConfigError(f"unknown thread_mode {mode!r} (expected 'section' or 'article')")
    groups = _groups(article, mode)
    if platform == "bluesky":
        most = article.options.max_posts_per_thread or max_posts
        how = article.options.overflow or overflow_mode
        return tuple(_bluesky(article, groups, limits, counters, utm, most, how))
    return tuple(_reddit(article, groups, limits, link_post, utm))


def render_text(
    article: Article, platform: str, index: int, *, thread_mode: ThreadMode = "section"
) -> str:
    """The full rendered text of thread ``index``: what its posts join back to."""
    groups = _groups(article, thread_mode)
    sections = groups[index][1]
    layout: Layout = (
        bluesky.render(article, sections)
        if platform == "bluesky"
        else reddit.render(sections, article.url)
    )
    return layout.text


def _groups(article: Article, mode: ThreadMode) -> list[tuple[int, list[Section]]]:
    if not article.sections:
        return []
    if mode == "article":
        return [(0, list(article.sections))]
    return [(i, [s]) for i, s in enumerate(article.sections)]


def _bluesky(
    article: Article,
    groups: list[tuple[int, list[Section]]],
    limits: Limits,
    counters: bool,
    utm: bool,
    most: int | None,
    how: Overflow,
) -> list[ThreadDraft]:
    out = []
    for index, sections in groups:
        for posts, warnings in overflow.threads(
            article, sections, limits, counters=counters, utm=utm, most=most, overflow=how
        ):
            if posts:
                out.append(ThreadDraft("bluesky", index, posts, warnings=warnings))
    return out


def _reddit(
    article: Article,
    groups: list[tuple[int, list[Section]]],
    limits: Limits,
    link_post: bool,
    utm: bool,
) -> list[ThreadDraft]:
    out = []
    for index, sections in groups:
        first = index == 0
        posts: tuple[PostDraft, ...] = reddit.thread_posts(
            article, sections, limits, first=first, link_post=link_post, utm=utm
        )
        warnings = tuple(
            f"image without alt text: {b.src}"
            for s in sections
            for b in s.blocks
            if isinstance(b, Image) and not b.alt.strip()
        )
        if posts:
            out.append(ThreadDraft("reddit", index, posts, continues=not first, warnings=warnings))
    return out
