"""The publish path: claim -> reconcile -> send -> confirm, and every failure rule."""

from __future__ import annotations

import threading
from datetime import timedelta

from bot.errors import (
    AmbiguousError,
    AuthError,
    ContentError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from bot.platforms.base import Outgoing
from bot.publish import _Scope
from tests.publish.fakes import T0


def test_threads_publish_in_order_with_parents(rig):
    ids = rig.store.add_thread("bluesky", "a", ["one", "two", "three"])
    rig.store.add_thread("reddit", "r", ["sub", "c1"])
    outcomes = rig.run()
    assert {o.state for o in outcomes} == {"published"}
    assert set(rig.store.states().values()) == {"published"}
    bsky = rig.platforms[("bluesky", "a")]
    assert bsky.sends == ids
    assert bsky.parents[ids[0]] is None
    assert bsky.parents[ids[1]] == rig.store.rows[ids[0]].ref
    assert bsky.parents[ids[2]] == rig.store.rows[ids[1]].ref
    assert bsky.server == {"k1": ["one"], "k2": ["two"], "k3": ["three"]}


def test_prepared_once_at_claim_time(rig):
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    rig.run()
    assert rig.store.rows[pid].prepared == {"rkey": "k1", "at": T0.isoformat()}


def test_transient_backs_off_with_growing_jittered_delays_then_review(make_rig):
    rig = make_rig(max_attempts=4, backoff_base=10.0)
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    plat = rig.platform("bluesky", "a")
    plat.script = [_raise(TransientError("503", platform="bluesky"))] * 4
    delays = []
    for _ in range(3):
        rig.run()
        row = rig.store.rows[pid]
        assert row.state == "failed"
        delays.append((row.next_attempt_at - rig.clock.now).total_seconds())
        rig.clock.now = row.next_attempt_at
    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20 and 20 <= delays[2] <= 40
    rig.run()
    assert rig.store.rows[pid].state == "needs_review"
    assert "503" in rig.store.rows[pid].error


def test_transient_retry_after_hint_is_honoured(make_rig):
    rig = make_rig(backoff_base=1.0)
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    rig.platform("bluesky", "a").script = [_raise(TransientError("busy", retry_after=300))]
    rig.run()
    assert rig.store.rows[pid].next_attempt_at - T0 >= timedelta(seconds=300)


def test_rate_limited_waits_until_reset_without_review(make_rig):
    rig = make_rig(max_attempts=2)
    (pid,) = rig.store.add_thread("reddit", "r", ["x"])
    plat = rig.platform("reddit", "r")
    for _ in range(3):
        until = rig.clock.now + timedelta(minutes=9)
        plat.script = [_raise(RateLimitedError("RATELIMIT", until=until))]
        rig.run()
        assert rig.store.rows[pid].state == "failed"
        assert rig.store.rows[pid].next_attempt_at == until
        rig.clock.now = until
    rig.run()
    assert rig.store.rows[pid].state == "published"


def test_rejected_goes_to_review_with_message(rig):
    (pid, nxt) = rig.store.add_thread("bluesky", "a", ["x", "y"])
    rig.platform("bluesky", "a").script = [_raise(RejectedError("Invalid app.bsky.feed.post"))]
    outcomes = rig.run()
    assert [o.state for o in outcomes] == ["needs_review"]
    assert rig.store.rows[pid].state == "needs_review"
    assert "Invalid app.bsky.feed.post" in rig.store.rows[pid].error
    assert rig.store.rows[nxt].state == "queued"


def test_content_error_goes_to_review(rig):
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    rig.platform("bluesky", "a").script = [_raise(ContentError("posts/a.md", "image gone"))]
    rig.run()
    assert rig.store.rows[pid].state == "needs_review"
    assert "posts/a.md: image gone" in rig.store.rows[pid].error


def test_auth_error_retries_later_without_review(rig):
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    rig.platform("bluesky", "a").script = [_raise(AuthError("bad password"))]
    rig.run()
    assert rig.store.rows[pid].state == "failed"


def test_ambiguous_after_create_reconciles_and_never_resends(rig):
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    plat = rig.platform("bluesky", "a")

    def created_then_failed(post: Outgoing):
        plat.publish(post)
        raise AmbiguousError("500 after write")

    plat.script = [created_then_failed]
    rig.run()
    assert rig.store.rows[pid].state == "failed"
    rig.clock.now = rig.store.rows[pid].next_attempt_at
    rig.run()
    assert rig.store.rows[pid].state == "published"
    assert plat.sends == [pid] and plat.reconciles == [pid]
    assert plat.server == {"k1": ["x"]}


def test_repeated_ambiguity_goes_to_review_reconciling_every_time(make_rig):
    rig = make_rig(max_ambiguous=3)
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    plat = rig.platform("bluesky", "a")
    plat.script = [_raise(AmbiguousError("timeout"))] * 3
    for _ in range(3):
        rig.run()
        if rig.store.rows[pid].next_attempt_at:
            rig.clock.now = rig.store.rows[pid].next_attempt_at
    row = rig.store.rows[pid]
    assert row.state == "needs_review"
    assert "outcome unknown after 3 attempts" in row.error
    assert plat.reconciles == [pid, pid]  # before the 2nd and 3rd sends


def test_reclaimed_post_found_is_confirmed_without_send(rig):
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    row = rig.store.rows[pid]
    row.state, row.lease_owner, row.lease_until, row.key = "sending", "dead", T0, "k1"
    row.claims = 1
    plat = rig.platform("bluesky", "a")
    plat.server["k1"] = ["x"]
    rig.run()
    assert row.state == "published" and plat.sends == [] and plat.reconciles == [pid]


def test_reclaimed_post_not_found_is_sent_once(rig):
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    row = rig.store.rows[pid]
    row.state, row.lease_owner, row.lease_until, row.key = "sending", "dead", T0, "k1"
    rig.run()
    plat = rig.platform("bluesky", "a")
    assert row.state == "published" and plat.reconciles == [pid] and plat.sends == [pid]


def test_unexpected_exception_is_treated_as_ambiguous(rig):
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    rig.platform("bluesky", "a").script = [_raise(KeyError("boom"))]
    rig.run()
    assert rig.store.rows[pid].state == "failed"
    assert "KeyError" in rig.store.rows[pid].error


def test_blocked_account_or_bad_post_never_stalls_others(rig):
    a = rig.store.add_thread("bluesky", "a", ["a1", "a2"])
    bad = rig.store.add_thread("bluesky", "b", ["b1"])
    good = rig.store.add_thread("reddit", "r", ["r1", "r2", "r3"])
    until = T0 + timedelta(hours=1)

    def block(post: Outgoing):
        rig.store.blocked[("bluesky", "a")] = until
        raise RateLimitedError("429", until=until)

    rig.platform("bluesky", "a").script = [block]
    rig.platform("bluesky", "b").script = [_raise(RejectedError("too long"))]
    rig.run()
    states = rig.store.states()
    assert [states[i] for i in good] == ["published"] * 3
    assert states[bad[0]] == "needs_review"
    assert [states[i] for i in a] == ["failed", "queued"]


def test_independent_accounts_send_in_parallel(make_rig):
    rig = make_rig(concurrency=2)
    rig.store.add_thread("bluesky", "a", ["a1"])
    rig.store.add_thread("bluesky", "b", ["b1"])
    barrier = threading.Barrier(2, timeout=5)
    for name in ("a", "b"):
        rig.platform("bluesky", name).on_send = lambda post: barrier.wait()
    rig.run()  # a BrokenBarrierError (sequential sends) would leave the posts failed
    assert set(rig.store.states().values()) == {"published"}


def test_stop_releases_claims_not_yet_sent(rig):
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    claim = rig.store.claim_due(
        T0, limit=1, owner="me", lease=timedelta(seconds=60), prepare=rig.publisher.prepare
    )[0]
    rig.publisher.stopping.set()
    (outcome,) = rig.publisher._work(claim, _Scope(article_id=None, platforms=["bluesky"]))
    assert outcome.state == "released"
    assert rig.store.rows[pid].state == "queued" and rig.store.rows[pid].claims == 0
    assert rig.publisher.dispatch() == []


def test_stale_posts_go_to_review(make_rig):
    rig = make_rig(stale_after=timedelta(hours=6))
    (pid,) = rig.store.add_thread("bluesky", "a", ["x"])
    rig.clock.advance(7 * 3600)
    rig.run()
    assert rig.store.rows[pid].state == "needs_review"
    assert "stale" in rig.store.rows[pid].error
    assert rig.platform("bluesky", "a").sends == []


def test_stale_posts_can_be_spread_over_next_slots(make_rig):
    rig = make_rig(stale_after=timedelta(hours=6), stale_policy="reschedule")
    ids = rig.store.add_thread("bluesky", "a", ["x"]) + rig.store.add_thread("bluesky", "b", ["y"])
    rig.clock.advance(7 * 3600)
    rig.run()
    for pid in ids:
        row = rig.store.rows[pid]
        assert row.state == "failed" and row.next_attempt_at >= rig.clock.now
    rig.clock.advance(3600)
    rig.run()  # retried posts are no longer 'first attempts': published, not stale again
    assert {rig.store.rows[i].state for i in ids} == {"published"}


def _raise(exc: BaseException):
    def action(post: Outgoing):
        raise exc

    return action


def test_lease_is_renewed_during_a_slow_send():
    import random
    from datetime import UTC, datetime

    from bot.publish import Publisher, PublishOptions
    from tests.publish.fakes import FakePlatform, FakeStore

    store = FakeStore()
    (pid,) = store.add_thread("bluesky", "a", ["x"], due=datetime.now(UTC))
    plat = FakePlatform("bluesky", "a")
    renewed = threading.Event()

    def slow(post: Outgoing) -> None:
        for _ in range(200):  # bounded: returns as soon as two renewals happened
            if store.renewals >= 2:
                renewed.set()
                return
            threading.Event().wait(0.05)

    plat.on_send = slow
    opts = PublishOptions(owner="me", lease=timedelta(seconds=0.3))
    pub = Publisher(store, lambda n, a: plat, {"bluesky": ["a"]}, opts, rng=random.Random(1))
    try:
        pub.run_until_idle()
    finally:
        pub.close()
    assert renewed.is_set() and store.rows[pid].state == "published"


def test_after_send_hook_sees_each_claim_between_send_and_confirm(rig):
    """Fault injection is a constructor argument: production code reads no test variable."""
    seen = []
    rig.publisher._after_send = lambda claim: seen.append(rig.store.states()[claim.post_id])
    rig.store.add_thread("bluesky", "a", ["one", "two", "three"])
    outcomes = rig.run()
    assert [o.state for o in outcomes] == ["published"] * 3
    assert seen == ["sending"] * 3  # called after each send, before its confirm


class CountingStore:
    """Counts the store calls a publisher makes (delegating to the fake store)."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if name in ("claim_due", "confirm", "confirm_and_claim"):

            def counted(*args, **kwargs):
                self.calls.append(name)
                return attr(*args, **kwargs)

            return counted
        return attr


def test_a_worker_goes_on_with_the_reply_its_confirm_unlocked(make_rig):
    rig = make_rig(concurrency=1)
    ids = rig.store.add_thread("reddit", "r", ["sub", "c1", "c2", "c3"])
    counting = CountingStore(rig.store)
    rig.publisher.store = counting
    seen = []
    outcomes = rig.publisher.run_until_idle(on_outcome=lambda o: seen.append(o.post_id))
    assert [o.post_id for o in outcomes] == ids == seen
    assert {o.state for o in outcomes} == {"published"}
    # One claim, then one confirm-and-claim per post (the last finds nothing), then the
    # idle check: a commit per post instead of claim + confirm each.
    assert counting.calls == ["claim_due"] + ["confirm_and_claim"] * 4 + ["claim_due"]
    assert rig.publisher.inflight_ids() == []


def test_a_stopping_worker_confirms_without_claiming_more(make_rig):
    rig = make_rig(concurrency=1)
    ids = rig.store.add_thread("bluesky", "a", ["one", "two"])
    counting = CountingStore(rig.store)
    rig.publisher.store = counting
    rig.platform("bluesky", "a").on_send = lambda post: rig.publisher.stopping.set()
    outcomes = rig.publisher.run_until_idle()
    assert [(o.post_id, o.state) for o in outcomes] == [(ids[0], "published")]
    assert counting.calls == ["claim_due", "confirm"]
    assert rig.store.states() == {ids[0]: "published", ids[1]: "queued"}


def test_a_failing_outcome_listener_does_not_stop_the_worker(make_rig):
    rig = make_rig(concurrency=1)
    ids = rig.store.add_thread("bluesky", "a", ["one", "two", "three"])

    def broken(outcome):
        raise RuntimeError("display gone")

    outcomes = rig.publisher.run_until_idle(on_outcome=broken)
    assert [o.post_id for o in outcomes] == ids
    assert set(rig.store.states().values()) == {"published"}
