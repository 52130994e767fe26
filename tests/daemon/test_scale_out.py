"""Scale-out: three daemon processes (the real Daemon over the real store) on one
PostgreSQL database publish 300 posts (both platforms): each post exactly once, and all
three daemons did work (each logged some of the publications)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from bot.sandbox.reddit.standin import start_standin
from bot.store import open_store
from tests.bluesky.conftest import list_records
from tests.daemon.realstore import enqueue_article, rows, unpublished
from tests.daemon.test_crash import _check_bluesky, _check_reddit, _ready, _start, _wait_done


def _published_by(log: Path) -> int:
    return sum(1 for line in log.read_text().splitlines() if " published: " in line)


def test_three_daemons_on_postgresql_share_300_posts_each_exactly_once(pds, pg_server, tmp_path):
    did, handle, password = pds.create_account("scaleout")
    url = pg_server.new_database()
    store = open_store(url)
    logs = [tmp_path / f"daemon{n}.log" for n in range(3)]
    with start_standin() as reddit:
        env = {**os.environ, "SHAREBOT_CRASH_BSKY_PASSWORD": password}
        procs = [
            _start([url, pds.url, handle, reddit.url, f"daemon{n}"], env, logs[n]) for n in range(3)
        ]
        try:
            assert all(_ready(p) for p in procs)
            for a in range(15):  # 15 x (2 x 5 Bluesky + 5 + 5 Reddit) = 300, once all listen
                enqueue_article(store, f"scale{a}", bsky=5, reddit=5)
            _wait_done(store, procs[0], timeout=120)
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            codes = [p.wait(10) for p in procs]
        found = rows(store)
        by = {f"daemon{n}": _published_by(log) for n, log in enumerate(logs)}
        print(f"\nposts {len(found)} published by daemon: {by}")
        assert codes == [0, 0, 0]
        assert len(found) == 300 and unpublished(store) == 0
        assert sum(by.values()) == 300 and all(by.values()), by
        _check_bluesky(found, {r["uri"]: r["value"] for r in list_records(pds, did)})
        _check_reddit(found, reddit.world.things)
    store.close()
