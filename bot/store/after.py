"""The store's intents for after publishing: retraction and engagement stats (mixed into
:class:`bot.store.Store`; the SQL lives in bot.store.retraction and bot.store.stats)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from bot.platforms.base import Engagement
from bot.store import retraction, stats
from bot.store.base import StoreBase
from bot.store.views import PostView


class AfterPublishing(StoreBase):
    """Retract published posts; schedule, record and report engagement stats."""

    # --- retraction -------------------------------------------------------------
    def retraction_targets(self, ident: str, platform: str | None = None) -> list[PostView]:
        """Published posts of an article/thread, last reply first (StoreError while sending)."""
        with self.read() as conn:
            return retraction.targets(conn, ident, platform)

    def cancel_unsent(self, ident: str, platform: str | None, now: datetime) -> int:
        """Cancel an article's/thread's unsent posts (on ``platform``); how many."""
        with self.write() as conn:
            return retraction.cancel_unsent(conn, ident, platform, now)

    def mark_retracted(self, post_id: int, now: datetime) -> bool:
        """published -> retracted at ``now``; False when it was not published (idempotent)."""
        with self.write() as conn:
            return retraction.mark_retracted(conn, post_id, now)

    # --- engagement stats -------------------------------------------------------
    def stats_due(self, now: datetime, first: timedelta, limit: int) -> list[stats.StatsTarget]:
        """Published posts whose next stats fetch is due (``first``: the first interval)."""
        with self.read() as conn:
            return stats.due(conn, now, first, limit)

    def record_stats(
        self,
        fetched: Mapping[int, Engagement],
        advanced: Sequence[tuple[int, int, datetime | None]],
        now: datetime,
    ) -> None:
        """Snapshots of the fetched posts; every attempted post's next round (one transaction)."""
        with self.write() as conn:
            stats.record(conn, fetched, advanced, now)

    def newest_snapshots(self, article_id: int | None = None) -> list[stats.SnapshotRow]:
        """Each post's two newest snapshots with its article, section and platform."""
        with self.read() as conn:
            return stats.newest_snapshots(conn, article_id)
