"""Sections -> Reddit: one submission per article, sections as comment chains (pure).

Thread 0 is the submission: title = the article title (cut at a word with "…"
to ``max_title_chars``), body = the first section (the untitled introduction
when the article has one) in Reddit Markdown, or with ``link_post`` a link
post to the article URL (UTM utm_source=reddit) whose first section follows as
comments. Every later section is a thread of comments that continues the
chain. Any piece over its limit overflows into further comments.

Every body and comment keeps ``MARKER_RESERVE`` characters free for the
adapter's invisible idempotency marker (e.g. ``"\\n\\n[](#sb-KEY)"``).
"""

from __future__ import annotations

import regex

from bot.article import Article, Code, Image, ListBlock, Paragraph, Quote, Section
from bot.compile.layout import Layout
from bot.compile.split import Budget, Piece, cut
from bot.compile.urls import tracked_url
from bot.errors import ContentError
from bot.richtext import WS_ATOM, WS_RUN, Rich, absolute, collapse_ws, rewrite_links
from bot.threads import MARKER_RESERVE, Limits, PostDraft

PATH_SEP = " › "
ELLIPSIS = "…"
_BLOCK_START = regex.compile(r"\A(?:[#>]|[-+*](?= )|\d+(?=[.)] ))")
_PROTECTED = regex.compile(
    r"\[(?:[^\[\]\\]|\\.)*\]\([^()\s]*(?:\([^()\s]*\))?[^()\s]*\)|`+[^`]*`+|https?://\S+"
)
_TITLE_WORD = regex.compile(rf"{WS_ATOM}+")


def cut_title(title: str, limit: int) -> str:
    """``title`` within ``limit`` characters, cut at a word and ending in "…" when cut."""
    title = WS_RUN.sub(" ", title).strip()
    if len(title) <= limit:
        return title
    head = title[: limit - len(ELLIPSIS) + 1]
    spaces = [m.start() for m in _TITLE_WORD.finditer(head)]
    head = head[: spaces[-1]] if spaces else head[: limit - len(ELLIPSIS)]
    return head.rstrip(" ,;:.-–—") + ELLIPSIS


def _escape_start(match: regex.Match[str]) -> str:
    mark = str(match.group())
    return mark + "\\" if mark[0].isdigit() else "\\" + mark


def _inline(text: str, base: str | None) -> str:
    text = rewrite_links(collapse_ws(text).strip(), base)
    return str(_BLOCK_START.sub(_escape_start, text))


def block_markdown(block: Paragraph | ListBlock | Quote | Code | Image, base: str | None) -> str:
    """One block in Reddit Markdown (code indented four spaces: old and new Reddit);
    links resolved against ``base``, those left relative shown as text."""
    if isinstance(block, Paragraph):
        return _inline(block.text, base)
    if isinstance(block, Quote):
        return "\n".join("> " + line for line in _inline(block.text, base).split("\n"))
    if isinstance(block, Code):
        lines = block.text.replace("\r\n", "\n").strip("\n").split("\n")
        return "\n".join("    " + line if line.strip() else "" for line in lines)
    if isinstance(block, Image):
        alt = block.alt.strip() or "image"
        src = absolute(block.src, base)
        return f"[Image: {alt}]({src})" if src else f"*[Image: {alt}]*"
    marks = [f"{block.start + i}. " if block.ordered else "- " for i in range(len(block.items))]
    return "\n".join(
        m + rewrite_links(collapse_ws(item).strip(), base)
        for m, item in zip(marks, block.items, strict=True)
    )


def render(sections: list[Section], base: str | None = None) -> Layout:
    """Lay out ``sections`` as Reddit Markdown; each section starts a new comment."""
    layout = Layout()
    for index, section in enumerate(sections):
        if section.heading is not None:
            head = PATH_SEP.join((*section.path, section.heading))
            heading = Rich(f"**{WS_RUN.sub(' ', head).strip()}**")
            layout.add(heading, sticky=True, fresh=index > 0, lead=True)
        elif index > 0:
            layout.pieces.append(Piece(layout.size, layout.size, fresh=True))
        for block in section.blocks:
            text = block_markdown(block, base)
            layout.add(Rich(text), sticky=text.endswith(":"), rigid=isinstance(block, Code))
    return layout


def _posts(layout: Layout, limits: Limits, first_budget: int | None) -> list[str]:
    """The layout cut into bodies; the first may be larger (a submission)."""
    text = layout.text
    protected = [m.span() for m in _PROTECTED.finditer(text)]
    pieces = [p for p in layout.pieces if p.end > p.start]
    comment = Budget(chars=(limits.max_chars or 10_000) - MARKER_RESERVE)
    if not pieces:
        return []
    if first_budget is None:
        return [text[a:b] for a, b in cut(text, layout.pieces, protected, comment).posts]
    first = cut(text, layout.pieces, protected, Budget(chars=first_budget - MARKER_RESERVE)).posts
    end = first[0][1]
    rest_at = next((a for a, _ in first[1:]), len(text))
    rest = [
        Piece(max(p.start, rest_at), max(p.end, rest_at), p.sticky, p.fresh)
        for p in layout.pieces
        if p.end > end or (p.fresh and p.start >= end)
    ]
    return [text[first[0][0] : end]] + [
        text[a:b] for a, b in cut(text, rest, protected, comment).posts
    ]


def submission(article: Article, limits: Limits, *, link_post: bool, utm: bool) -> PostDraft:
    """The submission (self post without its body, or link post)."""
    title = cut_title(article.title, limits.max_title_chars or 300)
    if not link_post:
        return PostDraft("", kind="submission", title=title)
    url = tracked_url(article, "", "reddit", utm=utm)
    if url is None:
        raise ContentError(article.source or article.title, "a link post needs the article URL")
    return PostDraft("", kind="submission", title=title, link_url=url)


def thread_posts(
    article: Article,
    sections: list[Section],
    limits: Limits,
    *,
    first: bool,
    link_post: bool,
    utm: bool,
) -> tuple[PostDraft, ...]:
    """Posts of one Reddit thread; ``first`` makes it start with the submission."""
    layout = render(sections, article.url)
    if not first:
        return tuple(PostDraft(t, kind="comment") for t in _posts(layout, limits, None))
    head = submission(article, limits, link_post=link_post, utm=utm)
    if link_post:
        bodies = _posts(layout, limits, None)
        return (head, *(PostDraft(t, kind="comment") for t in bodies))
    bodies = _posts(layout, limits, limits.max_body_chars or 40_000)
    text = bodies[0] if bodies else ""
    head = PostDraft(text, kind="submission", title=head.title)
    return (head, *(PostDraft(t, kind="comment") for t in bodies[1:]))
