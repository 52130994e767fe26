"""Helpers for the compiler tests: articles built by hand, and post checks."""

from __future__ import annotations

from pathlib import Path

import regex

from bot.article import Article, Block, Paragraph, Section

DATA = Path(__file__).resolve().parent.parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"
CLUSTER = regex.compile(r"\X")


def article(
    *sections: tuple[str | None, tuple[Block, ...]],
    title: str = "A Title",
    url: str | None = None,
    lang: str | None = "en",
) -> Article:
    """An article with the given (heading, blocks) sections."""
    built = tuple(
        Section(heading, 2 if heading else 0, (), (heading or "").lower().replace(" ", "-"), blocks)
        for heading, blocks in sections
    )
    return Article(title, url, lang, (), None, None, built, source="test")


def paragraphs(*texts: str) -> tuple[Block, ...]:
    return tuple(Paragraph(t) for t in texts)


def grapheme_count(text: str) -> int:
    return len(CLUSTER.findall(text))


def boundaries(text: str) -> set[int]:
    """Every grapheme cluster boundary of ``text`` (character offsets)."""
    out = {0}
    for m in CLUSTER.finditer(text):
        out.add(m.end())
    return out


def facet_text(text: str, facet: dict[str, object]) -> str:
    index = facet["index"]
    assert isinstance(index, dict)
    return text.encode("utf-8")[index["byteStart"] : index["byteEnd"]].decode("utf-8")


def locate(full: str, texts: list[str]) -> list[tuple[int, int]]:
    """Where each post sits in ``full``: in order, separated by whitespace only."""
    pos = 0
    spans = []
    for text in texts:
        if not text:
            continue
        start = full.find(text, pos)
        assert start >= 0, f"post not found in order: {text!r}"
        assert not full[pos:start].strip(), f"lost text between posts: {full[pos:start]!r}"
        spans.append((start, start + len(text)))
        pos = start + len(text)
    assert not full[pos:].strip(), f"lost text at the end: {full[pos:]!r}"
    return spans
