"""The Reddit publish path against its floor, and the adapter against bare PRAW.

Four sides write 600 comments each, every one replying to the side's previous comment,
through real PRAW to the Reddit stand-in, which runs in its own process (so its work
shares neither the GIL nor this process's CPU time):

- bare: the fastest public PRAW call a user could write, ``Reddit.request`` POSTing
  ``api/comment`` (no object building);
- adapter: ``RedditPlatform.send`` (its API calls go from prawcore straight to urllib3's
  pool, bot.platforms.reddit_http, where bare PRAW goes through requests' Session);
- path: the full publish path (bot.publish.Publisher over the real SQLite store: claim,
  send, confirm-and-claim-next in one transaction; each round's comments fall due
  together);
- floor: the bare call plus one durable SQLite commit per comment (raw sqlite3, WAL,
  synchronous=FULL as the store uses, one row updated): the least an exactly-once path
  must write before the next comment may go.

Rounds of 20 comments per side; the side that goes first rotates each round. RESULTs are
ratios of totals (min/median/max of the rounds beside them)::

    RESULT reddit_adapter_overhead_ratio <adapter / bare> target <= 1.15
    RESULT publish_overhead_ratio_reddit_vs_floor <path / floor> target <= 1.15
    RESULT sharebot_cpu_ms_per_post <(CPU of path - CPU of bare) / comments> target <= 1.0

The script exits 1 when a RESULT misses its target.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import praw

from bench._results import finish, ratio_result, result, rotation
from bot.article import Article, Paragraph, Section
from bot.config import RedditAccount, Secret
from bot.platforms.base import Outgoing, Ref
from bot.platforms.reddit import RedditPlatform
from bot.publish import Publisher, PublishOptions
from bot.sandbox.reddit.standin import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME
from bot.store import open_store
from bot.threads import PostDraft, ThreadDraft

COMMENTS = 600
ROUNDS = 30
SIDES = ("bare", "adapter", "path", "floor")
BODY = "A section of the article, long enough to look like one. " * 20


class NoSessions:
    def load_session(self, platform: str, account: str) -> str | None:
        return None

    def save_session(self, platform: str, account: str, session: str) -> None:
        return None

    def block_account(self, platform: str, account: str, until: object, reason: str) -> None:
        return None


class PathRunner:
    """The full publish path over the real SQLite store (bot.store): a submission and its
    comment chain are queued one minute apart; the publisher's clock decides how many are
    due, so ``send(n)`` publishes the next ``n`` posts of the chain in one
    ``run_until_idle`` (claim, send, confirm-and-claim-next, ..., the idle check)."""

    def __init__(self, adapter: RedditPlatform, comments: int, tmp: str) -> None:
        self.store = open_store(f"sqlite:///{tmp}/path.db", in_flight=1)  # as the App opens it
        self.start = datetime.now(UTC)
        section = Section("Bench", 2, ("Bench",), "bench", (Paragraph("x"),))
        article = Article("B", "https://example.org/b", "en", (), None, None, (section,))
        sub = PostDraft(text="root", kind="submission", title="B")
        chain = tuple(PostDraft(text=BODY, kind="comment") for _ in range(comments))
        self.store.enqueue(
            article, source="bench.md", threads=[ThreadDraft("reddit", 0, (sub, *chain))],
            due={("reddit", 0): self.start}, spacing=timedelta(minutes=1),
            accounts={"reddit": "bench"}, subreddit="sharebot_test", now=self.start,
        )  # fmt: skip
        self.sent = 0
        options = PublishOptions(owner="bench", concurrency=1)
        self.pub = Publisher(
            self.store, lambda n, a: adapter, {"reddit": ["bench"]}, options, clock=self.clock
        )

    def clock(self) -> datetime:
        """Now, as far as the queue is concerned: the last post of this round is due."""
        return self.start + timedelta(minutes=self.sent - 1)

    def send(self, count: int) -> float:
        self.sent += count
        start = time.perf_counter()
        outcomes = self.pub.run_until_idle()
        elapsed = time.perf_counter() - start
        assert [o.state for o in outcomes] == ["published"] * count, outcomes
        return elapsed


class Floor:
    """One durable one-row SQLite transaction per comment (the exactly-once minimum)."""

    def __init__(self, tmp: str) -> None:
        self.db = sqlite3.connect(f"{tmp}/floor.db", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, state TEXT, url TEXT)")
        self.db.execute("INSERT INTO posts VALUES (1, 'sending', NULL)")

    def commit(self, url: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("UPDATE posts SET state = 'published', url = ? WHERE id = 1", (url,))
        self.db.execute("COMMIT")


def standin_process() -> tuple[subprocess.Popen[str], str]:
    """The stand-in in a process of its own; (process, base URL)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox.reddit.standin", "--no-ratelimit"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if line[:1] != ["REDDIT_STANDIN_URL"]:
        proc.kill()
        raise SystemExit(f"the stand-in did not start: {line}")
    return proc, line[1]


def bare_reply(bare: praw.Reddit, parent: str) -> str:
    """The fastest public PRAW call: the raw request, no objects built."""
    data = {"thing_id": parent, "text": BODY, "api_type": "json"}
    answer = bare.request(method="POST", path="api/comment/", data=data)
    return str(answer["json"]["data"]["things"][0]["data"]["name"])


def main() -> None:
    proc, url = standin_process()
    try:
        measure(url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    finish()


def measure(url: str) -> None:
    account = RedditAccount(
        name="bench", client_id=CLIENT_ID, client_secret=Secret(CLIENT_SECRET),
        user_agent="sharebot-bench/0.1", username=USERNAME, password=Secret(PASSWORD),
        oauth_url=url, reddit_url=url, subreddits=("sharebot_test",),
    )  # fmt: skip
    adapter = RedditPlatform(account, NoSessions())
    root = adapter.send(
        Outgoing(post_id=0, key="root", account="bench", subreddit="sharebot_test",
                 draft=PostDraft(text="root", kind="submission", title="B"))
    )  # fmt: skip
    bare = praw.Reddit(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, username=USERNAME, password=PASSWORD,
        user_agent="sharebot-bench/0.1 bare", oauth_url=url, reddit_url=url,
        check_for_updates=False, ratelimit_seconds=0,
    )  # fmt: skip
    tmp = tempfile.TemporaryDirectory()
    path = PathRunner(RedditPlatform(account, NoSessions()), COMMENTS + 1, tmp.name)
    path.send(2)  # the submission and a warm-up comment
    floor = Floor(tmp.name)
    heads = {"bare": bare_reply(bare, root.uri), "floor": root.uri}  # warm-up: token, conn
    parent: Ref = root
    per_round = COMMENTS // ROUNDS

    def run_adapter(r: int) -> None:
        nonlocal parent
        for i in range(per_round):
            draft = PostDraft(text=BODY, kind="comment")
            post = Outgoing(post_id=i, key=f"b{r}-{i}", account="bench", draft=draft, parent=parent)
            parent = adapter.send(post)

    def run_bare(r: int) -> None:
        for _ in range(per_round):
            heads["bare"] = bare_reply(bare, heads["bare"])

    def run_floor(r: int) -> None:
        for _ in range(per_round):
            heads["floor"] = bare_reply(bare, heads["floor"])
            floor.commit(heads["floor"])

    def run_path(r: int) -> None:
        path.send(per_round)

    runs = {"bare": run_bare, "adapter": run_adapter, "path": run_path, "floor": run_floor}
    wall: dict[str, list[float]] = {side: [] for side in SIDES}
    cpu: dict[str, list[float]] = {side: [] for side in SIDES}
    for r in range(ROUNDS):
        for side in rotation(SIDES, r):
            started, cpu_started = time.perf_counter(), time.process_time()
            runs[side](r)
            wall[side].append(time.perf_counter() - started)
            cpu[side].append(time.process_time() - cpu_started)
    adapter.close()
    path.pub.close()
    path.store.close()
    tmp.cleanup()
    for side in SIDES:
        print(
            f"{side:8} {sum(wall[side]):.3f}s wall, {sum(cpu[side]):.3f}s CPU, {COMMENTS} comments"
        )
    print(f"publish path / bare PRAW (information): {sum(wall['path']) / sum(wall['bare']):.3f}")
    store_ms = (sum(cpu["path"]) - sum(cpu["adapter"])) * 1000 / COMMENTS
    commit_ms = (sum(cpu["floor"]) - sum(cpu["bare"])) * 1000 / COMMENTS
    print(f"CPU a comment (information): path - adapter {store_ms:.3f} ms (store and publisher), "
          f"floor - bare {commit_ms:.3f} ms (one commit)")  # fmt: skip
    ratio_result("reddit_adapter_overhead_ratio", wall["adapter"], wall["bare"], "<=", 1.15)
    ratio_result("publish_overhead_ratio_reddit_vs_floor", wall["path"], wall["floor"], "<=", 1.15)
    per_post = [(p - b) * 1000 / per_round for p, b in zip(cpu["path"], cpu["bare"], strict=True)]
    print(f"sharebot_cpu_ms_per_post per round: min {min(per_post):.3f} / max {max(per_post):.3f}")
    cpu_ms = (sum(cpu["path"]) - sum(cpu["bare"])) * 1000 / COMMENTS
    result("sharebot_cpu_ms_per_post", cpu_ms, "<=", 1.0)


if __name__ == "__main__":
    main()
