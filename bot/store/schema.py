"""Tables and ordered migrations of the store (SQLite and PostgreSQL, one definition).

Times are stored as integer microseconds since the epoch (UTC) through :class:`UTCTime`, so
comparisons and index range scans behave identically on both databases. JSON payloads
(article, drafts, prepared records) are stored as text.

Migrations are numbered functions applied in order inside one write transaction
(``BEGIN IMMEDIATE`` on SQLite, plus ``pg_advisory_xact_lock`` on PostgreSQL, so
concurrent openers are safe); each applied one gets a row in ``schema_migrations``.
Never edit a released migration: append a new one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    inspect,
    select,
    text,
)

from bot.errors import StoreError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class UTCTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as integer microseconds since the epoch (UTC)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> int | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise StoreError(f"naive datetime {value.isoformat()} (the store needs aware UTC)")
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

    def process_result_value(self, value: int | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return datetime.fromtimestamp(value // 1_000_000, UTC).replace(
            microsecond=value % 1_000_000
        )


def micros(value: datetime) -> int:
    """``value`` as stored (microseconds since the epoch)."""
    out = UTCTime().process_bind_param(value, None)
    assert out is not None
    return out


metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("applied_at", UTCTime, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("content_hash", String(64), nullable=False, index=False),
    Column("title", Text, nullable=False),
    Column("url", Text),
    Column("slug", String(200), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", UTCTime, nullable=False),
    Column("submitted_by", Integer),  # users.id of a desk user (migration 5); None: the CLI
)

sections = Table(
    "sections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("heading", Text),
    Column("anchor", Text, nullable=False),
)

threads = Table(
    "threads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(20), nullable=False),
    Column("account", String(200), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("section", Integer, nullable=False),
    Column("continues", Boolean, nullable=False),
    Column("subreddit", String(100)),
    Column("flair", Text),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("parent_post_id", ForeignKey("posts.id")),
    Column("root_post_id", ForeignKey("posts.id")),
    Column("platform", String(20), nullable=False),
    Column("account", String(200), nullable=False),
    Column("draft", Text, nullable=False),
    Column("due_at", UTCTime, nullable=False),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCTime),
    Column("lease_owner", String(200)),
    Column("lease_until", UTCTime),
    Column("idem_key", String(40)),
    Column("prepared", Text),
    Column("uri", Text),
    Column("cid", Text),
    Column("url", Text),
    Column("last_error", Text),
    Column("ambiguous", Integer, nullable=False),
    Column("published_at", UTCTime),
    Column("updated_at", UTCTime, nullable=False),
    Column("retracted_at", UTCTime),  # migration 5
    # Migration 12: see _m12_separate_counts.
    Column("claims", Integer, nullable=False, server_default="0"),
    Column("transient", Integer, nullable=False, server_default="0"),
    Column("first_sent_at", UTCTime),
    Column("last_sent_at", UTCTime),
)

share_links = Table(
    "share_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("anchor", Text, nullable=False),
    Column("platform", String(20), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("url", Text, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("account", String(200), primary_key=True),
    Column("session", Text),
    Column("blocked", Boolean, nullable=False, default=False),
    Column("blocked_until", UTCTime),
    Column("block_reason", Text),
    Column("last_success_at", UTCTime),
    Column("last_error", Text),
    Column("last_error_at", UTCTime),
    Column("budget", Text),  # bot.budget state (JSON), spent by the claims
    Column("budget_until", UTCTime),  # out of budget: nothing claimed before this
    Column("budget_held_at", UTCTime),  # when it last ran out
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("message", Text, nullable=False),
    Column("post_id", Integer),
)

daemons = Table(
    "daemons",
    metadata,
    Column("owner", String(200), primary_key=True),
    Column("heartbeat_at", UTCTime, nullable=False),
)

daemon_lock = Table(
    "daemon_lock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("owner", String(200), nullable=False),
    Column("heartbeat_at", UTCTime, nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("options", Text, nullable=False),  # JSON: what `queue add` would be given
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_poll_at", UTCTime),
    Column("next_poll_at", UTCTime, nullable=False),
    Column("last_error", Text),
    Column("failures", Integer, nullable=False),
    Column("created_at", UTCTime, nullable=False),
)

feed_entries = Table(
    "feed_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_id", ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("guid", Text, nullable=False),
    Column("link", Text),
    Column("version", Text, nullable=False),
    Column("article_id", ForeignKey("articles.id", ondelete="SET NULL")),
    Column("error", Text),
    Column("seen_at", UTCTime, nullable=False),
    UniqueConstraint("feed_id", "guid", name="uq_feed_entries_guid"),
)

evergreen = Table(
    "evergreen",
    metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("every_seconds", BigInteger, nullable=False),
    Column("max_reshares", Integer, nullable=False),
    Column("reshares", Integer, nullable=False),
    Column("next_at", UTCTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", UTCTime, nullable=False),
)

desk_sessions = Table(
    "desk_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCTime, nullable=False),
    Column("seen_at", UTCTime, nullable=False),
)

stats_snapshots = Table(  # migration 11: one row per post per stats fetch
    "stats_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("fetched_at", UTCTime, nullable=False),
    Column("likes", Integer),  # Bluesky
    Column("reposts", Integer),
    Column("replies", Integer),
    Column("quotes", Integer),
    Column("score", Integer),  # Reddit
    Column("comments", Integer),
    Column("upvote_ratio", Float),
)

post_stats = Table(  # migration 11: where each published post is in its stats schedule
    "post_stats",
    metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("round", Integer, nullable=False),  # intervals done (fetched or failed)
    Column("due_at", UTCTime),  # the next fetch; NULL once every interval is done
)

_V1_TABLES = (articles, sections, threads, posts, share_links, accounts, events)

INDEXES = (
    ("ix_posts_state_due", "posts (state, due_at, id)"),
    ("ix_posts_state_next", "posts (state, next_attempt_at)"),
    ("ix_posts_state_lease", "posts (state, lease_until)"),
    ("ix_posts_thread_seq", "posts (thread_id, seq)"),
    ("ix_posts_parent", "posts (parent_post_id)"),
    ("ix_posts_root", "posts (root_post_id)"),
    ("ix_posts_article_due", "posts (article_id, due_at, id)"),
    ("ix_posts_due", "posts (due_at, id)"),
    ("ix_threads_article", "threads (article_id, idx)"),
    ("ix_threads_account_due", "threads (platform, account)"),
    ("ix_sections_article", "sections (article_id, idx)"),
    ("ix_links_article", "share_links (article_id)"),
    ("ix_articles_hash", "articles (content_hash)"),
    ("ix_articles_source", "articles (source)"),
    ("ix_events_at", "events (at)"),
)


def _m1_base(conn: Connection) -> None:
    for table in _V1_TABLES:
        table.create(conn, checkfirst=True)


def _m2_indexes_daemons(conn: Connection) -> None:
    for name, target in INDEXES:
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {target}"))
    daemons.create(conn, checkfirst=True)
    daemon_lock.create(conn, checkfirst=True)


def _m3_derived_post_links(conn: Connection) -> None:
    # A published post's link is read from the post itself (editors.get_article), so
    # confirm writes one row instead of three; rows stored by earlier versions go.
    conn.execute(share_links.delete().where(share_links.c.kind == "post"))


def _m4_one_content_hash(conn: Connection) -> None:
    # Two hash functions used to disagree on one file (`publish` vs `queue add`/`sync`),
    # so `sync` re-planned articles that `publish` had sent. Every article now carries
    # the one hash (bot.article.content_hash): the SHA-256 of its stored canonical JSON.
    rows = conn.execute(select(articles.c.id, articles.c.data)).all()
    for article_id, data in rows:
        digest = hashlib.sha256(data.encode()).hexdigest()
        conn.execute(
            articles.update().where(articles.c.id == article_id).values(content_hash=digest)
        )


def _m5_feeds(conn: Connection) -> None:
    feeds.create(conn, checkfirst=True)
    feed_entries.create(conn, checkfirst=True)
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_feeds_next ON feeds (next_poll_at)"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_feed_entries_link ON feed_entries (link)"))


def _m6_evergreen(conn: Connection) -> None:
    evergreen.create(conn, checkfirst=True)
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_evergreen_next ON evergreen (next_at)"))


def _m7_sealed_sessions(conn: Connection) -> None:
    # Sessions are sealed from now on (bot.store.sealed); the plain-text ones an earlier
    # version stored go (the adapters log in afresh once), so no dump holds a token.
    conn.execute(
        accounts.update()
        .where(accounts.c.session.is_not(None), accounts.c.session.not_like("sb1:%"))
        .values(session=None)
    )


_M8_COLUMNS = (("budget", "TEXT"), ("budget_until", "BIGINT"), ("budget_held_at", "BIGINT"))


def _m8_account_budgets(conn: Connection) -> None:
    # A store created by this version already has them (migration 1 creates the tables
    # as they are now defined).
    present = {c["name"] for c in inspect(conn).get_columns("accounts")}
    for name, kind in _M8_COLUMNS:
        if name not in present:
            conn.execute(text(f"ALTER TABLE accounts ADD COLUMN {name} {kind}"))


def _m9_desk_users(conn: Connection) -> None:
    # The editors' desk: users (argon2 hashes), server-side sessions (only a SHA-256 of the
    # cookie's token is kept), and who submitted an article (a contributor's wait for an
    # editor's approval; contributors may change only their own).
    users.create(conn, checkfirst=True)
    desk_sessions.create(conn, checkfirst=True)
    conn.execute(
        text("CREATE INDEX IF NOT EXISTS ix_desk_sessions_user ON desk_sessions (user_id)")
    )
    if "submitted_by" not in {c["name"] for c in inspect(conn).get_columns("articles")}:
        conn.execute(text("ALTER TABLE articles ADD COLUMN submitted_by INTEGER"))


def _m10_retracted_at(conn: Connection) -> None:
    # `retract` deletes published posts and records when (state `retracted`). A database
    # created at migration 1 by this version already has the column (m1 creates the table
    # from the current definition): add it only where it is missing.
    if "retracted_at" not in {c["name"] for c in inspect(conn).get_columns("posts")}:
        conn.execute(text("ALTER TABLE posts ADD COLUMN retracted_at BIGINT"))


def _m11_stats(conn: Connection) -> None:
    stats_snapshots.create(conn, checkfirst=True)
    post_stats.create(conn, checkfirst=True)
    for name, target in (
        ("ix_snapshots_post", "stats_snapshots (post_id, fetched_at)"),
        ("ix_post_stats_due", "post_stats (due_at)"),
        ("ix_posts_state_published", "posts (state, published_at)"),
    ):
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {target}"))


_M12_COLUMNS = (
    ("claims", "INTEGER NOT NULL DEFAULT 0"),
    ("transient", "INTEGER NOT NULL DEFAULT 0"),
    ("first_sent_at", "BIGINT"),
    ("last_sent_at", "BIGINT"),
)


def _m12_separate_counts(conn: Connection) -> None:
    # ``attempts`` used to count claims, so a crash loop (claims whose process died) sent a
    # post to review after one unknown outcome. Now: ``claims`` = leases that may have sent
    # (reconcile before any resend), ``attempts`` = outcomes recorded, ``ambiguous`` and
    # ``transient`` = those kinds of outcome; ``first_sent_at``/``last_sent_at`` = when the
    # first/latest claim that may have sent was taken (how far back reconcile looks, and
    # whether a listing may still lag). Existing posts: their claims were counted as
    # attempts, and nothing of them was sent before their article was stored.
    # A database created at this version got the columns from the table itself (m1).
    have = {column["name"] for column in inspect(conn).get_columns("posts")}
    for name, ddl in _M12_COLUMNS:
        if name not in have:
            conn.execute(text(f"ALTER TABLE posts ADD COLUMN {name} {ddl}"))
    created = (
        select(articles.c.created_at).where(articles.c.id == posts.c.article_id).scalar_subquery()
    )
    conn.execute(
        posts.update()
        .where(posts.c.attempts > 0)
        .values(claims=posts.c.attempts, first_sent_at=created, last_sent_at=posts.c.updated_at)
    )


Migration = tuple[str, Callable[[Connection], None]]
MIGRATIONS: Sequence[Migration] = (
    ("base tables", _m1_base),
    ("claim/list indexes, daemons and the daemon lock", _m2_indexes_daemons),
    ("post share links and last successes read from the posts", _m3_derived_post_links),
    ("one content hash for every article", _m4_one_content_hash),
    ("feeds and the entries seen in them", _m5_feeds),
    ("evergreen articles and their re-shares", _m6_evergreen),
    ("plain-text login sessions dropped (sessions are sealed)", _m7_sealed_sessions),
    ("account budgets spent by the claims", _m8_account_budgets),
    ("desk users, sessions and article submitters", _m9_desk_users),
    ("retracted posts: posts.retracted_at", _m10_retracted_at),
    ("engagement stats: snapshots and each post's stats schedule", _m11_stats),
    ("posts: claims, transient errors, first/last send counted apart", _m12_separate_counts),
)
ADVISORY_KEY = 0x5B0_7570  # pg_advisory_xact_lock key for migrations


def migrate(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Apply the missing ``migrations`` in order (inside the caller's write transaction)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_KEY})
    schema_migrations.create(conn, checkfirst=True)
    done = set(conn.scalars(select(schema_migrations.c.version)))
    applied: list[int] = []
    for version, (name, step) in enumerate(migrations, start=1):
        if version in done:
            continue
        step(conn)
        conn.execute(
            schema_migrations.insert().values(
                version=version, name=name, applied_at=datetime.now(UTC)
            )
        )
        applied.append(version)
    return applied
