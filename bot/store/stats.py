"""Engagement stats: which published posts are due for a fetch, snapshots, the report's rows.

Each published post walks through the configured intervals after its publication (+1 h,
+6 h, …). A post that never had a fetch has no ``post_stats`` row and is due once
``published_at + intervals[0]`` has passed; afterwards its row holds the rounds done and
the next due time (NULL when every interval is done). A failed fetch still advances the
round: the post is tried again at the next interval, never in a loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Connection,
    Integer,
    RowMapping,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)

from bot.platforms.base import Engagement
from bot.store.schema import (
    UTCTime,
    articles,
    post_stats,
    posts,
    sections,
    stats_snapshots,
    threads,
)

COUNTS = tuple(Engagement.__dataclass_fields__)


@dataclass(frozen=True)
class StatsTarget:
    """A published post due for a stats fetch; ``round`` = intervals done so far."""

    post_id: int
    platform: str
    account: str
    uri: str
    published_at: datetime
    round: int


@dataclass(frozen=True)
class SnapshotRow:
    """One of a post's two newest snapshots (``newest`` 1 or 2), with where the post sits."""

    article_id: int
    title: str
    section: int
    heading: str | None
    platform: str
    post_id: int
    newest: int
    fetched_at: datetime
    counts: Engagement


_COLUMNS = (posts.c.id, posts.c.platform, posts.c.account, posts.c.uri, posts.c.published_at)


def due(conn: Connection, now: datetime, first: timedelta, limit: int) -> list[StatsTarget]:
    """Up to ``limit`` published posts whose next stats fetch is due at ``now``."""
    later = (
        select(*_COLUMNS, post_stats.c.round)
        .join(posts, posts.c.id == post_stats.c.post_id)
        .where(post_stats.c.due_at <= now, posts.c.state == "published")
        .order_by(post_stats.c.due_at)
        .limit(limit)
    )
    fresh = (
        select(*_COLUMNS, literal(0, Integer).label("round"))
        .select_from(posts.outerjoin(post_stats, post_stats.c.post_id == posts.c.id))
        .where(
            posts.c.state == "published",
            posts.c.published_at <= now - first,
            post_stats.c.post_id.is_(None),
        )
        .order_by(posts.c.published_at)
        .limit(limit)
    )
    rows = [*conn.execute(later), *conn.execute(fresh)][:limit]
    return [StatsTarget(r.id, r.platform, r.account, r.uri, r.published_at, r.round) for r in rows]


_ADVANCE = (
    update(post_stats)
    .where(post_stats.c.post_id == bindparam("b_post", type_=Integer))
    .values(round=bindparam("b_round", type_=Integer), due_at=bindparam("b_due", type_=UTCTime))
)


def record(
    conn: Connection,
    fetched: Mapping[int, Engagement],
    advanced: Sequence[tuple[int, int, datetime | None]],
    now: datetime,
) -> None:
    """Store one snapshot per fetched post and move every attempted post (post id, rounds
    done, next due time) along its schedule."""
    if fetched:
        rows = [{"post_id": pid, "fetched_at": now, **asdict(e)} for pid, e in fetched.items()]
        conn.execute(insert(stats_snapshots), rows)
    ids = [pid for pid, _, _ in advanced]
    known = set(conn.scalars(select(post_stats.c.post_id).where(post_stats.c.post_id.in_(ids))))
    new = [{"post_id": p, "round": r, "due_at": d} for p, r, d in advanced if p not in known]
    old = [{"b_post": p, "b_round": r, "b_due": d} for p, r, d in advanced if p in known]
    if new:
        conn.execute(insert(post_stats), new)
    if old:
        conn.execute(_ADVANCE, old)


def newest_snapshots(conn: Connection, article_id: int | None) -> list[SnapshotRow]:
    """Every post's two newest snapshots, with its article, section and platform."""
    rank = (
        func.row_number()
        .over(partition_by=stats_snapshots.c.post_id, order_by=stats_snapshots.c.fetched_at.desc())
        .label("newest")
    )
    ranked = select(stats_snapshots, rank).subquery()
    query = (
        select(
            ranked,
            posts.c.article_id,
            posts.c.platform,
            threads.c.section,
            articles.c.title,
            sections.c.heading,
        )
        .join(posts, posts.c.id == ranked.c.post_id)
        .join(threads, threads.c.id == posts.c.thread_id)
        .join(articles, articles.c.id == posts.c.article_id)
        .outerjoin(
            sections,
            (sections.c.article_id == posts.c.article_id) & (sections.c.idx == threads.c.section),
        )
        .where(ranked.c.newest <= 2)
    )
    if article_id is not None:
        query = query.where(posts.c.article_id == article_id)
    return [_snapshot(r._mapping) for r in conn.execute(query.order_by(ranked.c.post_id))]


def _snapshot(row: RowMapping) -> SnapshotRow:
    return SnapshotRow(
        article_id=row["article_id"],
        title=row["title"],
        section=row["section"],
        heading=row["heading"],
        platform=row["platform"],
        post_id=row["post_id"],
        newest=row["newest"],
        fetched_at=row["fetched_at"],
        counts=Engagement(**{name: row[name] for name in COUNTS}),
    )
