"""Article readers: a file or URL in plain text, Markdown or HTML -> Article.

``read_source`` is the entry point for files and URLs; ``read_text`` reads text
already in memory. Every failure is a ``ContentError`` naming the source, the
reason and, where it helps, the line: empty, binary or non-UTF-8 files, files
over ``MAX_BYTES``, broken front-matter, HTML without an article body, an
unknown format, and everything a URL fetch can go wrong with.

Conventions shared by all readers (see bot.article for the model):
headings and titles are plain text; block text is inline Markdown; the
untitled intro section has heading None, level 0 and anchor "".
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from bot.article import Article
from bot.errors import ContentError

if TYPE_CHECKING:  # httpx loads only when a URL is read
    from bot.fetch import Fetched, FetchPolicy

Format = Literal["text", "markdown", "html"]

MAX_BYTES = 5_000_000
ACCEPTED_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "text/markdown",
    "text/x-markdown",
)
_EXTENSIONS: dict[str, Format] = {
    ".txt": "text", ".text": "text",
    ".md": "markdown", ".markdown": "markdown", ".mdown": "markdown", ".mkd": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
}  # fmt: skip
_NOT_ARTICLES = {
    ".pdf", ".doc", ".docx", ".odt", ".rtf", ".epub", ".png", ".jpg", ".jpeg", ".gif",
    ".webp", ".zip", ".gz", ".mp3", ".mp4", ".json", ".xml", ".csv",
}  # fmt: skip

__all__ = ["MAX_BYTES", "Format", "read_source", "read_text", "sniff"]


def read_source(
    source: str, *, policy: FetchPolicy | None = None, split_level: int | None = None
) -> Article:
    """Read a file path or an http(s) URL into an Article."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", source):
        return _read_url(source, policy, split_level)
    return _read_file(source, split_level)


def read_text(
    text: str,
    *,
    source: str,
    fmt: Format,
    split_level: int | None = None,
    base_url: str | None = None,
) -> Article:
    """Read ``text`` in the given format; ``source`` names it in errors."""
    if fmt not in get_args(Format):
        raise ContentError(source, f"unknown format {fmt!r} (expected text, markdown or html)")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ContentError(source, "the article is empty")
    # Each reader is imported on use: trafilatura and lxml cost ~0.4 s to import.
    if fmt == "html":
        from bot.readers.html import read_html

        article = read_html(text, source=source, split_level=split_level, base_url=base_url)
    elif fmt == "markdown":
        from bot.readers.markdown import read_markdown

        article = read_markdown(text, source=source, split_level=split_level, base_url=base_url)
    else:
        from bot.readers.plaintext import read_plain

        article = read_plain(text, source=source, split_level=split_level)
    if not article.sections:
        raise ContentError(source, "no article text found")
    return article


def sniff(text: str) -> Format:
    """Guess the format of text whose name does not say it."""
    head = text.lstrip("\ufeff \t\r\n")[:2000].lower()
    if head.startswith(("<!doctype html", "<html")) or re.search(r"<(body|article|p|div)\b", head):
        return "html"
    if head.startswith(("---\n", "+++\n")) or re.search(
        r"^(#{1,6} \S|```|\[[^\]]+\]\([^)]+\))", text[:20_000], re.MULTILINE
    ):
        return "markdown"
    return "text"


def _read_file(path: str, split_level: int | None) -> Article:
    suffix = Path(path).suffix.lower()
    if suffix in _NOT_ARTICLES:
        raise ContentError(path, f"unknown format {suffix!r}: expected .txt, .md or .html")
    data = _load(path)
    text = decode(data, path)
    fmt = _EXTENSIONS.get(suffix) or sniff(text)
    return read_text(text, source=path, fmt=fmt, split_level=split_level)


def _load(path: str) -> bytes:
    """The file's bytes, refusing an oversized file before reading it."""
    try:
        size = os.stat(path).st_size
        if size > MAX_BYTES:
            raise ContentError(
                path, f"file is {size / 1e6:.1f} MB, over the {MAX_BYTES / 1e6:g} MB limit"
            )
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except IsADirectoryError as exc:
        raise ContentError(path, "is a directory, not an article file") from exc
    except FileNotFoundError as exc:
        raise ContentError(path, "no such file") from exc
    except OSError as exc:
        raise ContentError(path, f"cannot read: {exc.strerror}") from exc
    if len(data) > MAX_BYTES:
        raise ContentError(path, f"file is over the {MAX_BYTES / 1e6:g} MB limit")
    return data


def decode(data: bytes, source: str) -> str:
    """UTF-8 text, refusing empty, binary (NUL bytes) and invalid UTF-8 input."""
    if not data.strip():
        raise ContentError(source, "the file is empty")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ContentError(source, f"binary file (NUL byte at byte {nul}), not text", line=line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ContentError(
            source,
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at byte {exc.start} (column {column})",
            line=line,
        ) from exc


def _page_text(page: Fetched) -> str:
    """The body decoded with the header's charset, else a <meta charset>, else UTF-8."""
    declared = re.search(r"charset=", page.content_type, re.IGNORECASE)
    meta = re.search(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", page.content[:4096], re.I)
    if declared or not meta:
        return page.text
    try:
        return page.content.decode(meta.group(1).decode("ascii"), errors="replace")
    except LookupError:
        return page.text


def _read_url(url: str, policy: FetchPolicy | None, split_level: int | None) -> Article:
    from bot.fetch import FetchPolicy, fetch

    policy = policy or FetchPolicy(max_bytes=MAX_BYTES)
    page = fetch(url, policy=policy, accept=ACCEPTED_TYPES)
    kind = page.content_type.split(";")[0].strip().lower()
    text = _page_text(page)
    if not text.strip():
        raise ContentError(url, "the page is empty")
    if "\x00" in text:
        raise ContentError(url, "binary content (NUL bytes), not text")
    fmt: Format = "html" if "html" in kind else "markdown" if "markdown" in kind else sniff(text)
    article = read_text(text, source=url, fmt=fmt, split_level=split_level, base_url=page.url)
    if article.url is None:
        from dataclasses import replace

        article = replace(article, url=page.url)
    return article
