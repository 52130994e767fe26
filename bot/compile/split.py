"""Cut one long text into posts within a budget (pure).

The text is laid out as blocks (``Piece``s: a heading, a paragraph, a list...).
Posts are contiguous slices of it; a cut drops only the whitespace at the cut.
Cut preference: block > line (list item) > sentence > clause > word; a cut
never falls inside a grapheme cluster or a protected span (URL, #tag,
@mention, link text). A single word longer than a whole post is the one
exception: it is cut between grapheme clusters (and the caller warns).
Counts are additive across cluster boundaries, so every piece and gap is
measured once.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

from bot.richtext import WS_ATOM, graphemes, utf8_len

_EXT = r"(?![\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}])"
_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}\u3001-\u303f\uff01-\uff60]"
_CLOSE = "\"'”’»)\\]*_"
_LINE = regex.compile(rf"{WS_ATOM}*\n{WS_ATOM}*")
_SENTENCE = regex.compile(
    rf"(?<=[.!?…‼][{_CLOSE}]{{0,3}}){WS_ATOM}+(?=[^\p{{Ll}}])"
    rf"|(?<=[。！？][」』）”’]{{0,3}})(?![」』）”’]){WS_ATOM}*{_EXT}"
)
_CLAUSE = regex.compile(
    rf"(?<=[,;:][{_CLOSE}]{{0,3}}){WS_ATOM}+|{WS_ATOM}+(?=[—–] )"
    rf"|(?<=[，、；：]){WS_ATOM}*{_EXT}"
)
# A list marker never ends a post: no cut right after "• " or "12. " at a line start,
# nor after a bullet standing alone inside a line ("Home • News").
_AFTER_MARK = r"(?<!(?:^|\n)[ \t]*(?:[•◦▪‣·●○■*-]|\d{1,3}[.)]))(?<!(?:^|\s)[•◦▪‣●○■])"
_WORD = regex.compile(rf"{_AFTER_MARK}{WS_ATOM}+|(?<={_CJK})(?={_CJK}){_EXT}")
_CLUSTER = regex.compile(r"\X")
# In code a line cut keeps the next line's indentation and drops blank lines whole.
_CODE_LINE = regex.compile(r"[^\S\n]*\n(?:[^\S\n]*\n)*")
_NEVER = regex.compile(r"(?!)")
LEVELS = (_LINE, _SENTENCE, _CLAUSE, _WORD)
CODE_LEVELS = (_CODE_LINE, _NEVER, _NEVER, _WORD)
GRAPHEME_LEVEL = len(LEVELS) + 1
CLAUSE_LEVEL = 3  # LEVELS[2]: the finest cut allowed after a sticky paragraph


@dataclass(frozen=True)
class Budget:
    """Per-post limits: any of graphemes, UTF-8 bytes, code points (None = no limit)."""

    graphemes: int | None = None
    bytes: int | None = None
    chars: int | None = None

    def less(self, graphemes: int, chars: int) -> Budget:
        """This budget minus a fixed ASCII suffix (counters)."""
        return Budget(
            None if self.graphemes is None else self.graphemes - graphemes,
            None if self.bytes is None else self.bytes - chars,
            None if self.chars is None else self.chars - chars,
        )


@dataclass(frozen=True)
class Piece:
    """A block of the text: ``[start, end)``; ``sticky`` keeps it with what follows;
    ``fresh`` starts a new post; ``rigid`` (code) moves to a new post rather than
    being split after a sticky piece; ``lead`` (a heading) keeps at least a word of
    what follows, another sticky piece (a paragraph ending in ':') a clause or more."""

    start: int
    end: int
    sticky: bool = False
    fresh: bool = False
    rigid: bool = False
    lead: bool = False


@dataclass(frozen=True)
class Cut:
    """The posts as ``(start, end)`` slices, and whether a word had to be cut."""

    posts: tuple[tuple[int, int], ...]
    cut_word: bool


class _Packer:
    def __init__(
        self,
        text: str,
        protected: list[tuple[int, int]],
        budget: Budget,
        code: list[tuple[int, int]] | None = None,
        leads: set[int] | None = None,
    ) -> None:
        self.text = text
        self.code = code or []
        self.leads = leads or set()
        self.simple = text.isascii()
        self.protected = sorted(protected)
        self.starts = [a for a, _ in self.protected]
        self.budget = budget
        self.posts: list[tuple[int, int]] = []
        self.cur: tuple[int, int] | None = None
        self.size = (0, 0)
        self.sticky = False
        self.cut_word = False

    def cost(self, a: int, b: int) -> tuple[int, int]:
        if self.simple:
            return b - a, b - a
        if self.budget.graphemes is None and self.budget.bytes is None:
            return b - a, b - a
        return graphemes(self.text, a, b), utf8_len(self.text[a:b])

    def fits(self, size: tuple[int, int], chars: int) -> bool:
        g, n = size
        b = self.budget
        return (
            (b.graphemes is None or g <= b.graphemes)
            and (b.bytes is None or n <= b.bytes)
            and (b.chars is None or chars <= b.chars)
        )

    def flush(self) -> None:
        if self.cur is not None:
            self.posts.append(self.cur)
        self.cur = None
        self.size = (0, 0)
        self.sticky = False

    def start(self, a: int, b: int, own: tuple[int, int], sticky: bool) -> None:
        """Make ``[a, b)`` (of size ``own``) the current post's only content."""
        self.cur, self.size, self.sticky = (a, b), own, sticky

    def extend(self, a: int, b: int, own: tuple[int, int], sticky: bool) -> bool:
        """Append ``[a, b)`` to the current post if it still fits; True when it did."""
        assert self.cur is not None
        gap = self.cost(self.cur[1], a)
        total = (self.size[0] + gap[0] + own[0], self.size[1] + gap[1] + own[1])
        if not self.fits(total, b - self.cur[0]):
            return False
        self.cur, self.size, self.sticky = (self.cur[0], b), total, sticky
        return True

    def place(self, a: int, b: int, level: int, sticky: bool, rigid: bool = False) -> None:
        own = self.cost(a, b)
        if self.cur is None:
            if self.fits(own, b - a):
                self.start(a, b, own, sticky)
                return
        else:
            if self.extend(a, b, own, sticky):
                return
            if self.fits(own, b - a):
                # After a sticky piece, split what follows (after a heading at a word or
                # better, else at a clause or better); else move on.
                keep = self.sticky and not rigid
                pieces, finer = self.split(a, b, level, chars=False) if keep else ([], 0)
                if finer > (len(LEVELS) if self.cur[1] in self.leads else CLAUSE_LEVEL):
                    pieces = []
                if not pieces:
                    self.flush()
                    self.start(a, b, own, sticky)
                    return
                for index, (pa, pb) in enumerate(pieces):
                    self.place(pa, pb, finer, sticky and index == len(pieces) - 1)
                return
        pieces, finer = self.split(a, b, level)
        if len(pieces) <= 1:  # a single code point over budget: nothing finer exists
            self.flush()
            self.start(a, b, own, sticky)
            return
        for index, (pa, pb) in enumerate(pieces):
            self.place(pa, pb, finer, sticky and index == len(pieces) - 1)

    def place_group(self, group: list[Piece]) -> None:
        """Place a group whole (here or in a new post) or else part by part."""
        if not group:
            return
        a, b, sticky = group[0].start, group[-1].end, group[-1].sticky
        own = self.cost(a, b)
        if len(group) > 1 and self.cur is None and self.fits(own, b - a):
            self.start(a, b, own, sticky)
            return
        if len(group) > 1 and self.cur is not None and not self.sticky:
            if self.extend(a, b, own, sticky):
                return
            if self.fits(own, b - a):
                self.flush()
                self.start(a, b, own, sticky)
                return
        for piece in group:
            self.place(piece.start, piece.end, 0, piece.sticky, piece.rigid)

    def split(
        self, a: int, b: int, level: int, *, chars: bool = True
    ) -> tuple[list[tuple[int, int]], int]:
        """Pieces of ``[a, b)`` at the next level that cuts it; ``chars`` allows
        cutting between grapheme clusters when no word boundary is left."""
        levels = CODE_LEVELS if any(ca <= a and b <= cb for ca, cb in self.code) else LEVELS
        for finer in range(level + 1, len(levels) + 1):
            cuts = [
                m.span()
                for m in levels[finer - 1].finditer(self.text, a, b)
                if a < m.start() and m.end() < b and not self.inside(*m.span())
            ]
            if cuts:
                return _pieces(a, b, cuts), finer
        if not chars:
            return [], level
        self.cut_word = True
        if level < GRAPHEME_LEVEL:
            return self.clusters(a, b), GRAPHEME_LEVEL
        return [(i, i + 1) for i in range(a, b)], GRAPHEME_LEVEL + 1

    def inside(self, start: int, end: int) -> bool:
        """True when a cut over ``[start, end)`` would fall inside a protected span."""
        i = bisect.bisect_left(self.starts, end if end > start else start) - 1
        if i < 0:
            return False
        pa, pb = self.protected[i]
        return pa < end and start < pb if end > start else pa < start < pb

    def clusters(self, a: int, b: int) -> list[tuple[int, int]]:
        """Grapheme clusters of ``[a, b)``, protected spans kept whole when they fit."""
        out: list[tuple[int, int]] = []
        for m in _CLUSTER.finditer(self.text, a, b):
            if out and self.inside(m.start(), m.start()) and self._span_fits(m.start()):
                out[-1] = (out[-1][0], m.end())
            else:
                out.append(m.span())
        return out

    def _span_fits(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        pa, pb = self.protected[i]
        return self.fits(self.cost(pa, pb), pb - pa)


def _pieces(a: int, b: int, cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = a
    for gs, ge in cuts:
        if gs > start:
            out.append((start, gs))
        start = max(start, ge)
    if b > start:
        out.append((start, b))
    return out


def cut(text: str, pieces: list[Piece], protected: list[tuple[int, int]], budget: Budget) -> Cut:
    """Pack ``pieces`` of ``text`` into posts within ``budget``.

    A sticky piece (a heading, a paragraph ending in ':') travels with the piece
    after it: the group moves to a new post whole when it fits one, and when it
    is split the sticky piece keeps at least the start of what follows.
    """
    code = [(p.start, p.end) for p in pieces if p.rigid]
    packer = _Packer(text, protected, budget, code, {p.end for p in pieces if p.lead})
    for group in _groups([p for p in pieces if p.end > p.start or p.fresh]):
        if group[0].fresh:
            packer.flush()
        packer.place_group([p for p in group if p.end > p.start])
    packer.flush()
    return Cut(tuple(packer.posts), packer.cut_word)


def _groups(pieces: list[Piece]) -> list[list[Piece]]:
    groups: list[list[Piece]] = []
    for piece in pieces:
        if groups and groups[-1][-1].sticky and not piece.fresh:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return groups
