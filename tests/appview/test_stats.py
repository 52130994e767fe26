"""Engagement stats read from the real AppView after other users of the network like, repost,
reply to and quote the posts, and from the Reddit stand-in after scores and other users'
comments change; the report and the command show exactly those counts."""

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

from bot.cli import cli
from tests.appview.conftest import publish
from tests.bluesky.conftest import new_account


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
