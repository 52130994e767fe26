"""`make demo` (``python -m bot.demo``, or ``sharebot run --sandbox``): publish the sample
article to a local sandbox and print where it went.

Starts the test suite's Bluesky PDS (Node) and Reddit stand-in on 127.0.0.1,
creates a sandbox Bluesky account (the stand-in has one built-in Reddit user),
writes a temporary config file that names its secrets by environment variable
(``SHAREBOT_DEMO_*``, set only in this process and never printed), queues
``posts/china-russia-partnership.txt`` in a temporary SQLite store, runs the
daemon until every post is published (bounded), prints each thread's URLs and
the share links, and stops the servers. Run it from the repository root (the
servers live in ``tests/servers``).
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import Settings

SAMPLE = Path("posts/china-russia-partnership.txt")
PDS_MODULES = Path("tests/servers/pds/node_modules")
DEADLINE_SECONDS = 180.0
OPEN_STATES = ("queued", "sending", "failed")
SHOWN_SECTIONS = 3
CONFIG = """\
store_url = "{store_url}"
posts_dir = "{posts_dir}"
tick = "1s"

[[bluesky]]
name = "sandbox"
handle = "{handle}"
service = "{pds_url}"
password_env = "SHAREBOT_DEMO_BLUESKY_PASSWORD"

[[reddit]]
name = "sandbox"
client_id = "{client_id}"
user_agent = "sharebot-demo/0.1"
username = "{username}"
client_secret_env = "SHAREBOT_DEMO_REDDIT_SECRET"
password_env = "SHAREBOT_DEMO_REDDIT_PASSWORD"
oauth_url = "{reddit_url}"
reddit_url = "{reddit_url}"
subreddits = ["sharebot_test"]
"""


def _servers(stack: ExitStack) -> tuple[Any, Any]:
    sys.path.insert(0, os.getcwd())
    pds_mod = importlib.import_module("tests.servers.pds.server")
    standin_mod = importlib.import_module("tests.servers.reddit.standin")
    print("starting the local Bluesky PDS and the Reddit stand-in…", flush=True)
    pds = stack.enter_context(pds_mod.start_pds())
    reddit = stack.enter_context(standin_mod.start_standin())
    print(f"  Bluesky PDS       {pds.url}\n  Reddit stand-in   {reddit.url}", flush=True)
    return pds, reddit


def sandbox_settings(pds: Any, reddit: Any, tmp: Path) -> Settings:
    """A temporary config file (0600) for one sandbox account on each server, loaded the
    way ``sharebot`` loads it; the secrets come from the environment."""
    from bot.config import load
    from bot.logs import register_secrets

    standin = importlib.import_module("tests.servers.reddit.standin")
    _, handle, app_password = pds.create_account(f"demo{os.getpid()}")
    os.environ["SHAREBOT_DEMO_BLUESKY_PASSWORD"] = app_password
    os.environ["SHAREBOT_DEMO_REDDIT_SECRET"] = standin.CLIENT_SECRET
    os.environ["SHAREBOT_DEMO_REDDIT_PASSWORD"] = standin.PASSWORD
    register_secrets([app_password, standin.CLIENT_SECRET, standin.PASSWORD])
    (tmp / "posts").mkdir()
    config = tmp / "sharebot.toml"
    config.touch(0o600)
    config.write_text(
        CONFIG.format(
            store_url=f"sqlite:///{tmp}/demo.db", posts_dir=tmp / "posts", handle=handle,
            pds_url=pds.url, client_id=standin.CLIENT_ID, username=standin.USERNAME,
            reddit_url=reddit.url,
        ),
        encoding="utf-8",
    )  # fmt: skip
    print(f"  sandbox accounts  @{handle} (Bluesky), u/{standin.USERNAME} (Reddit)")
    return load(str(config), env=os.environ)


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
    posts = sum(len(t.posts) for t in threads)
    print(f"\nqueued {article.title!r}: {len(threads)} threads, {posts} posts", flush=True)
    print("running the daemon until everything is published…", flush=True)
    started = time.monotonic()
    publisher = build_publisher(store, settings)
    daemon = Daemon(store, publisher, tick=1.0)
    runner = threading.Thread(target=daemon.run, name="daemon")
    runner.start()
    try:
        finished = _wait_published(store, article_id)
    finally:
        daemon.request_stop()
        runner.join(15)
        publisher.close()
    print(f"done in {time.monotonic() - started:.1f} s")
    _print_threads(store, article_id)
    _print_links(share_links(article, utm=settings.utm))
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


def _print_threads(store: Any, article_id: int) -> None:
    posts = store.list_posts(article=article_id, limit=10_000)
    threads: dict[tuple[str, int], list[Any]] = {}
    for post in sorted(posts, key=lambda p: (p.platform, p.thread_id, p.seq)):
        threads.setdefault((post.platform, post.thread_id), []).append(post)
    states = sorted({p.state for p in posts})
    print(f"\n{len(posts)} posts, {len(threads)} threads ({', '.join(states)}):")
    for (platform, _), thread in threads.items():
        head = thread[0]
        title = head.draft.title or head.text.split("\n", 1)[0].strip("*#_ ")
        count = f"{len(thread)} post" + ("s" if len(thread) > 1 else "")
        print(f"\n  {platform} · {_short(title)} ({count})")
        for post in thread:
            where = post.url if post.state == "published" else f"{post.state}: {post.error}"
            print(f"    {where}")


def _print_links(links: dict[str, Any]) -> None:
    from bot.commands.publish import share_link_lines

    note = "" if links["article"]["url"] else " (the sample has no URL: they carry its title)"
    print(f"\nshare links{note}:")
    print("\n".join(share_link_lines(links, SHOWN_SECTIONS)))


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def main() -> int:
    """Run the demo; 0 when every post was published."""
    from bot.logs import setup

    setup("text", "WARNING")
    if not SAMPLE.is_file():
        print(f"{SAMPLE}: not found (run from the repository root)", file=sys.stderr)
        return 2
    if not PDS_MODULES.is_dir():
        print(f"{PDS_MODULES}: missing; `make demo` installs the PDS (npm ci)", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sharebot-demo-")))
        pds, reddit = _servers(stack)
        settings = sandbox_settings(pds, reddit, tmp)
        code = publish_sample(settings)
        print("\nstopping the sandbox servers (nothing left behind)")
        return code


if __name__ == "__main__":
    sys.exit(main())
