"""The daemon loop with the in-memory store: wakes at due times, stops on request,
refuses a second daemon on one SQLite store."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.daemon import Daemon, single_daemon_lock, sqlite_path
from bot.errors import StoreError
from bot.publish import Publisher, PublishOptions
from tests.publish.fakes import FakePlatform, FakeStore


def _daemon(store: FakeStore, plat: FakePlatform, **kw: object) -> Daemon:
    pub = Publisher(
        store, lambda n, a: plat, {"bluesky": ["a"]}, PublishOptions(owner="d1"),
        rng=random.Random(3),
    )  # fmt: skip
    return Daemon(store, pub, tick=30, heartbeat_every=30, **kw)  # type: ignore[arg-type]


def _wait(cond, timeout: float = 10.0) -> bool:
    done = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if cond():
            return True
        done.wait(0.02)
    return cond()


def test_wakes_at_the_due_time_and_publishes_thread_in_order():
    store = FakeStore()
    ids = store.add_thread(
        "bluesky", "a", ["1", "2", "3"], due=datetime.now(UTC) + timedelta(seconds=0.5)
    )
    plat = FakePlatform("bluesky", "a")
    daemon = _daemon(store, plat)
    runner = threading.Thread(target=daemon.run)
    runner.start()
    try:
        assert _wait(lambda: set(store.states().values()) == {"published"})
    finally:
        daemon.request_stop()
        runner.join(10)
    assert not runner.is_alive()
    assert plat.sends == ids
    assert daemon.outcomes == {"published": 3}
    assert store.beats and store.beats[0][0] == "d1"


def test_stop_request_ends_run_while_idle():
    store = FakeStore()
    store.add_thread("bluesky", "a", ["later"], due=datetime.now(UTC) + timedelta(hours=1))
    daemon = _daemon(store, FakePlatform("bluesky", "a"))
    runner = threading.Thread(target=daemon.run)
    runner.start()
    assert _wait(lambda: daemon._armed is not None)
    daemon.request_stop()
    runner.join(10)
    assert not runner.is_alive() and store.states() == {1: "queued"}


def test_run_once_publishes_due_and_syncs_first():
    store = FakeStore()
    synced = []

    def sync() -> None:
        synced.append(1)
        store.add_thread("bluesky", "a", ["from folder"], due=datetime.now(UTC))

    daemon = _daemon(store, FakePlatform("bluesky", "a"), sync=sync)
    assert daemon.run_once() == {"published": 1}
    assert synced == [1]


def test_second_daemon_on_one_sqlite_store_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    with (
        single_daemon_lock(url),
        pytest.raises(StoreError, match="already running"),
        single_daemon_lock(url),
    ):
        pass
    with single_daemon_lock(url):  # released on exit
        pass
    assert sqlite_path("postgresql+psycopg://u@h/db") is None
    with (
        single_daemon_lock("postgresql+psycopg://u@h/db"),
        single_daemon_lock("postgresql+psycopg://u@h/db"),
    ):
        pass
