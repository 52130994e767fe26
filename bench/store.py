"""Store scaling on SQLite and PostgreSQL: claim_due(limit=50) and the first page of the
queue list with 1,000 vs 100,000 queued posts (indexes, not scans), and the SQLite file size
per 100,000 posts. PostgreSQL runs on a throwaway cluster started as tests/pg.py does
(``--no-pg`` skips it).

Both stores are built the same way (bulk inserts): threads of 5 chained posts spread over
the coming year, 100 threads due now. Each round claims 50 due posts (then puts them back,
untimed, so every round finds 50), and lists the first page; which size goes first
alternates round by round. Each RESULT is the ratio of the totals (min/median/max of the
rounds' ratios beside it); exit 1 when one misses its target.

Backlog: the same sizes with every post overdue (a daemon back after a long stop), each
thread's posts due together (the default spacing within a thread), so most due posts are
replies waiting for their parents: ``claim_due_backlog_100k_vs_1k``.

    python bench/store.py [--rounds 40] [--no-pg]
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

from bot import budget
from bot.store import Store, open_store
from bot.store.schema import articles, posts, threads
from bot.store.views import dumps
from bot.threads import Facet, LinkCard, PostDraft, draft_to_dict

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Budgets too large to run out: the claim still reads and spends them (each round claims
# 50 posts again), so their cost is in the figures.
BUDGETS = {
    "bluesky": budget.limits_for(
        "bluesky", {"points_hour": 10**12, "points_day": 10**12, "requests_5m": 10**12}
    )
}
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


def build(url: str, n_posts: int, *, backlog: bool = False) -> Store:
    """A store holding ``n_posts`` queued posts (bulk inserts); ``backlog``: all overdue."""
    store = open_store(url, budgets=BUDGETS)
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
    if store.dialect == "postgresql":  # planner statistics, as autovacuum would gather them
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
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


def spread(times: list[float]) -> str:
    """min/median/max in milliseconds."""
    ms = sorted(t * 1000 for t in times)
    return f"min {ms[0]:.2f} / median {statistics.median(ms):.2f} / max {ms[-1]:.2f} ms"


def measure(urls: dict[str, str], rounds: int) -> dict[str, dict[int, list[float]]]:
    """Build the four stores of one backend and time ``rounds`` rounds, sizes alternating."""
    kinds: dict[str, dict[int, list[float]]] = {"claim": {}, "list": {}, "backlog claim": {}}
    stores, backlogs = {}, {}
    for n in SIZES:
        start = time.perf_counter()
        stores[n] = build(urls[f"{n}"], n)
        backlogs[n] = build(urls[f"backlog-{n}"], n, backlog=True)
        print(f"  built {n} posts (twice) in {time.perf_counter() - start:.1f} s")
        for times in kinds.values():
            times[n] = []
    for _ in range(rounds):
        for n in SIZES:
            kinds["claim"][n].append(claim_round(stores[n]))
            kinds["list"][n].append(list_round(stores[n]))
            kinds["backlog claim"][n].append(claim_round(backlogs[n]))
    for store in (*stores.values(), *backlogs.values()):
        store.close()
    for kind, by_n in kinds.items():
        for n, times in by_n.items():
            print(f"  {kind}, {n} posts: {spread(times)}")
    return kinds


def ratio(times: dict[int, list[float]]) -> float:
    """The 100k/1k ratio of the total times (every round counts)."""
    return sum(times[100_000]) / sum(times[1_000])


SIZES = (1_000, 100_000)


def sqlite_results(tmp: Path, rounds: int) -> list[tuple[str, float, str, float]]:
    print("SQLite")
    urls = {f"{p}{n}": f"sqlite:///{tmp}/{p}{n}.db" for n in SIZES for p in ("", "backlog-")}
    kinds = measure(urls, rounds)
    mb = file_mb(tmp / "100000.db")
    return [
        ("claim_due_100k_vs_1k", ratio(kinds["claim"]), "<=", 2),
        ("queue_list_100k_vs_1k", ratio(kinds["list"]), "<=", 2),
        ("claim_due_backlog_100k_vs_1k", ratio(kinds["backlog claim"]), "<=", 2),
        ("sqlite_mb_per_100k_posts", mb, "<=", 200),
    ]


def pg_results(rounds: int) -> list[tuple[str, float, str, float]]:
    from tests.pg import start_cluster, stop_cluster

    print("PostgreSQL (throwaway cluster)")
    server = start_cluster()
    try:
        urls = {f"{p}{n}": server.new_database() for n in SIZES for p in ("", "backlog-")}
        kinds = measure(urls, rounds)
    finally:
        stop_cluster(server)
    return [
        ("pg_claim_due_100k_vs_1k", ratio(kinds["claim"]), "<=", 2),
        ("pg_queue_list_100k_vs_1k", ratio(kinds["list"]), "<=", 2),
        ("pg_claim_due_backlog_100k_vs_1k", ratio(kinds["backlog claim"]), "<=", 2),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sharebot-bench-") as tmp:
        results = sqlite_results(Path(tmp), args.rounds)
    if not args.no_pg:
        results += pg_results(args.rounds)
    missed = 0
    for name, value, op, target in results:
        ok = value <= target if op == "<=" else value >= target
        missed += not ok
        print(f"RESULT {name} {value:.2f} target {op} {target}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
