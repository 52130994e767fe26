"""Daemon benchmarks: dispatch latency (due time -> send start) and idle cost.

1. 10,000 posts queued a day ahead while 300 more fall due over 30 s: p50/p99 of
   (send start - due time) for those 300 (a post never sent counts as infinite).
2. 100,000 posts queued, none due, the daemon idle for 60 s: CPU seconds and RSS.

The daemon (bot.daemon.Daemon + bot.publish.Publisher, APScheduler clock) runs in
this process against ``--store``: an SQLAlchemy URL for the real store (default
``sqlite:///TMP/bench.db``, a fresh file per measurement; or ``postgresql+psycopg://...``),
or ``memory`` (an indexed in-memory store following the claim contract, to compare).
The platform is a no-op that records when each send starts, so the figures are the daemon's own.
No side-by-side comparison here: the RESULTs are absolute (min/median/max of the latencies
printed beside them); the script exits 1 when one misses its target.
"""

from __future__ import annotations

import argparse
import bisect
import importlib
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._results import finish, result, spread
from bot.daemon import Daemon
from bot.platforms.base import Outgoing, Ref
from bot.publish import Publisher, PublishOptions
from bot.threads import PostDraft
from tests.publish.fakes import FakeClaim


class MemoryStore:
    """Single-post threads, kept sorted by due time: claims are O(claimed)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queue: list[tuple[datetime, int]] = []
        self.due: dict[int, datetime] = {}
        self.published = 0

    def add(self, due: datetime) -> None:
        pid = len(self.due) + 1
        self.due[pid] = due
        bisect.insort(self.queue, (due, pid))

    def claim_due(self, now: datetime, *, limit: int, owner: str, **_: Any) -> list[FakeClaim]:
        with self.lock:
            n = min(limit, bisect.bisect_right(self.queue, (now, sys.maxsize)))
            taken, self.queue = self.queue[:n], self.queue[n:]
        return [
            FakeClaim(
                pid,
                pid,
                1,
                "bluesky",
                "a",
                Outgoing(pid, f"k{pid}", "a", PostDraft("x")),
                0,
                False,
                due,
            )
            for due, pid in taken
        ]

    def next_due(self) -> datetime | None:
        with self.lock:
            return self.queue[0][0] if self.queue else None

    def confirm(self, post_id: int, owner: str, ref: Ref, now: datetime) -> None:
        with self.lock:
            self.published += 1

    def fail(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("no post fails in the benchmark")

    def release(self, post_id: int, owner: str, now: datetime) -> None:
        with self.lock:
            bisect.insort(self.queue, (self.due[post_id], post_id))

    def renew_lease(self, *args: Any) -> None: ...

    def heartbeat(self, owner: str, now: datetime) -> None: ...

    def event(self, *args: Any, **kwargs: Any) -> None: ...

    def close(self) -> None: ...


class TimingPlatform:
    """Records the wall time at which each send starts."""

    name = "bluesky"
    limits: Any = None

    def __init__(self) -> None:
        self.started: dict[int, datetime] = {}

    def prepare(self, draft: PostDraft, key: str, now: datetime) -> dict[str, Any]:
        return {}

    def send(self, post: Outgoing) -> Ref:
        self.started[post.post_id] = datetime.now(UTC)
        return Ref(f"at://x/{post.key}", "c", "u")

    def reconcile(self, post: Outgoing) -> Ref | None:
        return None

    def close(self) -> None: ...


class RealBenchStore:
    """bot.store over an SQLAlchemy URL, with ``add_many`` and ``due`` (post id -> due).

    The rows are written by a separate process (one enqueue of single-post threads), so
    the objects built for 100,000 threads never count towards this process's RSS."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.store = importlib.import_module("bot.store").open_store(url)
        self.due: dict[int, datetime] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def add_many(self, dues: list[datetime]) -> None:
        from sqlalchemy import select

        from bot.store.schema import posts

        stamps = json.dumps([d.isoformat() for d in dues])
        ctx = multiprocessing.get_context("spawn")
        proc = ctx.Process(target=_fill, args=(self.url, stamps))
        proc.start()
        proc.join()
        assert proc.exitcode == 0, "loading the queue failed"
        with self.store.read() as conn:
            for pid, due in conn.execute(select(posts.c.id, posts.c.due_at)):
                self.due[pid] = due


def _fill(url: str, stamps: str) -> None:
    """Queue one article with a single-post Bluesky thread per due time (child process)."""
    from bot.article import Article, Paragraph, Section
    from bot.store import open_store
    from bot.threads import ThreadDraft

    dues = [datetime.fromisoformat(s) for s in json.loads(stamps)]
    store = open_store(url)
    section = Section("Bench", 2, ("Bench",), "bench", (Paragraph("x"),))
    article = Article("Bench", "https://example.org/b", "en", (), None, None, (section,))
    threads = [ThreadDraft("bluesky", 0, (PostDraft("x"),)) for _ in dues]
    store.enqueue(
        article, source="bench.md", threads=threads,
        due={("bluesky", i): d for i, d in enumerate(dues)}, spacing=timedelta(0),
        accounts={"bluesky": "a"}, now=datetime.now(UTC),
    )  # fmt: skip
    store.close()


def make_store(spec: str, tmp: str) -> Any:
    if spec == "memory":
        return MemoryStore()
    return RealBenchStore(spec.replace("TMP", tempfile.mkdtemp(dir=tmp)))


def start(store: Any, plat: TimingPlatform, tick: float = 30.0) -> tuple[Daemon, threading.Thread]:
    options = PublishOptions(owner="bench", concurrency=4, lease=timedelta(seconds=60))
    pub = Publisher(store, lambda n, a: plat, {"bluesky": ["a"]}, options)  # type: ignore[arg-type]
    daemon = Daemon(store, pub, tick=tick, heartbeat_every=15.0)
    runner = threading.Thread(target=daemon.run, daemon=True)
    runner.start()
    return daemon, runner


def _load(store: Any, dues: list[datetime]) -> None:
    if hasattr(store, "add_many"):
        store.add_many(dues)
    else:
        for due in dues:
            store.add(due)


def dispatch_latency(spec: str, tmp: str, queued: int, measured: int, spread: float) -> list[float]:
    """``queued`` posts wait a day ahead while ``measured`` posts fall due over ``spread``
    seconds (about 10 a second): the latency of each measured post, inf if never sent."""
    store = make_store(spec, tmp)
    later = datetime.now(UTC) + timedelta(days=1)
    _load(store, [later + timedelta(seconds=i) for i in range(queued)])
    # the first due time leaves room for loading the queue (about 1 ms a post on SQLite)
    t0 = datetime.now(UTC) + timedelta(seconds=5 + measured / 1000)
    rng = random.Random(1)
    dues = sorted(t0 + timedelta(seconds=rng.random() * spread) for _ in range(measured))
    before = set(store.due)
    _load(store, dues)
    watched = [pid for pid in store.due if pid not in before]
    plat = TimingPlatform()
    daemon, runner = start(store, plat)
    finished = threading.Event()
    deadline = t0 + timedelta(seconds=spread + 30)
    while any(p not in plat.started for p in watched) and datetime.now(UTC) < deadline:
        finished.wait(0.2)
    daemon.request_stop()
    runner.join(15)
    return [
        (plat.started[p] - store.due[p]).total_seconds() if p in plat.started else float("inf")
        for p in watched
    ]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def idle(spec: str, tmp: str, posts: int, seconds: float) -> tuple[float, float]:
    store = make_store(spec, tmp)
    later = datetime.now(UTC) + timedelta(days=1)
    _load(store, [later + timedelta(seconds=i) for i in range(posts)])
    plat = TimingPlatform()
    daemon, runner = start(store, plat)
    threading.Event().wait(1.0)  # let start-up work finish before measuring
    before = cpu_seconds()
    threading.Event().wait(seconds)
    used = cpu_seconds() - before
    rss = rss_mb()
    daemon.request_stop()
    runner.join(15)
    assert not plat.started, "nothing was due"
    return used, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--store",
        default="sqlite:///TMP/bench.db",
        help="an SQLAlchemy URL (TMP = a fresh temp dir) or memory",
    )
    parser.add_argument("--posts", type=int, default=10_000, help="posts queued, not due")
    parser.add_argument("--due-posts", type=int, default=300, help="posts due during the run")
    parser.add_argument("--idle-posts", type=int, default=100_000)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lat = sorted(dispatch_latency(args.store, tmp, args.posts, args.due_posts, spread=30.0))
        p50 = statistics.median(lat)
        p99 = lat[int(len(lat) * 0.99) - 1]
        sent = sum(v != float("inf") for v in lat)
        print(f"store={args.store} queued {args.posts}, due posts sent {sent}/{args.due_posts}")
        ms = [round(v * 1000, 1) for v in (p50, p99, lat[-1])]
        print(f"dispatch latency ms: p50 {ms[0]}, p99 {ms[1]}, max {ms[2]}")
        print(f"dispatch latency s: {spread(lat)} ({len(lat)} posts)")
        cpu, rss = idle(args.store, tmp, args.idle_posts, args.idle_seconds)
        print(f"idle {args.idle_seconds:.0f} s, {args.idle_posts} queued: cpu {cpu:.3f} s")
        print(f"idle rss {rss:.1f} MB")
    result("dispatch_p50_seconds", p50, "<", 1, digits=4)
    result("dispatch_p99_seconds", p99, "<", 1, digits=4)
    result("idle_cpu_seconds_60s", cpu, "<", 0.5)
    result("idle_rss_mb", rss, "<", 150, digits=1)
    finish()


if __name__ == "__main__":
    main()
