"""The contract suite's fixtures: one target per platform (the PDS is started once per
session behind a fault proxy per test, a fresh stand-in per test), and a rig that runs
the real Publisher over the real store (SQLite here; PostgreSQL where a case says)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.publish import Publisher, PublishOptions
from bot.sandbox.pds import PdsServer
from bot.sandbox.reddit.standin import start_standin
from bot.store import Store, open_store
from bot.threads import ThreadDraft
from tests.contract.targets import BlueskyTarget, RedditTarget, SharedClock, Target
from tests.servers.proxy import FaultProxy
from tests.store.helpers import article

OPTIONS: dict[str, Any] = {
    "concurrency": 1,
    "lease": timedelta(seconds=30),
    "max_attempts": 3,
    "max_ambiguous": 3,
    "backoff_base": 10.0,
    "backoff_max": 120.0,
}


@pytest.fixture(params=["bluesky", "reddit"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    clock = SharedClock()
    if request.param == "bluesky":
        pds: PdsServer = request.getfixturevalue("pds")
        with FaultProxy(pds.url) as proxy:
            yield BlueskyTarget(clock, proxy, pds, "c" + uuid.uuid4().hex[:8])
    else:
        with start_standin() as standin:
            yield RedditTarget(clock, standin)


class Rig:
    """The real Publisher over a real store, publishing to ``target``."""

    def __init__(self, target: Target, store_url: str, owner: str = "p1", **options: Any):
        self.target = target
        self.store: Store = open_store(store_url)
        self.publisher = self.publisher_for(owner, **options)

    def publisher_for(self, owner: str, **options: Any) -> Publisher:
        return Publisher(
            self.store,
            self.target.factory(self.store),
            {self.target.platform: list(self.target.accounts)},
            PublishOptions(owner=owner, **(OPTIONS | options)),
            clock=self.target.clock,
            rng=random.Random(5),
        )

    def enqueue(
        self,
        thread: ThreadDraft,
        *,
        account: str = "main",
        subreddit: str | None = None,
        spacing: timedelta = timedelta(0),
    ) -> list[int]:
        """Queue one thread, due now (later posts ``spacing`` apart); its post ids."""
        now = self.target.clock()
        aid = self.store.enqueue(
            article(f"A {uuid.uuid4().hex[:6]}", sections=1),
            source=f"contract/{uuid.uuid4().hex}",
            threads=[thread],
            due={(thread.platform, 0): now},
            spacing=spacing,
            accounts={thread.platform: account},
            subreddit=subreddit or self.target.subreddit(),
            now=now,
        )
        return [p.id for p in self.store.get_article(aid).posts]

    def run(self) -> None:
        self.publisher.run_until_idle()

    def state(self, pid: int) -> str:
        return self.store.get_post(pid).state

    def due_again(self) -> None:
        """Move the clock to the earliest retry time."""
        times = [p.next_attempt_at for p in self.store.list_posts(status="failed", limit=500)]
        self.target.clock.until(min(t for t in times if t is not None))

    def close(self) -> None:
        self.publisher.close()
        self.store.close()


@pytest.fixture
def rig(target: Target, tmp_path: Any) -> Iterator[Rig]:
    made = Rig(target, f"sqlite:///{tmp_path}/contract.db")
    yield made
    made.close()
