"""Bluesky adapter overhead: BlueskyPlatform.send vs a bare atproto createRecord loop.

Both sides write the same posts (fixed rkey and createdAt) to one local PDS, each to its
own account, in interleaved rounds so drift in the PDS affects both alike. The integrator
extends the adapter side to the full publish path (store claim + confirm).

    python bench/bluesky.py [--posts 200] [--rounds 8]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import BlueskyAccount, Secret
from bot.platforms.base import Outgoing
from bot.platforms.bluesky import BlueskyPlatform, make_rkey
from bot.platforms.bluesky import created_at as iso
from bot.threads import PostDraft
from tests.servers.pds.server import start_pds

TARGET = 1.15


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


def bare_round(client: Any, did: str, batch: list[tuple[str, str, str]]) -> float:
    started = time.perf_counter()
    for text, rkey, when in batch:
        record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": when}
        client.com.atproto.repo.create_record(
            {"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey, "record": record}
        )
    return time.perf_counter() - started


def adapter_round(platform: BlueskyPlatform, batch: list[tuple[str, str, str]]) -> float:
    started = time.perf_counter()
    for n, (text, rkey, when) in enumerate(batch):
        draft = PostDraft(text)
        platform.send(Outgoing(n, rkey, "bench", draft, prepared={"rkey": rkey, "createdAt": when}))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    from atproto_client import Client

    per_round = args.posts // args.rounds
    base = datetime.now(UTC)
    with start_pds() as pds:
        bare_did, bare_handle, bare_pw = pds.create_account("benchbare")
        _, handle, password = pds.create_account("benchadapter")
        client = Client(base_url=pds.url)
        client.login(bare_handle, bare_pw, fetch_bsky_profile=False)
        account = BlueskyAccount("bench", handle, Secret(password), pds.url)
        platform = BlueskyPlatform(account, Sessions())
        bare_round(client, bare_did, posts("warm-bare", 0, 5, base))  # connections, imports
        adapter_round(platform, posts("warm-adapter", 0, 5, base))
        bare_total = adapter_total = 0.0
        for r in range(args.rounds):
            start = r * per_round
            if r % 2 == 0:  # alternate which side goes first
                bare_total += bare_round(client, bare_did, posts("bare", start, per_round, base))
                adapter_total += adapter_round(platform, posts("ad", start, per_round, base))
            else:
                adapter_total += adapter_round(platform, posts("ad", start, per_round, base))
                bare_total += bare_round(client, bare_did, posts("bare", start, per_round, base))
        platform.close()
    count = per_round * args.rounds
    ratio = adapter_total / bare_total
    print(f"bare atproto loop : {count / bare_total:8.1f} posts/s ({count} posts)")
    print(f"BlueskyPlatform   : {count / adapter_total:8.1f} posts/s ({count} posts)")
    print(f"RESULT bluesky_adapter_overhead_ratio {ratio:.3f} target <= {TARGET}")


if __name__ == "__main__":
    main()
