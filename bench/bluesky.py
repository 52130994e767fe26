"""Bluesky adapter overhead: BlueskyPlatform.send vs a bare atproto createRecord loop.

Both sides write the same posts (fixed rkey and createdAt) to one local PDS, each to its
own account. A third side, on a third account, goes through the full publish path
(bot.publish.Publisher: claim -> send -> confirm, each confirm in one transaction with the
claim of the next due post) over the real SQLite store (bot.store). The run goes in rounds
of ROUND posts: in each round every side writes its ROUND posts back to back (the path
side with one ``run_until_idle``), and which side goes first rotates, so drift in the PDS
hits all alike; ``--passes`` (3) runs of ``--posts`` (200) posts per side go one after the
other. Each RESULT is the ratio of the totals to the bare loop's (min/median/max of the
rounds' ratios beside it); the script exits 1 when one misses its target. The PDS runs
in its own (Node) process. The bare loop is the fastest public call a user could write:
``Client.invoke_procedure`` with the JSON bytes, as the adapter does (the typed
``create_record`` costs ~0.12 ms more per post in model building).

    python bench/bluesky.py [--posts 200] [--passes 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bot, and bench as a package

from bench._results import finish, ratio_result, rotation
from bot.article import Article, Paragraph, Section
from bot.config import BlueskyAccount, Secret
from bot.platforms.base import Outgoing
from bot.platforms.bluesky import BlueskyPlatform, make_rkey
from bot.platforms.bluesky import created_at as iso
from bot.publish import Publisher, PublishOptions
from bot.sandbox.pds import start_pds
from bot.store import open_store
from bot.threads import PostDraft, ThreadDraft

TARGET = 1.15
ROUND = 10
_SECTION = Section("Bench", 2, ("Bench",), "bench", (Paragraph("x"),))
ARTICLE = Article("Bench", "https://example.org/b", "en", (), None, None, (_SECTION,))


class Sessions:
    """An in-memory SessionCache."""

    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], str] = {}

    def load_session(self, platform: str, account: str) -> str | None:
        return self.saved.get((platform, account))

    def save_session(self, platform: str, account: str, session: str) -> None:
        self.saved[(platform, account)] = session

    def block_account(self, platform: str, account: str, until: Any, reason: str) -> None:
        raise SystemExit(f"account blocked during the benchmark: {reason}")


def posts(side: str, start: int, count: int, base: datetime) -> list[tuple[str, str, str]]:
    """(text, rkey, createdAt) for posts start..start+count of one side."""
    out = []
    for i in range(start, start + count):
        now = base + timedelta(milliseconds=i)
        out.append(
            (f"{side} post {i}: the quick brown fox", make_rkey(f"{side}-{i}", now), iso(now))
        )
    return out


def bare_send(client: Any, did: str, post: tuple[str, str, str]) -> float:
    text, rkey, when = post
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": when}
    data = {"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey, "record": record}
    started = time.perf_counter()
    client.invoke_procedure(
        "com.atproto.repo.createRecord",
        content=json.dumps(data, separators=(",", ":")).encode(),
        headers={"Content-Type": "application/json"},
    )
    return time.perf_counter() - started


def adapter_send(platform: BlueskyPlatform, n: int, post: tuple[str, str, str]) -> float:
    text, rkey, when = post
    out = Outgoing(n, rkey, "bench", PostDraft(text), prepared={"rkey": rkey, "createdAt": when})
    started = time.perf_counter()
    platform.send(out)
    return time.perf_counter() - started


class PathRunner:
    """The full publish path over the real SQLite store (bot.store): a round's posts are
    queued as one-post threads due now (untimed), then published by one ``run_until_idle``
    (timed: claim, send, confirm-and-claim-next, ..., the idle check)."""

    def __init__(self, platform: BlueskyPlatform, tmp: str) -> None:
        self.store = open_store(f"sqlite:///{tmp}/path.db", in_flight=1)  # as the App opens it
        options = PublishOptions(owner="bench", concurrency=1)
        self.pub = Publisher(self.store, lambda n, a: platform, {"bluesky": ["bench"]}, options)

    def send(self, texts: list[str]) -> float:
        now = datetime.now(UTC)
        threads = [ThreadDraft("bluesky", 0, (PostDraft(text),)) for text in texts]
        self.store.enqueue(
            ARTICLE, source="bench.md", threads=threads,
            due={("bluesky", i): now for i in range(len(texts))},
            spacing=timedelta(0), accounts={"bluesky": "bench"}, now=now,
        )  # fmt: skip
        started = time.perf_counter()
        outcomes = self.pub.run_until_idle()
        elapsed = time.perf_counter() - started
        assert [o.state for o in outcomes] == ["published"] * len(texts), outcomes
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--passes", type=int, default=3, help="runs of --posts posts per side")
    args = parser.parse_args()
    from atproto_client import Client

    base = datetime.now(UTC)
    with start_pds() as pds:
        bare_did, bare_handle, bare_pw = pds.create_account("benchbare")
        _, handle, password = pds.create_account("benchadapter")
        client = Client(base_url=pds.url)
        client.login(bare_handle, bare_pw, fetch_bsky_profile=False)
        account = BlueskyAccount("bench", handle, Secret(password), pds.url)
        platform = BlueskyPlatform(account, Sessions())
        _, path_handle, path_pw = pds.create_account("benchpath")
        path_account = BlueskyAccount("bench", path_handle, Secret(path_pw), pds.url)
        tmp = tempfile.TemporaryDirectory()
        path = PathRunner(BlueskyPlatform(path_account, Sessions()), tmp.name)
        warm = zip(posts("warm-bare", 0, 10, base), posts("warm-adapter", 0, 10, base), strict=True)
        for i, (bare_post, adapter_post) in enumerate(warm):  # connections, imports, caches
            bare_send(client, bare_did, bare_post)
            adapter_send(platform, i, adapter_post)
        path.send([f"warm-path post {i}" for i in range(10)])
        took: dict[str, list[float]] = {"bare": [], "adapter": [], "path": []}
        total = args.posts * args.passes
        bare_posts = posts("bare", 0, total, base)
        adapter_posts = posts("adapter", 0, total, base)

        def run_bare(first: int) -> float:
            batch = bare_posts[first : first + ROUND]
            return sum(bare_send(client, bare_did, post) for post in batch)

        def run_adapter(first: int) -> float:
            batch = adapter_posts[first : first + ROUND]
            return sum(adapter_send(platform, first + n, post) for n, post in enumerate(batch))

        def run_path(first: int) -> float:
            texts = [f"path post {n}: the quick brown fox" for n in range(first, first + ROUND)]
            return path.send(texts)

        sides = [("bare", run_bare), ("adapter", run_adapter), ("path", run_path)]
        for r, first in enumerate(range(0, total, ROUND)):
            for name, run in rotation(sides, r):  # who goes first rotates
                took[name].append(run(first))
        platform.close()
        path.pub.close()
        path.store.close()
        tmp.cleanup()
        client.request.close()
    for name, label in (("bare", "bare atproto loop"), ("adapter", "BlueskyPlatform"),
                        ("path", "publish path")):  # fmt: skip
        print(f"{label:18}: {total / sum(took[name]):8.1f} posts/s ({total} posts)")
    ratio_result("bluesky_adapter_overhead_ratio", took["adapter"], took["bare"], "<=", TARGET)
    ratio_result("publish_overhead_ratio_bluesky", took["path"], took["bare"], "<=", TARGET)
    finish()


if __name__ == "__main__":
    main()
