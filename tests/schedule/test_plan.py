"""bot.schedule: slots across DST, exhaustion, competing articles, spacing, parse_when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import from_mapping
from bot.errors import ConfigError
from bot.schedule import next_slots, parse_slot, parse_when, plan
from bot.threads import ThreadDraft

Threads = Callable[[int], list[ThreadDraft]]
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def slots(*texts: str) -> list:  # type: ignore[type-arg]
    return [parse_slot(t) for t in texts]


def test_next_free_slots_in_local_time(threads: Threads) -> None:
    # Wed 2026-11-25 10:00 UTC = 11:00 Berlin (CET, +1): next slots 13:00, 17:00 local.
    now = utc(2026, 11, 25, 10, 0)
    got = plan(threads(2), now=now, tz=BERLIN, slots=slots("Mon-Fri 09:00", "Mon-Fri 13:00",
               "Mon-Fri 17:00"), every=None)  # fmt: skip
    assert got == [utc(2026, 11, 25, 12, 0), utc(2026, 11, 25, 16, 0)]
    assert all(t.tzinfo is UTC for t in got)


def test_every_spaces_sections_from_the_first_slot(threads: Threads) -> None:
    now = utc(2026, 11, 25, 10, 0)
    got = plan(threads(3), now=now, tz=BERLIN, slots=slots("Daily 13:00"),
               every=timedelta(hours=3))  # fmt: skip
    assert got == [utc(2026, 11, 25, 12), utc(2026, 11, 25, 15), utc(2026, 11, 25, 18)]


def test_settings_supply_defaults(threads: Threads) -> None:
    settings = from_mapping({"timezone": "America/New_York", "slots": ["Sat 11:30"],
                             "every": "next slot"})  # fmt: skip
    now = utc(2026, 11, 25, 10, 0)  # Wednesday
    got = plan(threads(2), now=now, settings=settings)
    # 11:30 EST = 16:30 UTC on Sat 28 Nov and Sat 5 Dec.
    assert got == [utc(2026, 11, 28, 16, 30), utc(2026, 12, 5, 16, 30)]


def test_berlin_spring_forward_gap_moves_forward() -> None:
    # 2026-03-29 Berlin: 02:00 CET -> 03:00 CEST. 02:30 does not exist.
    now = utc(2026, 3, 28, 12, 0)
    got = next_slots(now, 3, tz=BERLIN, slots=slots("Daily 02:30"))
    assert got[0] == utc(2026, 3, 29, 1, 30)  # = 03:30 CEST, moved forward by the gap
    assert got[0].astimezone(BERLIN).hour == 3
    assert got[1] == utc(2026, 3, 30, 0, 30)  # 02:30 CEST the next day
    assert got[1] - got[0] == timedelta(hours=23)


def test_berlin_fall_back_overlap_takes_first() -> None:
    # 2026-10-25 Berlin: 03:00 CEST -> 02:00 CET; 02:30 happens twice.
    now = utc(2026, 10, 24, 12, 0)
    got = next_slots(now, 2, tz=BERLIN, slots=slots("Daily 02:30"))
    assert got[0] == utc(2026, 10, 25, 0, 30)  # first 02:30 (CEST, +2)
    assert got[1] == utc(2026, 10, 26, 1, 30)  # 02:30 CET
    assert got[1] - got[0] == timedelta(hours=25)


def test_new_york_dst_keeps_local_clock(threads: Threads) -> None:
    # Spring: 2026-03-08 02:00 EST -> 03:00 EDT. A 09:00 slot stays at 09:00 local.
    got = next_slots(utc(2026, 3, 6, 20), 3, tz=NEW_YORK, slots=slots("Daily 09:00"))
    assert got == [utc(2026, 3, 7, 14), utc(2026, 3, 8, 13), utc(2026, 3, 9, 13)]
    # Fall: 2026-11-01 02:00 EDT -> 01:00 EST; 01:30 is ambiguous -> first (EDT).
    got = next_slots(utc(2026, 10, 31, 12), 2, tz=NEW_YORK, slots=slots("Daily 01:30"))
    assert got == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]
    # Spring gap 02:30 moves forward to 03:30 EDT.
    (gap,) = next_slots(utc(2026, 3, 7, 12), 1, tz=NEW_YORK, slots=slots("Sun 02:30"))
    assert gap == utc(2026, 3, 8, 7, 30) and gap.astimezone(NEW_YORK).hour == 3


def test_gap_slot_and_real_slot_at_same_instant_are_one_slot() -> None:
    got = next_slots(utc(2026, 3, 28, 12), 2, tz=BERLIN, slots=slots("Sun 02:30", "Sun 03:30"))
    assert got[0] == utc(2026, 3, 29, 1, 30)
    assert got[1] == utc(2026, 4, 5, 0, 30)  # not the same instant twice


def test_slot_exhaustion_spills_into_next_week(threads: Threads) -> None:
    # Fri 2026-11-27 18:00 UTC: Mon-Fri 09:00 only -> 7 sections run Mon..Fri, Mon, Tue.
    got = plan(threads(7), now=utc(2026, 11, 27, 18), tz=UTC, slots=slots("Mon-Fri 09:00"),
               every=None)  # fmt: skip
    assert [t.day for t in got] == [30, 1, 2, 3, 4, 7, 8]
    assert {t.weekday() for t in got} <= set(range(5))


def test_two_articles_compete_through_taken(threads: Threads) -> None:
    now = utc(2026, 11, 25, 6)  # Wednesday
    week = slots("Mon-Fri 09:00", "Mon-Fri 13:00")
    first = plan(threads(3), now=now, tz=UTC, slots=week, every=None)
    second = plan(threads(3), now=now, tz=UTC, slots=week, every=None, taken=first)
    assert not set(first) & set(second)
    assert second == [utc(2026, 11, 26, 13), utc(2026, 11, 27, 9), utc(2026, 11, 27, 13)]
    # with every, only the first slot must be free
    spaced = plan(threads(2), now=now, tz=UTC, slots=week, every=timedelta(hours=1),
                  taken=[*first, *second])  # fmt: skip
    assert spaced == [utc(2026, 11, 30, 9), utc(2026, 11, 30, 10)]


def test_taken_full_week_of_a_weekly_slot(threads: Threads) -> None:
    mondays = [utc(2026, 11, 30, 9) + timedelta(weeks=i) for i in range(4)]
    got = plan(threads(1), now=utc(2026, 11, 25), tz=UTC, slots=slots("Mon 09:00"),
               every=None, taken=mondays)  # fmt: skip
    assert got == [utc(2026, 12, 28, 9)]


def test_publish_at_then_every_or_next_slot(threads: Threads) -> None:
    at = utc(2026, 12, 1, 7, 15)
    week = slots("Daily 12:00")
    spaced = plan(threads(3), now=utc(2026, 11, 25), tz=UTC, slots=week,
                  every=timedelta(minutes=90), publish_at=at)  # fmt: skip
    assert spaced == [at, at + timedelta(minutes=90), at + timedelta(minutes=180)]
    slotted = plan(threads(3), now=utc(2026, 11, 25), tz=UTC, slots=week, every=None,
                   publish_at=at, taken=[utc(2026, 12, 1, 12)])  # fmt: skip
    assert slotted == [at, utc(2026, 12, 2, 12), utc(2026, 12, 3, 12)]


def test_article_mode_is_one_thread(threads: Threads) -> None:
    got = plan(threads(1), now=utc(2026, 11, 25), tz=UTC, slots=slots("Daily 12:00"))
    assert got == [utc(2026, 11, 25, 12)]
    assert plan([], now=utc(2026, 11, 25), tz=UTC, slots=slots("Daily 12:00")) == []


def test_no_slots_is_a_config_error(threads: Threads) -> None:
    with pytest.raises(ConfigError, match="no posting slots"):
        plan(threads(1), now=utc(2026, 11, 25), tz=UTC, slots=[])


NOW = utc(2026, 11, 25, 10, 0)  # Wednesday, 11:00 in Berlin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T09:00", utc(2026, 12, 1, 8)),  # naive = Berlin local (CET)
        ("2026-07-01 09:00", utc(2026, 7, 1, 7)),  # CEST
        ("2026-12-01T09:00Z", utc(2026, 12, 1, 9)),
        ("2026-12-01T09:00+05:00", utc(2026, 12, 1, 4)),
        ("tomorrow 09:00", utc(2026, 11, 26, 8)),
        ("today 17:30", utc(2026, 11, 25, 16, 30)),
        ("Today  17:30", utc(2026, 11, 25, 16, 30)),
        ("+2h", utc(2026, 11, 25, 12)),
        ("+90m", utc(2026, 11, 25, 11, 30)),
        ("Mon 09:00", utc(2026, 11, 30, 8)),
        ("wed 12:00", utc(2026, 11, 25, 11)),  # later today
        ("Wed 10:00", utc(2026, 12, 2, 9)),  # passed today -> next week
        ("now", NOW),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW, tz=BERLIN) == expected


def test_parse_when_across_dst_uses_target_day_offset() -> None:
    now = utc(2026, 3, 28, 12)  # Saturday before spring forward
    assert parse_when("tomorrow 09:00", now=now, tz=BERLIN) == utc(2026, 3, 29, 7)


@pytest.mark.parametrize("text", ["next week", "tomorrow 25:00", "Funday 09:00", "+soon", ""])
def test_parse_when_rejects(text: str) -> None:
    with pytest.raises(ConfigError, match="cannot read time"):
        parse_when(text, now=NOW, tz=BERLIN)
