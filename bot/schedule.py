"""Due times for threads: posting slots, time zones, section spacing (pure).

Nothing here reads the clock: ``now`` is passed in. All returned times are
timezone-aware UTC. Slots are weekly local times ("Mon-Fri 09:00") in the
configured zone; across DST a slot at a local time that does not exist (the
spring gap) moves forward by the gap, and one that exists twice (the autumn
overlap) takes the first occurrence. A slot in ``taken`` (already used by
another article on the same account) is never handed out again.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.config import (
    DAYS,
    QuietHours,
    Settings,
    Slot,
    parse_duration,
    parse_every,
    parse_slot,
)
from bot.errors import ConfigError
from bot.threads import ThreadDraft

__all__ = [
    "Slot",
    "local",
    "next_slots",
    "outside_quiet",
    "parse_duration",
    "parse_every",
    "parse_slot",
    "parse_when",
    "plan",
    "quiet_end",
    "slot_times",
]

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def local(day: date, at: time, tz: tzinfo) -> datetime:
    """``day`` at local ``at`` in ``tz`` as UTC (gap: moved forward; overlap: first)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def slot_times(after: datetime, tz: tzinfo, slots: Sequence[Slot]) -> Iterator[datetime]:
    """Every slot instant strictly after ``after``, in order (endless; UTC)."""
    if not slots:
        raise ConfigError("no posting slots configured", key="slots")
    day = after.astimezone(tz).date() - timedelta(days=1)
    last: datetime | None = None
    while True:
        todays = sorted(
            {local(day, time(s.hour, s.minute), tz) for s in slots if day.weekday() in s.days}
        )
        for instant in todays:
            if instant > after and (last is None or instant > last):
                last = instant
                yield instant
        day += timedelta(days=1)


def next_slots(
    after: datetime,
    count: int,
    *,
    tz: tzinfo,
    slots: Sequence[Slot],
    taken: Collection[datetime] = (),
) -> list[datetime]:
    """The first ``count`` slots after ``after`` that are not in ``taken``."""
    busy = {t.astimezone(UTC) for t in taken}
    out: list[datetime] = []
    for instant in slot_times(after, tz, slots):
        if len(out) == count:
            break
        if instant not in busy:
            out.append(instant)
    return out


def plan(
    threads: Sequence[ThreadDraft],
    *,
    now: datetime,
    settings: Settings | None = None,
    tz: tzinfo | None = None,
    slots: Sequence[Slot] | None = None,
    every: timedelta | str | None = "",  # "" = settings.every
    publish_at: datetime | None = None,
    taken: Collection[datetime] = (),
) -> list[datetime]:
    """The due time (UTC) of each thread's first post, in thread order.

    With ``publish_at`` the first thread goes then; otherwise at the next free slot
    after ``now``. Later threads follow by ``every`` (a timedelta) or, when ``every``
    is None ("next slot"), at successive free slots. Explicit arguments override
    ``settings``; ``every=""`` means "from settings".
    """
    base = settings or Settings()
    zone_ = tz or base.tz
    slots_ = list(slots) if slots is not None else list(base.slots)
    spacing = every if not isinstance(every, str) else parse_every(every) if every else base.every
    if not threads:
        return []
    if publish_at is not None:
        first = publish_at.astimezone(UTC)
    else:
        first = next_slots(now, 1, tz=zone_, slots=slots_, taken=taken)[0]
    if spacing is not None:
        return [first + i * spacing for i in range(len(threads))]
    rest = next_slots(first, len(threads) - 1, tz=zone_, slots=slots_, taken=taken)
    return [first, *rest]


def quiet_end(when: datetime, quiet: QuietHours | None, tz: tzinfo) -> datetime | None:
    """The end of the quiet window ``when`` falls in (UTC), or None when it is outside.

    The window is local ``[start, end)`` and may wrap midnight ("22:00-07:00").
    """
    if quiet is None:
        return None
    moment = when.astimezone(tz)
    clock = moment.timetz().replace(tzinfo=None)
    wraps = quiet.start > quiet.end
    inside = (
        (clock >= quiet.start or clock < quiet.end) if wraps else quiet.start <= clock < quiet.end
    )
    if not inside:
        return None
    day = moment.date() + timedelta(days=1 if wraps and clock >= quiet.start else 0)
    return local(day, quiet.end, tz)


def outside_quiet(
    times: Sequence[datetime], quiet: QuietHours | None, tz: tzinfo, spacing: timedelta | None
) -> list[datetime]:
    """``times`` (in order) with each one inside the quiet window moved to its end; with a
    ``spacing`` the times after a moved one keep that spacing from it (never earlier)."""
    out: list[datetime] = []
    for when in times:
        if out and spacing is not None:
            when = max(when, out[-1] + spacing)
        out.append(quiet_end(when, quiet, tz) or when)
    return out


def parse_when(text: str, *, now: datetime, tz: tzinfo) -> datetime:
    """A time an editor typed -> UTC: ISO 8601 (naive = local ``tz``), ``"now"``,
    ``"+2h"``, ``"today 17:30"``, ``"tomorrow 09:00"``, ``"Mon 09:00"`` (the next one).
    ConfigError (key ``--at``) for anything else, including times out of range."""
    try:
        return _parse_when(text, now, tz)
    except OverflowError:
        raise ConfigError(f"time {text!r} is out of range", key="--at") from None


def _parse_when(text: str, now: datetime, tz: tzinfo) -> datetime:
    raw = " ".join(text.strip().split())
    lowered = raw.lower()
    if lowered == "now":
        return now.astimezone(UTC)
    if lowered.startswith("+"):
        return now.astimezone(UTC) + _duration(raw[1:], text)
    words = lowered.split(" ")
    if len(words) == 2 and words[0].isalpha() and _CLOCK.match(words[1]):
        return _relative_day(words[0], words[1], now, tz, text)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise _bad_when(text) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def _duration(raw: str, text: str) -> timedelta:
    try:
        return parse_duration(raw)
    except ValueError:
        raise _bad_when(text) from None


def _relative_day(word: str, clock: str, now: datetime, tz: tzinfo, text: str) -> datetime:
    match = _CLOCK.match(clock)
    assert match is not None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise _bad_when(text)
    today = now.astimezone(tz).date()
    at = time(hour, minute)
    if word in ("today", "tomorrow"):
        return local(today + timedelta(days=word == "tomorrow"), at, tz)
    if word[:3] not in DAYS:
        raise _bad_when(text)
    ahead = (DAYS.index(word[:3]) - today.weekday()) % 7
    candidate = local(today + timedelta(days=ahead), at, tz)
    return candidate if candidate > now else local(today + timedelta(days=ahead + 7), at, tz)


def _bad_when(text: str) -> ConfigError:
    return ConfigError(
        f"cannot read time {text!r} (use ISO 8601 such as 2026-12-01T09:00, "
        "'tomorrow 09:00', 'today 17:30', 'Mon 09:00' or '+2h')",
        key="--at",
    )
