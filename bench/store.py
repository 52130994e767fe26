"""Store scaling on SQLite: claim_due(limit=50) and the first page of the queue list with
1,000 vs 100,000 queued posts (indexes, not scans), and the file size per 100,000 posts.

Both stores are built the same way (bulk inserts): threads of 5 chained posts spread over
the coming year, 100 threads due now. Each round claims 50 due posts (then puts them back,
untimed, so every round finds 50), and lists the first page; which size goes first
alternates round by round. Each RESULT is the ratio of the totals (min/median/max of the
rounds' ratios beside it); exit 1 when one misses its target.

Backlog: the same sizes with every post overdue (a daemon back after a long stop), each
thread's posts due together (the default spacing within a thread), so most due posts are
replies waiting for their parents: ``claim_due_backlog_100k_vs_1k``.

    python bench/store.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, update

from bench._results import finish, ratio_result, result, rotation
from bot.store import Store, open_store
from bot.store.schema import articles, posts, threads
from bot.store.views import dumps
from bot.threads import Facet, LinkCard, PostDraft, draft_to_dict

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PER_THREAD, DUE_THREADS, THREADS_PER_ARTICLE = 5, 100, 10
TEXT = ("A section of a long article, cut at a sentence so it fits one post. " * 4)[:290]


def _draft(i: int) -> str:
    if i % PER_THREAD:
        return dumps(draft_to_dict(PostDraft(TEXT, langs=("en",))))
    card = LinkCard("https://example.org/articles/partnership#section", "Title", "Summary")
    return dumps(
        draft_to_dict(
            PostDraft(
                TEXT, facets=(Facet(0, 9, "link", "https://x.org"),), embed=card, langs=("en",)
            )
        )
    )


def build(path: Path, n_posts: int, *, backlog: bool = False) -> Store:
    """A store holding ``n_posts`` queued posts (bulk inserts); ``backlog``: all overdue."""
    store = open_store(f"sqlite:///{path}")
    n_threads = n_posts // PER_THREAD
    n_articles = -(-n_threads // THREADS_PER_ARTICLE)
    year = timedelta(days=365).total_seconds()
    with store.write() as conn:
        conn.execute(
            insert(articles),
            [
                {
                    "id": a + 1,
                    "source": f"/posts/{a}.md",
                    "content_hash": f"{a:064x}",
                    "title": f"A {a}",
                    "url": f"https://example.org/{a}",
                    "slug": f"a-{a}",
                    "data": "{}",
                    "created_at": NOW,
                }
                for a in range(n_articles)
            ],
        )
        conn.execute(
            insert(threads),
            [
                {
                    "id": t + 1,
                    "article_id": t // THREADS_PER_ARTICLE + 1,
                    "platform": "bluesky",
                    "account": "b",
                    "idx": t % THREADS_PER_ARTICLE,
                    "section": 0,
                    "continues": False,
                }
                for t in range(n_threads)
            ],
        )
        rows: list[dict[str, Any]] = []
        for t in range(n_threads):
            if backlog:
                start = NOW - timedelta(days=1) + timedelta(seconds=t)
            elif t < DUE_THREADS:
                start = NOW - timedelta(hours=1)
            else:
                start = NOW + timedelta(seconds=year * t / n_threads + 3600)
            for s in range(PER_THREAD):
                pid = t * PER_THREAD + s + 1
                rows.append(
                    {
                        "id": pid,
                        "thread_id": t + 1,
                        "article_id": t // THREADS_PER_ARTICLE + 1,
                        "seq": s,
                        "parent_post_id": pid - 1 if s else None,
                        "root_post_id": pid - s if s else None,
                        "platform": "bluesky",
                        "account": "b",
                        "draft": _draft(s),
                        "due_at": start + timedelta(minutes=0 if backlog else s),
                        "state": "queued",
                        "attempts": 0,
                        "ambiguous": 0,
                        "updated_at": NOW,
                    }
                )
        conn.execute(insert(posts), rows)
    return store


def prepare(platform: str, draft: PostDraft, key: str, now: datetime) -> dict[str, Any]:
    return {"rkey": key, "createdAt": now.isoformat()}


def claim_round(store: Store) -> float:
    """Seconds for one claim_due(limit=50); the claimed posts are put back afterwards."""
    start = time.perf_counter()
    claims = store.claim_due(
        NOW, limit=50, owner="bench", lease=timedelta(hours=1), prepare=prepare
    )
    elapsed = time.perf_counter() - start
    assert len(claims) == 50, len(claims)
    with store.write() as conn:
        conn.execute(
            update(posts)
            .where(posts.c.id.in_([c.post_id for c in claims]))
            .values(
                state="queued",
                attempts=0,
                lease_owner=None,
                lease_until=None,
                idem_key=None,
                prepared=None,
            )
        )
    return elapsed


def list_round(store: Store) -> float:
    """Seconds for the first page of the queue list."""
    start = time.perf_counter()
    page = store.list_posts(limit=50)
    elapsed = time.perf_counter() - start
    assert len(page) == 50
    return elapsed


def file_mb(path: Path) -> float:
    """Size of the database and its WAL (the last close checkpoints the WAL into the file)."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sharebot-bench-") as tmp:
        sizes = {1_000: Path(tmp) / "small.db", 100_000: Path(tmp) / "big.db"}
        stores = {}
        backlogs = {}
        for n, path in sizes.items():
            start = time.perf_counter()
            stores[n] = build(path, n)
            backlogs[n] = build(path.with_name(f"backlog-{path.name}"), n, backlog=True)
            print(f"built {n} posts (twice) in {time.perf_counter() - start:.1f} s")
        claim_t: dict[int, list[float]] = {n: [] for n in sizes}
        list_t: dict[int, list[float]] = {n: [] for n in sizes}
        backlog_t: dict[int, list[float]] = {n: [] for n in sizes}
        for r in range(args.rounds):
            for n, store in rotation(list(stores.items()), r):
                claim_t[n].append(claim_round(store))
                list_t[n].append(list_round(store))
                backlog_t[n].append(claim_round(backlogs[n]))
        med = {
            k: {n: statistics.median(v[n]) for n in sizes}
            for k, v in (("claim", claim_t), ("list", list_t), ("backlog claim", backlog_t))
        }
        for kind, by_n in med.items():
            print(f"{kind}: " + ", ".join(f"{n} posts {t * 1000:.2f} ms" for n, t in by_n.items()))
        for store in (*stores.values(), *backlogs.values()):
            store.close()
        mb = file_mb(sizes[100_000])
    big, small = 100_000, 1_000
    ratio_result("claim_due_100k_vs_1k", claim_t[big], claim_t[small], "<=", 2)
    ratio_result("queue_list_100k_vs_1k", list_t[big], list_t[small], "<=", 2)
    ratio_result("claim_due_backlog_100k_vs_1k", backlog_t[big], backlog_t[small], "<=", 2)
    result("sqlite_mb_per_100k_posts", mb, "<=", 200, digits=1)
    finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
