"""The grammar of configuration values (pure): durations, weekly slots, time zones, quiet
hours, stats intervals; shared with ``bot.schedule``, which sits below the loader."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Slot:
    """A weekly posting slot: local ``hour:minute`` on ``days`` (0 = Monday)."""

    days: frozenset[int]
    hour: int
    minute: int


@dataclass(frozen=True)
class QuietHours:
    """A daily window (local times, may wrap midnight) in which nothing falls due."""

    start: time
    end: time


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS = {"daily": range(7), "weekdays": range(5), "weekends": range(5, 7)}
_SLOT = re.compile(r"^\s*(?P<days>[A-Za-z,\- ]+?)\s+(?P<h>\d{1,2}):(?P<m>\d{2})\s*$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
NEXT_SLOT = "next slot"
STALE_POLICIES = ("review", "reslot")
OVERFLOWS = ("continue", "link")  # bot.article.OVERFLOWS: a section over max_posts_per_thread


def parse_duration(text: str) -> timedelta:
    """``"3h"``, ``"90m"``, ``"1d"``, ``"1h30m"``, ``"45s"`` -> a positive timedelta."""
    match = _DURATION.match(text.strip().lower().replace(" ", ""))
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"not a duration: {text!r} (use e.g. 90m, 3h, 1d)")
    d, h, m, s = (int(g or 0) for g in match.groups())
    try:
        value = timedelta(days=d, hours=h, minutes=m, seconds=s)
    except OverflowError:
        raise ValueError(f"duration out of range: {text!r}") from None
    if value <= timedelta(0):
        raise ValueError(f"duration must be positive: {text!r}")
    return value


def parse_every(text: str) -> timedelta | None:
    """Section spacing: a duration, or None for ``"next slot"``."""
    if " ".join(text.lower().split()) == NEXT_SLOT:
        return None
    return parse_duration(text)


def _days(spec: str) -> frozenset[int]:
    days: set[int] = set()
    for part in spec.lower().replace(" ", "").split(","):
        if part in _DAY_GROUPS:
            days.update(_DAY_GROUPS[part])
            continue
        ends = [p[:3] for p in part.split("-")]
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            raise ValueError(f"unknown day {part!r} (use Mon..Sun, Mon-Fri, Daily)")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return frozenset(days)


def parse_slot(text: str) -> Slot:
    """``"Mon-Fri 09:00"``, ``"Sat 11:30"``, ``"Daily 08:00"``, ``"Mon,Wed 17:00"`` -> Slot."""
    match = _SLOT.match(text)
    if match is None:
        raise ValueError(f"malformed slot {text!r} (use e.g. 'Mon-Fri 09:00', 'Daily 08:00')")
    hour, minute = int(match["h"]), int(match["m"])
    if hour > 23 or minute > 59:
        raise ValueError(f"malformed slot {text!r}: no such time of day")
    return Slot(_days(match["days"]), hour, minute)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r} (use an IANA name such as Europe/Berlin)"
        ) from None


def parse_quiet_hours(text: str) -> QuietHours | None:
    """``"22:00-07:00"`` -> QuietHours (local times; may wrap midnight); ``""`` -> None."""
    if not text.strip():
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    if match is None:
        raise ValueError(f"malformed quiet hours {text!r} (use e.g. '22:00-07:00')")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        raise ValueError(f"malformed quiet hours {text!r}: no such window")
    return QuietHours(time(h1, m1), time(h2, m2))


def parse_intervals(specs: Any) -> tuple[timedelta, ...]:
    """``["1h", "6h", "1d"]`` (or ``"1h, 6h, 1d"``) -> increasing timedeltas after publishing."""
    items = specs.split(",") if isinstance(specs, str) else list(specs)
    values = tuple(parse_duration(str(item)) for item in items if str(item).strip())
    if list(values) != sorted(set(values)):
        raise ValueError("stats intervals must increase, e.g. ['1h', '6h', '1d']")
    return values


def one_of(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return value
