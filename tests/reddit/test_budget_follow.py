"""The stored budget follows Reddit's own count: once the stand-in's x-ratelimit-* headers
(as recorded) say little is left of the 10-minute window, the account's budget in the
real store holds its requests until Reddit's reset, instead of learning it from a 429."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot import budget
from bot.platforms.reddit import RedditPlatform
from bot.sandbox.reddit.standin import start_standin
from bot.store import open_store
from tests.reddit.conftest import make_account


def test_reddit_headers_drive_the_stored_budget(tmp_path: Path) -> None:
    limits = {p: budget.limits_for(p, None) for p in budget.DEFAULTS}
    store = open_store(f"sqlite:///{tmp_path}/follow.db", budgets=limits)
    with start_standin(ratelimit_budget=10) as reddit:
        platform = RedditPlatform(make_account(reddit), store, timeout=5.0)
        try:
            for _ in range(12):  # each read is one request to Reddit's OAuth API
                if platform._budget.remaining == 0:
                    break
                platform.fetch_stats(["t3_1"])
            assert platform._budget.remaining == 0
        finally:
            platform.close()
    now = datetime.now(UTC)
    state, _ = store.budget_states()[("reddit", "main")]
    (limit,) = [lim for lim in limits["reddit"] if lim.name == "requests_10m"]
    assert budget.remaining(limit, state, now) == 0  # Reddit said nothing is left
    assert state[limit.name].get("hold", 0) > now.timestamp()  # until Reddit's reset
    store.close()
