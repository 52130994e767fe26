"""HTML page -> Article: the main body through trafilatura, metadata from <head> (pure).

trafilatura finds the article body and drops navigation, sidebars, comments and
footers, but it flattens ``<pre>`` code (it keeps the first line, or loses the
line breaks of code laid out in tables), so each code block is swapped for a
placeholder paragraph first and put back, line by line, afterwards.
Metadata: title (og:title, else <title>, else the first h1), URL (canonical,
og:url, else the page's own URL), lang (<html lang>), summary (og:description
or meta description), image (og:image), tags (article:tag, keywords).
Links and images are made absolute against the page URL.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura

from bot.article import Article, Block, Code, Image, ListBlock, Paragraph, Quote
from bot.errors import ContentError
from bot.readers.inline import code_span, escape, guess_lang, link, normalize
from bot.readers.sections import Heading, Item, build_sections

_PLACEHOLDER = "sharebotcodeblock{:04d}"
_PLACEHOLDER_RE = re.compile(r"^sharebotcodeblock(\d{4})$")


def read_html(
    text: str, *, source: str, split_level: int | None = None, base_url: str | None = None
) -> Article:
    """Read an HTML page; see the module docstring."""
    doc = _parse(text, source)
    meta = _Meta(doc, base_url)
    codes = _swap_code(doc)
    body = trafilatura.extract(
        lxml.html.tostring(doc, encoding="unicode"),
        output_format="xml",
        include_links=True,
        include_images=True,
        include_formatting=True,
        include_tables=True,
        include_comments=False,
    )
    if not body:
        raise ContentError(source, "no article body found in the HTML page")
    walker = _Walker(meta.url or base_url, codes, normalize(meta.title or ""))
    items = walker.walk(lxml.etree.fromstring(body.encode("utf-8")))
    if not any(not isinstance(i, Heading) for i in items):
        raise ContentError(source, "no article body found in the HTML page")
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
        canonical = _first(doc, "//link[@rel='canonical']/@href")
        self.url = _abs(base_url, canonical or _prop(doc, "og:url")) or base_url
        h1s = [" ".join(h.text_content().split()) for h in doc.iter("h1")]
        title = _prop(doc, "og:title") or _first(doc, "//title/text()") or next(iter(h1s), None)
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
        self.summary = _prop(doc, "og:description") or _name(doc, "description")
        self.image = _abs(self.url, _prop(doc, "og:image"))
        keywords = _name(doc, "keywords") or ""
        tags = doc.xpath("//meta[@property='article:tag']/@content")
        self.tags = tuple(t.strip() for t in [*tags, *keywords.split(",")] if t.strip())


def _first(doc: lxml.html.HtmlElement, xpath: str) -> str | None:
    found = doc.xpath(xpath)
    return str(found[0]).strip() if found and str(found[0]).strip() else None


def _prop(doc: lxml.html.HtmlElement, name: str) -> str | None:
    return _first(doc, f"//meta[@property='{name}' or @name='{name}']/@content")


def _name(doc: lxml.html.HtmlElement, name: str) -> str | None:
    return _first(doc, f"//meta[@name='{name}']/@content")


def _abs(base: str | None, href: str | None) -> str | None:
    if not href:
        return None
    return urljoin(base, href) if base else href


def _swap_code(doc: lxml.html.HtmlElement) -> list[str]:
    """Replace each <pre> (or the code table holding it) with a placeholder paragraph."""
    codes: list[str] = []
    for pre in list(doc.iter("pre")):
        for br in pre.iter("br"):
            br.tail = "\n" + (br.tail or "")
        code = pre.text_content().strip("\n")
        holder = next((a for a in pre.iterancestors("table")), pre)
        if holder.getparent() is None or not code.strip():
            continue
        paragraph = lxml.html.Element("p")
        paragraph.text = _PLACEHOLDER.format(len(codes))
        paragraph.tail = holder.tail
        holder.getparent().replace(holder, paragraph)
        codes.append(code)
    return codes


class _Walker:
    """Walks trafilatura's XML (head, p, list, quote, code, graphic, table)."""

    def __init__(self, base: str | None, codes: list[str], title: str) -> None:
        self.base = base
        self.codes = codes
        self.title = title
        self.items: list[Item] = []

    def walk(self, root: lxml.etree._Element) -> list[Item]:
        main = root.find("main")
        for element in main if main is not None else root:
            self.block(element)
        return self.items

    def block(self, element: lxml.etree._Element) -> None:
        tag = element.tag
        if tag == "head":
            self.heading(element)
        elif tag == "p":
            self.paragraph(element)
        elif tag == "list":
            items = tuple(t for t in (self.inline(i) for i in element.iter("item")) if t)
            if items:
                self.items.append(ListBlock(items, ordered=element.get("rend") == "ol"))
        elif tag == "quote":
            self.add(Quote(self.inline(element)))
        elif tag == "code":
            self.add(Code("".join(element.itertext()).strip("\n")))
        elif tag == "graphic":
            self.image(element)
        else:
            for child in element:
                self.block(child)

    def add(self, block: Block) -> None:
        if getattr(block, "text", "x").strip():
            self.items.append(block)

    def heading(self, element: lxml.etree._Element) -> None:
        text = " ".join(_visible(element).split()).rstrip("#").strip()
        rend = element.get("rend", "")
        level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
        if text and normalize(text) != self.title:
            self.items.append(Heading(text, level))

    def paragraph(self, element: lxml.etree._Element) -> None:
        found = _PLACEHOLDER_RE.match("".join(element.itertext()).strip())
        if found and int(found.group(1)) < len(self.codes):
            self.items.append(Code(self.codes[int(found.group(1))]))
            return
        for graphic in element.iter("graphic"):
            self.image(graphic)
        self.add(Paragraph(self.inline(element)))

    def image(self, element: lxml.etree._Element) -> None:
        src = element.get("src")
        if src:
            self.items.append(Image(urljoin(self.base or "", src), element.get("alt", "") or ""))

    def inline(self, element: lxml.etree._Element) -> str:
        """Inline Markdown for an element's mixed content."""
        return " ".join(self._inline(element).split())

    def _inline(self, element: lxml.etree._Element) -> str:
        parts = [escape(element.text or "")]
        for child in element:
            parts.append(self._child(child))
            parts.append(escape(child.tail or ""))
        return "".join(parts)

    def _child(self, child: lxml.etree._Element) -> str:
        inner = self._inline(child).strip()
        if child.tag == "ref":
            target = urljoin(self.base or "", child.get("target", ""))
            return link(inner, target) if inner and target else inner or target
        if child.tag == "code":
            return code_span(" ".join("".join(child.itertext()).split()))
        if child.tag == "hi" and inner:
            marker = {"#b": "**", "#i": "*", "#t": "`"}.get(child.get("rend", ""), "")
            return f"{marker}{inner}{marker}"
        if child.tag in ("lb", "graphic"):
            return " "
        return inner


def _visible(element: lxml.etree._Element) -> str:
    """Text of a heading without permalink markers such as a trailing "#" link."""
    parts = [element.text or ""]
    for child in element:
        if not (child.tag == "ref" and "".join(child.itertext()).strip() in ("#", "¶", "🔗")):
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return "".join(parts)
