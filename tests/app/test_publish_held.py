"""`publish aN` while a daemon holds the article's posts: it says so and exits 0 (real
SQLite store; the daemon's claims are made through the store as a daemon makes them)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store import open_store
from tests.queue.conftest import Run

Sharebot = Callable[..., Run]


def test_publish_of_an_article_a_daemon_is_sending_says_so(sharebot: Sharebot, workdir: Path,
                                                           store_url: str) -> None:  # fmt: skip
    added = sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "bluesky",
                     "--now", "--every", "1m", "--json")  # fmt: skip
    assert added.code == 0, added.err
    store = open_store(store_url)
    try:
        held = store.claim_due(datetime.now(UTC) + timedelta(hours=1), limit=50,
                               owner="daemon:1", lease=timedelta(hours=1),
                               prepare=lambda *a: {})  # fmt: skip
    finally:
        store.close()
    assert held  # the daemon holds every first post
    run = sharebot("publish", "a1", "--yes", "--json")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert sorted(data["held_by_daemon"]) == sorted(f"p{c.post_id}" for c in held)
    assert {p["state"] for p in data["posts"]} <= {"sending", "queued"}
    text = sharebot("publish", "a1", "--yes")
    assert text.code == 0 and "is being sent by a running daemon" in text.err
