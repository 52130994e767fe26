"""Property tests: plans never reuse a taken slot, stay in order, and land on slot times."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.schedule import next_slots, parse_slot, plan
from bot.threads import PostDraft, ThreadDraft

ZONES = [ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"), UTC]
SLOT = st.builds(
    lambda days, h, m: parse_slot(f"{days} {h:02d}:{m:02d}"),
    st.sampled_from(["Daily", "Mon-Fri", "Sat", "Sun", "Mon,Wed", "Fri-Mon"]),
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 45]),
)
NOW = st.datetimes(datetime(2025, 1, 1), datetime(2030, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    slots=st.lists(SLOT, min_size=1, max_size=4),
    now=NOW,
    n=st.integers(1, 8),
    taken_mask=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_next_slot_plans(zone, slots, now, n, taken_mask) -> None:  # type: ignore[no-untyped-def]
    candidates = next_slots(now, 12, tz=zone, slots=slots)
    taken = {c for c, t in zip(candidates, taken_mask, strict=True) if t}
    threads = [ThreadDraft("bluesky", i, (PostDraft("x"),)) for i in range(n)]
    got = plan(threads, now=now, tz=zone, slots=slots, every=None, taken=taken)
    assert len(got) == n
    assert not set(got) & taken
    assert all(a < b for a, b in itertools.pairwise(got))
    assert got[0] > now
    # the first n untaken candidates, in order: nothing skipped, nothing invented
    free = [c for c in next_slots(now, 12 + n, tz=zone, slots=slots) if c not in taken]
    assert got == free[:n]
    for due in got:
        local = due.astimezone(zone)
        wall = {(s.hour, s.minute) for s in slots if local.weekday() in s.days}
        shifted = (local - timedelta(hours=1)).replace(tzinfo=None)
        assert (local.hour, local.minute) in wall or (shifted.hour, shifted.minute) in wall
