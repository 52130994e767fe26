"""Retraction's use-case with fake adapters over a real SQLite store: a missing account stops
it before anything changes; a refused deletion stops it and says which post; a re-run goes on
from there; the plan and NothingToDo name what there is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.editing import NothingToDo
from bot.app.retract import plan_retraction, retract
from bot.errors import ConfigError, RejectedError
from bot.platforms.base import Ref
from bot.store import Store, open_store
from tests.store.helpers import NOW, bluesky_thread, claim, enqueue, reddit_threads
from tests.store.test_retraction import publish_all


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path}/s.db")
    yield opened
    opened.close()


class Deleter:
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.deleted: list[str] = []
        self.refuse = refuse or set()

    def delete(self, ref: Ref) -> None:
        if ref.uri in self.refuse:
            raise RejectedError("Could not find record", platform="bluesky")
        self.deleted.append(ref.uri)


def test_a_missing_account_changes_nothing(store: Store) -> None:
    aid = enqueue(store, [bluesky_thread(0, 2), bluesky_thread(1, 1)])
    (first,) = claim(store, NOW, limit=1)
    store.confirm(first.post_id, "d1", Ref("at://x/p/1", "c", "u"), NOW)

    def no_account(platform: str, account: str) -> Deleter:
        raise ConfigError(f"no {platform} account named {account!r} in the configuration")

    with pytest.raises(ConfigError, match="no bluesky account"):
        retract(store, f"a{aid}", None, factory=no_account, clock=lambda: NOW)
    assert "cancelled" not in store.post_states(f"a{aid}")


def test_a_refused_deletion_stops_and_a_rerun_goes_on(store: Store) -> None:
    aid = enqueue(store, [bluesky_thread(0, 3), *reddit_threads(1, 1)])
    order = publish_all(store)
    plan = plan_retraction(store, f"a{aid}", "bluesky")
    assert [p.platform for p in plan.posts] == ["bluesky"] * 3
    stuck = plan.posts[1].uri
    deleter = Deleter({stuck})
    first = retract(store, f"a{aid}", "bluesky", factory=lambda p, a: deleter, clock=lambda: NOW)
    assert [p.id for p in first.deleted] == [plan.posts[0].id]
    assert first.failed is not None and first.failed.uri == stuck
    assert "Could not find record" in (first.error or "")
    deleter.refuse.clear()
    again = retract(store, f"a{aid}", "bluesky", factory=lambda p, a: deleter, clock=lambda: NOW)
    assert [p.id for p in again.deleted] == [p.id for p in plan.posts[1:]]
    assert deleter.deleted == [p.uri for p in plan.posts]
    assert store.post_states(f"a{aid}") == {"retracted": 3, "published": 2}
    with pytest.raises(NothingToDo, match=r"nothing published to retract on bluesky"):
        plan_retraction(store, f"a{aid}", "bluesky")
    with pytest.raises(ConfigError, match="unknown platform"):
        plan_retraction(store, f"a{aid}", "mastodon")
    assert len(order) == 5
