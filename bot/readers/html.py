"""HTML page -> Article: the main body through trafilatura, metadata from <head> (pure).

The page is prepared first (``bot.readers.htmldom``: code set aside, spaces
moved out of inline elements, loose text wrapped in paragraphs), trafilatura
finds the article body (dropping navigation, sidebars, comments and footers)
and ``bot.readers.htmlwalk`` turns its XML into headings and blocks. Images
and the headings trafilatura left out are put back beside the text they stand
next to on the page. When trafilatura keeps far less than the page's text
(outside navigation, forms and links), or nothing, the page's main content
(<main>, role=main, <article>, else the body) is read directly, keeping its
structure.

Metadata: title (og:title, else <title>, else the first h1), URL (canonical,
og:url, else the page's own URL), lang (<html lang>), summary (og:description
or meta description), image (og:image), tags (article:tag, keywords).
Links and images are made absolute against the page URL.
"""

from __future__ import annotations

import copy
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura

from bot.article import Article, Image, ListBlock, Paragraph, Quote
from bot.errors import ContentError
from bot.readers import htmldom
from bot.readers.htmlwalk import Walker
from bot.readers.inline import guess_lang, normalize, plain
from bot.readers.sections import Heading, Item, build_sections

# Below this share of the page's words (outside navigation, forms and links) the
# extraction lost the article: on real news pages it keeps 25-100 %.
KEPT_SHARE = 0.2


def read_html(
    text: str, *, source: str, split_level: int | None = None, base_url: str | None = None
) -> Article:
    """Read an HTML page; see the module docstring."""
    doc = _parse(text, source)
    meta = _Meta(doc, base_url)
    htmldom.drop_scripts(doc)
    codes = htmldom.swap_code(doc)
    htmldom.hoist_spaces(doc)
    htmldom.wrap_loose(doc)
    walker = Walker(meta.url or base_url, codes, normalize(meta.title or ""))
    items = _body(doc, walker)
    if not any(not isinstance(i, Heading) for i in items):
        raise ContentError(source, "no article body found in the HTML page")
    items = _put_back(items, htmldom.extras(doc), walker)
    title = meta.title or next((i.text for i in items if isinstance(i, Heading)), source)
    return Article(
        title=title,
        url=meta.url,
        lang=meta.lang or guess_lang(" ".join(getattr(i, "text", "") for i in items)),
        tags=meta.tags,
        summary=meta.summary,
        image=meta.image,
        sections=build_sections(items, split_level),
        source=source,
    )


def _body(doc: lxml.html.HtmlElement, walker: Walker) -> list[Item]:
    """The extracted body's items, or the main content's when extraction lost most of it."""
    body = trafilatura.extract(
        lxml.html.tostring(doc, encoding="unicode"),
        output_format="xml",
        include_links=True,
        include_images=False,
        include_formatting=True,
        include_tables=True,
        include_comments=False,
    )
    items = walker.walk(lxml.etree.fromstring(body.encode("utf-8"))) if body else []
    kept = htmldom.words(_items_text(items))
    page = doc.find("body")
    # All the body's words bound its content words: most pages pass the cheap test.
    if body and kept >= KEPT_SHARE * htmldom.words(page.text_content()):
        return items
    if body and kept >= KEPT_SHARE * htmldom.content_words(page):
        return items
    main = copy.deepcopy(htmldom.main_element(doc))
    htmldom.strip_clutter(main)
    fallback = Walker(walker.base, walker.codes, walker.title).walk(htmldom.as_xml(main))
    return fallback if htmldom.words(_items_text(fallback)) > kept else items


def _items_text(items: list[Item]) -> str:
    parts: list[str] = []
    for item in items:
        if isinstance(item, Heading | Paragraph | Quote):
            parts.append(plain(item.text))
        elif isinstance(item, ListBlock):
            parts += [plain(i) for i in item.items]
    return " ".join(parts)


def _item_keys(item: Item) -> list[str]:
    if isinstance(item, Heading | Paragraph | Quote):
        return [htmldom.key(plain(item.text))]
    if isinstance(item, ListBlock):
        return [htmldom.key(plain(i)) for i in item.items]
    return []


class _Places:
    """Where each text block of the page is among the items: by key and occurrence."""

    def __init__(self, items: list[Item]) -> None:
        self.at: dict[tuple[str, int], int] = {}
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            for found in _item_keys(item):
                seen[found] = seen.get(found, 0) + 1
                self.at[(found, seen[found])] = index

    def get(self, place: tuple[str, int] | None) -> int | None:
        return None if place is None else self.at.get(place)


def _put_back(items: list[Item], extras: list[htmldom.Extra], walker: Walker) -> list[Item]:
    """Images after the text block they follow on the page, inside the article body;
    headings the extraction dropped before the block they head."""
    places = _Places(items)
    have = {htmldom.key(i.text) for i in items if isinstance(i, Heading)}
    extracted = set(have)
    have.add(htmldom.key(walker.title))
    after: dict[int, list[Item]] = {}
    before: dict[int, list[Item]] = {}
    for extra in extras:
        spot, next_spot = places.get(extra.before), places.get(extra.after)
        if extra.kind == "image" and spot is not None:
            # inside the body: the next block is in it too, and so is any heading before it
            inside = extra.after is None or next_spot is not None
            if inside and (extra.heading_after is None or extra.heading_after in extracted):
                src = urljoin(walker.base or "", extra.text)
                after.setdefault(spot, []).append(Image(src, extra.alt))
        elif extra.kind == "heading" and next_spot is not None:
            name = htmldom.key(extra.text)
            if name not in have and (extra.before is None or spot is not None):
                have.add(name)
                before.setdefault(next_spot, []).append(Heading(extra.text, extra.level))
    out: list[Item] = []
    shown: set[str] = set()
    for index, item in enumerate(items):
        out += before.get(index, [])
        out.append(item)
        for image in after.get(index, []):
            if isinstance(image, Image) and image.src not in shown:
                shown.add(image.src)
                out.append(image)
    return out


def _parse(text: str, source: str) -> lxml.html.HtmlElement:
    try:
        doc = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ContentError(source, f"cannot parse HTML: {exc}") from exc
    if doc.find("body") is None:
        raise ContentError(source, "no article body found in the HTML page")
    return doc


class _Meta:
    """Title, URL, lang, summary, image and tags from the page head."""

    def __init__(self, doc: lxml.html.HtmlElement, base_url: str | None) -> None:
        props: dict[str, str] = {}
        tags: list[str] = []
        for meta in doc.iter("meta"):
            name = meta.get("property") or meta.get("name") or ""
            content = (meta.get("content") or "").strip()
            if name == "article:tag" and content:
                tags.append(content)
            elif content:
                props.setdefault(name, content)
        canonical = next(
            (h for h in doc.xpath("//link[@rel='canonical']/@href") if str(h).strip()), None
        )
        self.url = _abs(base_url, str(canonical).strip() if canonical else props.get("og:url"))
        self.url = self.url or base_url
        h1s = [" ".join(h.text_content().split()) for h in doc.iter("h1")]
        page_title = doc.findtext(".//title")
        title = props.get("og:title") or (page_title or "").strip() or next(iter(h1s), None)
        if title:  # "Post · Site name" -> "Post", when the page's h1 says so
            title = max(
                (h for h in h1s if h and normalize(title).startswith(normalize(h))),
                key=len,
                default=title,
            )
        self.title = " ".join(title.split()) if title else None
        self.lang = (
            doc.get("lang") or doc.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
        ).strip() or None
        self.summary = props.get("og:description") or props.get("description")
        self.image = _abs(self.url, props.get("og:image"))
        keywords = props.get("keywords", "")
        self.tags = tuple(t.strip() for t in [*tags, *keywords.split(",")] if t.strip())


def _abs(base: str | None, href: str | None) -> str | None:
    if not href:
        return None
    return urljoin(base, href) if base else href
