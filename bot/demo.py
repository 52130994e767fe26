"""`make demo` (``python -m bot.demo``, or ``sharebot run --sandbox``): publish the sample
article to a local sandbox and print where it went.

Starts the test suite's Bluesky PDS (Node) and Reddit stand-in on 127.0.0.1,
creates a sandbox Bluesky account, queues ``posts/china-russia-partnership.txt``
in a temporary SQLite store, runs the daemon until every post is published
(bounded), prints each thread's URLs and the share links, and stops the servers.
The sandbox secrets live only in this process's environment (``SHAREBOT_DEMO_*``).
Run it from the repository root (the servers live in ``tests/servers``).
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import threading
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import BlueskyAccount, RedditAccount, Secret, Settings

SAMPLE = Path("posts/china-russia-partnership.txt")
DEADLINE_SECONDS = 180.0
OPEN_STATES = ("queued", "sending", "failed")


def _servers(stack: ExitStack) -> tuple[Any, Any]:
    sys.path.insert(0, os.getcwd())
    pds_mod = importlib.import_module("tests.servers.pds.server")
    standin_mod = importlib.import_module("tests.servers.reddit.standin")
    print("starting the local Bluesky PDS and the Reddit stand-in…", flush=True)
    pds = stack.enter_context(pds_mod.start_pds())
    reddit = stack.enter_context(standin_mod.start_standin())
    return pds, reddit


def sandbox_settings(pds: Any, reddit: Any, store_url: str) -> Settings:
    """Settings for one sandbox account on each server; secrets come from the environment."""
    standin = importlib.import_module("tests.servers.reddit.standin")
    _, handle, app_password = pds.create_account(f"demo{os.getpid()}")
    os.environ["SHAREBOT_DEMO_BLUESKY_PASSWORD"] = app_password
    os.environ["SHAREBOT_DEMO_REDDIT_SECRET"] = standin.CLIENT_SECRET
    os.environ["SHAREBOT_DEMO_REDDIT_PASSWORD"] = standin.PASSWORD
    env = os.environ
    bsky = BlueskyAccount(
        "sandbox", handle, Secret(env["SHAREBOT_DEMO_BLUESKY_PASSWORD"]), service=pds.url
    )
    red = RedditAccount(
        "sandbox",
        client_id=standin.CLIENT_ID,
        user_agent="sharebot-demo/0.1",
        username=standin.USERNAME,
        client_secret=Secret(env["SHAREBOT_DEMO_REDDIT_SECRET"]),
        password=Secret(env["SHAREBOT_DEMO_REDDIT_PASSWORD"]),
        oauth_url=reddit.url,
        reddit_url=reddit.url,
        subreddits=("sharebot_test",),
    )
    return Settings(store_url=store_url, bluesky=(bsky,), reddit=(red,), stale_after="1d")


def publish_sample(settings: Settings) -> int:
    """Queue the sample, run the daemon until it is out (bounded); returns the exit code."""
    from bot.commands.publish import compile_for, enqueue_now
    from bot.daemon import Daemon, build_publisher
    from bot.links import share_links
    from bot.readers import read_source

    store = importlib.import_module("bot.store").open_store(settings.store_url)
    article = read_source(str(SAMPLE))
    threads = compile_for(article, settings, ("bluesky", "reddit"))
    article_id = enqueue_now(store, article, str(SAMPLE), settings, threads, datetime.now(UTC))
    print(f"queued {sum(len(t.posts) for t in threads)} posts of {article.title!r}", flush=True)
    daemon = Daemon(store, build_publisher(store, settings), tick=1.0)
    runner = threading.Thread(target=daemon.run, name="daemon")
    runner.start()
    finished = _wait_published(store, article_id)
    daemon.request_stop()
    runner.join(15)
    _print_result(store, article_id, share_links(article, utm=settings.utm))
    store.close()
    return 0 if finished else 1


def _wait_published(store: Any, article_id: int) -> bool:
    deadline = datetime.now(UTC) + timedelta(seconds=DEADLINE_SECONDS)
    tick = threading.Event()
    while datetime.now(UTC) < deadline:
        posts = store.list_posts(article=article_id, limit=10_000)
        if posts and not any(p.state in OPEN_STATES for p in posts):
            return True
        tick.wait(0.5)
    print("the sandbox did not publish everything in time", file=sys.stderr)
    return False


def _print_result(store: Any, article_id: int, links: dict[str, Any]) -> None:
    print("\npublished posts:")
    for post in store.list_posts(article=article_id, limit=10_000):
        where = getattr(post, "url", None) or getattr(post, "error", "")
        print(f"  {post.platform:8} thread {post.thread_id:<4} {post.state:12} {where}")
    print("\nshare links:")
    entries = [("article", links["article"])] + [(s["heading"], s) for s in links["sections"]]
    for label, entry in entries:
        print(f"  {label}: {entry['url']}")
        print(f"    Bluesky: {entry['bluesky_intent']}")
        print(f"    Reddit:  {entry['reddit_submit']}")


def main() -> int:
    """Run the demo; 0 when every post was published."""
    from bot.logs import setup

    setup("text", "WARNING")
    if not SAMPLE.is_file():
        print(f"{SAMPLE}: not found (run from the repository root)", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="sharebot-demo-"))
        pds, reddit = _servers(stack)
        settings = sandbox_settings(pds, reddit, f"sqlite:///{tmp}/demo.db")
        return publish_sample(settings)


if __name__ == "__main__":
    sys.exit(main())
