"""Fixtures for reading posts back as readers see them: the dev-env test network (PLC + PDS +
AppView on PostgreSQL and Redis), started once per session, and its accounts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, Published
from bot.config import BlueskyAccount, Secret, from_mapping
from bot.sandbox.appview import AppViewNetwork
from bot.sandbox.reddit.standin import RedditStandin, start_standin
from tests.bluesky.conftest import PdsAccount, make_platform, new_account, web
from tests.reddit.conftest import make_account

__all__ = ["make_platform", "web"]  # fixtures used by this folder's tests


@pytest.fixture
def author(network: AppViewNetwork) -> PdsAccount:
    return new_account(network)


def thread_chain(network: AppViewNetwork, root_uri: str) -> list[dict[str, Any]]:
    """The posts of ``root_uri``'s thread as the AppView shows them, following the replies down
    and asserting each level holds exactly one reply (the one before's successor)."""
    view = network.read(
        "app.bsky.feed.getPostThread", {"uri": root_uri, "depth": 1000, "parentHeight": 0}
    )["thread"]
    assert view["$type"] == "app.bsky.feed.defs#threadViewPost", view
    chain = [view["post"]]
    while view.get("replies"):
        assert len(view["replies"]) == 1, [r["post"]["uri"] for r in view["replies"]]
        view = view["replies"][0]
        chain.append(view["post"])
    return chain


ARTICLE = """---
title: Retraction test
url: {url}/post
lang: en
---

# First part

{words}

# Second part

{words}
"""


@pytest.fixture(scope="session")
def standin() -> Iterator[RedditStandin]:
    with start_standin() as server:
        yield server


@pytest.fixture
def source(web, tmp_path: Path) -> str:
    web.routes["/post"] = ("text/html", b"<html><head></head></html>")
    words = "A sentence long enough to need a few posts for every section. " * 12
    path = tmp_path / "article.md"
    path.write_text(ARTICLE.format(url=web.url, words=words), encoding="utf-8")
    return str(path)


@pytest.fixture
def app(network, author, standin, tmp_path: Path) -> Iterator[App]:
    settings = replace(
        from_mapping({"store_url": f"sqlite:///{tmp_path}/store.db"}),
        bluesky=(
            BlueskyAccount(
                "sandbox",
                author.handle,
                Secret(author.password),
                network.url,
                appview=network.appview_url,
            ),
        ),
        reddit=(make_account(standin, name="sandbox"),),
    )
    with App.open(settings) as opened:
        yield opened


def publish(app: App, source: str, platform: str) -> Published:
    """Publish ``source`` on ``platform`` now through the one publish path."""
    article_id, plan = app.prepare_publish(source, (platform,))
    done = app.publish(article_id, plan, (platform,))
    assert done.ok and len(done.outcomes) >= 2, done.failed
    return done
