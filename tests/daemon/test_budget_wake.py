"""The daemon over the real store with a small budget: it publishes a backlog at the
budget's pace, waking when the budget refills (its tick is an hour away), and nothing
waiting for the budget is ever failed or sent to review, even past ``stale_after``."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import budget
from bot.daemon import Daemon
from bot.publish import Publisher, PublishOptions
from bot.secretkey import KeySource
from bot.store import open_store
from tests.publish.fakes import FakePlatform
from tests.store.helpers import bluesky_thread, enqueue


def _until(cond, limit: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    done = threading.Event()
    for _ in range(int(limit / 0.05)):
        if cond():
            return True
        done.wait(0.05)
    return cond()


def test_a_backlog_goes_out_at_the_budgets_pace(tmp_path: Path) -> None:
    limits = {"bluesky": budget.limits_for("bluesky", {"points_hour": "6/3s"})}  # 2 per 3 s
    store = open_store(f"sqlite:///{tmp_path}/s.db", key=KeySource(tmp_path / "k"), budgets=limits)
    enqueue(store, [bluesky_thread(i, 1) for i in range(6)], first=datetime.now(UTC),
            gap=timedelta(0))  # fmt: skip
    plat = FakePlatform("bluesky", "b")
    options = PublishOptions(owner="d1", stale_after=timedelta(seconds=3))
    pub = Publisher(store, lambda n, a: plat, {"bluesky": ["b"]}, options, rng=random.Random(1))
    daemon = Daemon(store, pub, tick=3600, heartbeat_every=3600)
    runner = threading.Thread(target=daemon.run)
    runner.start()
    try:
        assert _until(lambda: store.counts() == {"published": 6}), store.counts()
    finally:
        daemon.request_stop()
        runner.join(15)
    states = store.budget_states()
    store.close()
    assert not runner.is_alive()
    assert daemon.outcomes == {"published": 6}  # none failed, none to review (stale)
    assert len(plat.sends) == 6
    assert states[("bluesky", "b")][1] is not None  # it did run out and wait for a refill
