"""SIGTERM during a thread, on the real store: the in-flight post finishes, nothing else
is claimed, run() returns; a restarted daemon resumes from the next post without
resending."""

from __future__ import annotations

import os
import random
import signal

from bot.daemon import Daemon
from bot.publish import Publisher, PublishOptions
from bot.store import Store, open_store
from bot.threads import PostDraft, ThreadDraft
from tests.daemon.realstore import enqueue_threads, rows
from tests.publish.fakes import FakePlatform


def _daemon(store: Store, plat: FakePlatform) -> Daemon:
    pub = Publisher(store, lambda n, a: plat, {"bluesky": ["a"]}, PublishOptions(owner="d"),
                    rng=random.Random(0))  # fmt: skip
    return Daemon(store, pub, tick=30)


def test_sigterm_mid_thread_then_restart_resumes_from_next_post(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'stop.db'}")
    thread = ThreadDraft("bluesky", 0, tuple(PostDraft(t) for t in ("1", "2", "3", "4")))
    ids = enqueue_threads(store, "stop", [thread], {"bluesky": "a"})
    plat = FakePlatform("bluesky", "a")
    daemon = _daemon(store, plat)

    def stop_after_second(post: object) -> None:
        if getattr(post, "post_id", None) == ids[1]:
            os.kill(os.getpid(), signal.SIGTERM)
            # the signal is handled on the main thread: let it land before this send
            # returns, as a real SIGTERM during a slow send would
            assert daemon.stopping.wait(10)

    plat.on_send = stop_after_second
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        daemon.install_signals()
        daemon.run()  # returns only because of the SIGTERM (pytest-timeout bounds it)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert daemon.stopping.is_set()
    assert [r["state"] for r in rows(store)] == ["published", "published", "queued", "queued"]
    assert plat.sends == ids[:2]
    restarted = _daemon(store, plat)
    restarted.run_once()
    assert plat.sends == ids  # 3 and 4 once each, 1 and 2 never again
    parent = plat.parents[ids[2]]
    assert parent is not None and parent.uri == rows(store)[1]["uri"]
    assert {r["state"] for r in rows(store)} == {"published"}
    store.close()
