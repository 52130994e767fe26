"""The daemon's stats job: it runs on the scheduler beside publishing, and a failing round is
logged while the daemon carries on (the next round runs)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.errors import TransientError
from tests.daemon.test_daemon_unit import _daemon, _wait
from tests.publish.fakes import FakePlatform, FakeStore


def test_stats_rounds_run_beside_publishing_and_survive_a_failure(caplog):
    store = FakeStore()
    store.add_thread("bluesky", "a", ["1", "2"], due=datetime.now(UTC) - timedelta(seconds=1))
    rounds: list[int] = []
    second = threading.Event()

    def stats_round() -> None:
        rounds.append(len(rounds) + 1)
        if len(rounds) == 1:
            raise TransientError("AppView unreachable", platform="bluesky")
        second.set()

    daemon = _daemon(store, FakePlatform("bluesky", "a"), stats=stats_round, stats_every=0.05)
    runner = threading.Thread(target=daemon.run)
    runner.start()
    try:
        assert second.wait(10)
        assert _wait(lambda: set(store.states().values()) == {"published"})
    finally:
        daemon.request_stop()
        runner.join(10)
    assert not runner.is_alive() and rounds[:2] == [1, 2]
    assert "stats round failed: bluesky: AppView unreachable" in caplog.text
