"""Per-account request budgets and pacing (pure: ``now`` is passed in).

A platform's limits are data (:data:`DEFAULTS`, overridable in config as
``[budgets.<platform>] <name> = N`` or ``"N/5m"``). Each :class:`Limit` counts units
spent in a rolling window: a request is allowed only if the units spent in the window
ending now plus its cost stay within the capacity. The window is kept as ``SLOTS``
buckets (a slot is ``window / SLOTS``), and ``SLOTS + 1`` buckets are summed, so the
count covers *at least* the last full window: whatever the platform's own window
alignment, no window of its length ever holds more than the capacity (the price: about
1/61 of the capacity is left unused in a steady backlog).

The platform's own view wins where it tells us: ``follow`` takes a reported
``remaining``/``reset`` (Bluesky ``ratelimit-*``, Reddit ``x-ratelimit-*``) and raises
the local count to match, or holds the limit until the reset when nothing remains.

State is a plain dict (JSON in the store): ``{limit: {"s": [[slot, units], ...],
"hold": epoch seconds | None}}``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Settings, parse_duration
from bot.errors import ConfigError

SLOTS = 60
Actions = Mapping[str, int]  # action ("create", "read", "upload", "login", ...) -> count
State = dict[str, Any]
WRITE_POINTS = {"create": 3, "update": 2, "delete": 1}


@dataclass(frozen=True)
class Limit:
    """``capacity`` units per rolling ``window``; ``costs``: units per action (``"*"``:
    every action not named). ``margin``: how much later than its claim a request may
    reach the platform (the budget is spent at claim time): with short windows (scaled
    down for tests) it keeps a claim from counting against the next window."""

    name: str
    capacity: int
    window: timedelta
    costs: Mapping[str, int] = field(default_factory=lambda: {"*": 1})
    margin: timedelta = timedelta(0)  # a spend counts this much longer than the window

    @functools.cached_property
    def reach(self) -> int:
        """Buckets before the current one that still count: the window, the margin, and
        one more (a bucket's spends may lie anywhere in it)."""
        return SLOTS + math.ceil(self.margin.total_seconds() / self.slot)

    def cost(self, actions: Actions) -> int:
        """Units ``actions`` spend against this limit."""
        default = self.costs.get("*", 0)
        return sum(self.costs.get(action, default) * n for action, n in actions.items())

    @functools.cached_property
    def slot(self) -> float:
        """Seconds per bucket."""
        return self.window.total_seconds() / SLOTS


# Published limits (DESIGN.md "Rate limits"): Bluesky per account (points for writes,
# requests per address, logins); Reddit per OAuth client, 100 requests/min averaged over
# 10 minutes (an account is assumed to have its own client).
MARGIN = timedelta(seconds=10)  # a claimed post may wait for its account's previous send

DEFAULTS: Mapping[str, tuple[Limit, ...]] = {
    "bluesky": (
        Limit("points_hour", 5_000, timedelta(hours=1), WRITE_POINTS, MARGIN),
        Limit("points_day", 35_000, timedelta(days=1), WRITE_POINTS, MARGIN),
        Limit("requests_5m", 3_000, timedelta(minutes=5), {"*": 1}, MARGIN),
        Limit("logins_5m", 30, timedelta(minutes=5), {"login": 1}, MARGIN),
        Limit("logins_day", 300, timedelta(days=1), {"login": 1}, MARGIN),
    ),
    "reddit": (Limit("requests_10m", 1_000, timedelta(minutes=10), {"*": 1}, MARGIN),),
}


def limits_for(
    platform: str, overrides: Mapping[str, int | str] | None = None, where: str = "config"
) -> tuple[Limit, ...]:
    """The platform's default limits with config ``overrides`` (name -> ``N`` or
    ``"N/<duration>"``; ``margin`` -> a duration for every limit); ConfigError naming the
    key for an unknown name or a bad value."""
    limits = {limit.name: limit for limit in DEFAULTS.get(platform, ())}
    for name, value in (overrides or {}).items():
        key = f"budgets.{platform}.{name}"
        if name == "margin":
            margin = _margin(value, where, key)
            limits = {n: replace(x, margin=margin) for n, x in limits.items()}
            continue
        if name not in limits:
            known = ", ".join(limits) or "none"
            raise ConfigError(f"unknown limit (known: {known})", source=where, key=key)
        limits[name] = _override(limits[name], value, where, key)
    return tuple(limits.values())


def from_settings(settings: Settings) -> dict[str, tuple[Limit, ...]]:
    """Every platform's limits with the config's ``[budgets.<platform>]`` overrides."""
    where = settings.config_path or "<defaults>"
    return {
        platform: limits_for(
            platform, {n: v for p, n, v in settings.budgets if p == platform}, where
        )
        for platform in DEFAULTS
    }


def _margin(value: int | str, where: str, key: str) -> timedelta:
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise ConfigError(str(exc), source=where, key=key) from None


def _override(limit: Limit, value: int | str, where: str, key: str) -> Limit:
    text = str(value).strip()
    count, _, window = text.partition("/")
    try:
        capacity = int(count)
        if capacity <= 0 or isinstance(value, bool):
            raise ValueError(f"{value!r} is not a positive number")
        return replace(
            limit, capacity=capacity, window=parse_duration(window) if window else limit.window
        )
    except ValueError as exc:
        reason = str(exc) if "duration" in str(exc) or "positive" in str(exc) else ""
        raise ConfigError(
            f"expected a count or 'count/duration' such as \"500/1h\" {reason}".strip(),
            source=where,
            key=key,
        ) from None


# --- the rolling windows ------------------------------------------------------------


def _index(limit: Limit, at: float) -> int:
    return math.floor(at / limit.slot)


def _slots(state: State, limit: Limit) -> list[list[int]]:
    return list(state.get(limit.name, {}).get("s", []))


def _hold(state: State, limit: Limit) -> float | None:
    hold = state.get(limit.name, {}).get("hold")
    return None if hold is None else float(hold)


def spent(limit: Limit, state: State, now: datetime) -> int:
    """Units counted against ``limit`` at ``now`` (the last ``SLOTS + 1`` buckets)."""
    first = _index(limit, now.timestamp()) - limit.reach
    return sum(units for index, units in _slots(state, limit) if index >= first)


def remaining(limit: Limit, state: State, now: datetime) -> int:
    """Units ``limit`` still allows at ``now`` (0 while the platform holds it)."""
    hold = _hold(state, limit)
    if hold is not None and hold > now.timestamp():
        return 0
    return max(0, limit.capacity - spent(limit, state, now))


def allows(limits: Sequence[Limit], state: State, actions: Actions, now: datetime) -> bool:
    """Whether every limit allows ``actions`` at ``now``."""
    return all(limit.cost(actions) <= remaining(limit, state, now) for limit in limits)


# Background reads (engagement stats) spend only what is left above this share of every limit
# they count against, so publishing always finds that much of the budget untouched by them.
STATS_RESERVE = 0.5


def allows_above(
    limits: Sequence[Limit], state: State, actions: Actions, now: datetime, reserve: float
) -> bool:
    """Whether every limit that ``actions`` count against allows them at ``now`` and still
    keeps ``reserve`` (a share of its capacity, rounded up) left afterwards. Limits they do
    not count against (a read against write points) do not matter."""
    for limit in limits:
        cost = limit.cost(actions)
        if cost and remaining(limit, state, now) - cost < math.ceil(limit.capacity * reserve):
            return False
    return True


def spend(limits: Sequence[Limit], state: State, actions: Actions, now: datetime) -> State:
    """A new state with ``actions`` counted at ``now`` (buckets out of every window go)."""
    out: State = {}
    at = now.timestamp()
    for limit in limits:
        index = _index(limit, at)
        first = index - limit.reach
        buckets = {i: u for i, u in _slots(state, limit) if i >= first}
        cost = limit.cost(actions)
        if cost:
            buckets[index] = buckets.get(index, 0) + cost
        hold = _hold(state, limit)
        out[limit.name] = {
            "s": [[i, u] for i, u in sorted(buckets.items())],
            "hold": hold if hold is not None and hold > at else None,
        }
    return out


def refill_at(
    limits: Sequence[Limit], state: State, actions: Actions, now: datetime
) -> datetime | None:
    """The earliest time >= ``now`` at which ``actions`` are allowed (None: never, their
    cost exceeds a capacity)."""
    times = [_limit_refill(limit, state, limit.cost(actions), now) for limit in limits]
    if any(t is None for t in times):
        return None
    return max([now, *(t for t in times if t is not None)])


def _limit_refill(limit: Limit, state: State, cost: int, now: datetime) -> datetime | None:
    if cost > limit.capacity:
        return None
    at = now.timestamp()
    hold = _hold(state, limit)
    start = max(at, hold) if hold is not None else at
    buckets = sorted(_slots(state, limit))
    index = _index(limit, start)
    reach = limit.reach
    while True:  # each step lets one more bucket out of the window: at most reach + 1
        in_window = sum(u for i, u in buckets if i >= index - reach)
        if in_window + cost <= limit.capacity:
            moment = max(start, index * limit.slot)
            return datetime.fromtimestamp(moment, UTC)
        index = max(index + 1, min(i for i, u in buckets if i >= index - reach) + reach + 1)


def follow(
    limits: Sequence[Limit],
    state: State,
    *,
    remaining_units: int,
    reset: datetime | None,
    now: datetime,
    window: timedelta | None = None,
    capacity: int | None = None,
) -> State:
    """Follow the platform's view of one limit (see ``_matching``): if it reports fewer
    units left than we count, count more; if none are left, hold the limit until ``reset``
    (our own count stays as it is: after the reset it may still hold back more than the
    platform would). A view whose ``reset`` has passed is ignored."""
    out = spend(limits, state, {}, now)
    at = now.timestamp()
    if reset is not None and reset.timestamp() <= at:
        return out  # the window it speaks of is over (a late answer): nothing to follow
    for limit in _matching(limits, window, capacity):
        ours = remaining(limit, out, now)
        entry = out[limit.name]
        if remaining_units <= 0 and reset is not None and reset.timestamp() > at:
            entry["hold"] = reset.timestamp()  # nothing until the platform's reset
        elif remaining_units < ours:
            index = _index(limit, at)
            buckets = dict((i, u) for i, u in entry["s"])
            buckets[index] = buckets.get(index, 0) + ours - remaining_units
            entry["s"] = [[i, u] for i, u in sorted(buckets.items())]
    return out


def _matching(
    limits: Sequence[Limit], window: timedelta | None, capacity: int | None
) -> list[Limit]:
    """The one limit the platform's view is about: same window and capacity, else the
    only one with that window, or with that capacity, or the only one counting every
    request; otherwise none (a guess could hold a limit the platform never spoke of)."""
    both = [x for x in limits if x.window == window and x.capacity == capacity]
    for found in (
        both,
        [x for x in limits if window is not None and x.window == window],
        [x for x in limits if capacity is not None and x.capacity == capacity],
        [x for x in limits if x.costs.get("*", 0) > 0],
    ):
        if found:
            return found if len(found) == 1 else []
    return []


# --- what a post costs --------------------------------------------------------------


def post_actions(platform: str, *, images: int = 0, mentions: int = 0, reconcile: bool) -> Actions:
    """The requests sending one post makes (reserved when it is claimed): the write, a
    blob upload per image, a handle lookup per mention (Bluesky), and the read-back of a
    reconcile when the post may have been sent before."""
    actions = {"create": 1}
    if images:
        actions["upload"] = images
    if mentions and platform == "bluesky":
        actions["read"] = mentions
    if reconcile:
        actions["read"] = actions.get("read", 0) + 1
    return actions


def summary(limits: Sequence[Limit], state: State, now: datetime) -> list[dict[str, Any]]:
    """Per limit: units left, capacity, window and when one more unit is allowed."""
    out = []
    for limit in limits:
        one = {next(iter(limit.costs)) if "*" not in limit.costs else "request": 1}
        out.append(
            {
                "limit": limit.name,
                "left": remaining(limit, state, now),
                "capacity": limit.capacity,
                "window": limit.window,
                "next_refill": _limit_refill(limit, state, limit.cost(one) or 1, now),
            }
        )
    return out
