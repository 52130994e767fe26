"""A daemon process for the crash and scale-out tests: the real bot.daemon.Daemon and
bot.publish.Publisher with the real adapters over the real store (bot.store.open_store),
with test-sized backoff and lease (``sharebot run`` has no knobs for those). Prints
"ready" once the daemon loop starts; logs (INFO, text) go to stderr.

    python -m tests.daemon.child_daemon STORE_URL PDS_URL HANDLE REDDIT_URL OWNER
    (app password in SHAREBOT_CRASH_BSKY_PASSWORD; budget overrides, if any, as JSON
    {platform: {limit: value}} in SHAREBOT_TEST_BUDGETS)

Crash injection is this test program's own: ``CRASH_AFTER_SEND`` = ``N`` makes the process
SIGKILL itself right after its N-th send returns (before the confirm), ``pX`` after each
send with probability X. It reaches the publisher as its ``after_send`` hook; production
code reads no such variable.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
from collections.abc import Callable
from datetime import timedelta

from bot import budget
from bot.config import BlueskyAccount, RedditAccount, Secret
from bot.daemon import Daemon, single_daemon_lock
from bot.logs import setup
from bot.platforms.bluesky import BlueskyPlatform
from bot.platforms.reddit import RedditPlatform
from bot.publish import Publisher, PublishOptions
from bot.sandbox.reddit.standin import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME
from bot.store import open_store

CRASH_ENV = "CRASH_AFTER_SEND"


def crash_hook(spec: str | None, rng: random.Random) -> Callable[[object], None] | None:
    """The after-send hook for ``spec`` (see the module doc), or None."""
    if not spec:
        return None
    nth = int(spec) if spec.isdigit() else 0
    prob = float(spec[1:]) if spec.startswith("p") else 0.0
    sends = [0]

    def after_send(claim: object) -> None:
        sends[0] += 1
        if (nth and sends[0] >= nth) or (prob and rng.random() < prob):
            os.kill(os.getpid(), signal.SIGKILL)

    return after_send


def main(url: str, pds_url: str, handle: str, reddit_url: str, owner: str) -> None:
    setup("text", "INFO", sys.stderr)
    overrides = json.loads(os.environ.get("SHAREBOT_TEST_BUDGETS") or "{}")
    limits = {p: budget.limits_for(p, overrides.get(p)) for p in budget.DEFAULTS}
    store = open_store(url, budgets=limits, in_flight=1)
    bsky = BlueskyAccount("b", handle, Secret(os.environ["SHAREBOT_CRASH_BSKY_PASSWORD"]), pds_url)
    red = RedditAccount(
        "r", client_id=CLIENT_ID, client_secret=Secret(CLIENT_SECRET), user_agent="crash/0.1",
        username=USERNAME, password=Secret(PASSWORD), oauth_url=reddit_url,
        reddit_url=reddit_url, subreddits=("sharebot_test",),
    )  # fmt: skip
    adapters = {
        "bluesky": BlueskyPlatform(bsky, store, timeout=2.0),
        # test-sized like the lease: the stand-in's listings do not lag unless told to
        "reddit": RedditPlatform(red, store, timeout=0.5, listing_lag=timedelta(seconds=1)),
    }
    options = PublishOptions(
        owner=owner, concurrency=4, lease=timedelta(seconds=2), backoff_base=0.2,
        backoff_max=1.0, max_attempts=50, max_ambiguous=50,
    )  # fmt: skip
    if overrides:  # pacing tests: log in before the first claim, so the first post's
        for adapter in adapters.values():  # request is not later than its claim by a login
            adapter.whoami()  # (and the SDK import)
    accounts = {"bluesky": ["b"], "reddit": ["r"]}
    with single_daemon_lock(url):
        hook = crash_hook(os.environ.get(CRASH_ENV), random.Random())
        pub = Publisher(store, lambda n, a: adapters[n], accounts, options, after_send=hook)
        daemon = Daemon(store, pub, tick=0.5)
        daemon.install_signals()
        threading.Timer(0, lambda: print("ready", flush=True)).start()
        daemon.run()
        pub.close()
    store.close()


if __name__ == "__main__":
    main(*sys.argv[1:6])
