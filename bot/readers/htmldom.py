"""Passes over a parsed HTML page before and around extraction (pure).

trafilatura reads the page's DOM; these passes make what it sees easier to
read right, and note what we take from the page ourselves:

* ``swap_code``: each ``<pre>`` becomes a placeholder paragraph (trafilatura
  flattens code), its text kept aside;
* ``hoist_spaces``: spaces at the edges of inline elements move outside them
  (trafilatura trims inline text, gluing "country<b> </b>and");
* ``wrap_loose``: text lying directly in a container beside blocks becomes a
  ``<p>`` (trafilatura drops it or cuts it at the inline elements);
* ``extras``: images and headings with the text blocks around them, so they can
  be put back beside the extracted text (images are not asked of trafilatura:
  with images it keeps galleries and ranking lists; headings outside the
  article container it drops);
* ``main_element`` / ``words``: the page's main content, for the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import lxml.etree
import lxml.html

from bot.readers.inline import normalize

PLACEHOLDER = "sharebotcodeblock{:04d}"
INLINE = frozenset(
    ("a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i",
     "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time",
     "u", "var")
)  # fmt: skip
TEXT_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "blockquote", "td")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
CLUTTER = (
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button",
    "svg", "iframe", "template", "select", "textarea",
)  # fmt: skip
_CLUTTER_NAME = re.compile(
    r"comment|related|share|social|sidebar|newsletter|promo|advert|cookie|breadcrumb|menu",
    re.IGNORECASE,
)
_CONTAINERS = ("body", "div", "section", "article", "main", "td", "th", "blockquote", "dd", "li")
_KEY_CHARS = 60
_PUNCT = re.compile(r"[^\w\s]")
_MIN_SIDE = 48


def key(text: str) -> str:
    """A block's identity across the page and the extracted text: its first words."""
    # Only the start counts, so only the start is normalised (long blocks are common).
    return normalize(_PUNCT.sub(" ", text[: _KEY_CHARS * 4]))[:_KEY_CHARS]


def drop_scripts(doc: lxml.html.HtmlElement) -> None:
    """Remove scripts and styles: never article text, and often most of a page's bytes."""
    for node in list(doc.iter("script", "style", "template")):
        node.drop_tree()


def swap_code(doc: lxml.html.HtmlElement) -> list[str]:
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
        paragraph.text = PLACEHOLDER.format(len(codes))
        paragraph.tail = holder.tail
        holder.getparent().replace(holder, paragraph)
        codes.append(code)
    return codes


def hoist_spaces(doc: lxml.html.HtmlElement) -> None:
    """Move spaces at the edges of inline elements outside them, deepest first
    so a space can travel up through several levels."""
    for element in reversed(list(doc.iter(*INLINE))):
        text = element.text or ""
        if text[:1].isspace():
            element.text = text.lstrip()
            _space_before(element)
        last = element[-1] if len(element) else None
        end = (last.tail if last is not None else element.text) or ""
        if end[-1:].isspace() or (not end and last is None and text):
            if last is not None:
                last.tail = end.rstrip()
            else:
                element.text = end.rstrip()
            element.tail = " " + (element.tail or "").lstrip()


def _space_before(element: lxml.html.HtmlElement) -> None:
    previous, parent = element.getprevious(), element.getparent()
    if previous is not None:
        previous.tail = (previous.tail or "").rstrip() + " "
    elif parent is not None:
        parent.text = (parent.text or "").rstrip() + " "


def wrap_loose(doc: lxml.html.HtmlElement) -> None:
    """Wrap runs of text and inline elements that sit beside blocks in ``<p>``."""
    for parent in list(doc.iter(*_CONTAINERS)):
        if _mixed(parent):
            _paragraphs(parent)


def _is_block(node: lxml.html.HtmlElement) -> bool:
    return isinstance(node.tag, str) and node.tag not in INLINE and node.tag not in ("br", "img")


def _mixed(parent: lxml.html.HtmlElement) -> bool:
    """Blocks among the children and words outside them."""
    kids = list(parent)
    if not any(_is_block(k) for k in kids):
        return False
    if (parent.text or "").strip() or any((k.tail or "").strip() for k in kids):
        return True
    return any(k.text_content().strip() for k in kids if k.tag in INLINE)


class _Runs:
    """Children regrouped: blocks as they are, loose runs inside new <p>s."""

    def __init__(self) -> None:
        self.nodes: list[lxml.html.HtmlElement] = []
        self.para: lxml.html.HtmlElement | None = None

    def open(self) -> lxml.html.HtmlElement:
        if self.para is None:
            self.para = lxml.html.Element("p")
            self.nodes.append(self.para)
        return self.para

    def text(self, value: str | None) -> None:
        if not value or (self.para is None and not value.strip()):
            return
        holder = self.open()
        if len(holder):
            holder[-1].tail = (holder[-1].tail or "") + value
        else:
            holder.text = (holder.text or "") + value

    def child(self, node: lxml.html.HtmlElement) -> None:
        if _is_block(node) or not isinstance(node.tag, str):
            self.para = None
            self.nodes.append(node)
        elif self.para is not None or node.tag != "br":
            self.open().append(node)


def _paragraphs(parent: lxml.html.HtmlElement) -> None:
    runs = _Runs()
    runs.text(parent.text)
    parent.text = None
    for child in list(parent):
        tail, child.tail = child.tail, None
        parent.remove(child)
        runs.child(child)
        runs.text(tail)
    parent.extend(runs.nodes)


@dataclass(frozen=True)
class Extra:
    """An image or heading of the page with the text blocks around it, each named by
    its key and how many blocks with that key came before it (repeated paragraphs)."""

    kind: str  # "image" | "heading"
    text: str  # image src, or heading text
    before: tuple[str, int] | None
    after: tuple[str, int] | None = None
    alt: str = ""
    level: int = 2
    heading_after: str | None = None  # an image's next heading, when it comes before the block


def extras(doc: lxml.html.HtmlElement) -> list[Extra]:
    """Images and headings in page order, each between its neighbouring text blocks."""
    done: list[Extra] = []
    pending: list[Extra] = []
    previous: tuple[str, int] | None = None
    seen: dict[str, int] = {}
    for element in doc.iter("img", *TEXT_BLOCKS):
        if element.tag == "img":
            src = image_src(element)
            alt = " ".join((element.get("alt") or "").split())
            if src:
                pending.append(Extra("image", src, previous, alt=alt))
            continue
        text = " ".join(element.text_content().split())
        if element.tag in HEADINGS:
            text = text.rstrip("#¶🔗 ")
            if text:
                pending = [
                    replace(e, heading_after=key(text))
                    if e.kind == "image" and e.heading_after is None
                    else e
                    for e in pending
                ]
                pending.append(Extra("heading", text, previous, level=int(element.tag[1])))
            continue
        name = key(text)
        if not name:
            continue
        seen[name] = seen.get(name, 0) + 1
        previous = (name, seen[name])
        done += [replace(extra, after=previous) for extra in pending]
        pending = []
    return done + pending


def image_src(img: lxml.html.HtmlElement) -> str | None:
    """The image's address (lazy-loading attributes first), None for icons and pixels."""
    for name in ("data-src", "data-original", "data-lazy-src", "src"):
        src = (img.get(name) or "").strip()
        if src and not src.startswith("data:"):
            break
    else:
        return None
    sizes = [img.get("width", ""), img.get("height", "")]
    if any(s.isdigit() and int(s) < _MIN_SIDE for s in sizes):
        return None
    return src


def main_element(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The page's declared main content (<main>, role=main, the largest <article>) when
    it holds most of the body's words, else the body."""
    body = doc.find("body")
    total = content_words(body)
    for xpath in ("//main", "//*[@role='main']", "//article"):
        found = doc.xpath(xpath)
        if found:
            best = max(found, key=content_words)
            if 2 * content_words(best) >= total:
                return best
    return body


def content_words(element: lxml.html.HtmlElement) -> int:
    """Words under ``element`` outside clutter (scripts, navigation, forms, comments…) and links."""
    total = words(element.text_content())
    for node in _clutter(element, links=True):
        total -= words(node.text_content())
    return total


def _clutter(element: lxml.html.HtmlElement, *, links: bool) -> list[lxml.html.HtmlElement]:
    """The outermost clutter elements under ``element`` (and links, when asked)."""
    found: list[lxml.html.HtmlElement] = []
    stack = [iter(element)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
        elif isinstance(node.tag, str):
            names = f"{node.get('class', '')} {node.get('id', '')}"
            if node.tag in CLUTTER or (links and node.tag == "a") or _CLUTTER_NAME.search(names):
                found.append(node)
            else:
                stack.append(iter(node))
    return found


def strip_clutter(element: lxml.html.HtmlElement) -> None:
    """Drop scripts, navigation, headers, footers, asides, forms and comment sections."""
    for node in _clutter(element, links=False):
        node.drop_tree()


def words(text: str) -> int:
    """The number of words in ``text`` (space-separated: a measure, fast on whole pages)."""
    return len(text.split())


_XML_TAGS = {
    "p": "p", "blockquote": "quote", "ul": "list", "ol": "list", "dl": "list", "li": "item",
    "dt": "item", "dd": "item", "table": "table", "tr": "row", "td": "cell", "th": "cell",
    "b": "hi", "strong": "hi", "i": "hi", "em": "hi", "a": "ref", "br": "lb", "code": "code",
}  # fmt: skip
_REND = {"b": "#b", "strong": "#b", "i": "#i", "em": "#i", "ul": "ul", "ol": "ol", "dl": "dl"}


def as_xml(element: lxml.html.HtmlElement) -> lxml.etree._Element:
    """The element read the way trafilatura writes its XML (head, p, list, table, hi, ref…),
    so one walker reads both; other elements keep only their text and children."""
    out = lxml.etree.Element(_XML_TAGS.get(str(element.tag), "div"))
    tag = str(element.tag)
    if tag in HEADINGS:
        out.tag, out.attrib["rend"] = "head", tag
    elif tag in _REND:
        out.attrib["rend"] = _REND[tag]
    elif tag in ("dt", "dd"):
        out.attrib["rend"] = f"{tag}-1"
    if tag == "a" and element.get("href"):
        out.attrib["target"] = element.get("href", "")
    out.text = element.text
    for child in element:
        if isinstance(child.tag, str):
            converted = as_xml(child)
            converted.tail = child.tail
            out.append(converted)
        elif len(out):
            out[-1].tail = (out[-1].tail or "") + (child.tail or "")
        else:
            out.text = (out.text or "") + (child.tail or "")
    return out
