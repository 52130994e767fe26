"""Scale-out: three daemon processes on one store publish 300 posts (both platforms):
each post exactly once, and all three daemons did work.

Runs on the shared SQLite claim store of tests/daemon/sqlstore.py until bot.store (and
its PostgreSQL fixture) lands; then the same test runs `sharebot run` x3 on PostgreSQL."""

from __future__ import annotations

import os
import signal
from collections import Counter
from datetime import UTC, datetime

from bot.threads import PostDraft
from tests.daemon.sqlstore import SqlStore
from tests.daemon.test_crash import (
    _check_bluesky,
    _check_reddit,
    _open,
    _ready,
    _start,
    _wait_done,
)
from tests.publish.test_bluesky_faults import _records
from tests.servers.reddit.standin import start_standin


def _plan(store: SqlStore) -> None:
    now = datetime.now(UTC)
    for t in range(15):
        texts = [PostDraft(f"scale thread {t} post {i}") for i in range(10)]
        store.add_thread("bluesky", "b", texts, due=now, article=t)
        sub = PostDraft(f"scale submission {t}", kind="submission", title=f"Scale {t}")
        comments = [PostDraft(f"scale {t} comment {i}", kind="comment") for i in range(9)]
        store.add_thread("reddit", "r", [sub, *comments], due=now, article=100 + t)


def test_three_daemons_share_300_posts_each_exactly_once(pds, tmp_path):
    did, handle, password = pds.create_account("scaleout")
    db = str(tmp_path / "scale.db")
    store = SqlStore(db)
    with start_standin() as reddit:
        env = {**os.environ, "SHAREBOT_CRASH_BSKY_PASSWORD": password}
        procs = [
            _start([db, pds.url, handle, reddit.url, f"daemon{n}"], env, tmp_path / "d.log")
            for n in range(3)
        ]
        try:
            assert all(_ready(p) for p in procs)
            _plan(store)  # queued once all three are listening
            _wait_done(store, procs[0], timeout=120)
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            codes = [p.wait(10) for p in procs]
        rows = store.rows()
        by = Counter(r["published_by"] for r in rows)
        print(f"\nposts {len(rows)} by daemon: {dict(by)}")
        assert codes == [0, 0, 0]
        assert len(rows) == 300 and _open(store) == 0
        assert set(by) == {"daemon0", "daemon1", "daemon2"}
        _check_bluesky(rows, {r["uri"]: r["value"] for r in _records(pds, did)})
        _check_reddit(rows, reddit.world.things)
