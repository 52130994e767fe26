"""Sections -> Bluesky threads: plain text, facets, link cards, images (pure).

Layout of a thread (``render``): a header line, then the blocks, separated by
blank lines. The header is the heading with its parent path joined by " › "
("Statements by Xi Jinping › On China–Russia Relations"); the untitled
introduction is headed by the article title. Lists render as "• item" /
"1. item", quotes in “…”, code verbatim.

Embeds: a post holds one embed. When the article has a URL the first post of
each thread carries the link card (the thread's way back to the article) and
images start on the second post; otherwise images may sit on the first post.
An image goes on the post holding the text before it; more than ``max_images``
spill into the next posts, and image-only posts (empty text) are added at the
end when needed.
"""

from __future__ import annotations

import bisect
import re

from bot.article import Article, Code, Image, ListBlock, Paragraph, Quote, Section
from bot.compile.layout import Layout, join, prefixed
from bot.compile.split import Budget, cut
from bot.compile.urls import tracked_url
from bot.richtext import Rich, Span, absolute, render_inline
from bot.threads import Embed, Facet, ImageRef, ImagesEmbed, Limits, LinkCard, PostDraft

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
PATH_SEP = " › "
COUNTER_SEP = "\n\n"
MANY_POSTS = 25


def header(article: Article, section: Section, part: str = "") -> Rich:
    """The first line of a section's thread; ``part`` (" (2/3)") marks a continued one."""
    if section.heading is None:
        return prefixed("", render_inline(article.title, base=article.url), part)
    heads = (*section.path, section.heading)
    rich = join([render_inline(h, base=article.url) for h in heads], PATH_SEP)
    return prefixed("", rich, part)


def block_rich(block: Paragraph | ListBlock | Quote | Code, base: str | None = None) -> Rich:
    """One block as plain rich text (links resolved against ``base``)."""
    if isinstance(block, Paragraph):
        return render_inline(block.text, base=base)
    if isinstance(block, Quote):
        inner = render_inline(block.text, base=base)
        return prefixed("“", inner, "”") if inner.text else inner
    if isinstance(block, Code):  # blank lines around go, the first line's indentation stays
        lines = block.text.replace("\r\n", "\n").split("\n")
        while lines and not lines[0].strip():
            lines.pop(0)
        return Rich("\n".join(lines).rstrip())
    items = [render_inline(item, base=base) for item in block.items]
    marks = [f"{block.start + i}. " if block.ordered else "• " for i in range(len(items))]
    return join([prefixed(m, r) for m, r in zip(marks, items, strict=True)], "\n")


def render(
    article: Article, sections: list[Section], layout: Layout | None = None, part: str = ""
) -> Layout:
    """Lay out ``sections`` (one thread) as text; each section starts a new post."""
    layout = layout or Layout()
    for index, section in enumerate(sections):
        layout.add(header(article, section, part if index == 0 else ""), sticky=True,
                   fresh=index > 0, lead=True)  # fmt: skip
        for block in section.blocks:
            if isinstance(block, Image):
                layout.add_image(ImageRef(image_src(block.src, article), block.alt))
            else:
                rich = block_rich(block, article.url)
                layout.add(rich, sticky=rich.text.endswith(":"), rigid=isinstance(block, Code))
            layout.block_ends.append(layout.size)
    return layout


def image_src(src: str, article: Article) -> str:
    """Where an image's bytes come from: a path relative to the article's file stays a
    path (uploaded from disk beside the file), anything else resolves against the
    article URL."""
    local = not _SCHEME.match(src) and not src.startswith(("/", "#"))
    if local and not _SCHEME.match(article.source or ""):
        return src
    return absolute(src, article.url) or src


def thread(
    article: Article,
    sections: list[Section],
    limits: Limits,
    *,
    counters: bool,
    utm: bool,
    part: str = "",
    most: int | None = None,
    cuts: list[list[int]] | None = None,
) -> tuple[tuple[PostDraft, ...], tuple[str, ...]]:
    """The posts of one thread and its warnings; past ``most`` posts the thread is cut
    and its last post says "Continue reading: <section link>" (needs the article URL).
    ``cuts``, when given, receives where each block and each post ends in the text."""
    layout = render(article, sections, part=part)
    text = layout.text
    card = _card(article, sections[0], utm)
    budget = Budget(limits.max_graphemes, limits.max_bytes)
    digits = 1
    while True:
        reserve = len(COUNTER_SEP) + 2 * digits + 1 if counters else 0
        result = cut(
            text,
            layout.pieces,
            [(s.start, s.end) for s in layout.spans],
            budget.less(reserve, reserve),
        )
        slices = list(result.posts)
        tail = _continue_reading(article, sections[0], utm) if most else None
        if tail is not None and most and len(slices) > most:
            slices = slices[: most - 1]
        else:
            tail = None
        images = _place_images(layout.images, slices, card is not None, limits.max_images)
        if tail is not None:
            images = images[: len(slices)]  # the images of the cut text are cut with it
        while len(slices) < len(images):
            slices.append((len(text), len(text)))
        if not counters or len(str(len(slices))) <= digits:
            break
        digits = len(str(len(slices)))
    langs = (article.lang,)[: limits.max_langs] if article.lang else ()
    posts = []
    for i, (start, end) in enumerate(slices):
        embed: Embed | None = card if i == 0 else None
        if i < len(images) and images[i]:
            embed = ImagesEmbed(tuple(images[i]))
        body = text[start:end]
        if counters:
            total = len(slices) + (tail is not None)
            body += (COUNTER_SEP if body else "") + f"{i + 1}/{total}"
        posts.append(PostDraft(body, _facets(text, start, end, layout.spans), embed, langs))
    if tail is not None:
        body = tail.text + (f"{COUNTER_SEP}{len(posts) + 1}/{len(posts) + 1}" if counters else "")
        facets = _facets(tail.text, 0, len(tail.text), list(tail.spans))
        posts.append(PostDraft(body, facets, None, langs))
    if cuts is not None:
        cuts[:] = [layout.block_ends, [end for _, end in result.posts]]
    return tuple(posts), _warnings(sections, len(posts), result.cut_word, layout)


def _continue_reading(article: Article, section: Section, utm: bool) -> Rich | None:
    uri = tracked_url(article, section.anchor, "bluesky", utm=utm)
    return render_inline(f"Continue reading: {uri}") if uri else None


def _card(article: Article, section: Section, utm: bool) -> LinkCard | None:
    uri = tracked_url(article, section.anchor, "bluesky", utm=utm)
    if uri is None:
        return None
    if section.heading is None:
        description = article.summary or ""
    else:
        description = PATH_SEP.join((*section.path, section.heading))
    return LinkCard(uri=uri, title=article.title, description=description, thumb=article.image)


def _place_images(
    anchors: list[tuple[int, ImageRef]], slices: list[tuple[int, int]], card: bool, most: int
) -> list[list[ImageRef]]:
    """Images per post: after the text they follow, not beside the card, ``most`` a post."""
    if not anchors or most <= 0:
        return []
    ends = [end for _, end in slices]
    per: list[list[ImageRef]] = [[] for _ in slices] or [[]]
    for pos, image in anchors:
        per[min(bisect.bisect_left(ends, pos), len(per) - 1)].append(image)
    if card:
        if len(per) > 1:
            per[1][:0] = per[0]
            per[0] = []
        else:
            per = [[], per[0]]
    i = 0
    while i < len(per):
        if len(per[i]) > most:
            if i + 1 == len(per):
                per.append([])
            per[i + 1][:0] = per[i][most:]
            per[i] = per[i][:most]
        i += 1
    while per and not per[-1]:
        per.pop()
    return per


def _facets(text: str, start: int, end: int, spans: list[Span]) -> tuple[Facet, ...]:
    """The spans inside ``text[start:end]`` as facets over the post's UTF-8 bytes."""
    out = []
    ascii_ = text.isascii()
    for span in spans:
        a, b = max(span.start, start), min(span.end, end)
        if a >= b or ((a, b) != (span.start, span.end) and span.kind != "link"):
            continue
        if ascii_:
            out.append(Facet(a - start, b - start, span.kind, span.value))
        else:
            head = len(text[start:a].encode("utf-8"))
            out.append(Facet(head, head + len(text[a:b].encode("utf-8")), span.kind, span.value))
    return tuple(out)


def _warnings(
    sections: list[Section], count: int, cut_word: bool, layout: Layout
) -> tuple[str, ...]:
    out = [
        f"image without alt text: {image.src}"
        for _, image in layout.images
        if not image.alt.strip()
    ]
    if count > MANY_POSTS:
        name = sections[0].heading or "introduction"
        out.append(f"section {name!r} compiles to {count} posts (more than {MANY_POSTS})")
    if cut_word:
        out.append("a single word longer than a whole post was cut between characters")
    return tuple(out)
