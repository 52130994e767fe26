"""Daemon benchmarks: dispatch latency (due time -> send start) and idle cost.

1. 10,000 posts queued, due over ~25 s: p50/p99 of (send start - due time).
2. 100,000 posts queued, none due, the daemon idle for 60 s: CPU seconds and RSS.

The daemon (bot.daemon.Daemon + bot.publish.Publisher, APScheduler clock) runs in
this process against ``--store``: ``memory`` (default while bot.store has not
landed: an indexed in-memory store following the claim contract) or an
SQLAlchemy URL for the real store (``sqlite:///...``). The platform is a no-op
that records when each send starts, so the figures are the daemon's own.
"""

from __future__ import annotations

import argparse
import bisect
import importlib
import json
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


class SqliteBenchStore:
    """tests/daemon/sqlstore.py (the crash test's shared SQLite claim store) with ``add``."""

    def __new__(cls, path: str) -> Any:
        from tests.daemon.sqlstore import SqlStore

        store = SqlStore(path)
        store.due = {}

        def add(due: datetime) -> None:
            (pid,) = store.add_thread("bluesky", "a", [PostDraft("x")], due=due, article=1)
            store.due[pid] = due

        def add_many(dues: list[datetime]) -> None:
            draft = json.dumps({"text": "x", "kind": "post", "title": None})
            rows = [(n, 1, "bluesky", "a", draft, d.timestamp()) for n, d in enumerate(dues)]
            with store.lock:
                store.db.executemany(
                    "INSERT INTO posts (thread_id, article_id, platform, account, draft, due_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
            for pid, due in enumerate(dues, start=1):
                store.due[pid] = due

        store.add, store.add_many = add, add_many
        return store


def make_store(spec: str, tmp: str) -> Any:
    if spec == "memory":
        return MemoryStore()
    if spec == "test-sqlite":
        return SqliteBenchStore(f"{tmp}/bench-{random.random()}.db")
    url = spec.replace("TMP", tmp)
    return importlib.import_module("bot.store").open_store(url)


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


def dispatch_latency(spec: str, tmp: str, posts: int, spread: float) -> list[float]:
    store = make_store(spec, tmp)
    t0 = datetime.now(UTC) + timedelta(seconds=2)
    rng = random.Random(1)
    dues = sorted(t0 + timedelta(seconds=rng.random() * spread) for _ in range(posts))
    _load(store, dues)
    plat = TimingPlatform()
    daemon, runner = start(store, plat)
    finished = threading.Event()
    while len(plat.started) < posts and datetime.now(UTC) < t0 + timedelta(seconds=spread + 60):
        finished.wait(0.2)
    daemon.request_stop()
    runner.join(15)
    return [(plat.started[pid] - store.due[pid]).total_seconds() for pid in plat.started]


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
        "--store", default="memory", help="memory, test-sqlite or an SQLAlchemy URL (TMP=tmp dir)"
    )
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--idle-posts", type=int, default=100_000)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lat = sorted(dispatch_latency(args.store, tmp, args.posts, spread=25.0))
        p50 = statistics.median(lat)
        p99 = lat[int(len(lat) * 0.99) - 1]
        print(f"store={args.store} posts sent {len(lat)}/{args.posts}")
        ms = [round(v * 1000, 1) for v in (p50, p99, lat[-1])]
        print(f"dispatch latency ms: p50 {ms[0]}, p99 {ms[1]}, max {ms[2]}")
        cpu, rss = idle(args.store, tmp, args.idle_posts, args.idle_seconds)
        print(f"idle {args.idle_seconds:.0f} s, {args.idle_posts} queued: cpu {cpu:.3f} s")
        print(f"idle rss {rss:.1f} MB")
    print(f"RESULT dispatch_p50_seconds {p50:.4f} target < 1")
    print(f"RESULT dispatch_p99_seconds {p99:.4f} target < 1")
    print(f"RESULT idle_cpu_seconds_60s {cpu:.3f} target < 0.5")
    print(f"RESULT idle_rss_mb {rss:.1f} target < 150")


if __name__ == "__main__":
    main()
