"""The review rules on the real store: a claim whose process died is not an attempt,
transient errors and unknown outcomes are counted apart, a listing that lags defers
without counting, and an editor's retry reconciles before anything is re-sent."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.errors import AmbiguousError, PendingError, TransientError
from bot.platforms.base import Outgoing
from bot.publish import Publisher, PublishOptions
from bot.store import Store, open_store
from tests.publish.conftest import Clock
from tests.publish.fakes import FakePlatform
from tests.store.helpers import MIN, NOW, bluesky_thread, claim, enqueue


class RealRig:
    """The Publisher over a real SQLite store and one scripted platform (account "b")."""

    def __init__(self, tmp_path: Path, **options: object) -> None:
        self.store: Store = open_store(f"sqlite:///{tmp_path}/s.db")
        self.clock = Clock()
        self.clock.now = NOW
        self.plat = FakePlatform("bluesky", "b")
        opts = PublishOptions(owner="me", max_attempts=5, max_ambiguous=3, **options)  # type: ignore[arg-type]
        self.publisher = Publisher(
            self.store, lambda p, a: self.plat, {"bluesky": ["b"]}, opts,
            clock=self.clock, rng=random.Random(3),
        )  # fmt: skip

    def run(self) -> None:
        self.publisher.run_until_idle()

    def state(self, pid: int) -> tuple[str, str | None]:
        post = self.store.get_post(pid)
        return post.state, post.error

    def crash_loop(self, times: int) -> None:
        """``times`` claims by daemons that died before recording anything."""
        for _ in range(times):
            assert len(claim(self.store, self.clock.now, owner="dead", limit=1, lease=MIN)) == 1
            self.clock.advance(120)

    def due_again(self, pid: int) -> None:
        at = self.store.get_post(pid).next_attempt_at
        assert at is not None
        self.clock.now = max(self.clock.now, at)


@pytest.fixture
def real(tmp_path: Path) -> Iterator[RealRig]:
    rig = RealRig(tmp_path)
    yield rig
    rig.publisher.close()
    rig.store.close()


def _raise(exc: Exception):  # type: ignore[no-untyped-def]
    def action(post: Outgoing) -> None:
        raise exc

    return action


def test_crash_loop_then_one_unknown_outcome_is_retried_not_reviewed(real: RealRig) -> None:
    enqueue(real.store, [bluesky_thread(0, 2)])
    first, second = (p.id for p in real.store.list_posts())
    real.crash_loop(6)
    real.plat.script = [_raise(AmbiguousError("timeout after the write"))]
    real.run()
    assert real.state(first)[0] == "failed"  # was needs_review: 6 claims counted as attempts
    real.due_again(first)
    real.run()
    assert real.state(first)[0] == real.state(second)[0] == "published"
    assert real.plat.reconciles[:2] == [first, first]  # every claim after a crash reconciles
    assert len(real.plat.server) == 2 and real.store.get_post(first).attempts == 1


def test_crash_loop_then_one_transient_error_is_retried_not_reviewed(real: RealRig) -> None:
    enqueue(real.store, [bluesky_thread(0, 1)])
    (pid,) = (p.id for p in real.store.list_posts())
    real.crash_loop(5)
    real.plat.script = [_raise(TransientError("503"))]
    real.run()
    assert real.state(pid)[0] == "failed"
    real.due_again(pid)
    real.run()
    assert real.state(pid)[0] == "published"


def test_transient_and_ambiguous_have_their_own_limits(real: RealRig) -> None:
    """Two unknown outcomes and four transient errors (six attempts) review nothing; the
    fifth transient error does."""
    enqueue(real.store, [bluesky_thread(0, 1)])
    (pid,) = (p.id for p in real.store.list_posts())
    script = [AmbiguousError("?"), TransientError("503")] * 2 + [TransientError("503")] * 3
    for exc in script[:-1]:
        real.plat.script = [_raise(exc)]
        real.run()
        assert real.state(pid)[0] == "failed", real.state(pid)
        real.due_again(pid)
    real.plat.script = [_raise(script[-1])]
    real.run()
    assert real.state(pid) == ("needs_review", "503")
    assert real.store.get_post(pid).attempts == len(script)


def test_a_lagging_listing_defers_without_counting(real: RealRig) -> None:
    enqueue(real.store, [bluesky_thread(0, 1)])
    (pid,) = (p.id for p in real.store.list_posts())
    real.crash_loop(1)
    later = real.clock.now + timedelta(seconds=45)

    def lagging(post: Outgoing) -> None:
        raise PendingError("listing may lag", until=later)

    for _ in range(4):  # more than max_ambiguous: none of them counts
        real.plat.reconcile = lagging  # type: ignore[method-assign]
        real.run()
        post = real.store.get_post(pid)
        assert (post.state, post.attempts, post.next_attempt_at) == ("failed", 0, later)
    del real.plat.reconcile
    real.clock.now = later
    real.run()
    assert real.state(pid)[0] == "published"


def test_retry_from_review_reconciles_and_sends_nothing_twice(real: RealRig) -> None:
    """The held-out double post: a post that landed but went to review as "outcome
    unknown" is found by reconcile when an editor retries it."""
    enqueue(real.store, [bluesky_thread(0, 1)])
    (pid,) = (p.id for p in real.store.list_posts())

    def landed_then_lost(post: Outgoing) -> None:
        real.plat.publish(post)
        raise AmbiguousError("connection reset after the write")

    hidden: dict[str, object] = {}
    for _ in range(3):
        real.plat.script = [landed_then_lost if not hidden else _raise(AmbiguousError("?"))]
        real.run()
        hidden.update(real.plat.server)
        real.plat.server.clear()  # reconcile cannot see it (yet), as a lagging listing
        if real.state(pid)[0] == "failed":
            real.due_again(pid)
    assert real.state(pid)[0] == "needs_review"
    real.plat.server.update(hidden)  # now it can
    sends = len(real.plat.sends)
    assert real.store.retry(f"p{pid}", real.clock.now) == 1
    real.run()
    assert real.state(pid)[0] == "published" and len(real.plat.sends) == sends
    assert real.plat.reconciles[-1] == pid
