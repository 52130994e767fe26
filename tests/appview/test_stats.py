"""Engagement stats read from the real AppView after other users of the network like, repost,
reply to and quote the posts, and from the Reddit stand-in after scores and other users'
comments change; the report and the command show exactly those counts. Against the stand-in
too: a round stays within the account's stored budget (and publishing is not starved), and
the OAuth token is reused from one round to the next."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from bot.app import App
from bot.app.plan import configured_accounts
from bot.app.publishing import platform_factory, publish_now
from bot.cli import cli
from bot.config import from_mapping
from bot.publish import Publisher, PublishOptions
from tests.appview.conftest import publish
from tests.bluesky.conftest import new_account
from tests.reddit.conftest import make_account


class Reader:
    """Another user of the test network, writing records through its PDS."""

    def __init__(self, network: Any) -> None:
        self.account = new_account(network)
        self.http = httpx.Client(base_url=f"{network.url}/xrpc", timeout=30)
        session = self.http.post(
            "com.atproto.server.createSession",
            json={"identifier": self.account.handle, "password": self.account.password},
        ).json()
        self.http.headers["authorization"] = f"Bearer {session['accessJwt']}"

    def write(self, collection: str, record: dict[str, Any]) -> dict[str, str]:
        record = {"$type": collection, "createdAt": datetime.now(UTC).isoformat(), **record}
        answer = self.http.post(
            "com.atproto.repo.createRecord",
            json={"repo": self.account.did, "collection": collection, "record": record},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def like(self, post: Any) -> None:
        self.write("app.bsky.feed.like", {"subject": {"uri": post.uri, "cid": post.cid}})

    def repost(self, post: Any) -> None:
        self.write("app.bsky.feed.repost", {"subject": {"uri": post.uri, "cid": post.cid}})

    def reply(self, post: Any, root: Any) -> None:
        refs = {"root": {"uri": root.uri, "cid": root.cid},
                "parent": {"uri": post.uri, "cid": post.cid}}  # fmt: skip
        self.write("app.bsky.feed.post", {"text": "Good point.", "reply": refs})

    def quote(self, post: Any) -> None:
        embed = {"$type": "app.bsky.embed.record", "record": {"uri": post.uri, "cid": post.cid}}
        self.write("app.bsky.feed.post", {"text": "Worth reading.", "embed": embed})


def later(app: Any, hours: float) -> None:
    """Move the app's clock past the first stats interval (the daemon's view of time)."""
    app.clock = lambda: datetime.now(UTC) + timedelta(hours=hours)


@pytest.mark.parametrize("route", ["appview", "pds"])
def test_bluesky_counts_from_the_appview(app, source, network, route):
    if route == "pds":  # a self-hosted PDS whose AppView is private: ask through the PDS
        (account,) = app.settings.bluesky
        app.settings = replace(app.settings, bluesky=(replace(account, appview=""),))
    published = publish(app, source, "bluesky")
    aid, refs = published.article_id, {o.post_id: o.ref for o in published.outcomes}
    posts = sorted(app.store.get_article(aid).posts, key=lambda p: (p.thread_id, p.seq))
    first = [p for p in posts if p.thread_id == posts[0].thread_id]
    second = [p for p in posts if p.thread_id != posts[0].thread_id]

    def ref(post: Any) -> Any:
        return refs[post.id]

    alice, bob = Reader(network), Reader(network)
    alice.like(ref(first[0]))
    bob.like(ref(first[0]))
    bob.like(ref(first[1]))
    alice.repost(ref(first[0]))
    bob.reply(ref(first[-1]), ref(first[0]))
    alice.quote(ref(second[0]))
    network.process_all()

    at = {name: f"{url}/xrpc/app.bsky.feed.getPosts"
          for name, url in (("pds", network.url), ("appview", network.appview_url))}  # fmt: skip
    before = network.request_counts()
    later(app, 2)
    done = app.collect_stats()
    assert (done.due, done.fetched, done.failed, done.calls) == (len(posts), len(posts), 0, 1)
    after = network.request_counts()
    grew = {name: after.get(path, 0) - before.get(path, 0) for name, path in at.items()}
    assert grew == ({"pds": 0, "appview": 1} if route == "appview" else {"pds": 1, "appview": 1})
    by_section = {s.section: s for s in app.stats(aid)}
    top, other = by_section[0], by_section[1]
    own_replies = len(first) - 1  # each post of a thread but the last has our next one below
    assert (top.latest.likes, top.latest.reposts, top.latest.quotes) == (3, 1, 0)
    assert top.latest.replies == own_replies + 1
    assert (other.latest.likes, other.latest.quotes) == (0, 1)
    assert other.latest.replies == len(second) - 1
    assert app.stats(aid)[0].section == 0  # best section first

    bob.repost(ref(second[0]))
    network.process_all()
    later(app, 7)  # the +6h round
    assert app.collect_stats().fetched == len(posts)
    out = CliRunner().invoke(cli, ["--store", app.settings.store_url, "stats", f"a{aid}",
                                   "--json"], env={"SHAREBOT_CONFIG": None})  # fmt: skip
    assert out.exit_code == 0, out.output
    rows = {r["section"]: r for r in json.loads(out.stdout)}
    assert rows[1]["reposts"] == 1 and rows[1]["growth"]["reposts"] == 1
    assert rows[0]["likes"] == 3 and rows[0]["growth"]["likes"] == 0


def test_reddit_counts_from_the_standin(app, source, standin):
    aid = publish(app, source, "reddit").article_id
    posts = sorted(app.store.get_article(aid).posts, key=lambda p: (p.thread_id, p.seq))
    submission = posts[0]
    assert submission.draft.kind == "submission"
    world = standin.world
    with world.lock:
        world.things[submission.uri].update(score=42, upvote_ratio=0.93)
    world.add_comment(parent=submission.uri, body="Interesting.", author="reader_one")
    before = standin.counters["GET /api/info"]

    later(app, 2)
    done = app.collect_stats()
    assert (done.fetched, done.calls) == (len(posts), 1)
    assert standin.counters["GET /api/info"] == before + 1
    sections = {s.section: s for s in app.stats(aid)}
    top = sections[0]
    own = [p for p in posts if p.thread_id == submission.thread_id]
    assert top.latest.score == 42 + (len(own) - 1)  # our comments start at 1 point each
    assert top.latest.comments == len(posts) - 1 + 1  # ours and reader_one's
    assert top.latest.upvote_ratio == 0.93
    store = ["--store", app.settings.store_url]
    text = CliRunner().invoke(cli, [*store, "stats", f"a{aid}"], env={"SHAREBOT_CONFIG": None})
    assert text.exit_code == 0 and "Engagement" in text.stdout and "reddit" in text.stdout
    assert f"{top.latest.score}" in text.stdout
    table = CliRunner().invoke(cli, [*store, "stats", f"a{aid}", "--csv"],
                               env={"SHAREBOT_CONFIG": None})  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    first = next(r for r in rows if r["section"] == "0")
    assert (first["score"], first["comments"], first["upvote_ratio"]) == (
        str(top.latest.score),
        str(top.latest.comments),
        "0.93",
    )


@pytest.fixture
def reddit_app(standin, tmp_path):  # type: ignore[no-untyped-def]
    """An App with only the stand-in's Reddit account, 40 requests per 10 minutes."""
    settings = replace(
        from_mapping({"store_url": f"sqlite:///{tmp_path}/reddit.db"}),
        reddit=(make_account(standin, name="sandbox"),),
        budgets=(("reddit", "requests_10m", 40),),
    )
    with App.open(settings) as opened:
        yield opened


def small_batches(app: App, size: int) -> Any:
    """The real adapters, asking for ``size`` posts a call (so a few posts need a few calls)."""
    build = platform_factory(app.settings, app.store)

    def make(platform: str, account: str) -> Any:
        adapter = build(platform, account)
        adapter.stats_batch = size  # type: ignore[misc]
        return adapter

    return make


def sections(web: Any, tmp_path: Any, name: str, count: int) -> str:
    """An article of ``count`` sections (on Reddit: a submission and a comment per section)."""
    web.routes[f"/{name}"] = ("text/html", b"<html><head></head></html>")
    parts = "".join(f"\n# Part {i}\n\nWhat {name} says in part {i}.\n" for i in range(count))
    path = tmp_path / f"{name}.md"
    path.write_text(f"---\ntitle: {name}\nurl: {web.url}/{name}\n---\n{parts}", "utf-8")
    return str(path)


def test_reddit_stats_stay_within_the_stored_budget(reddit_app, standin, web, tmp_path):
    app = reddit_app
    aid = publish(app, sections(web, tmp_path, "Budgets", 8), "reddit").article_id
    posts = len(app.store.get_article(aid).posts)
    assert posts >= 6
    at = datetime.now(UTC) + timedelta(hours=2)
    app.clock = lambda: at
    # 40 a window, half kept for publishing: 18 spent leaves stats two calls
    app.store.spend_budget("reddit", "sandbox", {"read": 18}, at)
    info = standin.counters["GET /api/info"]
    done = app.collect_stats(factory=small_batches(app, 2))
    assert (done.due, done.calls, done.fetched, done.failed) == (posts, 2, 4, 0)
    assert (done.waiting, done.short, done.errors) == (posts - 4, ("reddit/sandbox",), ())
    assert standin.counters["GET /api/info"] == info + 2

    # stats are starved; a due post is published all the same, from the reserve
    other = sections(web, tmp_path, "Another", 2)
    publisher = Publisher(app.store, platform_factory(app.settings, app.store),
                          configured_accounts(app.settings), PublishOptions.from_settings(
                              app.settings), clock=app.clock)  # fmt: skip
    try:
        article_id, plan = app.prepare_publish(other, ("reddit",), force=True)
        sent = publish_now(app.store, app.settings, article_id, plan, platforms=("reddit",),
                           now=at, publisher=publisher)  # fmt: skip
    finally:
        publisher.close()
    assert sent.ok and {o.state for o in sent.outcomes} == {"published"}, sent.failed
    assert app.collect_stats(factory=small_batches(app, 2)).calls == 0  # still starved
    assert standin.counters["GET /api/info"] == info + 2

    app.clock = lambda: at + timedelta(minutes=11)  # the window has moved on
    resumed = app.collect_stats(factory=small_batches(app, 2))
    left = posts - 4
    assert (resumed.due, resumed.fetched, resumed.waiting) == (left, left, 0)
    assert resumed.calls == (left + 1) // 2 and resumed.short == ()
    assert standin.counters["GET /api/info"] == info + 2 + resumed.calls
    assert app.store.stats_due(at + timedelta(minutes=11), timedelta(hours=1), 100) == []
    assert sum(s.posts for s in app.stats(aid)) == posts  # every post fetched once


def test_reddit_stats_reuse_the_oauth_token(reddit_app, source, standin):
    app = reddit_app
    aid = publish(app, source, "reddit").article_id
    posts = len(app.store.get_article(aid).posts)
    tokens = standin.counters["POST /api/v1/access_token"]
    later(app, 2)
    assert app.collect_stats().fetched == posts
    later(app, 7)  # the +6h round
    assert app.collect_stats().fetched == posts
    assert standin.counters["POST /api/v1/access_token"] == tokens + 1  # one, for both rounds
