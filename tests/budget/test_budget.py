"""bot.budget: rolling windows, refill times, config overrides, the platform's view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import budget
from bot.budget import Limit, allows, refill_at, remaining, spend
from bot.errors import ConfigError

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SEC = timedelta(seconds=1)
CREATE = {"create": 1}


def test_defaults_are_the_published_limits() -> None:
    bsky = {x.name: x for x in budget.limits_for("bluesky")}
    assert bsky["points_hour"].capacity == 5_000 and bsky["points_day"].capacity == 35_000
    assert bsky["points_hour"].cost({"create": 1, "update": 1, "delete": 1}) == 6
    assert bsky["points_hour"].cost({"read": 5, "upload": 2}) == 0
    assert bsky["requests_5m"].cost({"create": 1, "read": 2}) == 3
    assert (bsky["logins_5m"].capacity, bsky["logins_day"].capacity) == (30, 300)
    (reddit,) = budget.limits_for("reddit")
    assert (reddit.capacity, reddit.window) == (1_000, timedelta(minutes=10))


def test_overrides_and_clear_errors() -> None:
    limits = budget.limits_for("bluesky", {"points_hour": 30, "requests_5m": "10/1m"}, "c.toml")
    by_name = {x.name: x for x in limits}
    assert by_name["points_hour"].capacity == 30
    assert (by_name["requests_5m"].capacity, by_name["requests_5m"].window) == (10, 60 * SEC)
    with pytest.raises(ConfigError, match=r"c.toml.*budgets.bluesky.points_week.*unknown"):
        budget.limits_for("bluesky", {"points_week": 1}, "c.toml")
    with pytest.raises(ConfigError, match=r"budgets\.reddit\.requests_10m"):
        budget.limits_for("reddit", {"requests_10m": "ten"}, "c.toml")
    with pytest.raises(ConfigError, match=r"budgets\.reddit\.requests_10m"):
        budget.limits_for("reddit", {"requests_10m": 0}, "c.toml")


def test_spend_until_the_window_is_full_then_refill_when_the_oldest_leaves() -> None:
    limits = (Limit("points", 9, timedelta(minutes=60), {"create": 3}),)
    state: budget.State = {}
    for i in range(3):
        assert allows(limits, state, CREATE, NOW + i * 10 * SEC)
        state = spend(limits, state, CREATE, NOW + i * 10 * SEC)
    assert not allows(limits, state, CREATE, NOW + 30 * SEC)
    assert remaining(limits[0], state, NOW + 30 * SEC) == 0
    back = refill_at(limits, state, CREATE, NOW + 30 * SEC)
    assert back is not None and NOW + timedelta(minutes=60) < back <= NOW + timedelta(minutes=62)
    assert allows(limits, state, CREATE, back)
    assert not allows(limits, state, CREATE, back - SEC)
    assert refill_at(limits, state, {"create": 4}, NOW) is None  # 12 > 9: never


def test_no_window_of_the_platform_ever_holds_more_than_the_capacity() -> None:
    """Greedy spending for three windows at one-second steps: every rolling window of the
    limit's length (any alignment) holds at most the capacity."""
    limit = Limit("r", 50, timedelta(minutes=5))
    state: budget.State = {}
    sends: list[float] = []
    at = NOW
    end = NOW + timedelta(minutes=15)
    while at < end:
        if allows((limit,), state, {"read": 1}, at):
            state = spend((limit,), state, {"read": 1}, at)
            sends.append(at.timestamp())
        else:
            nxt = refill_at((limit,), state, {"read": 1}, at)
            assert nxt is not None and nxt > at
            at = nxt
            continue
        at += SEC
    window = limit.window.total_seconds()
    worst = max(sum(1 for s in sends if t <= s < t + window) for t in sends)
    assert worst <= 50
    assert len(sends) >= 3 * 50 * SLOTS_SHARE


SLOTS_SHARE = budget.SLOTS / (budget.SLOTS + 1) - 0.01


def test_follow_the_platforms_view() -> None:
    limits = budget.limits_for("bluesky")
    state = spend(limits, {}, CREATE, NOW)
    hour = next(x for x in limits if x.name == "points_hour")
    state = budget.follow(
        limits, state, remaining_units=100, reset=None, now=NOW, window=timedelta(hours=1)
    )
    assert remaining(hour, state, NOW) == 100
    reset = NOW + timedelta(minutes=7)
    state = budget.follow(limits, state, remaining_units=0, reset=reset, now=NOW, capacity=5000)
    assert remaining(hour, state, NOW) == 0
    assert refill_at(limits, state, CREATE, NOW) == reset
    # more left on the platform than we count: we keep our own, lower count
    state = budget.follow(limits, {}, remaining_units=9_999, reset=None, now=NOW, capacity=5000)
    assert remaining(hour, state, NOW) == 5_000


def test_a_view_whose_reset_has_passed_is_ignored() -> None:
    """A "0 left, reset at T" read after T (a late or replayed answer, one second-rounded
    reset) speaks of a window that is over: it must not count the whole limit as spent,
    which held the account for an hour."""
    limits = budget.limits_for("bluesky")
    hour = next(x for x in limits if x.name == "points_hour")
    for reset in (NOW, NOW - timedelta(seconds=1)):
        state = budget.follow(limits, {}, remaining_units=0, reset=reset, now=NOW, capacity=5000)
        assert remaining(hour, state, NOW) == 5000
        assert allows(limits, state, CREATE, NOW)


def test_post_actions() -> None:
    assert budget.post_actions("bluesky", reconcile=False) == {"create": 1}
    assert budget.post_actions("bluesky", images=2, mentions=1, reconcile=True) == {
        "create": 1,
        "upload": 2,
        "read": 2,
    }
    assert budget.post_actions("reddit", mentions=3, reconcile=False) == {"create": 1}


def test_margin_keeps_spends_counted_longer() -> None:
    (default,) = budget.limits_for("reddit", {"requests_10m": "10/60s"})
    (wide,) = budget.limits_for("reddit", {"requests_10m": "10/60s", "margin": "30s"})
    assert default.margin == 10 * SEC and wide.margin == 30 * SEC and wide.capacity == 10
    state = spend((wide,), {}, {"read": 10}, NOW)
    back_default = refill_at((default,), state, {"read": 1}, NOW)
    back_wide = refill_at((wide,), state, {"read": 1}, NOW)
    assert back_default is not None and back_wide is not None
    assert NOW + 70 * SEC <= back_default <= NOW + 72 * SEC
    assert NOW + 90 * SEC <= back_wide <= NOW + 92 * SEC
    with pytest.raises(ConfigError, match="margin"):
        budget.limits_for("reddit", {"margin": "soon"})


def test_background_reads_spend_only_above_the_reserve() -> None:
    points = Limit("points", 10, 60 * SEC, {"create": 3})
    requests = Limit("requests", 10, 60 * SEC)
    both, read = [points, requests], {"read": 1}
    state = spend(both, {}, {"create": 1, "read": 3}, NOW)  # points: 7 left, requests: 6
    assert budget.allows_above(both, state, read, NOW, 0.5)  # 6 - 1 >= 5
    state = spend(both, state, read, NOW)
    assert not budget.allows_above(both, state, read, NOW, 0.5)  # 5 - 1 < 5
    assert allows(both, state, CREATE, NOW)  # publishing still may
    assert budget.allows_above(both, state, read, NOW, 0.0)
    assert budget.allows_above(both, state, read, NOW + 62 * SEC, 0.5)  # the window moved on
    spent_points = spend([points], {}, {"create": 3}, NOW)  # write points do not hold reads
    assert budget.allows_above(both, spent_points, read, NOW, 0.9)
