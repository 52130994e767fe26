"""Plain text as pasted from a web page -> Article (pure).

The page's structure survives only as layout, so the rules are heuristics:

* a one-line block that is short, starts with a capital or digit and ends
  without punctuation is a heading; a lone ``1. Short Title`` line between
  paragraphs is a numbered heading, numbered 1..n within its parent (a copied
  ordered list shows "1." everywhere);
* wrapped lines join into paragraphs; runs of ``•``/``-``/``*``/``1.`` lines are
  lists (an indented line after a short item is the next item whose bullet
  was lost; after a long item, or starting in lower case, it continues it);
* blocks that look like source code stay code, line by line;
* page furniture is dropped: navigation before the body (the title is picked
  from it), the footer from a "Share This Article" / "Posted by" / "N comments"
  line on, form fields, and the page title repeated inside the text.

Headings nest: one followed directly by another heading is its parent, and
later headings stay its children while they look like the first child (same
first word, or all numbered); a heading that looks different goes back up.
Top-level headings get level 2 (the title is level 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.article import Article, Block, Code, ListBlock, Paragraph
from bot.readers.inline import escape, normalize
from bot.readers.sections import Heading, Item, build_sections
from bot.readers.textblocks import Chunk, chunk_lines, is_menu, looks_like_code

_END_MARKERS = re.compile(
    r"^(share (this|on|via)\b.*|posted by \w.*|\d+ comments?|post a comment|"
    r"leave a (reply|comment)|comments|about the authors?|related (posts|articles|stories)|"
    r"more from \w.*|you (may|might) also like.*|recommended( for you)?|read next|"
    r"most (read|popular)|(©|copyright ©?|\(c\))\s*\d{4}\b.*)$",
    re.IGNORECASE,
)
_CHROME = re.compile(r"^(skip to (main )?content|menu|search|home|navigation)$", re.IGNORECASE)
_BYLINE = re.compile(r"\b(by|on|posted|updated|published)\b.*\d{4}", re.IGNORECASE)
# Lines that are page furniture wherever they stand: share/follow/sign-up prompts,
# bylines and datelines, copyright lines.
_CLUTTER = re.compile(
    r"^(share:?|share (this|on \w+|via \w+).*|follow( us)?( on \w+)?|follow @\w+|sign up|"
    r"sign in|log in|subscribe|subscribe (now|today|to our newsletter)|advertisement|"
    r"print|email|tweet|listen to this article|\d+ min(ute)? read|"
    r"(written |reported |photos? )?by (?-i:[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3})"
    r"(\s*[,|·•]\s.*)?|(published|updated|posted)( on)?:? .*\d.*|"
    r"(©|copyright ©?|\(c\))\s*\d{4}\b.*|all rights reserved\.?)$",
    re.IGNORECASE,
)
_CAPS_HEADING = re.compile(r"^[^a-z]*[A-Z]{2}[^a-z]*$")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+[A-Z]")
_SHORT_HEADING = 60
_BIO = re.compile(
    r"^(?-i:[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3}) (is|was|writes|covers|reports)\b.*\b"
    r"(reporter|writer|editor|correspondent|journalist|author|columnist|contributor|"
    r"producer|photographer|covers|based in)\b",
    re.IGNORECASE,
)
_BIO_WORDS = 60
_FURNITURE_WORDS = 12  # a clutter or end-marker line is short; prose is not furniture
_BODY_CHARS = 100
TOP_LEVEL = 2


def read_plain(text: str, *, source: str, split_level: int | None = None) -> Article:
    """Read pasted plain text; see the module docstring for the rules."""
    lines = _cut_footer([line.rstrip() for line in text.splitlines()])
    chunks = _split_headings([c for c in chunk_lines(lines) if not _clutter(c)])
    chunks = _drop_bios(chunks)
    title, chunks = _take_title(chunks, source)
    items = _items(chunks, title)
    return Article(
        title=title,
        url=None,
        lang=None,
        tags=(),
        summary=None,
        image=None,
        sections=build_sections(items, split_level),
        source=source,
    )


def _cut_footer(lines: list[str]) -> list[str]:
    for index in range(len(lines) * 2 // 5, len(lines)):
        line = lines[index].strip()
        if len(line.split()) <= _FURNITURE_WORDS and _END_MARKERS.match(line):
            return lines[:index]
    return lines


def _clutter(chunk: Chunk) -> bool:
    """A share prompt, byline, copyright line or menu (very short lines) anywhere."""
    if chunk.kind == "text" and len(chunk.lines) == 1:
        line = chunk.lines[0].strip()
        return len(line.split()) <= _FURNITURE_WORDS and bool(_CLUTTER.match(line))
    return chunk.kind == "text" and is_menu(chunk)


def _drop_bios(chunks: list[Chunk]) -> list[Chunk]:
    """Author bios at the end ("Jane Doe is a reporter at …"), short and last, go."""
    end = len(chunks)
    while end > 1 and chunks[end - 1].kind == "text":
        text = " ".join(line.strip() for line in chunks[end - 1].lines)
        if len(text.split()) > _BIO_WORDS or not _BIO.match(text):
            break
        end -= 1
    return chunks[:end]


def _split_headings(chunks: list[Chunk]) -> list[Chunk]:
    """A paragraph whose first line is a short ALL-CAPS or numbered ("2.1 Results")
    heading, with no blank line after it: the heading becomes a chunk of its own."""
    out: list[Chunk] = []
    for chunk in chunks:
        first = chunk.lines[0].strip() if chunk.lines else ""
        rest = chunk.lines[1:]
        shown = _CAPS_HEADING.match(first) or _NUMBERED_HEADING.match(first)
        heads = shown and len(first) <= _SHORT_HEADING and is_heading_line(first)
        if chunk.kind == "text" and rest and heads and rest[0].strip()[:1].isupper():
            out += [Chunk("text", [first]), Chunk("text", rest)]
        else:
            out.append(chunk)
    return out


def _take_title(chunks: list[Chunk], source: str) -> tuple[str, list[Chunk]]:
    """The title and the chunks after the leading page furniture."""
    if chunks and chunks[0].kind == "heading" and chunks[0].depth == 1:
        return chunks[0].lines[0], chunks[1:]  # "Release Notes\n=====" opens the text
    body = next((i for i, c in enumerate(chunks) if _is_body(c)), len(chunks))
    lead = chunks[:body]
    candidates = [c.lines[0].strip() for c in lead if c.kind == "text" and len(c.lines) == 1]
    candidates = [t for t in candidates if _titlish(t)]
    furniture = body < len(chunks) and any(
        c.kind not in ("text", "heading") or _CHROME.match(c.lines[0].strip()) for c in lead
    )
    if furniture and candidates:
        return max(candidates, key=len), chunks[body:]
    if chunks and chunks[0].kind == "text" and len(chunks[0].lines) == 1:
        first = chunks[0].lines[0].strip()
        if _titlish(first):
            return first, chunks[1:]
    if candidates and body < len(chunks):
        return candidates[0], [c for c in chunks if c.lines != [candidates[0]]]
    return title_from_source(source), chunks


def _is_body(chunk: Chunk) -> bool:
    text = " ".join(line.strip() for line in chunk.lines)
    return chunk.kind == "text" and len(text) >= _BODY_CHARS and bool(re.search(r"[.!?]", text))


def _titlish(line: str) -> bool:
    return (
        2 <= len(line) <= 150
        and (line[0].isupper() or line[0].isdigit())
        and not _BYLINE.search(line)
        and not _CHROME.match(line)
        and not line.endswith((".", ",", ";", ":"))
    )


def title_from_source(source: str) -> str:
    stem = re.split(r"[\\/]", source.rstrip("/"))[-1].rsplit(".", 1)[0]
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Untitled"


def is_heading_line(line: str) -> bool:
    """A short line, capitalised, without closing punctuation or code."""
    line = line.strip()
    return (
        2 <= len(line) <= 90
        and len(line.split()) <= 12
        and (line[0].isupper() or line[0].isdigit())
        and not re.search(r"[.,;:!?…\"”'’)\]]$", line)
        and not looks_like_code([line])
    )


@dataclass
class _Level:
    heading: Heading
    child_sig: str | None = None


def _items(chunks: list[Chunk], title: str) -> list[Item]:
    """Blocks and headings, with nesting levels worked out."""
    items: list[Item] = []
    stack: list[_Level] = []
    numbers: dict[int, int] = {}
    after_heading = False
    for index, chunk in enumerate(chunks):
        if chunk.kind == "heading" or _numbered_depth(chunk):
            explicit = _explicit_heading(chunk, title)
            if explicit is not None:
                items.append(explicit)
                stack, after_heading = [], True
            continue
        head = _heading_text(chunk, chunks[index + 1 : index + 2])
        if head is None:
            blocks = _blocks(chunk)
            items.extend(blocks)
            after_heading = after_heading and not blocks
            continue
        if normalize(head) == normalize(title):
            continue
        sig = "#" if chunk.kind == "ordered" else head.split()[0].casefold()
        if after_heading and stack:
            stack[-1].child_sig = sig
        while stack and stack[-1].child_sig != sig:
            stack.pop()
        if chunk.kind == "ordered":
            parent = id(stack[-1]) if stack else 0
            numbers[parent] = numbers.get(parent, 0) + 1
            head = f"{numbers[parent]}. {head}"
        heading = Heading(head, TOP_LEVEL + len(stack))
        items.append(heading)
        stack.append(_Level(heading))
        after_heading = True
    return items


def _explicit_heading(chunk: Chunk, title: str) -> Heading | None:
    """An underlined or decimal-numbered heading: its level is given, not guessed."""
    text = " ".join(chunk.lines[0].split())
    depth = chunk.depth or _numbered_depth(chunk)
    return None if normalize(text) == normalize(title) else Heading(text, TOP_LEVEL + depth - 1)


def _numbered_depth(chunk: Chunk) -> int:
    """2 for "2.1 Methods", 3 for "2.1.4 Sampling": a decimal-numbered heading line
    (0 otherwise; "2. Results" is left to the ordered-heading rule)."""
    if chunk.kind != "text" or len(chunk.lines) != 1:
        return 0
    line = chunk.lines[0].strip()
    found = _NUMBERED_HEADING.match(line)
    if not found or "." not in found.group(1) or not is_heading_line(line):
        return 0
    return found.group(1).count(".") + 1


def _heading_text(chunk: Chunk, following: list[Chunk]) -> str | None:
    """The heading a chunk stands for, or None when it is body text."""
    if chunk.kind == "text" and len(chunk.lines) == 1 and is_heading_line(chunk.lines[0]):
        return chunk.lines[0].strip()
    lone = chunk.kind == "ordered" and len(chunk.items) == 1 and len(chunk.lines) == 1
    if lone and is_heading_line(chunk.items[0]) and following and following[0].kind == "text":
        return chunk.items[0].strip()
    return None


def _blocks(chunk: Chunk) -> list[Block]:
    if chunk.kind == "code":
        return [Code("\n".join(chunk.lines))]
    if chunk.kind == "text":
        return [Paragraph(escape(" ".join(line.strip() for line in chunk.lines)))]
    items = tuple(escape(item) for item in chunk.items if item)
    if not items:
        return []
    return [ListBlock(items, ordered=chunk.kind == "ordered", start=chunk.start)]
