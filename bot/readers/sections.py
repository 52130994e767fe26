"""Turn a flat run of headings and blocks into the article's sections (pure).

Headings nest by level, and a heading followed directly by another heading
is that heading's parent even when their levels say otherwise. By default
every heading that owns body text becomes a section (the deepest headings
with text), carrying the headings above it in ``path``; headings without
body text only appear in paths. With ``split_level`` N, headings deeper than
N are folded into their level-N section as a bold paragraph. Text before the
first heading is the untitled intro: heading None, level 0, anchor "" (it
links to the article itself, without a fragment). Anchors are GitHub slugs,
made unique over every heading of the article.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.article import Block, Paragraph, Section
from bot.readers.inline import escape, slug


@dataclass(frozen=True)
class Heading:
    """A heading met while reading: plain text and level (1 = h1)."""

    text: str
    level: int


Item = Heading | Block


@dataclass
class _Node:
    heading: str | None
    level: int
    path: tuple[str, ...]
    anchor: str
    blocks: list[Block] = field(default_factory=list)


def build_sections(items: list[Item], split_level: int | None = None) -> tuple[Section, ...]:
    """Group ``items`` into sections; see the module docstring for the rules."""
    nodes = _nodes(items)
    if split_level is not None:
        nodes = _fold(nodes, split_level)
    return tuple(
        Section(n.heading, n.level, n.path, n.anchor, tuple(n.blocks)) for n in nodes if n.blocks
    )


def _nodes(items: list[Item]) -> list[_Node]:
    nodes = [_Node(None, 0, (), "")]
    stack: list[Heading] = []
    anchors = _Anchors()
    for item in items:
        if isinstance(item, Heading):
            bare = stack[-1] if stack and not nodes[-1].blocks else None
            while stack and stack[-1].level >= item.level:
                stack.pop()
            path = tuple(h.text for h in stack)
            if bare is not None and bare not in stack:
                path += (bare.text,)  # "## Part" right before "## Intro": keep it as the parent
            nodes.append(_Node(item.text, item.level, path, anchors.make(item.text)))
            stack.append(item)
        else:
            nodes[-1].blocks.append(item)
    return nodes


def _fold(nodes: list[_Node], split_level: int) -> list[_Node]:
    kept: list[_Node] = []
    for node in nodes:
        owner = kept[-1] if kept else None
        if node.level > split_level and owner is not None and owner.heading is not None:
            owner.blocks.append(Paragraph(f"**{escape(node.heading or '')}**"))
            owner.blocks.extend(node.blocks)
        else:
            kept.append(node)
    return kept


class _Anchors:
    """Unique GitHub-style anchors: ``name``, ``name-1``, ``name-2`` …"""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, heading: str) -> str:
        base = slug(heading) or "section"
        anchor, count = base, 0
        while anchor in self.used:
            count += 1
            anchor = f"{base}-{count}"
        self.used.add(anchor)
        return anchor
