"""Following many sites must cost next to nothing and not hold up the daemon.

A local site (tests/servers/feeds.py) runs in its own process with 1,000 RSS feeds, each
answering with an ETag and a simulated network round trip of LATENCY seconds (sleep, no
CPU; real feeds are tens to hundreds of ms away). The feeds are followed in a real SQLite
store and polled once to learn their ETags. Then, in the same run, rounds of conditional
GETs (every feed answers 304):

- feed_poll_cpu_ms_per_304: this process's CPU time for the concurrent rounds / polls
  (fetch, 304 handling, the poll recorded in the store);
- feeds_1000_round_vs_sequential: wall time of one concurrent round over the 1,000 feeds
  (bot.app.feeds.poll_due, as the daemon's feed job runs it) / the same feeds polled one
  after another (one worker), rounds alternating which goes first. The RESULT is the ratio
  of the totals; min/median/max of the per-pair ratios are printed beside it.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import feeds
from bot.config import FeedConfig, from_mapping
from bot.store import open_store

FEEDS = 1000
LATENCY = 0.02
PAIRS = 2
TARGETS = {"feed_poll_cpu_ms_per_304": 2.0, "feeds_1000_round_vs_sequential": 0.2}


def main() -> int:
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.servers.feeds", "--feeds", str(FEEDS), "--latency",
         str(LATENCY)],
        cwd=Path(__file__).resolve().parents[1], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        return measure(base)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)


def measure(base: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/feeds.db"
        settings = from_mapping({"store_url": url, "fetch_networks": ["127.0.0.0/8"]})
        store = open_store(url)
        urls = [f"{base}/feed/{i}.xml" for i in range(FEEDS)]
        for u in urls:
            feeds.follow(store, FeedConfig(u, platforms=("bluesky",)), datetime.now(UTC))
        first = feeds.poll_due(store, settings, datetime.now(UTC), urls=urls, workers=32)
        assert all(r.status == "ok" for r in first), {r.error for r in first}

        def round_(workers: int) -> tuple[float, float]:
            wall, cpu = time.perf_counter(), time.process_time()
            done = feeds.poll_due(store, settings, datetime.now(UTC), urls=urls, workers=workers)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert [r.status for r in done] == ["not modified"] * FEEDS
            return wall, cpu

        concurrent: list[tuple[float, float]] = []
        sequential: list[tuple[float, float]] = []
        for pair in range(PAIRS):
            order = [(concurrent, 32), (sequential, 1)]
            for sink, workers in order if pair % 2 == 0 else order[::-1]:
                sink.append(round_(workers))
        store.close()
    cpu_ms = [c * 1000 / FEEDS for _, c in concurrent]
    ratios = [c[0] / s[0] for c, s in zip(concurrent, sequential, strict=True)]
    results = {
        "feed_poll_cpu_ms_per_304": sum(c for _, c in concurrent) * 1000 / (FEEDS * PAIRS),
        "feeds_1000_round_vs_sequential": sum(w for w, _ in concurrent)
        / sum(w for w, _ in sequential),
    }
    print(f"{FEEDS} feeds, {LATENCY * 1000:.0f} ms simulated round trip, {PAIRS} pairs of rounds")
    print(f"concurrent round: {[f'{w:.2f} s' for w, _ in concurrent]}; "
          f"sequential: {[f'{w:.2f} s' for w, _ in sequential]}")  # fmt: skip
    print(f"cpu ms per 304: min {min(cpu_ms):.3f} median {statistics.median(cpu_ms):.3f} "
          f"max {max(cpu_ms):.3f}")  # fmt: skip
    print(f"round/sequential: min {min(ratios):.3f} median {statistics.median(ratios):.3f} "
          f"max {max(ratios):.3f}")  # fmt: skip
    missed = False
    for name, value in results.items():
        print(f"RESULT {name} {value:.3f} target <= {TARGETS[name]}")
        missed |= value > TARGETS[name]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
