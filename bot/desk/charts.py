"""The article page's engagement charts: each section's latest stats per platform as bars
(pure: computed from bot.app.stats.SectionStats; the template draws them as inline SVG
beside a table holding the numbers, so nothing is shown only as a picture).

Bars of one platform share one scale across the article (the largest count of that
platform is the full width), so sections compare at a glance; the part of a bar gained
since the previous snapshot is drawn apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.app.stats import SectionStats

WIDTH = 160  # pixels for the largest count
NAMES = {"bluesky": ("likes", "reposts", "replies", "quotes"), "reddit": ("score", "comments")}


@dataclass(frozen=True)
class Bar:
    """One count: its latest value, the growth since the previous snapshot (None: no
    count), and the bar's length in pixels with the part that came before the growth."""

    name: str
    value: int
    growth: int | None
    width: int
    before: int


@dataclass(frozen=True)
class Chart:
    """One section on one platform."""

    platform: str
    posts: int
    fetched_at: datetime
    bars: tuple[Bar, ...]


def charts(sections: Sequence[SectionStats]) -> dict[int, list[Chart]]:
    """Per section index, a chart per platform (in the order of ``NAMES``)."""
    tops: dict[str, int] = {}
    for s in sections:
        values = [_value(s, name) for name in NAMES.get(s.platform, ())]
        tops[s.platform] = max([tops.get(s.platform, 1), *values])
    out: dict[int, list[Chart]] = {}
    order = list(NAMES)
    for s in sorted(sections, key=lambda s: (s.section, _rank(order, s.platform))):
        bars = tuple(_bar(s, name, tops[s.platform]) for name in NAMES.get(s.platform, ()))
        out.setdefault(s.section, []).append(Chart(s.platform, s.posts, s.fetched_at, bars))
    return out


def _rank(order: list[str], platform: str) -> int:
    return order.index(platform) if platform in order else len(order)


def _value(s: SectionStats, name: str) -> int:
    value = getattr(s.latest, name)
    return 0 if value is None else int(value)


def _bar(s: SectionStats, name: str, top: int) -> Bar:
    value = _value(s, name)
    growth = getattr(s.growth, name)
    width = _pixels(value, top)
    gained = 0 if growth is None or growth <= 0 else min(width, _pixels(growth, top))
    return Bar(name, value, growth, width, width - gained)


def _pixels(value: int, top: int) -> int:
    """A count's length on a ``top``-wide scale (negative scores draw nothing)."""
    return round(WIDTH * max(0, value) / max(1, top))
