"""Engagement stats: one stats round over N published posts per platform, counted and timed.

The daemon's publish path (bot.publish.Publisher over a real SQLite store) publishes
``--posts`` (1,000) posts per platform — to the reference Bluesky test network (PDS + AppView,
@atproto/dev-env) and to the Reddit stand-in through real PRAW — and that time is measured.
Then the daemon's stats job (``App.collect_stats``) runs ``--rounds`` (3) rounds at the first
intervals after publishing (+2h, +7h, +25h on the app's clock), each over every post, on the
same servers in the same run. The requests that reach the servers are counted by the servers
themselves: the network's launcher counts every HTTP request per server and path (getPosts
goes to the AppView, as production asks the public AppView), the stand-in counts its routes.

    python bench/stats.py [--posts 1000] [--rounds 3]

RESULTs: getPosts calls reaching the PDS per 1,000 Bluesky posts (<= 40: 25 URIs a call),
/api/info calls per 1,000 Reddit posts (<= 10: 100 fullnames a call), and the time of one
stats round (mean of the rounds) over the time publishing the same posts took (<= 0.1).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import App
from bot.article import Article, Paragraph, Section
from bot.config import BlueskyAccount, RedditAccount, Secret, from_mapping
from bot.sandbox.appview import AppViewNetwork, start_appview
from bot.sandbox.postgres import start_cluster, stop_cluster
from bot.sandbox.reddit.standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    RedditStandin,
    start_standin,
)
from bot.threads import PostDraft, ThreadDraft

TARGETS = {"bluesky": 40.0, "reddit": 10.0}
RATIO_TARGET = 0.1
THREAD = 25  # posts per thread (a thread's replies go one after the other)
OFFSETS = (2, 7, 25)  # hours after publishing: one stats round each
# Reddit allows 1,000 requests per 10 minutes: 1,000 comments at once would be paced over
# more than 10 minutes (bot.budget), which is not what this bench measures. The account's
# budget and the stand-in's window are raised to this for the run.
BIG = 100_000


def article(threads: int) -> Article:
    sections = tuple(
        Section(f"Part {i}", 2, (f"Part {i}",), f"part-{i}", (Paragraph("x"),))
        for i in range(threads)
    )
    return Article("Stats bench", "https://example.org/s", "en", (), None, None, sections)


def drafts(platform: str, posts: int) -> list[ThreadDraft]:
    """Bluesky: threads of 25 posts. Reddit: one submission, then chains of comments."""
    out = []
    for t in range(posts // THREAD):
        texts = [f"section {t} post {n}: the quick brown fox" for n in range(THREAD)]
        if platform == "bluesky":
            out.append(ThreadDraft("bluesky", t, tuple(PostDraft(x) for x in texts)))
            continue
        if t == 0:
            first = PostDraft("Stats bench", kind="submission", title="Stats bench")
            chain = (first, *(PostDraft(x, kind="comment") for x in texts[1:]))
        else:
            chain = tuple(PostDraft(x, kind="comment") for x in texts)
        out.append(ThreadDraft("reddit", t, chain, continues=t > 0))
    return out


def publish(app: App, platform: str, posts: int) -> float:
    """Queue ``posts`` posts due now (untimed) and publish them all (timed)."""
    threads = drafts(platform, posts)
    now = datetime.now(UTC)
    app.store.enqueue(
        article(len(threads)), source=f"bench-{platform}.md", threads=threads,
        due={(platform, i): now for i in range(len(threads))}, spacing=timedelta(0),
        accounts={platform: "bench"}, subreddit="sharebot_test", now=now,
    )  # fmt: skip
    publisher = app.publisher()
    try:
        started = time.perf_counter()
        outcomes = publisher.run_until_idle()
        took = time.perf_counter() - started
    finally:
        publisher.close()
    states = {o.state for o in outcomes}
    assert states == {"published"} and len(outcomes) == posts, (states, len(outcomes))
    return took


def calls(net: AppViewNetwork, standin: RedditStandin) -> dict[str, int]:
    """Stats requests that reached the servers so far (getPosts at the AppView, asked
    directly as production asks the public AppView, or through the PDS: either counts)."""
    counts = net.request_counts()
    return {
        "bluesky": counts.get(f"{net.appview_url}/xrpc/app.bsky.feed.getPosts", 0),
        "reddit": standin.counters["GET /api/info"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="per platform (multiple of 25)")
    parser.add_argument("--rounds", type=int, default=3, choices=range(1, len(OFFSETS) + 1))
    args = parser.parse_args()
    pg = start_cluster()
    try:
        db = pg.url().replace("postgresql+psycopg://", "postgresql://", 1)
        with start_appview(db) as net, start_standin(ratelimit_budget=BIG) as standin, \
                tempfile.TemporaryDirectory() as tmp:  # fmt: skip
            print(f"test network ready in {net.start_seconds:.1f} s")
            ok = run(net, standin, tmp, args.posts, args.rounds)
    finally:
        stop_cluster(pg)
    sys.exit(0 if ok else 1)


def run(net: AppViewNetwork, standin: RedditStandin, tmp: str, posts: int, rounds: int) -> bool:
    _, handle, password = net.create_account("benchstats")
    reddit = RedditAccount(
        name="bench", client_id=CLIENT_ID, client_secret=Secret(CLIENT_SECRET),
        user_agent="sharebot-bench/0.1", username=USERNAME, password=Secret(PASSWORD),
        oauth_url=standin.url, reddit_url=standin.url, subreddits=("sharebot_test",),
    )  # fmt: skip
    settings = replace(
        from_mapping({"store_url": f"sqlite:///{tmp}/stats.db"}),
        budgets=(("reddit", "requests_10m", f"{BIG}/10m"),),
        bluesky=(BlueskyAccount("bench", handle, Secret(password), net.url, net.appview_url),),
        reddit=(reddit,),
    )
    with App.open(settings) as app:
        published = {p: publish(app, p, posts) for p in ("bluesky", "reddit")}
        net.process_all()
        start, took, made = datetime.now(UTC), [], {"bluesky": [], "reddit": []}
        for hours in OFFSETS[:rounds]:
            app.clock = lambda h=hours: start + timedelta(hours=h)
            before = calls(net, standin)
            began = time.perf_counter()
            done = app.collect_stats()
            took.append(time.perf_counter() - began)
            assert done.fetched == 2 * posts and not done.errors, done
            after = calls(net, standin)
            for platform in made:
                made[platform].append(after[platform] - before[platform])
    publishing = sum(published.values())
    for platform, seconds in published.items():
        print(f"publish {posts} {platform} posts: {seconds:.1f} s ({posts / seconds:.0f} posts/s)")
    print(f"stats round over {2 * posts} posts: min {min(took):.2f} s, "
          f"median {statistics.median(took):.2f} s, max {max(took):.2f} s")  # fmt: skip
    ok = True
    for platform, counted in made.items():
        per_1000 = [n * 1000 / posts for n in counted]
        print(f"{platform} stats calls per 1000 posts: min {min(per_1000):g}, "
              f"median {statistics.median(per_1000):g}, max {max(per_1000):g}")  # fmt: skip
        value = sum(counted) * 1000 / posts / len(counted)
        print(f"RESULT stats_calls_per_1000_{platform}_posts {value:g} "
              f"target <= {TARGETS[platform]:g}")  # fmt: skip
        ok &= value <= TARGETS[platform]
    ratios = [t / publishing for t in took]
    print(f"stats round / publishing: min {min(ratios):.4f}, "
          f"median {statistics.median(ratios):.4f}, max {max(ratios):.4f}")  # fmt: skip
    ratio = sum(took) / len(took) / publishing
    print(f"RESULT stats_round_vs_publish_ratio {ratio:.4f} target <= {RATIO_TARGET}")
    return ok and ratio <= RATIO_TARGET


if __name__ == "__main__":
    main()
