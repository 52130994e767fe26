"""Pacing simulation: bot.budget driven over 48 virtual hours, 50,000 posts, 5 accounts
(3 Bluesky, 2 Reddit) with the platforms' published limits: a steady flow, four big
imports due at once, a 4-hour outage (nothing is sent; what fell due waits), and 2% of
sends failing transiently (retried after a backoff, through a reconcile read).

The publisher does what the store's claim does: it sends a post only when the account's
budget allows it (``budget.allows``), and otherwise sleeps until ``budget.refill_at``.
A separate referee counts every request against each limit in *every* rolling window
of the limit's length (the strictest reading of the platform's counters):

- ``over_budget_requests``: requests the referee saw beyond a capacity (target 0);
- ``budget_utilisation``: requests sent while a backlog waited / requests the limits
  allowed then. For each stretch of time an account had a backlog (outside the outage),
  "allowed" = min(what waited, min over limits of (capacity left at the start + capacity
  x stretch / window) / cost per request): a stretch that the budget did not bind counts
  as fully used, one it did bind is compared with the most the limits could give.

    python bench/pacing.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import heapq
import random
import statistics
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import budget
from bot.budget import Limit

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
HOURS, POSTS = 48, 50_000
ACCOUNTS = {"b1": "bluesky", "b2": "bluesky", "b3": "bluesky", "r1": "reddit", "r2": "reddit"}
IMPORTS = (("b1", 2, 6_000), ("b2", 10, 6_000), ("r1", 20, 8_000), ("b3", 26, 6_000))
OUTAGE = (36.0, 40.0)  # hours: the daemon is down
FAIL_RATE = 0.02
CHUNK = 600.0  # seconds: utilisation is judged over each 10 minutes


@dataclass
class Referee:
    """Every request in every rolling window of each limit (deque of (t, units))."""

    limits: tuple[Limit, ...]
    seen: dict[str, deque[tuple[float, int]]] = field(default_factory=dict)
    sums: dict[str, int] = field(default_factory=dict)
    over: int = 0

    def record(self, at: float, actions: budget.Actions) -> None:
        for limit in self.limits:
            cost = limit.cost(actions)
            if not cost:
                continue
            log = self._window(limit, at)
            log.append((at, cost))
            self.sums[limit.name] = self.sums.get(limit.name, 0) + cost
            self.over += self.sums[limit.name] > limit.capacity

    def _window(self, limit: Limit, at: float) -> deque[tuple[float, int]]:
        log = self.seen.setdefault(limit.name, deque())
        window = limit.window.total_seconds()
        while log and log[0][0] <= at - window:
            self.sums[limit.name] = self.sums.get(limit.name, 0) - log.popleft()[1]
        return log

    def snapshot(self, at: float) -> dict[str, list[tuple[float, int]]]:
        """Per limit, when units come back after ``at`` if spent again at once: the
        capacity left now (at ``at``) and each unit in the window (when it leaves it)."""
        out = {}
        for limit in self.limits:
            log = self._window(limit, at)
            window = limit.window.total_seconds()
            left = limit.capacity - self.sums.get(limit.name, 0)
            out[limit.name] = [(at, left), *((t + window, u) for t, u in log)]
        return out


def greedy_max(
    limit: Limit, seeds: list[tuple[float, int]], start: float, end: float, closed: bool
) -> float:
    """Units a sender with unlimited demand could spend in [start, end) (``closed``:
    [start, end]) without any
    rolling window exceeding the capacity: each unit free at ``s`` is spent then and
    again every window after (a greedy sender is optimal for rolling windows)."""
    window = limit.window.total_seconds()
    if closed:
        return sum(u * ((end - s) // window + 1) for s, u in seeds if start <= s <= end)
    return sum(u * -(-(end - s) // window) for s, u in seeds if start <= s < end)


@dataclass
class Account:
    name: str
    platform: str
    limits: tuple[Limit, ...]
    referee: Referee
    state: budget.State = field(default_factory=dict)
    waiting: deque[tuple[float, bool]] = field(default_factory=deque)  # (due, is_retry)
    sent: int = 0
    stretch: tuple[float, dict[str, list[tuple[float, int]]], int] | None = None
    wake_at: float | None = None
    used: float = 0.0
    allowed: float = 0.0


def arrivals(rng: random.Random) -> list[tuple[float, str]]:
    """(due seconds, account) for all POSTS: imports due at once, the rest spread evenly."""
    out = [(hour * 3600.0, name) for name, hour, n in IMPORTS for _ in range(n)]
    steady = POSTS - len(out)
    names = list(ACCOUNTS)
    out += [(rng.uniform(0, HOURS * 3600), names[i % len(names)]) for i in range(steady)]
    return sorted(out)


def _request(acct: Account, retry: bool) -> budget.Actions:
    return budget.post_actions(acct.platform, reconcile=retry)


def _open_stretch(acct: Account, at: float) -> None:
    if acct.waiting and acct.stretch is None:
        acct.stretch = (at, acct.referee.snapshot(at), acct.sent)


def _close_stretch(acct: Account, at: float, *, cleared: bool = False) -> None:
    """A stretch of backlog ends (cleared, the outage, the hour, the end): count what was
    sent in it, and what the limits allowed in it, at most what waited."""
    if acct.stretch is None:
        return
    start, seeds, sent_before = acct.stretch
    acct.stretch = None
    sent = acct.sent - sent_before
    cost = _request(acct, False)
    allowed = min(
        greedy_max(x, seeds[x.name], start, at, cleared) / x.cost(cost)
        for x in acct.referee.limits  # the platform's limits
        if x.cost(cost)
    )
    acct.used += sent
    acct.allowed += min(allowed, sent + len(acct.waiting))


def simulate(seed: int) -> tuple[float, float, int, float]:
    """One run: (requests used, requests allowed, over-budget requests, seconds)."""
    rng = random.Random(seed)
    began = time.perf_counter()
    accounts = {}
    for name, platform in ACCOUNTS.items():
        limits = budget.limits_for(platform)
        accounts[name] = Account(name, platform, limits, Referee(limits))
    events: list[tuple[float, int, str, str]] = []  # (time, seq, kind, account)
    seq = 0
    for due, name in arrivals(rng):
        events.append((due, seq, "due", name))
        seq += 1
    for tick in range(1, int(HOURS * 3600 / CHUNK)):  # utilisation is judged chunk by chunk
        events += [(tick * CHUNK, seq + i, "chunk", name) for i, name in enumerate(ACCOUNTS)]
        seq += len(ACCOUNTS)
    heapq.heapify(events)
    end = HOURS * 3600.0
    while events:
        at, _, kind, name = heapq.heappop(events)
        if at >= end:
            break
        acct = accounts[name]
        if kind == "due":
            acct.waiting.append((at, False))
        elif kind == "retry":
            acct.waiting.append((at, True))
        elif kind == "chunk":
            _close_stretch(acct, at)
        elif kind == "wake" and at != acct.wake_at:
            continue  # superseded
        nxt = _drain(acct, at, rng, events, seq)
        seq += 1
        if nxt is not None and nxt != acct.wake_at:
            acct.wake_at = nxt
            heapq.heappush(events, (nxt, seq, "wake", name))
            seq += 1
    used = allowed = 0.0
    over = 0
    for acct in accounts.values():
        _close_stretch(acct, end)
        used, allowed, over = used + acct.used, allowed + acct.allowed, over + acct.referee.over
    return used, allowed, over, time.perf_counter() - began


def _drain(
    acct: Account,
    at: float,
    rng: random.Random,
    events: list[tuple[float, int, str, str]],
    seq: int,
) -> float | None:
    """Send what the budget allows at ``at``; the time to wake next (None: nothing waits)."""
    lo, hi = OUTAGE[0] * 3600, OUTAGE[1] * 3600
    if lo <= at < hi:  # the daemon is down: the stretch pauses, the posts wait
        _close_stretch(acct, lo)
        return hi if acct.waiting else None
    now = START + timedelta(seconds=at)
    _open_stretch(acct, at)
    while acct.waiting:
        retry = acct.waiting[0][1]
        actions = _request(acct, retry)
        if not budget.allows(acct.limits, acct.state, actions, now):
            wake = budget.refill_at(acct.limits, acct.state, actions, now)
            assert wake is not None and wake > now
            return (wake - START).total_seconds()
        acct.waiting.popleft()
        acct.state = budget.spend(acct.limits, acct.state, actions, now)
        acct.referee.record(at, actions)
        acct.sent += 1
        if rng.random() < FAIL_RATE:  # transient failure: the budget is spent, retry later
            heapq.heappush(events, (at + rng.uniform(60, 300), seq, "retry", acct.name))
    _close_stretch(acct, at, cleared=True)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    runs = [simulate(seed) for seed in range(args.seeds)]
    ratios = [u / a for u, a, _, _ in runs]
    seconds = [s for _, _, _, s in runs]
    for seed, (u, a, o, s) in enumerate(runs):
        print(f"seed {seed}: {u:.0f} requests sent of {a:.0f} allowed, {o} over budget, {s:.1f} s")
    print(
        f"utilisation min {min(ratios):.3f} / median {statistics.median(ratios):.3f} / "
        f"max {max(ratios):.3f}; run time min {min(seconds):.1f} / median "
        f"{statistics.median(seconds):.1f} / max {max(seconds):.1f} s"
    )
    utilisation = sum(u for u, _, _, _ in runs) / sum(a for _, a, _, _ in runs)
    over = sum(o for _, _, o, _ in runs)
    print(f"RESULT budget_utilisation {utilisation:.3f} target >= 0.95")
    print(f"RESULT over_budget_requests {over} target <= 0")
    return 0 if utilisation >= 0.95 and over <= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
