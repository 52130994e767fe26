"""Process bodies for the concurrency tests (each opens its own store)."""

from __future__ import annotations

import time
from datetime import timedelta
from multiprocessing.queues import Queue
from typing import Any

from bot import budget
from bot.errors import StoreError
from bot.platforms.base import Ref
from bot.store import open_store
from tests.store.helpers import NOW, Preparer, bluesky_thread, enqueue

LATER = NOW + timedelta(days=1)
HOUR = timedelta(hours=1)


def editor(url: str, name: str, until: float, out: Queue[Any]) -> None:
    """Queue articles, list, show and cancel in a loop until ``until`` (time.monotonic)."""
    store = open_store(url)
    result: dict[str, Any] = {"articles": [], "cancelled": 0, "errors": [], "name": name}
    n = 0
    while time.monotonic() < until:
        n += 1
        try:
            aid = enqueue(store, [bluesky_thread(0, 2, name), bluesky_thread(1, 1, name)])
            result["articles"].append(aid)
            store.list_posts(limit=20)
            store.list_posts(status="queued", limit=20)
            if n % 3 == 0:
                thread = store.get_article(aid).posts[-1].thread_id
                result["cancelled"] += store.cancel(f"t{thread}")
        except StoreError as exc:
            result["errors"].append(str(exc))
    store.close()
    out.put(result)


def claimer(
    url: str, owner: str, until: float, drain: bool, points: int | None, out: Queue[Any]
) -> None:
    """Claim and confirm until ``until`` (with ``drain``: or until nothing is left queued,
    or nothing more is claimable); ``points``: the Bluesky budget per hour (None: none)."""
    limits = (
        {} if points is None else {"bluesky": budget.limits_for("bluesky", {"points_hour": points})}
    )
    store = open_store(url, budgets=limits)
    result: dict[str, Any] = {"claimed": [], "errors": [], "name": owner}
    while time.monotonic() < until:
        try:
            claims = store.claim_due(LATER, limit=10, owner=owner, lease=HOUR, prepare=Preparer())
            for c in claims:
                store.confirm(c.post_id, owner, Ref(f"at://{c.post_id}", "c", "u"), LATER)
            result["claimed"] += [c.post_id for c in claims]
            if drain and not claims and (points or store.counts().get("queued", 0) == 0):
                break
        except StoreError as exc:
            result["errors"].append(str(exc))
    store.close()
    out.put(result)
