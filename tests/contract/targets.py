"""The two platforms behind one face for the contract suite: the reference PDS (Bluesky)
and the Reddit stand-in driven by real PRAW, each behind the fault proxy, with the real
adapters, a clock shared by the publisher, the adapters and the stand-in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import BlueskyAccount, RedditAccount, Secret
from bot.fetch import FetchPolicy
from bot.platforms.base import Platform
from bot.platforms.bluesky import BlueskyPlatform
from bot.platforms.reddit import RedditPlatform
from bot.sandbox.pds import PdsServer
from bot.sandbox.reddit.standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    RedditStandin,
)
from bot.store import Store
from bot.threads import PostDraft, ThreadDraft
from tests.bluesky.conftest import list_records
from tests.servers.proxy import FaultProxy

MARKER = re.compile(r"\n\n\[\]\(#sb-[0-9a-z]+\)$")


class SharedClock:
    """Wall time plus an offset that tests move forward (the stand-in follows it)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.followers: list[Callable[[float], None]] = []

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        for follow in self.followers:
            follow(seconds)

    def until(self, at: datetime) -> None:
        """Move forward to ``at`` (never back)."""
        gap = (at - self()).total_seconds()
        if gap > 0:
            self.advance(gap + 0.001)


@dataclass(frozen=True)
class Item:
    """One thing on the platform: its id, text (marker removed) and the id it replies to."""

    uri: str
    text: str
    parent: str | None


def _parent(record: dict[str, Any]) -> str | None:
    parent: str | None = record.get("reply", {}).get("parent", {}).get("uri")
    return parent


def _depth(item: Item, items: list[Item]) -> int:
    parents = {i.uri: i.parent for i in items}
    depth, up = 0, item.parent
    while up in parents:
        depth, up = depth + 1, parents[up]
    return depth


class Target:
    """What a contract case needs from a platform (see the two subclasses)."""

    platform = ""
    accounts: tuple[str, ...] = ("main", "other")

    def __init__(self, clock: SharedClock, proxy: FaultProxy | None) -> None:
        self.clock = clock
        self._proxy = proxy

    @property
    def proxy(self) -> FaultProxy:
        assert self._proxy is not None
        return self._proxy

    def thread(self, tag: str, n: int) -> ThreadDraft:
        raise NotImplementedError

    def adapter(self, account: str, sessions: Store) -> Platform:
        raise NotImplementedError

    def items(self, account: str = "main") -> list[Item]:
        raise NotImplementedError

    def lose_next_answer(self) -> None:
        """The next write lands; its answer is lost (an unknown outcome)."""
        raise NotImplementedError

    def rate_limit_next(self) -> str:
        """The next write is refused by a rate limit; the store's block key it causes."""
        raise NotImplementedError

    def rejecting_draft(self, tag: str) -> tuple[ThreadDraft, str, str | None]:
        """A thread the platform refuses, a fragment of its message, and the subreddit."""
        raise NotImplementedError

    def fail_transiently(self) -> None:
        """From now on every send meets a transient failure before anything is written."""
        self.proxy.__exit__(None, None, None)  # connections refused

    def subreddit(self, which: int = 0) -> str | None:
        return None

    def child_spec(self) -> dict[str, str]:
        """What tests/contract/crash_child.py needs to reach the platform as "main"."""
        url = self._proxy.url if self._proxy else ""
        return {"platform": self.platform, "url": url, "offset": str(self.clock.offset)}

    def factory(self, sessions: Store) -> Callable[[str, str], Platform]:
        made: dict[str, Platform] = {}

        def build(platform: str, account: str) -> Platform:
            assert platform == self.platform
            if account not in made:
                made[account] = self.adapter(account, sessions)
            return made[account]

        return build


class BlueskyTarget(Target):
    platform = "bluesky"

    def __init__(self, clock: SharedClock, proxy: FaultProxy, pds: PdsServer, tag: str) -> None:
        super().__init__(clock, proxy)
        self.pds = pds
        self.creds = {name: pds.create_account(f"{tag}{name}") for name in self.accounts}

    def child_spec(self) -> dict[str, str]:
        _, handle, password = self.creds["main"]
        return super().child_spec() | {"handle": handle, "password": password}

    def thread(self, tag: str, n: int) -> ThreadDraft:
        return ThreadDraft("bluesky", 0, tuple(PostDraft(f"{tag} post {i}") for i in range(n)))

    def adapter(self, account: str, sessions: Store) -> Platform:
        _, handle, password = self.creds[account]
        config = BlueskyAccount(account, handle, Secret(password), service=self.proxy.url)
        policy = FetchPolicy(timeout=5, allow_private=True)
        return BlueskyPlatform(config, sessions, fetch_policy=policy, clock=self.clock, timeout=2.0)

    def items(self, account: str = "main") -> list[Item]:
        did = self.creds[account][0]
        records = list_records(self.pds, did)
        items = [Item(r["uri"], r["value"]["text"], _parent(r["value"])) for r in records]
        made = {r["uri"]: r["value"]["createdAt"] for r in records}
        # Creation order: createdAt is the claim time (ms); a reply after its parent on ties
        # (the rkey's low bits are spread by the key's hash, so not the order).
        return sorted(items, key=lambda i: (made[i.uri], _depth(i, items)))

    def lose_next_answer(self) -> None:
        self.proxy.inject("createRecord", "500-after")

    def rate_limit_next(self) -> str:
        reset = int(self.clock().timestamp()) + 3600
        headers = {"ratelimit-limit": "5000", "ratelimit-remaining": "0",
                   "ratelimit-reset": str(reset), "ratelimit-policy": "5000;w=3600"}  # fmt: skip
        self.proxy.inject("createRecord", "429", headers)
        return "main"

    def rejecting_draft(self, tag: str) -> tuple[ThreadDraft, str, str | None]:
        too_long = PostDraft(f"{tag} " + "word " * 80)  # > 300 graphemes: the lexicon's limit
        return ThreadDraft("bluesky", 0, (too_long,)), "300", None


class RedditTarget(Target):
    platform = "reddit"
    accounts = ("main",)
    SUBREDDITS = ("sharebot_test", "sharebot_other")

    def __init__(self, clock: SharedClock, standin: RedditStandin) -> None:
        super().__init__(clock, None)
        self.standin = standin
        standin.world.add_subreddit("sharebot_other")
        clock.followers.append(standin.advance)

    def subreddit(self, which: int = 0) -> str | None:
        return self.SUBREDDITS[which]

    def thread(self, tag: str, n: int) -> ThreadDraft:
        first = PostDraft(f"{tag} post 0", kind="submission", title=f"{tag} title")
        rest = tuple(PostDraft(f"{tag} post {i}", kind="comment") for i in range(1, n))
        return ThreadDraft("reddit", 0, (first, *rest))

    def adapter(self, account: str, sessions: Store) -> Platform:
        config = RedditAccount(
            account, client_id=CLIENT_ID, client_secret=Secret(CLIENT_SECRET),
            user_agent="sharebot-contract/0.1 (by u/sharebot_test)", username=USERNAME,
            password=Secret(PASSWORD), oauth_url=self.standin.url, reddit_url=self.standin.url,
            subreddits=(self.SUBREDDITS[0],),
        )  # fmt: skip
        return RedditPlatform(config, sessions, clock=self.clock, timeout=2.0)

    def items(self, account: str = "main") -> list[Item]:
        with self.standin.world.lock:
            things = list(self.standin.world.things.values())
        return [
            Item(
                d["name"],
                MARKER.sub("", d.get("body") if d["name"].startswith("t1_") else d["selftext"]),
                d.get("parent_id"),
            )
            for d in things
            if d["author"] == USERNAME
        ]

    def lose_next_answer(self) -> None:
        self.standin.set_fault("create_then_502", times=1)

    def fail_transiently(self) -> None:
        # 503 on every read: the preflight read before a submission fails, nothing is sent
        self.standin.set_fault("server_error", status=503, scope="read")

    def child_spec(self) -> dict[str, str]:
        return super().child_spec() | {"url": self.standin.url}

    def rate_limit_next(self) -> str:
        self.standin.set_fault("ratelimit", times=1, n=9)
        return f"main/r/{self.SUBREDDITS[0]}"

    def rejecting_draft(self, tag: str) -> tuple[ThreadDraft, str, str | None]:
        self.standin.world.add_subreddit("closed_sub", allowed=False)
        return self.thread(tag, 1), "SUBREDDIT_NOTALLOWED", "closed_sub"
