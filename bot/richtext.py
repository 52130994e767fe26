"""Inline Markdown -> plain text + rich-text spans, and text measuring (pure).

Bluesky shows plain text; links, #tags and @mentions become facets. This module
turns one block's inline Markdown (see ``bot.article``) into plain text plus
character-offset ``Span``s, and measures text the way Bluesky does: graphemes
are Unicode UAX #29 extended grapheme clusters (the ``regex`` module's ``\\X``),
bytes are UTF-8.

Rules (matching Bluesky's own facet detection where it has one):

- ``[text](url)`` shows ``text`` with a link span; ``![alt](src)`` becomes an image.
- a bare ``http(s)://`` URL is linked; when longer than ``URL_DISPLAY_MAX``
  graphemes it is shown shortened (``example.com/long/pa…``) and the span keeps
  the full URI. Bare domains are not linked (no TLD list: predictable output).
- ``#tag`` after whitespace or at the start: tag span (trailing punctuation
  dropped; at least one non-digit; <= 64 graphemes and 640 bytes, as the lexicon).
- ``@handle.domain`` after whitespace, ``(`` or the start: mention span whose
  value is the handle; the adapter resolves it to a DID at send time.
- ``*``, ``**``, ``~~`` and word-boundary ``_`` markers are dropped, code spans
  show their content (no facets inside), backslash escapes show the character.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

import regex

from bot.threads import FacetKind, ImageRef

URL_DISPLAY_MAX = 32
TAG_MAX_GRAPHEMES = 64
TAG_MAX_BYTES = 640
HANDLE_MAX = 253

# Python's str.isspace() set, so "up to whitespace" means what str.split() means.
WS_CHARS = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CTRL_WS = "\t\n\x0b\x0c\r\x1c-\x1f\x85\u2028\u2029"
_EXTENDERS = r"\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}"
# One whitespace character that is a grapheme cluster on its own: controls always
# are; a space is not when a Prepend precedes it or a combining mark follows it.
WS_ATOM = rf"(?:[{_CTRL_WS}]|(?<!\p{{GCB=Prepend}})[{WS_CHARS}](?![{_EXTENDERS}]))"
WS_RUN = regex.compile(rf"{WS_ATOM}+")
_LEAD_WS = regex.compile(rf"{WS_ATOM}+")
_TRAIL_WS = regex.compile(rf"{WS_ATOM}+\Z")
# Whitespace other than single spaces: only then is collapsing needed.
_ODD_WS = regex.compile("[" + WS_CHARS.replace(" ", "") + "]|  ")
_GRAPHEME = regex.compile(r"\X")
# Characters that can join a cluster with a neighbour; text without them has
# exactly one grapheme per code point.
_JOINERS = regex.compile(r"[^\p{GCB=Other}\p{GCB=Control}\p{GCB=LF}]")

_INLINE = regex.compile(
    r"(?P<esc>\\[!-/:-@\[-`{-~])"
    r"|(?P<code>`+)"
    r"|(?P<link>!?\[(?P<text>(?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*)\]"
    r"\((?P<dest><[^<>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"]*\")?\))"
    r"|(?P<auto><https?://[^\s<>]+>)"
    r"|(?P<url>https?://[^\s<>\"\u201c\u201d\u2018\u2019]+)"
    r"|(?P<mark>\*+|~~|_+)",
    regex.DOTALL,
)
_URL_TRAIL = regex.compile(r"[.,;:!?'\"*_\u2019\u201d\u00bb]+\Z")
_TAG = regex.compile(
    r"(?<![^"
    + WS_CHARS
    + r"])[#\uff03](?!\ufe0f)([^"
    + WS_CHARS
    + r"\u00ad\u2060\u200b-\u200d\u20e2]+)"
)
_TAG_TRAIL = regex.compile(r"\p{P}+\Z")
_TAG_NEEDS = regex.compile(r"[^\d\p{P}]")
_MENTION = regex.compile(
    r"(?<![^" + WS_CHARS + r"(])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?![a-zA-Z0-9-]|\.[a-zA-Z0-9])"
)
_ALNUM = regex.compile(r"\w")
_SCHEME = regex.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class Span:
    """A rich-text span over characters: ``start`` inclusive, ``end`` exclusive."""

    start: int
    end: int
    kind: FacetKind
    value: str


@dataclass(frozen=True)
class Rich:
    """Plain text, its spans, and the images found inline."""

    text: str
    spans: tuple[Span, ...] = ()
    images: tuple[ImageRef, ...] = ()


def graphemes(text: str, start: int = 0, end: int | None = None) -> int:
    """Extended grapheme clusters in ``text[start:end]`` (UAX #29, as Bluesky counts)."""
    stop = len(text) if end is None else end
    if _JOINERS.search(text, start, stop) is None:
        return stop - start
    return len(_GRAPHEME.findall(text, start, stop))


def utf8_len(text: str) -> int:
    """UTF-8 bytes of ``text``."""
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def is_simple(text: str) -> bool:
    """True when every code point of ``text`` is a grapheme cluster on its own."""
    return _JOINERS.search(text) is None


def cut_graphemes(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``limit`` graphemes, ending in ``ellipsis`` when cut."""
    clusters = _GRAPHEME.findall(text)
    if len(clusters) <= limit:
        return text
    return "".join(clusters[: max(limit - 1, 0)]).rstrip() + ellipsis


def shorten_url(url: str, limit: int = URL_DISPLAY_MAX) -> str:
    """How a bare URL is shown: in full when short, else ``host/path…`` in ``limit``."""
    if graphemes(url) <= limit:
        return url
    shown = regex.sub(r"\A[a-zA-Z][a-zA-Z0-9+.-]*://(?:www\.)?", "", url)
    return cut_graphemes(shown, limit)


def trim(rich: Rich) -> Rich:
    """``rich`` without leading/trailing whitespace clusters (spans shifted)."""
    text = rich.text
    lead = _LEAD_WS.match(text)
    start = lead.end() if lead else 0
    tail = _TRAIL_WS.search(text, start)
    end = tail.start() if tail else len(text)
    if start == 0 and end == len(text):
        return rich
    spans = tuple(
        Span(s.start - start, s.end - start, s.kind, s.value)
        for s in rich.spans
        if s.start >= start and s.end <= end
    )
    return Rich(text[start:end], spans, rich.images)


@dataclass
class _Builder:
    parts: list[str] = field(default_factory=list)
    size: int = 0
    spans: list[Span] = field(default_factory=list)
    quiet: list[tuple[int, int]] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    base: str | None = None

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def add_quiet(self, text: str, kind: FacetKind | None = None, value: str = "") -> None:
        """Text in which no tags or mentions are detected (code, link text, URLs)."""
        start = self.size
        self.add(text)
        self.quiet.append((start, self.size))
        if kind is not None and self.size > start:
            self.spans.append(Span(start, self.size, kind, value))


def collapse_ws(text: str) -> str:
    """Runs of whitespace clusters as one space."""
    return WS_RUN.sub(" ", text) if _ODD_WS.search(text) else text


def absolute(dest: str, base: str | None) -> str | None:
    """``dest`` resolved against ``base``; None when it stays relative (unusable in a post)."""
    if base and not _SCHEME.match(dest):
        dest = urljoin(base, dest)
    return dest if _SCHEME.match(dest) else None


def rewrite_links(markdown: str, base: str | None) -> str:
    """Markdown with link targets made absolute; links that cannot be keep their text."""
    out: list[str] = []
    pos = 0
    for match in _INLINE.finditer(markdown):
        if match.lastgroup != "link" or match.start() < pos:
            continue
        dest = match.group("dest")
        target = absolute(dest[1:-1] if dest.startswith("<") else dest, base)
        out.append(markdown[pos : match.start()])
        text = match.group("text")
        bang = "!" if match.group().startswith("!") else ""
        out.append(
            f"{bang}[{text}](<{target}>)"
            if target and " " in target
            else f"{bang}[{text}]({target})"
            if target
            else text
        )
        pos = match.end()
    out.append(markdown[pos:])
    return "".join(out)


def render_inline(markdown: str, *, collapse: bool = True, base: str | None = None) -> Rich:
    """Inline Markdown -> plain text with link/tag/mention spans and inline images.

    Link targets are resolved against ``base``; a link that stays relative shows
    its text without a facet.
    """
    source = collapse_ws(markdown) if collapse else markdown
    out = _Builder(base=base)
    _scan(source, out, linked=False)
    text = "".join(out.parts)
    spans = out.spans + _detect(text, out.quiet)
    spans.sort(key=lambda s: s.start)
    return trim(Rich(text, tuple(spans), tuple(out.images)))


def _scan(source: str, out: _Builder, *, linked: bool) -> None:
    pos = 0
    while pos < len(source):
        match = _INLINE.search(source, pos)
        if match is None:
            out.add(source[pos:])
            return
        out.add(source[pos : match.start()])
        pos = _token(source, match, out, linked)


def _token(source: str, match: regex.Match[str], out: _Builder, linked: bool) -> int:
    """Render one token; return where scanning resumes."""
    kind = match.lastgroup
    if kind == "esc":
        out.add(match.group()[1])
    elif kind == "code":
        return _code(source, match, out)
    elif kind == "link":
        _link(match, out, linked)
    elif kind in ("auto", "url"):
        return _url(source, match, out, linked)
    else:
        _mark(source, match, out)
    return int(match.end())


def _code(source: str, match: regex.Match[str], out: _Builder) -> int:
    fence = match.group()
    close = regex.compile(r"(?<!`)" + fence + r"(?!`)").search(source, match.end())
    if close is None:
        out.add(fence)
        return int(match.end())
    body = source[match.end() : close.start()]
    if len(body) > 2 and body[0] == " " and body[-1] == " " and body.strip(" "):
        body = body[1:-1]
    out.add_quiet(body)
    return int(close.end())


def _link(match: regex.Match[str], out: _Builder, linked: bool) -> None:
    dest = match.group("dest")
    if dest.startswith("<"):
        dest = dest[1:-1]
    inner = _Builder(base=out.base)
    _scan(match.group("text"), inner, linked=True)
    label = "".join(inner.parts)
    if match.group().startswith("!"):
        out.images.append(ImageRef(src=dest, alt=label.strip()))
        return
    target = absolute(dest, out.base)
    if linked or target is None or not label.strip():
        out.add_quiet(label or dest)
        return
    out.add_quiet(label, "link", target)


def _url(source: str, match: regex.Match[str], out: _Builder, linked: bool) -> int:
    url: str = match.group()
    end = int(match.end())
    if match.lastgroup == "auto":
        url = url[1:-1]
    else:
        trail = _URL_TRAIL.search(url)
        if trail:
            url = url[: trail.start()]
        if url.endswith(")") and url.count("(") < url.count(")"):
            url = url[:-1]
        end = int(match.start()) + len(url)
    if linked:
        out.add_quiet(url)
    else:
        out.add_quiet(shorten_url(url), "link", url)
    return end


def _mark(source: str, match: regex.Match[str], out: _Builder) -> None:
    mark = match.group()
    if mark.startswith("_"):
        before = source[match.start() - 1] if match.start() else " "
        after = source[match.end()] if match.end() < len(source) else " "
        if _ALNUM.match(before) and _ALNUM.match(after):
            out.add(mark)


def _detect(text: str, quiet: list[tuple[int, int]]) -> list[Span]:
    """#tags and @mentions in ``text``, outside code, link texts and URLs."""
    found: list[Span] = []
    for match in _TAG.finditer(text):
        tag = match.group(1)
        trail = _TAG_TRAIL.search(tag)
        if trail:
            tag = tag[: trail.start()]
        if not tag or not _TAG_NEEDS.search(tag):
            continue
        if graphemes(tag) > TAG_MAX_GRAPHEMES or utf8_len(tag) > TAG_MAX_BYTES:
            continue
        found.append(Span(match.start(), match.start(1) + len(tag), "tag", tag))
    for match in _MENTION.finditer(text):
        if len(match.group(1)) <= HANDLE_MAX:
            found.append(Span(match.start(), match.end(), "mention", match.group(1)))
    return [s for s in found if not any(a < s.end and s.start < b for a, b in quiet)]
