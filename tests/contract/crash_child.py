"""A publishing process that SIGKILLs itself right after its first send returns, before
the confirm (the contract suite's "lost lease" case): the real Publisher and adapter over
the real store.

    python -m tests.contract.crash_child STORE_URL   (target JSON in CONTRACT_TARGET)
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

from bot.config import BlueskyAccount, RedditAccount, Secret
from bot.fetch import FetchPolicy
from bot.platforms.base import Platform
from bot.platforms.bluesky import BlueskyPlatform
from bot.platforms.reddit import RedditPlatform
from bot.publish import Publisher, PublishOptions
from bot.sandbox.reddit.standin import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME
from bot.store import Store, open_store

ENV = "CONTRACT_TARGET"


def adapter(spec: dict[str, str], store: Store, clock: object) -> Platform:
    if spec["platform"] == "bluesky":
        config = BlueskyAccount("main", spec["handle"], Secret(spec["password"]), spec["url"])
        policy = FetchPolicy(timeout=5, allow_private=True)
        return BlueskyPlatform(config, store, fetch_policy=policy, clock=clock, timeout=2.0)  # type: ignore[arg-type]
    config_r = RedditAccount(
        "main", client_id=CLIENT_ID, client_secret=Secret(CLIENT_SECRET),
        user_agent="sharebot-contract-child/0.1", username=USERNAME, password=Secret(PASSWORD),
        oauth_url=spec["url"], reddit_url=spec["url"], subreddits=("sharebot_test",),
    )  # fmt: skip
    return RedditPlatform(config_r, store, clock=clock, timeout=2.0)  # type: ignore[arg-type]


def main(url: str) -> None:
    spec = json.loads(os.environ[ENV])
    offset = timedelta(seconds=float(spec["offset"]))

    def clock() -> datetime:
        return datetime.now(UTC) + offset

    store = open_store(url)
    plat = adapter(spec, store, clock)
    options = PublishOptions(owner="doomed", concurrency=1, lease=timedelta(seconds=30))

    def die(claim: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    pub = Publisher(store, lambda p, a: plat, {spec["platform"]: ["main"]}, options,
                    clock=clock, after_send=die)  # fmt: skip
    pub.run_until_idle()
    sys.exit(0)  # not reached when a post was sent


if __name__ == "__main__":
    main(sys.argv[1])
