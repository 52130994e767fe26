"""The store's evergreen records: articles shared again every so often as a quote post of
their thread's root, at most ``max_reshares`` times. Queuing a re-share and counting it is
one transaction guarded by the count, so two daemons never queue the same re-share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from bot.errors import StoreError
from bot.store import plan
from bot.store.feeds import FeedStore
from bot.store.schema import evergreen, threads
from bot.threads import ThreadDraft


@dataclass(frozen=True)
class Evergreen:
    """An evergreen article that is due for its next re-share."""

    article_id: int
    every: timedelta
    max_reshares: int
    reshares: int
    next_at: datetime


class EvergreenStore(FeedStore):
    """Evergreen intents (mixed into :class:`bot.store.Store`)."""

    def set_evergreen(
        self, article_id: int, every: timedelta, max_reshares: int, first_at: datetime
    ) -> None:
        """Share ``article_id`` again every ``every`` (first at ``first_at``)."""
        seconds = int(every.total_seconds())
        with self.write() as conn:
            found = conn.scalar(
                select(evergreen.c.article_id).where(evergreen.c.article_id == article_id)
            )
            values = {"every_seconds": seconds, "max_reshares": max_reshares}
            if found is None:
                conn.execute(evergreen.insert().values(article_id=article_id, reshares=0,
                                                       next_at=first_at, **values))  # fmt: skip
            else:
                conn.execute(
                    update(evergreen).where(evergreen.c.article_id == article_id).values(**values)
                )

    def thread_sections(self, article_id: int) -> dict[int, int]:
        """Each thread of an article -> the index of the section it shares."""
        query = select(threads.c.id, threads.c.section).where(threads.c.article_id == article_id)
        with self.read() as conn:
            return {int(t): int(s) for t, s in conn.execute(query)}

    def due_reshares(self, now: datetime, *, limit: int = 100) -> list[Evergreen]:
        """Evergreen articles whose next re-share is due and that have re-shares left."""
        query = (
            select(evergreen)
            .where(evergreen.c.next_at <= now, evergreen.c.reshares < evergreen.c.max_reshares)
            .order_by(evergreen.c.next_at)
            .limit(limit)
        )
        with self.read() as conn:
            return [
                Evergreen(r.article_id, timedelta(seconds=r.every_seconds), r.max_reshares,
                          r.reshares, r.next_at)
                for r in conn.execute(query)
            ]  # fmt: skip

    def queue_reshare(
        self, item: Evergreen, thread: ThreadDraft, *, account: str, due: datetime,
        now: datetime,
    ) -> bool:  # fmt: skip
        """Queue one re-share thread and count it, in one transaction; False when another
        daemon counted this re-share first (nothing is written then)."""
        with self.write() as conn:
            counted = conn.execute(
                update(evergreen)
                .where(evergreen.c.article_id == item.article_id,
                       evergreen.c.reshares == item.reshares)
                .values(reshares=item.reshares + 1, next_at=item.next_at + item.every)
            )  # fmt: skip
            if not counted.rowcount:
                return False
            last = conn.scalar(
                select(func.max(threads.c.idx)).where(threads.c.article_id == item.article_id)
            )
            index = (last or 0) + 1
            spec = plan.PlanInput([thread], {(thread.platform, index): due}, timedelta(0),
                                  {thread.platform: account}, None, None, now)  # fmt: skip
            if not plan.insert_thread_at(conn, item.article_id, index, thread, spec):
                raise StoreError(f"article {item.article_id}: an empty re-share thread")
        return True
