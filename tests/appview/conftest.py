"""Fixtures for reading posts back as readers see them: the dev-env test network (PLC + PDS +
AppView on PostgreSQL and Redis), started once per session, and its accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.sandbox.appview import AppViewNetwork, start_appview
from tests.bluesky.conftest import PdsAccount, make_platform, new_account, web
from tests.pg import PgServer, pg_server

__all__ = ["make_platform", "pg_server", "web"]  # fixtures used by this folder's tests


@pytest.fixture(scope="session")
def network(pg_server: PgServer) -> Iterator[AppViewNetwork]:
    url = pg_server.new_database().replace("postgresql+psycopg://", "postgresql://", 1)
    with start_appview(url) as net:
        yield net


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
