"""Cut pasted plain text into chunks: paragraphs, lists and code (pure)."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Literal

ChunkKind = Literal["text", "code", "bullet", "ordered", "heading"]

_BULLET = re.compile(r"^\s*[•\-*–□▪◦‣·●○■](?:\s+(.*))?$")
_ORDERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(\S.*)$")
_FORM_FIELD = re.compile(r"\[\s*\]")
_SOCIAL = {
    "bluesky", "reddit", "facebook", "twitter", "x", "linkedin", "email", "e-mail",
    "copy link", "print", "whatsapp", "mastodon", "threads", "telegram", "pinterest",
}  # fmt: skip
_STRONG_CODE = re.compile(r"[{};]\s*(//.*)?$|^\s*//|^\s*[})\]]+[);,]*\s*$")
_CODE = re.compile(
    r"[{};,(]\s*(//.*)?$|^\s*[})\]]|^\s*(var|let|const|function|return|import|def|class)\s"
)
_LONG_ITEM = 60
_UNDERLINE = re.compile(r"^\s*(={3,}|-{3,})\s*$")
_LONE_BULLET = re.compile(r"^\s*[•\-*–□▪◦‣·●○■]\s*$")
_MENU_WORDS = 3


@dataclass
class Chunk:
    """Consecutive lines of one kind; ``items`` for lists, ``start`` their first number;
    ``depth`` for a heading underlined with ``===`` (1) or ``---`` (2)."""

    kind: ChunkKind
    lines: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    start: int = 1
    depth: int = 0


def looks_like_code(lines: list[str]) -> bool:
    """Most lines end like statements or braces, and at least one clearly does."""
    code = sum(1 for line in lines if _CODE.search(line))
    strong = any(_STRONG_CODE.search(line) for line in lines)
    return strong and code * 2 >= len(lines)


def is_furniture(line: str) -> bool:
    """A form field or a row of share buttons."""
    parts = [p.strip().casefold() for p in line.split("|")]
    return bool(_FORM_FIELD.search(line)) or (len(parts) > 1 and set(parts) <= _SOCIAL)


def is_menu(chunk: Chunk) -> bool:
    """Three or more lines of at most three words, none ending a sentence: a menu."""
    return len(chunk.lines) >= 3 and all(
        len(line.split()) <= _MENU_WORDS and not line.rstrip().endswith((".", "!", "?", ":"))
        for line in chunk.lines
    )


def chunk_lines(lines: list[str]) -> list[Chunk]:
    """Group lines into chunks; code chunks separated only by blank lines merge.

    A line underlined with ``===`` or ``---`` is a heading chunk of its own; a bullet
    alone on its line takes the next line as its text (no lone bullets)."""
    chunks: list[Chunk] = []
    current: Chunk | None = None
    lines = _join_lone_bullets(lines)
    for index, line in enumerate(lines):
        if not line.strip() or is_furniture(line) or _UNDERLINE.match(line):
            current = None
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        underline = _UNDERLINE.match(following)
        if underline and current is None and len(line) <= 120:
            depth = 1 if underline.group(1)[0] == "=" else 2
            chunks.append(Chunk("heading", [line.strip()], depth=depth))
            current = None
            continue
        current = _add(chunks, current, line)
    return _merge_code([_classify(c) for c in chunks])


def _join_lone_bullets(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if out and _LONE_BULLET.match(out[-1]) and line.strip():
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    return out


def _add(chunks: list[Chunk], current: Chunk | None, line: str) -> Chunk:
    bullet, ordered = _BULLET.match(line), _ORDERED.match(line)
    if bullet or ordered:
        kind: ChunkKind = "bullet" if bullet else "ordered"
        text = (bullet.group(1) or "") if bullet else ordered.group(2) if ordered else ""
        if current is None or current.kind != kind:
            start = int(ordered.group(1)) if ordered else 1
            current = Chunk(kind, start=start)
            chunks.append(current)
        current.lines.append(line)
        current.items.append(text.strip())
        return current
    if current is not None and current.kind != "text" and line[:2] == "  ":
        _continue_item(current, line.strip())
        return current
    if current is None or current.kind != "text":
        current = Chunk("text")
        chunks.append(current)
    current.lines.append(line)
    return current


def _continue_item(chunk: Chunk, text: str) -> None:
    """An indented line after an item: more of a long item, else a new item."""
    chunk.lines.append(text)
    last = chunk.items[-1] if chunk.items else ""
    if chunk.items and (len(last) >= _LONG_ITEM or text[:1].islower()):
        chunk.items[-1] = f"{last} {text}".strip()
    else:
        chunk.items.append(text)


def _classify(chunk: Chunk) -> Chunk:
    if chunk.kind == "text" and looks_like_code(chunk.lines):
        return Chunk("code", textwrap.dedent("\n".join(chunk.lines)).split("\n"))
    return chunk


def _merge_code(chunks: list[Chunk]) -> list[Chunk]:
    merged: list[Chunk] = []
    for chunk in chunks:
        if chunk.kind == "code" and merged and merged[-1].kind == "code":
            merged[-1].lines.extend(["", *chunk.lines])
        else:
            merged.append(chunk)
    return merged
