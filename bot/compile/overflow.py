"""Sections too long for one Bluesky thread: continued in next threads (pure).

With ``overflow = "continue"`` (default) a thread that would run past
``max_posts`` posts is split at block boundaries (paragraph, list, code…) into
parts of at most ``max_posts`` posts, as even as the blocks allow (13 posts
over a cap of 12 make 7 + 6); each part is a thread of its own headed
"Heading (2/3)", with the link card to the same section. A single block longer
than a whole thread stays whole in its part (and the part runs over). With
``overflow = "link"`` the thread is cut after ``max_posts - 1`` posts and ends
with "Continue reading: <section link>" (continued instead when the article
has no URL to link to).
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from bot.article import Article, Overflow, Section
from bot.compile import bluesky
from bot.compile.urls import tracked_url
from bot.threads import Limits, PostDraft

Thread = tuple[tuple[PostDraft, ...], tuple[str, ...]]
_WIDEST = " (99/99)"  # a part marker at least as wide as the real one, while measuring


def threads(
    article: Article,
    sections: list[Section],
    limits: Limits,
    *,
    counters: bool,
    utm: bool,
    most: int | None,
    overflow: Overflow,
) -> list[Thread]:
    """The thread(s) ``sections`` compile to within ``most`` posts each."""
    cuts: list[list[int]] = []
    whole = bluesky.thread(article, sections, limits, counters=counters, utm=utm, cuts=cuts)
    if most is None or len(whole[0]) <= most:
        return [whole]
    if overflow == "link" and tracked_url(article, sections[0].anchor, "bluesky", utm=utm):
        return [bluesky.thread(article, sections, limits, counters=counters, utm=utm, most=most)]
    # Aim for even parts: 13 posts over a cap of 12 make 7 + 6, not 12 + 1.
    even = -(-len(whole[0]) // -(-len(whole[0]) // most))
    compile_ = _Parts(article, sections, limits, counters=counters, utm=utm, cuts=cuts)
    # Parts are read off the whole thread's cut; a part's own header can shift its cut
    # by a post, so when a part of several blocks runs over, every part is checked.
    parts = compile_.estimated(even)
    out = compile_.threads(parts)
    if any(len(p) > most and _blocks(part) > 1 for (p, _), part in zip(out, parts, strict=True)):
        out = compile_.threads(compile_.estimated(even, check=most))
    return out


class _Parts:
    """One section (or article) thread cut at block boundaries into parts."""

    def __init__(
        self, article: Article, sections: list[Section], limits: Limits, *, counters: bool,
        utm: bool, cuts: list[list[int]],
    ) -> None:  # fmt: skip
        self.block_ends, self.ends = cuts
        self.article, self.sections, self.limits = article, sections, limits
        self.counters, self.utm = counters, utm
        self.units = [(s, b) for s, sec in enumerate(sections) for b in range(len(sec.blocks))]

    def threads(self, parts: list[list[Section]]) -> list[Thread]:
        marks = [f" ({k}/{len(parts)})" for k in range(1, len(parts) + 1)]
        return [self.compile(part, mark) for part, mark in zip(parts, marks, strict=True)]

    def compile(self, part: list[Section], mark: str) -> Thread:
        return bluesky.thread(self.article, part, self.limits, counters=self.counters,
                              utm=self.utm, part=mark)  # fmt: skip

    def estimated(self, most: int, check: int | None = None) -> list[list[Section]]:
        """Runs read off the whole thread's cut: each ends with the last block that ends
        within ``most`` posts of the run's start (at least one block a run); with
        ``check``, a run is compiled and shortened while it has more posts than that."""
        block_ends, ends = self.block_ends, self.ends

        def post_of(offset: int) -> int:
            return min(bisect.bisect_left(ends, offset), len(ends) - 1)

        parts, start = [], 0
        while start < len(self.units):
            first = post_of(block_ends[start - 1] + 1) if start else 0
            end = start + 1
            while end < len(self.units) and post_of(block_ends[end]) - first < most:
                end += 1
            while check is not None and end > start + 1 and not self.fits(start, end, check):
                end -= 1
            parts.append(_sections(self.sections, self.units[start:end]))
            start = end
        return parts

    def fits(self, start: int, end: int, most: int) -> bool:
        part = _sections(self.sections, self.units[start:end])
        return len(self.compile(part, _WIDEST)[0]) <= most


def _blocks(part: list[Section]) -> int:
    return sum(len(section.blocks) for section in part)


def _sections(sections: list[Section], units: list[tuple[int, int]]) -> list[Section]:
    """The sections holding ``units`` (section, block), each with only those blocks."""
    out: list[Section] = []
    for index, section in enumerate(sections):
        blocks = tuple(section.blocks[b] for s, b in units if s == index)
        if blocks:
            out.append(replace(section, blocks=blocks))
    return out
