"""Engagement stats: one collection round, and the report per article, section and platform.

``collect`` is what the daemon's stats job (and ``sharebot stats --collect``) runs: the posts
due at ``now`` are grouped by account and fetched in the platform's batches (Bluesky getPosts:
25 URIs, Reddit info: 100 fullnames). Every request is spent from the account's stored budget
before it is made (the budget the publisher's claims spend from, shared by every daemon on
the store), and only from what is left above ``budget.STATS_RESERVE`` of each limit, so stats
never starve publishing; on top of that a round makes at most ``max_calls`` requests per
account. Posts left over when the budget's spare runs short (or the cap is reached) are not
tried: they stay due and the next round takes them. A failed batch is not retried in this
round: its posts move on to their next interval. The daemon runs it on its own scheduler
thread, so it never delays a due post.

:class:`Readers` keeps the adapters across rounds (a Bluesky session, Reddit's OAuth token
and connection are reused, not fetched again every round).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import budget
from bot.errors import BotError, PlatformError, RateLimitedError
from bot.platforms.base import Engagement, Platform, StatsReader
from bot.store import Store
from bot.store.stats import SnapshotRow, StatsTarget

log = logging.getLogger("bot.app.stats")

COUNTS = ("likes", "reposts", "replies", "quotes", "score", "comments")
ROUND_LIMIT = 5000  # posts looked at per round
MAX_CALLS = 40  # requests per account per round (1,000 Bluesky posts; 4,000 on Reddit)
READ = {"read": 1}  # what one stats request spends from the account's budget


@dataclass(frozen=True)
class StatsRound:
    """What one collection round did: posts due, snapshots stored, posts whose fetch failed
    (tried again at their next interval), requests made, posts left for the next round
    (``waiting``: the budget's spare or the call cap ran out), the accounts whose budget
    ran short, and the errors."""

    due: int
    fetched: int
    failed: int
    calls: int
    errors: tuple[str, ...] = ()
    waiting: int = 0
    short: tuple[str, ...] = ()


class Readers:
    """The stats adapters of one App, built once per (platform, account) by ``factory`` and
    kept across rounds (sessions and tokens reused); ``close`` closes them."""

    def __init__(self, factory: Callable[[str, str], Platform]) -> None:
        self.factory = factory
        self._built: dict[tuple[str, str], Platform] = {}

    def __call__(self, platform: str, account: str) -> Platform:
        key = (platform, account)
        if key not in self._built:
            self._built[key] = self.factory(platform, account)
        return self._built[key]

    def close(self) -> None:
        """Close every adapter built (the next round builds them again)."""
        built, self._built = self._built, {}
        for adapter in built.values():
            _close(adapter)


def next_round(
    published_at: datetime, done: int, intervals: Sequence[timedelta], now: datetime
) -> tuple[int, datetime | None]:
    """Rounds done after this fetch and the next due time (None when finished); intervals
    already past (the daemon was down) are skipped, not fetched in a burst."""
    step = done + 1
    while step < len(intervals) and published_at + intervals[step] <= now:
        step += 1
    return step, (published_at + intervals[step] if step < len(intervals) else None)


@dataclass
class _Round:
    """What a round collects while it runs."""

    fetched: dict[int, Engagement]
    tried: list[StatsTarget]
    errors: list[str]
    short: list[str]
    failed: int = 0
    calls: int = 0


def collect(
    store: Store,
    intervals: Sequence[timedelta],
    readers: Callable[[str, str], Platform],
    now: datetime,
    *,
    limit: int = ROUND_LIMIT,
    max_calls: int = MAX_CALLS,
    reserve: float = budget.STATS_RESERVE,
) -> StatsRound:
    """Fetch and store the stats of every post due at ``now`` (see the module doc); the
    adapters ``readers`` gives are the caller's to close."""
    if not intervals:
        return StatsRound(0, 0, 0, 0)
    targets = store.stats_due(now, intervals[0], limit)
    groups: dict[tuple[str, str], list[StatsTarget]] = defaultdict(list)
    for target in targets:
        groups[(target.platform, target.account)].append(target)
    done = _Round({}, [], [], [])
    for (platform, account), group in groups.items():
        try:
            reader = _reader(readers, platform, account)
        except BotError as err:
            done.errors.append(f"{platform}/{account}: {err}")
            continue  # not tried: due again next round

        def spend(platform: str = platform, account: str = account) -> bool:
            return store.spend_spare_budget(platform, account, READ, now, reserve)

        _fetch(reader, group, max_calls, spend, done)
    advanced = [(t.post_id, *next_round(t.published_at, t.round, intervals, now))
                for t in done.tried]  # fmt: skip
    store.record_stats(done.fetched, advanced, now)
    waiting = len(targets) - len(done.tried)
    return StatsRound(len(targets), len(done.fetched), done.failed, done.calls,
                      tuple(done.errors), waiting, tuple(done.short))  # fmt: skip


def _fetch(
    reader: StatsReader,
    group: list[StatsTarget],
    max_calls: int,
    spend: Callable[[], bool],
    done: _Round,
) -> None:
    """One account's batches, each spent from its budget before the request."""
    size, calls = reader.stats_batch, 0
    for start in range(0, len(group), size):
        if calls == max_calls:
            break
        if not spend():
            who = f"{group[0].platform}/{group[0].account}"
            log.info("stats: %s's budget is short; %d posts wait", who, len(group) - start)
            done.short.append(who)
            break  # the rest waits for the next round: not tried, not failed
        batch = group[start : start + size]
        calls += 1
        done.tried.extend(batch)
        try:
            counts = reader.fetch_stats([t.uri for t in batch])
        except PlatformError as err:
            done.failed += len(batch)
            done.errors.append(f"{batch[0].platform}/{batch[0].account}: {err}")
            if isinstance(err, RateLimitedError):
                break  # the rest waits for the next round
            continue
        done.fetched.update({t.post_id: counts[t.uri] for t in batch if t.uri in counts})
    done.calls += calls


def _reader(readers: Callable[[str, str], Platform], platform: str, account: str) -> StatsReader:
    adapter = readers(platform, account)
    if not isinstance(adapter, StatsReader):
        raise BotError(f"the {platform} adapter cannot read stats")
    return adapter


def _close(adapter: object) -> None:
    close = getattr(adapter, "close", None)
    if callable(close):
        close()


# --- the report -------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionStats:
    """One section of one article on one platform: its posts' latest counts summed, the growth
    since each post's previous snapshot, and when they were fetched."""

    article_id: int
    title: str
    section: int
    heading: str | None
    platform: str
    posts: int
    latest: Engagement
    growth: Engagement
    fetched_at: datetime

    @property
    def total(self) -> int:
        """Interactions, for ranking: likes + reposts + replies + quotes, or score + comments."""
        return sum(getattr(self.latest, name) or 0 for name in COUNTS)


def report(rows: Sequence[SnapshotRow]) -> list[SectionStats]:
    """Per article (in id order), its sections best first."""
    newest: dict[tuple[int, int, str], list[SnapshotRow]] = defaultdict(list)
    previous: dict[int, Engagement] = {}
    for row in rows:
        if row.newest == 1:
            newest[(row.article_id, row.section, row.platform)].append(row)
        else:
            previous[row.post_id] = row.counts
    out = [_section(group, previous) for group in newest.values()]
    return sorted(out, key=lambda s: (s.article_id, -s.total, s.section, s.platform))


def _section(group: list[SnapshotRow], previous: dict[int, Engagement]) -> SectionStats:
    first = group[0]
    latest = _sum([r.counts for r in group])
    before = _sum([previous.get(r.post_id, Engagement()) for r in group])
    growth = Engagement(**{name: _minus(latest, before, name) for name in COUNTS})
    return SectionStats(first.article_id, first.title, first.section, first.heading,
                        first.platform, len(group), latest, growth,
                        max(r.fetched_at for r in group))  # fmt: skip


def _sum(counts: Sequence[Engagement]) -> Engagement:
    totals = {name: _total([getattr(c, name) for c in counts]) for name in COUNTS}
    ratios = [c.upvote_ratio for c in counts if c.upvote_ratio is not None]
    # a ratio, not a count: the submission's (the mean if a section had several)
    return Engagement(**totals, upvote_ratio=sum(ratios) / len(ratios) if ratios else None)


def _total(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _minus(latest: Engagement, before: Engagement, name: str) -> int | None:
    now, then = getattr(latest, name), getattr(before, name)
    return None if now is None else int(now - (then or 0))
