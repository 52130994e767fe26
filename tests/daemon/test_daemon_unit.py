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


def test_factory_builds_configured_adapters_and_options_come_from_settings():
    from bot.app.plan import configured_accounts
    from bot.app.publishing import build_publisher, platform_factory
    from bot.config import BlueskyAccount, RedditAccount, Secret, Settings
    from bot.errors import ConfigError
    from bot.platforms.bluesky import BlueskyPlatform
    from bot.platforms.reddit import RedditPlatform

    settings = Settings(
        bluesky=(BlueskyAccount("main", "me.test", Secret("pw-123456")),),
        reddit=(RedditAccount("r1", client_id="id", user_agent="ua"),),
        stale_after=timedelta(hours=2),
        stale_policy="reschedule",
    )
    store = FakeStore()
    build = platform_factory(settings, store, timeout=3.0)
    bsky = build("bluesky", "main")
    assert isinstance(bsky, BlueskyPlatform) and bsky.timeout == 3.0
    assert isinstance(build("reddit", "r1"), RedditPlatform)
    with pytest.raises(ConfigError, match="no reddit account named 'main'"):
        build("reddit", "main")
    assert configured_accounts(settings) == {"bluesky": ["main"], "reddit": ["r1"]}
    pub = build_publisher(store, settings)
    try:
        assert pub.options.stale_after == timedelta(hours=2)
        assert pub.options.stale_policy == "reschedule"
        assert pub.owner  # unique per process
    finally:
        pub.close()


def test_two_paths_to_one_sqlite_file_cannot_run_two_daemons(tmp_path):
    """The lock follows the file, not the path as written: a symlink, a hard link and a
    relative path to the same database are all refused while a daemon holds it (also from
    another process)."""
    import os
    import subprocess
    import sys

    db = tmp_path / "real" / "s.db"
    db.parent.mkdir()
    db.write_bytes(b"")
    (tmp_path / "alias.db").symlink_to(db)
    os.link(db, tmp_path / "hard.db")
    (tmp_path / "linkdir").symlink_to(db.parent)
    others = [
        f"sqlite:///{tmp_path}/alias.db",
        f"sqlite:///{tmp_path}/hard.db",
        f"sqlite:///{tmp_path}/linkdir/s.db",
        f"sqlite:///{os.path.relpath(db)}",
    ]
    with single_daemon_lock(f"sqlite:///{db}"):
        for url in others:
            with pytest.raises(StoreError, match="already running"), single_daemon_lock(url):
                pass
        child = (
            "import sys\nfrom bot.daemon import single_daemon_lock\nfrom bot.errors import "
            "StoreError\ntry:\n    with single_daemon_lock(sys.argv[1]):\n        sys.exit(0)\n"
            "except StoreError as e:\n    print(e)\n    sys.exit(3)\n"
        )
        run = subprocess.run(
            [sys.executable, "-c", child, others[0]], capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 3 and f"pid {os.getpid()}" in run.stdout
    with single_daemon_lock(others[0]):  # released: any path may take it now
        pass
