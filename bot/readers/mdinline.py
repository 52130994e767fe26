"""markdown-it inline tokens -> inline Markdown text, with images set aside (pure)."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urljoin

from markdown_it.token import Token

from bot.article import Image
from bot.readers.inline import code_span, escape, link

_MARKERS = {"em": "*", "strong": "**", "s": "~~"}
_HTML_MARKERS = {"em": "*", "i": "*", "strong": "**", "b": "**", "br": " "}


def _html_mark(tag: str) -> str:
    """The Markdown marker an inline HTML tag stands for ("" for the others)."""
    match = re.match(r"</?([a-zA-Z]+)", tag)
    return _HTML_MARKERS.get(match.group(1).lower(), "") if match else ""


def resolve(href: str, base: str | None) -> str:
    """``href`` made absolute against ``base`` when there is one."""
    return urljoin(base, href) if base and href else href


_HOLE = "\x00"  # where an image stood in the text
_HOLE_RUN = re.compile(rf"{_HOLE}(?:\s*[,;]?\s*{_HOLE})+|\(\s*{_HOLE}\s*\)")
_HOLE_AFTER_MARK = re.compile(rf"(?<=[:,;])\s*{_HOLE}\s*[,;]")
_HOLE_BEFORE_MARK = re.compile(rf"\s*{_HOLE}\s*(?=[.,;:!?)\]]|$)|^\s*{_HOLE}\s*")
_LOCAL = re.compile(r"^(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)")


def image_src(src: str, base: str | None) -> str:
    """An image address: against ``base`` (the page a document was fetched from) when
    given; else a relative path stays relative to the document file, normalised
    ("./img/../a.png" -> "a.png"), so the publisher uploads it from disk."""
    if base:
        return resolve(src, base)
    if _LOCAL.match(src) and src:
        return posixpath.normpath(src)
    return src


def _close_holes(text: str) -> str:
    """Text with the images taken out: "see ![x](y)." -> "see.", "(![x](y))" -> ""."""
    text = _HOLE_RUN.sub(_HOLE, text)
    text = _HOLE_AFTER_MARK.sub("", text)
    return _HOLE_BEFORE_MARK.sub("", text).replace(_HOLE, " ")


class InlineRenderer:
    """Renders inline children; links resolved against ``base``, images against
    ``image_base`` (see ``image_src``)."""

    def __init__(self, base: str | None, image_base: str | None = None) -> None:
        self.base = base
        self.image_base = image_base

    def url(self, href: str) -> str:
        return resolve(href, self.base)

    def image_url(self, src: str) -> str:
        return image_src(src, self.image_base)

    def render(self, children: list[Token]) -> tuple[str, list[Image]]:
        """Inline Markdown for ``children`` and the images found among them."""
        out: list[str] = []
        images: list[Image] = []
        links: list[tuple[int, str, bool]] = []
        for token in children:
            kind = token.type
            if kind == "text":
                out.append(escape(token.content))
            elif kind == "code_inline":
                out.append(code_span(token.content))
            elif kind == "softbreak":
                out.append(" ")
            elif kind == "hardbreak":
                out.append("\n")
            elif kind == "image":
                src = self.image_url(str(token.attrGet("src") or ""))
                images.append(Image(src, self.plain(token.children or [])))
                out.append(_HOLE)
            elif kind == "link_open":
                href = self.url(str(token.attrGet("href") or ""))
                links.append((len(out), href, token.markup == "autolink"))
            elif kind == "link_close" and links:
                self._close_link(out, *links.pop())
            elif kind.endswith(("_open", "_close")) and kind.rsplit("_", 1)[0] in _MARKERS:
                out.append(_MARKERS[kind.rsplit("_", 1)[0]])
            elif kind == "html_inline":
                out.append(_html_mark(token.content))
        text = _close_holes("".join(out))
        return " ".join(text.split(" ")).strip(), images

    @staticmethod
    def _close_link(out: list[str], start: int, href: str, autolink: bool) -> None:
        text = "".join(out[start:]).replace(_HOLE, " ").strip()
        del out[start:]
        out.append(href if autolink or not text or not href else link(text, href))

    def plain(self, children: list[Token]) -> str:
        """The visible text only (for headings and alt text)."""
        parts = []
        for token in children:
            if token.type in ("text", "code_inline"):
                parts.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                parts.append(" ")
            elif token.type == "image":
                parts.append(self.plain(token.children or []))
        return " ".join("".join(parts).split())
