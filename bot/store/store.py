"""The Store: every read and write sharebot makes, as intent-named methods.

Identifiers accepted by ``cancel``/``reschedule``/``retry``: ``"a12"`` (article 12),
``"t34"`` (thread 34), ``"p56"`` or ``"56"`` (post 56). Additive methods beyond
docs/store-api.md, for the scheduler, ``sync`` and ``status``: ``taken_slots``,
``find_article_by_hash``, ``find_article_by_source``, ``replace_unpublished``,
``clear_block``, ``acquire_daemon_lock``/``release_daemon_lock``, ``daemons``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, Text, bindparam, func, select, update

from bot.article import Article
from bot.errors import NotFoundError, StoreError
from bot.platforms.base import Ref
from bot.secretkey import KeySource
from bot.store import claims, editors, plan
from bot.store.after import AfterPublishing
from bot.store.budgets import Budgets
from bot.store.compiled import Statement
from bot.store.engine import check_sqlite, make_engine
from bot.store.evergreen import EvergreenStore
from bot.store.schema import (
    UTCTime,
    accounts,
    articles,
    migrate,
    posts,
)
from bot.store.users import UserStore
from bot.store.views import ArticleView, Claim, PostView
from bot.threads import PostDraft, ThreadDraft

# What Store.fail counts: see its docstring and bot.publish (the review rules).
FAIL_KINDS = ("transient", "ambiguous", "rate_limited", "auth", "rejected", "deferred", "stale",
              "other")  # fmt: skip

# Statements run for every post, built once (building one costs as much as running it).
_POST_BY_ID = select(posts).where(posts.c.id == bindparam("post_id", type_=Integer))
_PUBLISH = Statement(
    update(posts)
    .where(
        posts.c.id == bindparam("post_id", type_=Integer),
        posts.c.state == "sending",
        posts.c.lease_owner == bindparam("owner", type_=posts.c.lease_owner.type),
    )
    .values(
        state="published",
        uri=bindparam("uri", type_=Text),
        cid=bindparam("cid", type_=Text),
        url=bindparam("url", type_=Text),
        published_at=bindparam("now", type_=UTCTime),
        lease_until=None,  # lease_owner stays: who published it
        last_error=None,
        updated_at=bindparam("now", type_=UTCTime),
    )
    .returning(posts.c.id)
)


def _unsent(row: Any) -> dict[str, Any]:
    """Columns that give back a claim which sent nothing (first/last send times cleared
    when no other claim may have sent the post)."""
    values: dict[str, Any] = {"claims": row.claims - 1}
    if row.claims <= 1:
        values |= {"first_sent_at": None, "last_sent_at": None}
    return values


def open_store(
    url: str,
    *,
    create: bool = True,
    key: KeySource | None = None,
    budgets: Budgets | None = None,
    in_flight: int | None = None,
) -> Store:
    """Open (and migrate to head, idempotently) the store at an SQLAlchemy URL; ``key``:
    where the key sealing login sessions comes from (bot.secretkey); ``budgets``: each
    platform's limits (default: bot.budget.DEFAULTS); ``in_flight``: posts per account
    one owner may hold at once (None: no cap; the daemon uses 1, see claims.claim_due)."""
    engine = make_engine(url, create=create)
    store = Store(engine, key, budgets)
    store.in_flight = in_flight
    try:
        if engine.dialect.name == "sqlite":
            check_sqlite(engine)
        with store.write() as conn:
            migrate(conn)
    except BaseException:
        store.close()
        raise
    return store


class Store(EvergreenStore, UserStore, AfterPublishing):
    """The store over one SQLAlchemy engine (SQLite or PostgreSQL); see the module doc."""

    # --- queue ------------------------------------------------------------------
    def enqueue(
        self,
        article: Article,
        *,
        source: str,
        threads: Sequence[ThreadDraft],
        due: Mapping[tuple[str, int], datetime],
        spacing: timedelta,
        accounts: Mapping[str, str],
        subreddit: str | None = None,
        flair: str | None = None,
        now: datetime,
        content_hash: str | None = None,
        state: str = "queued",
        submitted_by: int | None = None,
    ) -> int:
        """Store the article and its threads as queued posts (one transaction); its id.
        ``due[(platform, i)]`` is the first post's due time of ``threads[i]``; later posts
        follow at ``spacing``. ``content_hash`` defaults to a hash of the Article.
        ``state="awaiting_approval"`` holds every post until ``approve``; ``submitted_by``:
        the desk user who submitted it."""
        spec = plan.PlanInput(threads, due, spacing, accounts, subreddit, flair, now, state)
        with self.write() as conn:
            row = plan.article_row(article, source, content_hash)
            row["submitted_by"] = submitted_by
            article_id = plan.insert_article(conn, row, article, now)
            plan.insert_threads(conn, article_id, spec)
        return article_id

    def replace_unpublished(
        self,
        article_id: int,
        article: Article,
        *,
        source: str,
        threads: Sequence[ThreadDraft],
        due: Mapping[tuple[str, int], datetime],
        spacing: timedelta,
        accounts: Mapping[str, str],
        subreddit: str | None = None,
        flair: str | None = None,
        now: datetime,
        content_hash: str | None = None,
        state: str = "queued",
    ) -> dict[str, int]:
        """Re-plan a changed article: threads none of whose posts was ever sent are replaced
        by the new plan's threads of the same index; threads with a sent (or possibly sent)
        post are kept unchanged. Returns kept_threads, replaced_threads, posts_added."""
        spec = plan.PlanInput(threads, due, spacing, accounts, subreddit, flair, now, state)
        with self.write() as conn:
            self._must_exist(conn, article_id)
            row = plan.article_row(article, source, content_hash)
            conn.execute(update(articles).where(articles.c.id == article_id).values(**row))
            plan.write_sections(conn, article_id, article)
            return plan.replace_unsent_threads(conn, article_id, spec)

    def find_article_by_hash(self, content_hash: str) -> int | None:
        """The newest article stored with this content hash."""
        with self.read() as conn:
            found = conn.scalar(
                select(func.max(articles.c.id)).where(articles.c.content_hash == content_hash)
            )
        return None if found is None else int(found)

    def find_article_by_url(self, url: str) -> int | None:
        """The newest article whose canonical URL is ``url``."""
        with self.read() as conn:
            found = conn.scalar(select(func.max(articles.c.id)).where(articles.c.url == url))
        return None if found is None else int(found)

    def find_article_by_source(self, source: str) -> int | None:
        """The newest article read from ``source`` (a local path is made absolute)."""
        with self.read() as conn:
            found = conn.scalar(
                select(func.max(articles.c.id)).where(
                    articles.c.source == plan.local_source(source)
                )
            )
        return None if found is None else int(found)

    def taken_slots(
        self, account: str, platform: str, start: datetime, end: datetime
    ) -> set[datetime]:
        """Due times in [start, end) of the first posts of live threads of one account."""
        with self.read() as conn:
            query = select(posts.c.due_at).where(
                posts.c.seq == 0,
                posts.c.platform == platform,
                posts.c.account == account,
                posts.c.due_at >= start,
                posts.c.due_at < end,
                posts.c.state != "cancelled",
            )
            return set(conn.scalars(query))

    # --- claims -----------------------------------------------------------------
    def claim_due(
        self,
        now: datetime,
        *,
        limit: int,
        owner: str,
        lease: timedelta,
        prepare: Callable[[str, PostDraft, str, datetime], dict[str, Any]],
        platforms: Collection[str] | None = None,
        article_id: int | None = None,
    ) -> list[Claim]:
        """Lease due posts (see docs/store-api.md and bot.store.claims)."""
        with self.write() as conn:
            return claims.claim_due(
                conn,
                now,
                limit=limit,
                owner=owner,
                lease=lease,
                prepare=prepare,
                platforms=platforms,
                article_id=article_id,
                budgets=self.budgets,
                in_flight=self.in_flight,
            )

    def _owned(self, conn: Connection, post_id: int, owner: str) -> Any:
        row = conn.execute(_POST_BY_ID, {"post_id": post_id}).first()
        if row is None or row.state != "sending" or row.lease_owner != owner:
            raise StoreError(f"post {post_id}: the lease is not held by {owner}")
        return row

    def confirm(self, post_id: int, owner: str, ref: Ref, now: datetime) -> None:
        """sending -> published (uri, cid, url, published_at, which are also the post's share
        link and its account's last success). StoreError if ``owner`` no longer holds the
        lease."""
        with self.write() as conn:
            self._confirm(conn, post_id, owner, ref, now)

    def confirm_and_claim(
        self,
        post_id: int,
        owner: str,
        ref: Ref,
        now: datetime,
        *,
        limit: int,
        lease: timedelta,
        prepare: Callable[[str, PostDraft, str, datetime], dict[str, Any]],
        platforms: Collection[str] | None = None,
        article_id: int | None = None,
    ) -> list[Claim]:
        """``confirm`` then ``claim_due`` (same owner) in one transaction: a publisher that
        goes on with the next due post (often the reply just unlocked) commits once per post.
        If the lease was lost nothing is confirmed or claimed (StoreError)."""
        with self.write() as conn:
            self._confirm(conn, post_id, owner, ref, now)
            return claims.claim_due(
                conn,
                now,
                limit=limit,
                owner=owner,
                lease=lease,
                prepare=prepare,
                platforms=platforms,
                article_id=article_id,
                budgets=self.budgets,
                in_flight=self.in_flight,
            )

    def _confirm(self, conn: Connection, post_id: int, owner: str, ref: Ref, now: datetime) -> None:
        values = {
            "post_id": post_id,
            "owner": owner,
            "now": now,
            "uri": ref.uri,
            "cid": ref.cid,
            "url": ref.url,
        }
        if not _PUBLISH.rows(conn, values):
            raise StoreError(f"post {post_id}: the lease is not held by {owner}")

    def fail(
        self,
        post_id: int,
        owner: str,
        *,
        error: str,
        retry_at: datetime | None,
        now: datetime,
        review: bool = False,
        kind: str = "other",
    ) -> None:
        """retry_at -> failed (retried then); review (or no retry_at) -> needs_review.

        ``kind`` (FAIL_KINDS) says what is counted: every kind but "deferred" is an
        attempt; "ambiguous" and "transient" also count as such. Only an "ambiguous" (or
        "other") outcome may have sent the post: it records the claim's time as the latest
        send; any other kind gives the claim back as one that sent nothing."""
        if kind not in FAIL_KINDS:
            raise StoreError(f"unknown failure kind {kind!r} (one of {', '.join(FAIL_KINDS)})")
        state = "needs_review" if review or retry_at is None else "failed"
        with self.write() as conn:
            row = self._owned(conn, post_id, owner)
            values: dict[str, Any] = {
                "state": state,
                "next_attempt_at": None if state == "needs_review" else retry_at,
                "last_error": error,
                "lease_owner": None,
                "lease_until": None,
                "updated_at": now,
                "attempts": row.attempts + int(kind != "deferred"),
                "ambiguous": row.ambiguous + int(kind == "ambiguous"),
                "transient": row.transient + int(kind == "transient"),
            }
            if kind in ("ambiguous", "other"):
                values["last_sent_at"] = row.updated_at  # when this claim was taken
            else:
                values |= _unsent(row)
            conn.execute(update(posts).where(posts.c.id == post_id).values(**values))
            self._upsert_account(
                conn, row.platform, row.account, last_error=error, last_error_at=now
            )

    def release(self, post_id: int, owner: str, now: datetime) -> None:
        """Give a claimed, unsent post back: neither an attempt nor a claim that may have
        sent it. Back to queued, or failed and due now when an earlier claim may have
        sent it (the next claim reconciles)."""
        with self.write() as conn:
            row = self._owned(conn, post_id, owner)
            tried = row.claims > 1
            values: dict[str, Any] = {
                "state": "failed" if tried else "queued",
                "next_attempt_at": now if tried else None,
                "lease_owner": None,
                "lease_until": None,
                "updated_at": now,
            }
            values |= _unsent(row)
            conn.execute(update(posts).where(posts.c.id == post_id).values(**values))

    def renew_lease(self, post_id: int, owner: str, lease_until: datetime) -> None:
        """Extend the lease of a post this owner is sending."""
        with self.write() as conn:
            self._owned(conn, post_id, owner)
            conn.execute(update(posts).where(posts.c.id == post_id).values(lease_until=lease_until))

    # --- editors ----------------------------------------------------------------
    def cancel(self, ident: str | int, now: datetime | None = None) -> int:
        """Cancel unpublished posts of an article/thread/post (see the module doc); count."""
        with self.write() as conn:
            return editors.cancel(conn, ident, now or datetime.now(UTC))

    def reschedule(self, ident: str | int, at: datetime) -> int:
        """Move queued/failed posts so the earliest is due at ``at``, spacing kept; count."""
        return sum(m.posts for m in self.move(ident, at))

    def move(self, ident: str | int, at: datetime) -> list[editors.Move]:
        """``reschedule``, telling each thread's old and new due time."""
        with self.write() as conn:
            return editors.reschedule(conn, ident, at, datetime.now(UTC))

    def post_states(self, ident: str | int) -> dict[str, int]:
        """How many posts of an article/thread/post are in each state."""
        with self.read() as conn:
            return editors.post_states(conn, ident)

    def make_due(
        self, article_id: int, now: datetime, *, platforms: Collection[str] | None = None
    ) -> int:
        """Make an article's queued/failed posts due ``now``; how many."""
        with self.write() as conn:
            return editors.make_due(conn, article_id, platforms, now)

    def retry(self, ident: str | int, now: datetime) -> int:
        """Queue failed / needs_review posts again, due ``now``; count."""
        with self.write() as conn:
            return editors.retry(conn, ident, now)

    def edit_post(self, post_id: int, draft: PostDraft) -> None:
        """Replace an unpublished post's draft (StoreError once published or in flight)."""
        with self.write() as conn:
            editors.edit_post(conn, post_id, draft, datetime.now(UTC))

    def list_posts(
        self,
        *,
        status: str | None = None,
        platform: str | None = None,
        article: int | None = None,
        limit: int = 50,
        offset: int = 0,
        states: Collection[str] | None = None,
        newest_first: bool = False,
        **window: Any,
    ) -> list[PostView]:
        """Posts ordered by due time (or newest first), filtered by state(s), platform,
        article; ``window``: account, due_from, due_to, first_only (editors.list_posts)."""
        with self.read() as conn:
            return editors.list_posts(
                conn, status=status, platform=platform, article=article, limit=limit,
                offset=offset, states=states, newest_first=newest_first, **window,
            )  # fmt: skip

    def get_post(self, post_id: int) -> PostView:
        """One post (NotFoundError if unknown)."""
        with self.read() as conn:
            row = conn.execute(_POST_BY_ID, {"post_id": post_id}).first()
        if row is None:
            raise NotFoundError(f"no post {post_id}")
        return editors.post_view(row)

    def get_article(self, article_id: int) -> ArticleView:
        """The article, its posts and share links (NotFoundError if unknown)."""
        with self.read() as conn:
            return editors.get_article(conn, article_id)

    def _must_exist(self, conn: Connection, article_id: int) -> None:
        editors.target_ids(conn, f"a{article_id}", ())

    def next_due(self, now: datetime | None = None) -> datetime | None:
        """When the daemon should look again: the earliest due time among queued, failed
        and lease-expired posts; if that has passed (posts wait for an account's budget
        or block), the earliest refill or block end still ahead."""
        now = now or datetime.now(UTC)
        with self.read() as conn:
            times = [
                conn.scalar(select(func.min(posts.c[name])).where(posts.c.state == state))
                for state, name in claims.DUE_COLUMNS
            ]
            found: list[datetime] = [t for t in times if t is not None]
            due = min(found) if found else None
            if due is None or due > now:
                return due
            ahead = [
                conn.scalar(select(func.min(column)).where(column > now))
                for column in (accounts.c.budget_until, accounts.c.blocked_until)
            ]
        later: list[datetime] = [t for t in ahead if t is not None]
        return min(later) if later else due

    def counts(self) -> dict[str, int]:
        """Number of posts per state."""
        with self.read() as conn:
            rows = conn.execute(select(posts.c.state, func.count()).group_by(posts.c.state))
            return {state: int(n) for state, n in rows}
