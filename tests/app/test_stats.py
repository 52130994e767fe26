"""Stats rounds with fake readers over a real SQLite store: batches of the platform's size, a
per-account call cap, the account's stored budget (only its spare above the reserve),
failures moved to the next interval, and the report's ranking."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.stats import Readers, collect, next_round, report
from bot.budget import Limit
from bot.errors import RateLimitedError, TransientError
from bot.platforms.base import Engagement
from bot.store import Store, open_store
from tests.store.helpers import MIN, NOW, bluesky_thread, claim, enqueue, reddit_threads
from tests.store.test_stats import HOUR, publish_all

INTERVALS = (HOUR, 6 * HOUR, 24 * HOUR)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path}/s.db")
    yield opened
    opened.close()


class FakeReader:
    """Counts calls; answers likes = call number, or fails as told."""

    def __init__(self, platform: str, batch: int, fail: dict[int, Exception]) -> None:
        self.stats_batch, self.platform, self.fail = batch, platform, fail
        self.calls: list[int] = []

    def fetch_stats(self, uris: Sequence[str]) -> dict[str, Engagement]:
        assert len(uris) <= self.stats_batch
        self.calls.append(len(uris))
        if len(self.calls) in self.fail:
            raise self.fail[len(self.calls)]
        return {uri: Engagement(likes=len(self.calls)) for uri in uris}

    def close(self) -> None:
        self.closed = True


def factory(readers: dict[str, FakeReader]):
    return lambda platform, account: readers[platform]


def test_next_round_skips_intervals_already_past() -> None:
    assert next_round(NOW, 0, INTERVALS, NOW + HOUR) == (1, NOW + 6 * HOUR)
    assert next_round(NOW, 0, INTERVALS, NOW + 7 * HOUR) == (2, NOW + 24 * HOUR)
    assert next_round(NOW, 2, INTERVALS, NOW + 24 * HOUR) == (3, None)
    assert next_round(NOW, 0, INTERVALS, NOW + 99 * HOUR) == (3, None)


def test_batches_per_platform_and_the_call_cap(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 30), bluesky_thread(1, 30), *reddit_threads(2, 75)])
    publish_all(store)
    readers = {"bluesky": FakeReader("bluesky", 25, {}), "reddit": FakeReader("reddit", 100, {})}
    done = collect(store, INTERVALS, factory(readers), NOW + HOUR, max_calls=2)
    assert readers["bluesky"].calls == [25, 25] and readers["reddit"].calls == [100, 51]
    assert (done.due, done.fetched, done.failed, done.calls) == (211, 201, 0, 4)
    again = collect(store, INTERVALS, factory(readers), NOW + HOUR, max_calls=2)
    assert (again.due, again.fetched, readers["bluesky"].calls[2:]) == (10, 10, [10])
    assert collect(store, INTERVALS, factory(readers), NOW + 2 * HOUR).due == 0


def test_failures_wait_for_the_next_interval(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 30), *reddit_threads(1, 1)])
    publish_all(store)
    limited = RateLimitedError("slow down", platform="reddit", until=None)
    readers = {
        "bluesky": FakeReader("bluesky", 25, {1: TransientError("502", platform="bluesky")}),
        "reddit": FakeReader("reddit", 1, {1: limited}),
    }
    done = collect(store, INTERVALS, factory(readers), NOW + HOUR)
    assert (done.fetched, done.failed, done.calls) == (5, 26, 3)
    assert readers["reddit"].calls == [1]  # a rate limit stops that account's round
    assert any("502" in e for e in done.errors) and any("slow down" in e for e in done.errors)
    left = {t.platform for t in store.stats_due(NOW + HOUR, HOUR, 100)}
    assert left == {"reddit"}  # the untried comment; the failed ones wait for +6h
    assert len(store.stats_due(NOW + 6 * HOUR, HOUR, 100)) == 32


def test_report_sums_sections_ranks_them_and_shows_growth(store: Store) -> None:
    aid = enqueue(store, [bluesky_thread(0, 2), bluesky_thread(1, 1)])
    publish_all(store)
    first, second, third = (p.id for p in store.get_article(aid).posts)  # s0p0, s0p1, s1p0
    store.record_stats({first: Engagement(likes=1, reposts=0, replies=0, quotes=0)},
                       [(first, 1, NOW + 6 * HOUR)], NOW + HOUR)  # fmt: skip
    store.record_stats(
        {
            first: Engagement(likes=3, reposts=1, replies=0, quotes=0),
            second: Engagement(likes=1, reposts=0, replies=0, quotes=0),
            third: Engagement(likes=9, reposts=0, replies=2, quotes=1),
        },
        [(first, 2, None), (second, 1, None), (third, 1, None)],
        NOW + 6 * HOUR,
    )
    rows = report(store.newest_snapshots(aid))
    assert [(r.section, r.posts, r.total) for r in rows] == [(1, 1, 12), (0, 2, 5)]
    part0 = rows[1]
    assert (part0.latest.likes, part0.latest.reposts, part0.growth.likes) == (4, 1, 3)
    assert part0.heading == "Part 0" and part0.fetched_at == NOW + 6 * HOUR
    assert part0.latest.score is None  # a Bluesky section has no Reddit counts


def test_no_intervals_no_round(store: Store) -> None:
    assert collect(store, (), factory({}), NOW).due == 0
    assert timedelta(0) not in INTERVALS


def test_a_round_stops_at_the_budget_and_the_rest_waits(store: Store, tmp_path: Path) -> None:
    enqueue(store, [bluesky_thread(0, 30), bluesky_thread(1, 30)])
    publish_all(store)
    reads = Limit("reads_5m", 8, 5 * MIN)  # half (4) is kept for publishing
    small = open_store(f"sqlite:///{tmp_path}/s.db", budgets={"bluesky": (reads,)})
    reader = FakeReader("bluesky", 5, {})
    at = NOW + HOUR
    try:
        done = collect(small, INTERVALS, factory({"bluesky": reader}), at)
        assert (done.due, done.calls, done.fetched, done.failed) == (60, 4, 20, 0)
        assert (done.waiting, done.short, done.errors) == (40, ("bluesky/b",), ())
        starved = collect(small, INTERVALS, factory({"bluesky": reader}), at + MIN)
        assert (starved.due, starved.calls, starved.waiting) == (40, 0, 40)
        # stats are starved, publishing is not: a due post is claimed from the reserve
        enqueue(small, [bluesky_thread(0, 1, tag="new")], first=at, source="posts/b.md")
        assert [c.platform for c in claim(small, at + MIN)] == ["bluesky"]
        resumed = [collect(small, INTERVALS, factory({"bluesky": reader}), at + n * 6 * MIN)
                   for n in (2, 3)]  # fmt: skip
        assert [(r.due, r.calls, r.fetched, r.waiting) for r in resumed] == [
            (40, 4, 20, 20), (20, 4, 20, 0)
        ]  # fmt: skip
        assert reader.calls == [5] * 12  # every post once, none dropped or failed
        assert collect(small, INTERVALS, factory({"bluesky": reader}), at + 20 * MIN).due == 0
    finally:
        small.close()


def test_readers_are_kept_across_rounds_until_closed() -> None:
    built: list[FakeReader] = []

    def build(platform: str, account: str) -> FakeReader:
        built.append(FakeReader(platform, 25, {}))
        return built[-1]

    readers = Readers(build)  # type: ignore[arg-type]
    assert readers("bluesky", "b") is readers("bluesky", "b") is built[0]
    assert readers("reddit", "r") is built[1] and len(built) == 2
    readers.close()
    assert all(getattr(r, "closed", False) for r in built)
    assert readers("bluesky", "b") is built[2]
