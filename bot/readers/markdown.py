"""Markdown with YAML/TOML front-matter -> Article, through markdown-it-py (pure).

ATX and setext headings, lists (nested items are flattened into the list),
quotes, fenced and indented code, tables (one list item per row), images
(``![alt](src)``, ``<img>``, 18F ``{% image %}`` shortcodes) and raw ``<pre>``
blocks. Inline text stays inline Markdown with links resolved against the
article URL when it is known. The title comes from front-matter, else the first
h1 (which is then not a section), else the first heading, else the file name.
A document without headings whose paragraphs include bold-only lines
(``**Like This**``) uses those lines as headings.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import replace

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.article import Article, Block, Code, Image, ListBlock, Paragraph, Quote
from bot.readers import frontmatter, liquid, sitemarks
from bot.readers.inline import code_span, escape, guess_lang, plain
from bot.readers.mdinline import InlineRenderer, resolve
from bot.readers.plaintext import title_from_source
from bot.readers.sections import Heading, Item, build_sections

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TAGS = re.compile(r"<[^>]+>")
_HTML_MARKS = (
    (re.compile(r"</?(em|i)\b[^>]*>", re.IGNORECASE), "*"),
    (re.compile(r"</?(strong|b)\b[^>]*>", re.IGNORECASE), "**"),
    (re.compile(r"</?code\b[^>]*>", re.IGNORECASE), "`"),
)
_BOLD = re.compile(r"\*\*([^*\n]{2,120})\*\*")


def read_markdown(
    text: str, *, source: str, split_level: int | None = None, base_url: str | None = None
) -> Article:
    """Read a Markdown document; see the module docstring."""
    front, body = frontmatter.split(text, source)
    meta = frontmatter.interpret(front, source)
    base = meta.url or base_url
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    walker = _Walker(InlineRenderer(base, base_url), parser)
    items = walker.walk(parser.parse(sitemarks.expand(liquid.expand(body))))
    title, items = _title(meta.title, items, source)
    level = split_level if split_level is not None else meta.options.split_level
    options = replace(meta.options, split_level=level)
    plain_text = " ".join(b.text for b in items if isinstance(b, Paragraph))
    return Article(
        title=title,
        url=meta.url or base_url,
        lang=meta.lang or guess_lang(plain_text),
        tags=meta.tags,
        summary=meta.summary,
        image=resolve(meta.image, base) if meta.image else None,
        sections=build_sections(items, level),
        source=source,
        options=options,
    )


def _title(given: str | None, items: list[Item], source: str) -> tuple[str, list[Item]]:
    headings = [i for i in items if isinstance(i, Heading)]
    h1 = [h for h in headings if h.level == 1]
    if given:
        return given, [i for i in items if not (isinstance(i, Heading) and i.text == given)]
    if len(h1) == 1:
        return h1[0].text, [i for i in items if i is not h1[0]]
    if headings:
        return headings[0].text, items
    return title_from_source(source), items


class _Walker:
    """Walks markdown-it's flat token stream, keeping list and quote context."""

    def __init__(self, inline: InlineRenderer, parser: MarkdownIt) -> None:
        self.inline = inline
        self.parser = parser
        self.items: list[Item] = []
        self.lists: list[ListBlock] = []
        self.list_items: list[str] = []
        self.quote_depth = 0
        self.quote_parts: list[str] = []
        self.row: list[str] = []

    def walk(self, tokens: list[Token]) -> list[Item]:
        for index, token in enumerate(tokens):
            handler = getattr(self, "on_" + token.type, None)
            if handler is not None:
                handler(token, tokens[index + 1] if index + 1 < len(tokens) else None)
        return _bold_headings(self.items)

    def emit(self, block: Block | Heading) -> None:
        self.items.append(block)

    def add_text(self, text: str) -> bool:
        """Put text into the open list item or quote; False when there is none."""
        if self.lists:
            last = self.list_items[-1] if self.list_items else ""
            joined = f"{last} {text}".strip() if last else text
            self.list_items[-1:] = [joined]
            return True
        if self.quote_depth:
            self.quote_parts.append(text)
            return True
        return False

    def on_heading_open(self, token: Token, inline: Token | None) -> None:
        text = self.inline.plain(inline.children or []) if inline else ""
        if not self.add_text(f"**{escape(text)}**") and text:
            self.emit(Heading(text, int(token.tag[1:])))

    def on_paragraph_open(self, token: Token, inline: Token | None) -> None:
        children = (inline.children or []) if inline else []
        text, images = self.inline.render(children)
        if not re.search(r"\w", plain(text)) or sitemarks.is_marker(plain(text)):
            text = ""  # "###", "* * *", "photo.jpg", ".loud": a mark, not text
        leading = bool(children) and children[0].type == "image"
        blocks: list[Block] = [Paragraph(text)] if text else []
        blocks = [*images, *blocks] if leading else [*blocks, *images]
        for block in blocks:
            if not (isinstance(block, Paragraph) and self.add_text(block.text)):
                self.emit(block)

    def on_bullet_list_open(self, token: Token, _next: Token | None) -> None:
        self.lists.append(ListBlock((), ordered=False))
        if len(self.lists) == 1:
            self.list_items = []

    def on_ordered_list_open(self, token: Token, _next: Token | None) -> None:
        start = token.attrGet("start")
        self.lists.append(ListBlock((), ordered=True, start=int(start) if start else 1))
        if len(self.lists) == 1:
            self.list_items = []

    def on_list_item_open(self, token: Token, _next: Token | None) -> None:
        self.list_items.append("")

    def _close_list(self) -> None:
        top = self.lists.pop()
        if not self.lists:
            items = tuple(i for i in self.list_items if i)
            if items and not self.add_text("\n".join(f"- {i}" for i in items)):
                self.emit(ListBlock(items, top.ordered, top.start))

    def on_bullet_list_close(self, token: Token, _next: Token | None) -> None:
        self._close_list()

    on_ordered_list_close = on_bullet_list_close

    def on_blockquote_open(self, token: Token, _next: Token | None) -> None:
        self.quote_depth += 1

    def on_blockquote_close(self, token: Token, _next: Token | None) -> None:
        self.quote_depth -= 1
        if not self.quote_depth and self.quote_parts:
            text = "\n\n".join(self.quote_parts)
            self.quote_parts = []
            if not self.add_text(text):
                self.emit(Quote(text))

    def on_fence(self, token: Token, _next: Token | None) -> None:
        code = token.content.rstrip("\n")
        lang = token.info.split()[0] if token.info.strip() else None
        if code.strip() and not self.add_text(_as_inline_code(code)):
            self.emit(Code(code, lang))

    on_code_block = on_fence

    def on_html_block(self, token: Token, _next: Token | None) -> None:
        for block in _html_blocks(token.content, self.inline, self.parser):
            if isinstance(block, Paragraph) and self.add_text(block.text):
                continue
            self.emit(block)

    def on_tr_open(self, token: Token, _next: Token | None) -> None:
        self.row = []

    def on_td_open(self, token: Token, cell: Token | None) -> None:
        if cell is not None and cell.type == "inline":
            self.row.append(self.inline.render(cell.children or [])[0])

    on_th_open = on_td_open

    def on_tr_close(self, token: Token, _next: Token | None) -> None:
        if any(self.row):
            self.emit(Paragraph(" | ".join(self.row)))
        self.row = []


def _as_inline_code(code: str) -> str:
    return " ".join(code_span(line.strip()) for line in code.splitlines() if line.strip())


def _html_blocks(raw: str, inline: InlineRenderer, parser: MarkdownIt) -> list[Block]:
    """Images, ``<pre>`` code, or the text of a raw HTML block read as inline Markdown."""
    images = [_img(tag, inline) for tag in _IMG.findall(raw)]
    if re.search(r"<table\b", raw, re.IGNORECASE):
        return [*images, *_html_table(raw, inline)]
    if re.search(r"<pre\b", raw, re.IGNORECASE):
        code = htmllib.unescape(_TAGS.sub("", raw)).strip("\n")
        return [Code(code)] if code.strip() else []
    for pattern, marker in _HTML_MARKS:
        raw = pattern.sub(marker, raw)
    raw = re.sub(r"<!--.*?-->", "", raw, flags=re.DOTALL)
    source = " ".join(htmllib.unescape(_TAGS.sub(" ", raw)).split())
    tokens = parser.parseInline(source) if source else []
    text = inline.render(tokens[0].children or [])[0] if tokens else ""
    return [*images, *([Paragraph(text)] if text else [])]


def _html_table(raw: str, inline: InlineRenderer) -> list[Block]:
    """An HTML table in Markdown, read like one on a page: a row per list item."""
    import lxml.html  # only documents with raw HTML tables pay for lxml

    from bot.readers import htmldom
    from bot.readers.htmlwalk import Walker

    try:
        root = lxml.html.fragment_fromstring(raw, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return []
    items = Walker(inline.base, [], "").walk(htmldom.as_xml(root))
    return [i for i in items if not isinstance(i, Heading)]


def _img(tag: str, inline: InlineRenderer) -> Image:
    attrs = {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _ATTR.finditer(tag)}
    return Image(inline.image_url(htmllib.unescape(attrs.get("src", ""))), attrs.get("alt", ""))


def _bold_headings(items: list[Item]) -> list[Item]:
    """In a document without headings, ``**Short Line**`` paragraphs become headings."""
    if any(isinstance(i, Heading) for i in items):
        return items
    found = [_BOLD.fullmatch(i.text) if isinstance(i, Paragraph) else None for i in items]
    if sum(1 for f in found if f) < 2:
        return items
    return [
        Heading(plain(f.group(1)).strip(), 2) if f else i for i, f in zip(items, found, strict=True)
    ]
