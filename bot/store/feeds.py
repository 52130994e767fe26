"""The store's feed records: followed feeds (conditional-GET state, next poll, last error)
and the entries seen in each (by guid and link), so an entry becomes an article once, even
across restarts and with several daemons on one PostgreSQL store."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Text, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.base import StoreBase
from bot.store.schema import UTCTime, feed_entries, feeds

_FINISH = (
    update(feeds)
    .where(feeds.c.id == bindparam("fid", type_=Integer))
    .values(
        last_poll_at=bindparam("now", type_=UTCTime),
        next_poll_at=bindparam("next_poll_at", type_=UTCTime),
        etag=bindparam("etag", type_=Text),
        last_modified=bindparam("last_modified", type_=Text),
        last_error=bindparam("error", type_=Text),
        failures=bindparam("failures", type_=Integer),
    )
)


@dataclass(frozen=True)
class FeedView:
    """A followed feed and its state."""

    id: int
    url: str
    options: Mapping[str, Any]
    etag: str | None
    last_modified: str | None
    last_poll_at: datetime | None
    next_poll_at: datetime
    last_error: str | None
    failures: int
    entries: int = 0
    articles: int = 0


@dataclass(frozen=True)
class SeenEntry:
    """An entry already recorded for a feed."""

    guid: str
    version: str
    article_id: int | None


def _view(row: Any, entries: int = 0, articles: int = 0) -> FeedView:
    return FeedView(row.id, row.url, json.loads(row.options), row.etag, row.last_modified,
                    row.last_poll_at, row.next_poll_at, row.last_error, row.failures,
                    entries, articles)  # fmt: skip


class FeedStore(StoreBase):
    """Feed intents (mixed into :class:`bot.store.Store`)."""

    def upsert_feed(self, url: str, options: Mapping[str, Any], now: datetime) -> int:
        """Follow ``url`` (or update its options); polled first at ``now``. Its id."""
        raw = json.dumps(dict(options), sort_keys=True)
        with self.write() as conn:
            found = conn.scalar(select(feeds.c.id).where(feeds.c.url == url))
            if found is not None:
                conn.execute(update(feeds).where(feeds.c.id == found).values(options=raw))
                return int(found)
            stmt = insert(feeds).values(url=url, options=raw, next_poll_at=now, failures=0,
                                        created_at=now).returning(feeds.c.id)  # fmt: skip
            return int(conn.execute(stmt).scalar_one())

    def remove_feed(self, url: str) -> bool:
        """Stop following ``url`` (its articles stay); False when it was not followed."""
        with self.write() as conn:
            return bool(conn.execute(delete(feeds).where(feeds.c.url == url)).rowcount)

    def list_feeds(self) -> list[FeedView]:
        """Every followed feed with how many entries and articles it gave."""
        counts = (
            select(feed_entries.c.feed_id, func.count().label("n"),
                   func.count(feed_entries.c.article_id).label("a"))
            .group_by(feed_entries.c.feed_id).subquery()
        )  # fmt: skip
        query = (
            select(feeds, counts.c.n, counts.c.a)
            .outerjoin(counts, counts.c.feed_id == feeds.c.id)
            .order_by(feeds.c.url)
        )
        with self.read() as conn:
            return [_view(r, r.n or 0, r.a or 0) for r in conn.execute(query)]

    def claim_due_feeds(self, now: datetime, *, limit: int, hold: timedelta) -> list[FeedView]:
        """Feeds due for a poll, each moved ``hold`` ahead so no other daemon polls it
        meanwhile (the poll's result sets the real next time)."""
        with self.write() as conn:
            rows = conn.execute(
                select(feeds).where(feeds.c.next_poll_at <= now)
                .order_by(feeds.c.next_poll_at).limit(limit)
            ).all()  # fmt: skip
            taken = []
            for row in rows:
                moved = conn.execute(
                    update(feeds)
                    .where(feeds.c.id == row.id, feeds.c.next_poll_at == row.next_poll_at)
                    .values(next_poll_at=now + hold)
                )
                if moved.rowcount:
                    taken.append(_view(row))
        return taken

    def finish_polls(self, polls: Sequence[Mapping[str, Any]]) -> None:
        """Record a round of polls in one transaction; each mapping has feed_id, now,
        next_poll_at, etag, last_modified, error, failures."""
        if not polls:
            return
        with self.write() as conn:
            conn.execute(_FINISH, [{**p, "fid": p["feed_id"]} for p in polls])

    def seen_entries(self, feed_id: int) -> dict[str, SeenEntry]:
        """The entries recorded for a feed, by guid."""
        query = select(feed_entries.c.guid, feed_entries.c.version, feed_entries.c.article_id)
        with self.read() as conn:
            rows = conn.execute(query.where(feed_entries.c.feed_id == feed_id))
            return {r.guid: SeenEntry(r.guid, r.version, r.article_id) for r in rows}

    def link_seen(self, link: str) -> bool:
        """True when any feed already gave an entry with this link."""
        with self.read() as conn:
            found = conn.scalar(select(feed_entries.c.id).where(feed_entries.c.link == link))
        return found is not None

    def record_entry(
        self, feed_id: int, guid: str, *, link: str | None, version: str, now: datetime
    ) -> bool:
        """Record a new entry; False when it was recorded already (by this or another
        daemon): exactly one caller goes on to queue its article."""
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = dialect_insert(feed_entries).values(
            feed_id=feed_id, guid=guid, link=link, version=version, seen_at=now
        ).on_conflict_do_nothing(index_elements=["feed_id", "guid"])  # fmt: skip
        with self.write() as conn:
            return bool(conn.execute(stmt).rowcount)

    def update_entry(
        self, feed_id: int, guid: str, *, version: str | None = None,
        article_id: int | None = None, error: str | None = None,
    ) -> None:  # fmt: skip
        """Set an entry's version, article and error."""
        values: dict[str, Any] = {"error": error}
        if version is not None:
            values["version"] = version
        if article_id is not None:
            values["article_id"] = article_id
        with self.write() as conn:
            conn.execute(
                update(feed_entries)
                .where(feed_entries.c.feed_id == feed_id, feed_entries.c.guid == guid)
                .values(**values)
            )
