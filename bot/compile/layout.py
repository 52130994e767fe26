"""A section laid out as one text with blocks, spans and image anchors (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.compile.split import Piece
from bot.richtext import Rich, Span
from bot.threads import ImageRef

BLOCK_SEP = "\n\n"


@dataclass
class Layout:
    """The rendered text of a thread, built block by block."""

    parts: list[str] = field(default_factory=list)
    size: int = 0
    pieces: list[Piece] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    images: list[tuple[int, ImageRef]] = field(default_factory=list)
    block_ends: list[int] = field(default_factory=list)  # text offset after each block

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def add(
        self,
        rich: Rich,
        *,
        sticky: bool = False,
        fresh: bool = False,
        rigid: bool = False,
        lead: bool = False,
    ) -> None:
        """Append a block (skipped when empty, except for its images)."""
        if rich.text:
            if self.parts:
                self.parts.append(BLOCK_SEP)
                self.size += len(BLOCK_SEP)
            start = self.size
            self.parts.append(rich.text)
            self.size += len(rich.text)
            piece = Piece(start, self.size, sticky=sticky, fresh=fresh, rigid=rigid, lead=lead)
            self.pieces.append(piece)
            self.spans += [
                Span(s.start + start, s.end + start, s.kind, s.value) for s in rich.spans
            ]
        for image in rich.images:
            self.add_image(image)

    def add_image(self, image: ImageRef) -> None:
        self.images.append((self.size, image))


def join(riches: list[Rich], sep: str) -> Rich:
    """Several rich texts as one, ``sep`` between them (spans shifted)."""
    parts: list[str] = []
    spans: list[Span] = []
    images: list[ImageRef] = []
    size = 0
    for rich in riches:
        if parts:
            parts.append(sep)
            size += len(sep)
        spans += [Span(s.start + size, s.end + size, s.kind, s.value) for s in rich.spans]
        images += rich.images
        parts.append(rich.text)
        size += len(rich.text)
    return Rich("".join(parts), tuple(spans), tuple(images))


def prefixed(prefix: str, rich: Rich, suffix: str = "") -> Rich:
    """``prefix + rich + suffix``."""
    spans = tuple(
        Span(s.start + len(prefix), s.end + len(prefix), s.kind, s.value) for s in rich.spans
    )
    return Rich(prefix + rich.text + suffix, spans, rich.images)
