"""SIGTERM during a thread: the in-flight post finishes, nothing else is claimed, run()
returns; a restarted daemon resumes from the next post without resending."""

from __future__ import annotations

import os
import random
import signal
from datetime import UTC, datetime

from bot.daemon import Daemon
from bot.publish import Publisher, PublishOptions
from tests.publish.fakes import FakePlatform, FakeStore


def _daemon(store: FakeStore, plat: FakePlatform) -> Daemon:
    pub = Publisher(store, lambda n, a: plat, {"bluesky": ["a"]}, PublishOptions(owner="d"),
                    rng=random.Random(0))  # fmt: skip
    return Daemon(store, pub, tick=30)


def test_sigterm_mid_thread_then_restart_resumes_from_next_post():
    store = FakeStore()
    ids = store.add_thread("bluesky", "a", ["1", "2", "3", "4"], due=datetime.now(UTC))
    plat = FakePlatform("bluesky", "a")
    plat.on_send = lambda post: post.post_id == ids[1] and os.kill(os.getpid(), signal.SIGTERM)
    daemon = _daemon(store, plat)
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        daemon.install_signals()
        daemon.run()  # returns only because of the SIGTERM (pytest-timeout bounds it)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert daemon.stopping.is_set()
    assert [store.rows[i].state for i in ids] == ["published", "published", "queued", "queued"]
    assert plat.sends == ids[:2]
    restarted = _daemon(store, plat)
    restarted.run_once()
    assert plat.sends == ids  # 3 and 4 once each, 1 and 2 never again
    assert plat.parents[ids[2]] == store.rows[ids[1]].ref
