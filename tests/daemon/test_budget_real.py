"""Pacing against the real servers: a backlog of 300 posts (150 on a Bluesky account, 150
on a Reddit account) and 2 daemon processes on PostgreSQL, with budgets scaled down in
config (225 points / 45 s on Bluesky = 75 posts, 75 requests / 45 s on Reddit) and
enforced in front of the servers by a proxy answering 429 exactly like the platform
beyond that budget (the PDS itself runs with its own rate limits on).

Prints ``RESULT real_server_429s`` (target <= 0) and ``RESULT real_utilisation`` (target
>= 0.9): posts sent / posts the budget allowed while the backlog waited, where "allowed"
= the budget's posts per window x (1 + time from the first to the last write / window):
each window the backlog spans gives one more window's budget."""

from __future__ import annotations

import json
import os
import signal
import statistics

from bot.sandbox.reddit.standin import start_standin
from bot.store import open_store
from tests.bluesky.conftest import list_records
from tests.daemon.realstore import enqueue_article, rows, unpublished
from tests.daemon.test_crash import _check_bluesky, _check_reddit, _ready, _start, _wait_done
from tests.servers.budget_proxy import BudgetProxy

WINDOW = 45.0
POSTS_PER_WINDOW = 75
# margin: how much later than its claim a post's request may reach the server (the
# daemons hold one claim per account at a time and log in before their first claim)
BUDGETS = {
    "bluesky": {"points_hour": f"{3 * POSTS_PER_WINDOW}/{int(WINDOW)}s", "margin": "1s"},
    "reddit": {"requests_10m": f"{POSTS_PER_WINDOW}/{int(WINDOW)}s", "margin": "1s"},
}


def _utilisation(proxy: BudgetProxy) -> tuple[int, float]:
    """(posts written, posts the budget allowed from the first write to the last)."""
    times = sorted(proxy.forwarded)
    spans = 1 + (times[-1] - times[0]) / WINDOW
    return len(times), POSTS_PER_WINDOW * spans


def test_two_daemons_pace_300_posts_within_the_servers_budgets(limited_pds, pg_server, tmp_path):
    did, handle, password = limited_pds.create_account("paced")
    url = pg_server.new_database()
    store = open_store(url)
    logs = [tmp_path / f"daemon{n}.log" for n in range(2)]
    bsky = BudgetProxy(limited_pds.url, match=("com.atproto.repo.createRecord",),
                       capacity=3 * POSTS_PER_WINDOW, cost=3, window=WINDOW)  # fmt: skip
    with start_standin() as reddit, bsky:
        red = BudgetProxy(reddit.url, match=("/api/submit", "/api/comment"),
                          capacity=POSTS_PER_WINDOW,
                          window=WINDOW, style="reddit")  # fmt: skip
        with red:
            env = {**os.environ, "SHAREBOT_CRASH_BSKY_PASSWORD": password,
                   "SHAREBOT_TEST_BUDGETS": json.dumps(BUDGETS)}  # fmt: skip
            procs = [
                _start([url, bsky.url, handle, red.url, f"daemon{n}"], env, logs[n])
                for n in range(2)
            ]
            try:
                assert all(_ready(p) for p in procs)
                for a in range(15):  # 15 x (2 x 5 Bluesky + 5 + 5 Reddit) = 300 posts
                    enqueue_article(store, f"paced{a}", bsky=5, reddit=5)
                _wait_done(store, procs[0], timeout=400)
            finally:
                for p in procs:
                    p.send_signal(signal.SIGTERM)
                codes = [p.wait(15) for p in procs]
        found = rows(store)
        things = dict(reddit.world.things)
    per = {name: _utilisation(p) for name, p in (("bluesky", bsky), ("reddit", red))}
    limited = bsky.limited + red.limited
    ratios = [sent / allowed for sent, allowed in per.values()]
    utilisation = sum(s for s, _ in per.values()) / sum(a for _, a in per.values())
    print(
        f"\nper platform (sent, allowed): {per}; 429s bluesky {bsky.limited}, reddit {red.limited}"
    )
    print(f"utilisation min {min(ratios):.3f} / median {statistics.median(ratios):.3f} / "
          f"max {max(ratios):.3f}")  # fmt: skip
    print(f"RESULT real_server_429s {limited} target <= 0")
    print(f"RESULT real_utilisation {utilisation:.3f} target >= 0.9")
    assert codes == [0, 0]
    assert len(found) == 300 and unpublished(store) == 0
    _check_bluesky(found, {r["uri"]: r["value"] for r in list_records(limited_pds, did)})
    _check_reddit(found, things)
    assert limited == 0
    assert utilisation >= 0.9
    assert all(log.read_text().count(" published: ") for log in logs)  # both worked
    store.close()
