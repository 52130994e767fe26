"""trafilatura's XML (or the fallback's, in the same vocabulary) -> headings and blocks (pure).

Elements: ``head`` (heading), ``p``, ``list``/``item`` (a definition list's
``dt`` becomes the bold lead-in of its ``dd``), ``quote``, ``code``, ``table``
(rows as list items, cells joined by " | "), inline ``hi``/``ref``/``lb``/``code``.
Text lying between blocks is a paragraph of its own. Spaces follow the source:
an inline element's edge spaces stay outside its Markdown markers, and
neighbouring blocks inside one cell or item are kept apart by a space.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.etree

from bot.article import Block, Code, Image, ListBlock, Paragraph, Quote
from bot.readers.inline import code_span, escape, link, normalize
from bot.readers.sections import Heading, Item

_PLACEHOLDER_RE = re.compile(r"^sharebotcodeblock(\d{4})$")
_BLOCKISH = frozenset(("p", "head", "list", "item", "quote", "table", "row", "cell", "lb"))
_INLINE_TAGS = frozenset(("hi", "ref", "lb", "graphic"))
_MARKERS = {"#b": "**", "#i": "*", "#t": "`"}


class Walker:
    """Collects the items of one extracted body."""

    def __init__(self, base: str | None, codes: list[str], title: str) -> None:
        self.base = base
        self.codes = codes
        self.title = title
        self.items: list[Item] = []

    def walk(self, root: lxml.etree._Element) -> list[Item]:
        main = root.find("main")
        self.container(main if main is not None else root)
        return self.items

    def container(self, element: lxml.etree._Element) -> None:
        """Blocks in order; the loose run between two blocks (text and inline elements)
        is one paragraph, unless it is only links (a menu the extraction let through)."""
        run: list[str] = [escape(element.text or "")]
        words = bool((element.text or "").strip())
        for child in element:
            if child.tag in _INLINE_TAGS:
                run.append(self._child(child))
                words = words or (child.tag != "ref" and bool(self._inline(child).strip()))
            else:
                self.loose(run, words)
                run, words = [], False
                self.block(child)
            run.append(escape(child.tail or ""))
            words = words or bool((child.tail or "").strip())
        self.loose(run, words)

    def loose(self, run: list[str], words: bool) -> None:
        if words:
            self.add(Paragraph(" ".join("".join(run).split())))

    def block(self, element: lxml.etree._Element) -> None:
        tag = element.tag
        if tag == "head":
            self.heading(element)
        elif tag == "p":
            self.paragraph(element)
        elif tag == "list":
            self.list(element)
        elif tag == "quote":
            self.add(Quote(self.inline(element)))
        elif tag == "code":
            self.add(Code("".join(element.itertext()).strip("\n")))
        elif tag == "graphic":
            self.image(element)
        elif tag == "table":
            self.table(element)
        else:
            self.container(element)

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
        if any(child.tag in ("list", "table", "quote") for child in element):
            self.container(element)  # blocks nested in a paragraph: read them as blocks
            return
        self.add(Paragraph(self.inline(element)))

    def list(self, element: lxml.etree._Element) -> None:
        items: list[str] = []
        term: str | None = None
        for item in element.iter("item"):
            text = self.inline(item)
            rend = item.get("rend", "")
            if rend.startswith("dt"):
                if term:
                    items.append(f"**{term}**")
                term = text
            elif term is not None and text:
                items.append(f"**{term}** {text}")
                term = None
            elif text:
                items.append(text)
        if term:
            items.append(f"**{term}**")
        if items:
            self.items.append(ListBlock(tuple(items), ordered=element.get("rend") == "ol"))

    def table(self, element: lxml.etree._Element) -> None:
        """Rows as list items (a line each on every platform), cells joined by " | "."""
        rows = []
        for row in element.iter("row"):
            if next(row.iterancestors("table")) is not element:
                continue  # a nested table's rows are read as its cell's text
            cells = [text for text in (self.inline(c) for c in row if c.tag == "cell") if text]
            if cells:
                rows.append(" | ".join(cells))
        if rows:
            self.items.append(ListBlock(tuple(rows)))

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
        """A child element as inline Markdown; its edge spaces stay outside the markers."""
        raw = self._inline(child)
        inner = raw.strip()
        if not inner:
            return " " if raw or child.tag in ("lb", "graphic") else ""
        if child.tag in _BLOCKISH:
            return f" {inner} "  # keep the words of neighbouring blocks apart
        lead = " " if raw[:1].isspace() else ""
        trail = " " if raw[-1:].isspace() else ""
        return lead + self._marked(child, inner) + trail

    def _marked(self, child: lxml.etree._Element, inner: str) -> str:
        if child.tag == "ref":
            target = urljoin(self.base or "", child.get("target", ""))
            return link(inner, target) if inner and target else inner or target
        if child.tag == "code":
            return code_span(" ".join("".join(child.itertext()).split()))
        if child.tag == "hi":
            marker = _MARKERS.get(child.get("rend", ""), "")
            return f"{marker}{inner}{marker}"
        return inner


def _visible(element: lxml.etree._Element) -> str:
    """Text of a heading without permalink markers such as a trailing "#" link."""
    parts = [element.text or ""]
    for child in element:
        if not (child.tag == "ref" and "".join(child.itertext()).strip() in ("#", "¶", "🔗")):
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return "".join(parts)
