"""Several processes on one store: no "database is locked", nothing lost, nothing doubled."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.store import open_store
from tests.pg import PgServer
from tests.store.helpers import bluesky_thread, enqueue
from tests.store.workers import claimer, editor

CTX = multiprocessing.get_context("fork")


def _run(targets: list[tuple[Any, tuple[Any, ...]]], timeout: float) -> list[dict[str, Any]]:
    out = CTX.Queue()
    procs = [CTX.Process(target=fn, args=(*args, out)) for fn, args in targets]
    for p in procs:
        p.start()
    results = [out.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return results


def test_sqlite_editors_and_claimer_for_20_seconds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    open_store(url).close()
    until = time.monotonic() + 20
    results = _run(
        [(editor, (url, f"e{i}", until)) for i in range(4)]
        + [(claimer, (url, "c", until, False, None))],
        timeout=90,
    )
    errors = [e for r in results for e in r["errors"]]
    assert errors == []  # in particular no "database is locked"
    editors = [r for r in results if "articles" in r]
    (claims,) = [r for r in results if "claimed" in r]
    articles = [a for r in editors for a in r["articles"]]
    assert len(articles) == len(set(articles)) > 40
    claimed = Counter(claims["claimed"])
    assert claimed and max(claimed.values()) == 1
    store = open_store(url)
    posts = store.list_posts(limit=1_000_000)
    counts = store.counts()
    store.close()
    assert len(posts) == 3 * len(articles)
    assert Counter(p.article_id for p in posts) == dict.fromkeys(articles, 3)
    assert {p.id for p in posts if p.state == "published"} == set(claimed)
    assert counts.get("cancelled", 0) == sum(r["cancelled"] for r in editors) > 0
    assert set(counts) <= {"queued", "published", "cancelled"}


def test_postgresql_four_claimers_share_2000_posts(pg_server: PgServer) -> None:
    url = pg_server.new_database()
    store = open_store(url)
    enqueue(store, [bluesky_thread(i, 1) for i in range(2000)], gap=timedelta(0))
    store.close()
    until = time.monotonic() + 60  # a bound only: the claimers stop when all is claimed
    results = _run([(claimer, (url, f"c{i}", until, True, None)) for i in range(4)], timeout=90)
    assert [e for r in results for e in r["errors"]] == []
    claimed = Counter(pid for r in results for pid in r["claimed"])
    assert len(claimed) == 2000 and max(claimed.values()) == 1
    assert sum(1 for r in results if r["claimed"]) >= 2  # the work was shared
    store = open_store(url)
    assert store.counts() == {"published": 2000}
    store.close()


def test_postgresql_four_claimers_share_one_budget(pg_server: PgServer) -> None:
    """300 points an hour = 100 posts, whichever daemon claims them: no daemon may spend
    another's budget."""
    url = pg_server.new_database()
    store = open_store(url)
    enqueue(store, [bluesky_thread(i, 1) for i in range(400)], gap=timedelta(0))
    store.close()
    until = time.monotonic() + 60  # a bound only: the claimers stop when nothing is claimable
    results = _run([(claimer, (url, f"c{i}", until, True, 300)) for i in range(4)], timeout=90)
    assert [e for r in results for e in r["errors"]] == []
    claimed = Counter(pid for r in results for pid in r["claimed"])
    assert len(claimed) == 100 and max(claimed.values()) == 1
    store = open_store(url)
    assert store.counts() == {"published": 100, "queued": 300}  # waiting, not failed
    store.close()
