"""`sharebot run --sandbox` (and `make demo`): publish the sample article to a local sandbox.

Starts the reference Bluesky PDS (Node; its npm packages are installed once, see
``bot.sandbox.node``) and the Reddit stand-in on 127.0.0.1, creates a sandbox Bluesky
account (the stand-in has one built-in Reddit user), writes a temporary 0600 config that
names its secrets by environment variable (``SHAREBOT_DEMO_*``, set only in this process,
never printed), queues the sample article through the application layer (the same path as
`sharebot publish`), runs the daemon until every post is out (bounded), prints each
thread's URLs and the share links, and how to read the threads back. With ``keep`` the
sandbox stays up until Ctrl-C; otherwise the servers stop and nothing is left behind.
With ``appview`` the Bluesky side is Bluesky's own test network (bot.sandbox.appview: PDS +
AppView on a private PostgreSQL cluster and Redis) and every Bluesky thread is read back
through ``getPostThread`` as readers see it: all its posts, in order.
Works from an installed package: nothing here reads the repository.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App, Choices, load_settings
from bot.daemon import Daemon
from bot.errors import BotError
from bot.links import share_link_lines
from bot.sandbox.appview import AppViewNetwork, start_appview
from bot.sandbox.pds import PdsServer, start_pds
from bot.sandbox.postgres import cluster
from bot.sandbox.reddit import standin
from bot.store import PostView

SAMPLE = Path(__file__).resolve().parent / "china-russia-partnership.txt"
DEADLINE_SECONDS = 180.0
OPEN_STATES = ("queued", "sending", "failed")
SHOWN_SECTIONS = 3
CONFIG = """\
store_url = "sqlite:///{tmp}/demo.db"
posts_dir = "{tmp}/posts"
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


def write_config(pds: PdsServer, reddit_url: str, tmp: Path) -> tuple[Path, str]:
    """A temporary config (0600) for one sandbox account on each server; the secrets go to
    this process's environment. Returns the file and the Bluesky handle."""
    _, handle, app_password = pds.create_account(f"demo{os.getpid()}")
    os.environ["SHAREBOT_DEMO_BLUESKY_PASSWORD"] = app_password
    os.environ["SHAREBOT_DEMO_REDDIT_SECRET"] = standin.CLIENT_SECRET
    os.environ["SHAREBOT_DEMO_REDDIT_PASSWORD"] = standin.PASSWORD
    (tmp / "posts").mkdir()
    config = tmp / "sharebot.toml"
    config.touch(0o600)
    config.write_text(
        CONFIG.format(tmp=tmp, handle=handle, pds_url=pds.url, client_id=standin.CLIENT_ID,
                      username=standin.USERNAME, reddit_url=reddit_url),
        encoding="utf-8",
    )  # fmt: skip
    return config, handle


def publish_sample(app: App) -> tuple[int, bool]:
    """Queue the sample due now and run the daemon until it is out (bounded)."""
    queued = app.add(str(SAMPLE), Choices(platforms=("bluesky", "reddit"), immediate=True))
    plan = queued.plan
    print(f"\nqueued {plan.article.title!r}: {len(plan.threads)} threads, {plan.posts} posts")
    print("running the daemon until everything is published…", flush=True)
    started = time.monotonic()
    publisher = app.publisher()
    daemon = Daemon(app.store, publisher, tick=1.0)
    runner = threading.Thread(target=daemon.run, name="daemon")
    runner.start()
    try:
        finished = _wait_published(app, queued.article_id)
    finally:
        daemon.request_stop()
        runner.join(15)
        publisher.close()
    print(f"done in {time.monotonic() - started:.1f} s")
    return queued.article_id, finished


def _wait_published(app: App, article_id: int) -> bool:
    deadline = datetime.now(UTC) + timedelta(seconds=DEADLINE_SECONDS)
    pause = threading.Event()
    while datetime.now(UTC) < deadline:
        posts = app.show(f"a{article_id}").posts
        if posts and not any(p.state in OPEN_STATES for p in posts):
            return True
        pause.wait(0.5)
    print("the sandbox did not publish everything in time", file=sys.stderr)
    return False


def print_threads(posts: tuple[PostView, ...]) -> None:
    """Each thread with the web URL (or the error) of every post."""
    threads: dict[tuple[str, int], list[PostView]] = {}
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
            print(f"    {post.url if post.state == 'published' else f'{post.state}: {post.error}'}")


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _read_back_help(config: Path, pds: PdsServer, handle: str, reddit_url: str) -> None:
    print("\nthe sandbox stays up until Ctrl-C; read the threads back with:")
    print(f"  sharebot --config {config} queue show a1")
    print(f"  curl '{pds.url}/xrpc/com.atproto.repo.listRecords?repo={handle}"
          "&collection=app.bsky.feed.post&limit=100'")  # fmt: skip
    print(
        f"  (Reddit stand-in: {reddit_url}, user u/{standin.USERNAME}, OAuth as the config)",
        flush=True,
    )


@contextmanager
def _desk(app: App) -> Iterator[None]:
    """The editors' desk on the sandbox's store, with a one-time login for this sandbox."""
    import secrets

    from bot.desk.server import DEFAULT_PORT, running

    password = secrets.token_urlsafe(12)
    app.add_user("demo", "editor", password)
    with running(app, port=DEFAULT_PORT, any_port=True) as url:
        print(f"\nthe editors' desk: {url}/  (user demo, one-time password {password})")
        yield


@contextmanager
def _until_ctrl_c() -> Iterator[threading.Event]:
    """An event SIGINT/SIGTERM set while inside (installed before anything says "ready",
    so a Ctrl-C at any moment from then on stops the sandbox cleanly)."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    before = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, before)


def read_back(network: AppViewNetwork, posts: tuple[PostView, ...]) -> bool:
    """Each published Bluesky thread through the AppView: True when all are whole, in order."""
    threads: dict[int, list[PostView]] = {}
    for post in sorted(posts, key=lambda p: (p.thread_id, p.seq)):
        if post.platform == "bluesky" and post.uri:
            threads.setdefault(post.thread_id, []).append(post)
    network.process_all()
    whole = sum(
        network.thread_uris(thread[0].uri or "") == [p.uri for p in thread]
        for thread in threads.values()
    )
    print(f"\nread back through the AppView: {whole} of {len(threads)} Bluesky threads whole "
          "and in order (app.bsky.feed.getPostThread)")  # fmt: skip
    return whole == len(threads)


def main(*, keep: bool = False, appview: bool = False) -> int:
    """Run the sandbox demo; 0 when every post was published (and, with ``appview``, every
    Bluesky thread reads back whole and in order)."""
    try:
        return _run(keep, appview)
    except BotError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code


def _run(keep: bool, appview: bool) -> int:
    from bot.logs import setup

    setup("text", "WARNING")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sharebot-demo-")))
        network: AppViewNetwork | None = None
        if appview:
            print("starting Bluesky's test network (PDS + AppView) and the Reddit stand-in…",
                  flush=True)  # fmt: skip
            pg = stack.enter_context(cluster())
            db = pg.url().replace("postgresql+psycopg://", "postgresql://", 1)
            network = stack.enter_context(start_appview(db))
            pds: PdsServer = network
            print(f"  Bluesky AppView   {network.appview_url}")
        else:
            print("starting the local Bluesky PDS and the Reddit stand-in…", flush=True)
            pds = stack.enter_context(start_pds())
        reddit = stack.enter_context(standin.start_standin())
        print(f"  Bluesky PDS       {pds.url}\n  Reddit stand-in   {reddit.url}", flush=True)
        config, handle = write_config(pds, reddit.url, tmp)
        print(f"  sandbox accounts  @{handle} (Bluesky), u/{standin.USERNAME} (Reddit)")
        app = stack.enter_context(App.open(load_settings(str(config), None)))
        article_id, finished = publish_sample(app)
        print_threads(app.show(f"a{article_id}").posts)
        if network is not None:
            finished = read_back(network, app.show(f"a{article_id}").posts) and finished
        links = app.links(article_id).share_links
        note = "" if links["article"]["url"] else " (the sample has no URL: they carry its title)"
        print(f"\nshare links{note}:")
        print("\n".join(share_link_lines(dict(links), SHOWN_SECTIONS)))
        if keep:
            stop = stack.enter_context(_until_ctrl_c())
            stack.enter_context(_desk(app))
            _read_back_help(config, pds, handle, reddit.url)
            stop.wait()
        print("\nstopping the sandbox servers (nothing left behind)")
        return 0 if finished else 1


if __name__ == "__main__":
    sys.exit(main(keep="--keep" in sys.argv[1:], appview="--appview" in sys.argv[1:]))
