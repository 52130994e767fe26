"""Reader controls as readers see them (the AppView): another account's reply to a
`replies = "nobody"` thread is left out of the thread, and a quote of a `quotes = false`
post is shown detached, without the quoted post."""

from __future__ import annotations

from typing import Any

import pytest

from bot.platforms.base import Outgoing
from bot.threads import PostDraft
from tests.appview.test_stats import Reader
from tests.bluesky.test_send import NOW


def _send(platform: Any, draft: PostDraft, key: str) -> Any:
    return platform.send(Outgoing(1, key, "a", draft, prepared=platform.prepare(draft, key, NOW)))


@pytest.mark.unreadable(
    "a reader's reply to a replies=nobody thread is hidden and their quote of a quotes=false post"
    " shows detached: what the test asserts"
)
def test_the_appview_enforces_reply_and_quote_controls(network, author, make_platform) -> None:
    platform = make_platform(author.config(network.url))
    root = _send(platform, PostDraft("Nobody may answer or quote this.", gate=(), quotes=False),
                 "controls-root")  # fmt: skip
    open_post = _send(platform, PostDraft("Anyone may answer and quote this."), "controls-open")
    reader = Reader(network)
    reader.reply(root, root)
    reader.reply(open_post, open_post)
    reader.quote(root)
    reader.quote(open_post)
    network.process_all()
    gated = network.read("app.bsky.feed.getPostThread", {"uri": root.uri, "depth": 10})
    free = network.read("app.bsky.feed.getPostThread", {"uri": open_post.uri, "depth": 10})
    assert gated["thread"].get("replies", []) == []  # the reply is not shown under the root
    assert len(free["thread"]["replies"]) == 1  # the same reply to an open post is
    assert gated["threadgate"]["record"]["allow"] == []
    feed = network.read("app.bsky.feed.getAuthorFeed", {"actor": reader.account.did})
    quotes = {item["post"]["embed"]["record"].get("uri"): item["post"]["embed"]["record"]
              for item in feed["feed"] if item["post"].get("embed")}  # fmt: skip
    assert quotes[root.uri]["$type"] == "app.bsky.embed.record#viewDetached"
    assert quotes[open_post.uri]["$type"] == "app.bsky.embed.record#viewRecord"
