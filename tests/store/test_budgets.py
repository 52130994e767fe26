"""Budgets in the claim: a post is claimed only when its account's budget allows it; an
account out of budget waits (never failed, never to review) without holding up others,
and the daemon's next look is when the budget refills."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from bot import budget
from bot.platforms.base import Ref
from bot.store import Store, open_store
from bot.store.engine import make_engine
from bot.store.schema import MIGRATIONS, accounts, migrate
from tests.store.helpers import MIN, NOW, bluesky_thread, claim, enqueue, reddit_threads

HOUR = timedelta(hours=1)


def _tight(store: Store, points: int = 9) -> None:
    store.budgets = {
        "bluesky": budget.limits_for("bluesky", {"points_hour": points}),
        "reddit": budget.limits_for("reddit"),
    }


def _publish(store: Store, claims: list, at=NOW) -> None:  # type: ignore[no-untyped-def]
    for c in claims:
        store.confirm(c.post_id, "d1", Ref(f"at://{c.post_id}", "c", "u"), at)


def test_out_of_budget_waits_and_others_go_on(store: Store) -> None:
    _tight(store)  # 9 points: 3 Bluesky posts an hour
    enqueue(store, [bluesky_thread(i, 1) for i in range(5)], gap=timedelta(0))
    enqueue(store, reddit_threads(1, 0), gap=timedelta(0), source="posts/r.md")
    first = claim(store, NOW)
    assert sorted(c.platform for c in first) == ["bluesky"] * 3 + ["reddit"]
    _publish(store, first)
    assert claim(store, NOW + MIN) == []  # the budget is spent: nothing, and no error
    assert store.counts() == {"published": 4, "queued": 2}  # waiting, not failed
    refill = store.next_due(NOW + MIN)
    assert refill is not None and NOW + HOUR < refill <= NOW + HOUR + 2 * MIN
    assert claim(store, refill - timedelta(seconds=1)) == []
    later = claim(store, refill)
    assert len(later) == 2 and all(c.paced for c in later)  # waited for the budget: not stale
    assert not any(c.paced for c in first)


def test_reply_chains_stay_in_order_within_the_budget(store: Store) -> None:
    _tight(store, points=6)  # two posts an hour
    enqueue(store, [bluesky_thread(0, 3)], spacing=timedelta(0))
    at = NOW
    texts = []
    for _ in range(3):
        got = claim(store, at)
        while got:
            texts += [c.outgoing.draft.text for c in got]
            _publish(store, got, at)
            got = claim(store, at)
        at = store.next_due(at) or at
    assert texts == ["s0 p0 https://example.org", "s0 p1", "s0 p2"]


def test_budget_state_is_kept_in_the_store(store: Store, store_url: str) -> None:
    _tight(store)
    enqueue(store, [bluesky_thread(i, 1) for i in range(2)], gap=timedelta(0))
    assert len(claim(store, NOW)) == 2
    other = open_store(store_url)  # another daemon: the same budget
    _tight(other)
    enqueue(other, [bluesky_thread(i, 1) for i in range(2)], gap=timedelta(0), source="b.md")
    assert len(claim(other, NOW, owner="d2")) == 1  # 9 points: 2 spent already
    with other.read() as conn:
        state = conn.scalar(select(accounts.c.budget).where(accounts.c.account == "b"))
    assert '"points_hour"' in state
    other.close()


def test_migration_8_adds_the_budget_columns_with_data_intact(store_url: str) -> None:
    engine = make_engine(store_url)
    with engine.begin() as conn:
        migrate(conn, MIGRATIONS[:7])
        for column in ("budget", "budget_until", "budget_held_at"):  # as before migration 8
            conn.execute(text(f"ALTER TABLE accounts DROP COLUMN {column}"))
        conn.execute(
            text("INSERT INTO accounts (platform, account, blocked, last_error) "
                 "VALUES ('bluesky', 'b', false, 'old')")
        )  # fmt: skip
    engine.dispose()
    store = open_store(store_url)
    rows = store.account_status()
    assert [(r["account"], r["last_error"]) for r in rows] == [("b", "old")]
    enqueue(store, [bluesky_thread(0, 1)])
    assert len(claim(store, NOW + MIN)) == 1
    store.close()


def test_in_flight_caps_the_posts_one_owner_holds_per_account(store: Store) -> None:
    store.in_flight = 1
    enqueue(store, [bluesky_thread(i, 1) for i in range(4)], gap=timedelta(0))
    enqueue(store, reddit_threads(1, 0), gap=timedelta(0), source="posts/r.md")
    first = claim(store, NOW, limit=4)
    assert sorted(c.platform for c in first) == ["bluesky", "reddit"]  # one per account
    assert claim(store, NOW, limit=4) == []  # both accounts have one in flight
    assert len(claim(store, NOW, owner="d2", limit=4)) == 1  # another daemon: its own one
    b = next(c for c in first if c.platform == "bluesky")
    following = store.confirm_and_claim(
        b.post_id, "d1", Ref("at://x", "c", "u"), NOW, limit=1, lease=2 * MIN,
        prepare=lambda *a: {},
    )  # fmt: skip
    assert [c.platform for c in following] == ["bluesky"]  # the next one, once confirmed
    later = claim(store, NOW + 3 * MIN, limit=4)  # the leases ran out: they hold nothing
    assert sorted(c.platform for c in later) == ["bluesky", "reddit"]


def test_a_busy_accounts_earlier_post_is_passed_over_one_at_a_time(store: Store) -> None:
    """A claim of one reads one candidate first; when that one's account is busy it reads
    more, so a later post of a free account is still claimed (not nothing)."""
    store.in_flight = 1
    enqueue(store, [bluesky_thread(i, 1) for i in range(3)], gap=timedelta(0))
    enqueue(store, reddit_threads(1, 0), first=NOW + MIN, source="posts/r.md")
    [held] = claim(store, NOW + 2 * MIN, limit=1)
    assert held.platform == "bluesky"  # the earliest due: the Bluesky account is now busy
    [other] = claim(store, NOW + 2 * MIN, limit=1)  # two Bluesky posts come before it
    assert other.platform == "reddit"
    assert claim(store, NOW + 2 * MIN, limit=1) == []
