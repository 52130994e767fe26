"""The claim path: pick due posts, lease them, fix their key and prepared record."""

from __future__ import annotations

import functools
import json
import os
import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from bot.platforms.base import Outgoing, Ref
from bot.store.budgets import Budgets, Ledger, post_actions
from bot.store.compiled import Statement
from bot.store.schema import accounts, articles, posts, threads
from bot.store.views import Claim, dumps, load_draft
from bot.threads import PostDraft

Prepare = Callable[[str, PostDraft, str, datetime], dict[str, Any]]


def new_key() -> str:
    """A fresh idempotency key: ``sb`` + 16 hex digits."""
    return "sb" + uuid.uuid4().hex[:16]


# Each claimable state and the column that says when it is due; its index is
# (state, column[, id]).
DUE_COLUMNS = (("queued", "due_at"), ("failed", "next_attempt_at"), ("sending", "lease_until"))


def due_condition(now: datetime | BindParameter[Any]) -> Any:
    """Posts whose time has come (each branch matches one of the state indexes)."""
    return or_(*(and_(posts.c.state == state, posts.c[name] <= now) for state, name in DUE_COLUMNS))


def claimable_query(
    now: datetime,
    limit: int,
    platforms: Collection[str] | None,
    article_id: int | None,
    *,
    bounded: bool = True,
    locking: bool = False,
) -> Select[Any]:
    """Due posts whose parent is published and whose account is not blocked: the query
    SQLite runs (PostgreSQL runs it with row locks; ``bounded=False``: the plain form)."""
    shape = None if platforms is None else tuple(platforms)
    query = _claimable(shape, article_id is not None, bounded, locking)
    values: dict[str, Any] = {"now": now, "limit": limit, "article_id": article_id}
    return query.params(**values)


def _rules(
    post: Any, thread: Any, parent: Any, platforms: tuple[str, ...] | None, by_article: bool
) -> list[Any]:
    """What makes a due post claimable: its parent is published, its account is not
    blocked (as a whole, "name", or in the post's subreddit, "name/r/sub": Reddit's
    RATELIMIT on submitting there) nor out of budget (``budget_until``), and the
    caller's platform/article filters."""
    now = bindparam("now", type_=posts.c.due_at.type)
    in_subreddit = post.c.account + "/r/" + thread.c.subreddit
    blocked = (
        select(accounts.c.account)
        .where(
            accounts.c.platform == post.c.platform,
            or_(accounts.c.account == post.c.account, accounts.c.account == in_subreddit),
            or_(
                and_(
                    accounts.c.blocked.is_(True),
                    or_(accounts.c.blocked_until.is_(None), accounts.c.blocked_until > now),
                ),
                accounts.c.budget_until > now,
            ),
        )
        .exists()
    )
    rules = [or_(post.c.parent_post_id.is_(None), parent.c.state == "published"), ~blocked]
    if platforms is not None:  # fixed values, not an expanding IN (re-rendered every run)
        rules.append(or_(false(), *(post.c.platform == literal(p) for p in platforms)))
    if by_article:
        rules.append(post.c.article_id == bindparam("article_id", type_=Integer))
    return rules


def _candidates(platforms: tuple[str, ...] | None, by_article: bool, locking: bool) -> Any:
    """Ids of at most ``limit`` claimable posts per state, each state read in the order of
    its own index, so a claim stops after ``limit`` hits instead of collecting and sorting
    every due post (a backlog of replies waiting for their parents).

    ``locking`` (PostgreSQL, where daemons claim at once): each state's scan locks its rows
    with ``FOR UPDATE SKIP LOCKED`` as it goes, so rows another daemon holds are passed over
    and the scan goes on to the next ones (a daemon is never starved by another's locks),
    and PostgreSQL re-checks the state on the newest version of each row it locks (a post
    claimed and committed meanwhile is no longer queued and drops out)."""
    now = bindparam("now", type_=posts.c.due_at.type)
    branches = []
    for state, name in DUE_COLUMNS:
        post = posts.alias(f"due_{state}")
        thread = threads.alias(f"thread_{state}")
        parent = posts.alias(f"parent_{state}")
        column = post.c[name]
        branch = (
            select(post.c.id)
            .select_from(
                post.join(thread, thread.c.id == post.c.thread_id).outerjoin(
                    parent, parent.c.id == post.c.parent_post_id
                )
            )
            .where(
                post.c.state == state,
                column <= now,
                *_rules(post, thread, parent, platforms, by_article),
            )
            .order_by(column, post.c.id)
            .limit(bindparam("limit", type_=Integer))
        )
        if locking:
            branch = branch.with_for_update(skip_locked=True, of=post)
        branches.append(select(branch.subquery().c.id))
    return union_all(*branches)


@functools.lru_cache(maxsize=64)
def _claimable(
    platforms: tuple[str, ...] | None,
    by_article: bool,
    bounded: bool = False,
    locking: bool = False,
) -> Select[Any]:
    """The claim query with ``now``/``limit``/``article_id`` bind parameters, built once per
    shape: building it is most of a claim's CPU (aliases and column collections). The parent
    and root posts are outer-joined, so their refs come with the row (no second query).
    ``bounded``: only among :func:`_candidates` (``locking``: which lock their rows)."""
    now = bindparam("now", type_=posts.c.due_at.type)
    parent = posts.alias("parent")
    root = posts.alias("root")
    query = (
        select(
            posts,
            threads.c.subreddit,
            threads.c.flair,
            articles.c.source,
            parent.c.uri.label("parent_uri"),
            parent.c.cid.label("parent_cid"),
            parent.c.url.label("parent_url"),
            root.c.uri.label("root_uri"),
            root.c.cid.label("root_cid"),
            root.c.url.label("root_url"),
        )
        .join(threads, threads.c.id == posts.c.thread_id)
        .join(articles, articles.c.id == posts.c.article_id)
        .outerjoin(parent, parent.c.id == posts.c.parent_post_id)
        .outerjoin(root, root.c.id == posts.c.root_post_id)
        .order_by(posts.c.due_at, posts.c.id)
        .limit(bindparam("limit", type_=Integer))
    )
    if bounded:  # the candidates already obey every rule
        return query.where(posts.c.id.in_(_candidates(platforms, by_article, locking)))
    return query.where(due_condition(now), *_rules(posts, threads, parent, platforms, by_article))


@functools.lru_cache(maxsize=4)
def _locking(dialect: str, platforms: tuple[str, ...] | None, by_article: bool) -> Statement:
    return Statement(
        _claimable(platforms, by_article, bounded=True, locking=dialect == "postgresql")
    )


# Run once per claimed post, built once (building a statement costs as much as running it).
_LEASE = Statement(
    update(posts)
    .where(posts.c.id == bindparam("b_id", type_=Integer))
    .values(
        state="sending",
        lease_owner=bindparam("b_owner", type_=posts.c.lease_owner.type),
        lease_until=bindparam("b_until", type_=posts.c.lease_until.type),
        claims=posts.c.claims + 1,  # not an attempt: see schema._m5_separate_counts
        first_sent_at=func.coalesce(
            posts.c.first_sent_at, bindparam("b_now", type_=posts.c.updated_at.type)
        ),
        last_sent_at=bindparam("b_last", type_=posts.c.last_sent_at.type),
        idem_key=bindparam("b_key", type_=posts.c.idem_key.type),
        prepared=bindparam("b_prepared", type_=posts.c.prepared.type),
        updated_at=bindparam("b_now", type_=posts.c.updated_at.type),
    )
)


def claim_due(
    conn: Connection,
    now: datetime,
    *,
    limit: int,
    owner: str,
    lease: timedelta,
    prepare: Prepare,
    platforms: Collection[str] | None,
    article_id: int | None,
    budgets: Budgets,
    in_flight: int | None = None,
) -> list[Claim]:
    """Claim up to ``limit`` due posts inside the caller's write transaction, each only if
    its account's budget allows the requests sending it makes (spent here, in the same
    transaction; an account that runs out is skipped until its budget refills).
    ``in_flight``: at most this many posts per account leased to ``owner`` at once (a
    publisher sends one post per account at a time: a claim beyond that would wait, and
    reach the platform later than the budget it spent says)."""
    if limit <= 0 or (platforms is not None and not platforms):
        return []
    shape = None if platforms is None else tuple(platforms)
    query = _locking(conn.dialect.name, shape, article_id is not None)
    params = {"now": now, "limit": limit, "article_id": article_id}
    rows = query.rows(conn, params)
    chosen = _one_per_thread(rows)
    if in_flight is not None and chosen:
        busy = _busy(conn, owner, now)
        kept = _within(chosen, busy, in_flight)
        if len(kept) < limit and len(rows) == limit:  # busy accounts' posts passed over
            rows = query.rows(conn, params | {"limit": limit + EXTRA_CANDIDATES})
            kept = _within(_one_per_thread(rows), busy, in_flight)
        chosen = kept[:limit]
    ledger = Ledger(conn, budgets, now)
    ledger.lock([(row.platform, row.account) for row in chosen])
    drafts = {row.id: load_draft(row.draft) for row in chosen}
    taken = [r for r in chosen if ledger.take(*_key(r), post_actions(r, drafts[r.id]))]
    ledger.write()
    claimed = []
    for row in taken:
        paced = ledger.paced(*_key(row), row.due_at)
        claimed.append(_claim_row(conn, row, drafts[row.id], now, owner, lease, prepare, paced))
    return claimed


def _one_per_thread(rows: list[Any]) -> list[Any]:
    """The parent rule already keeps one post per thread; be sure anyway."""
    seen: set[int] = set()
    out = []
    for row in rows:
        if row.thread_id not in seen:
            seen.add(row.thread_id)
            out.append(row)
    return out


def _key(row: Any) -> tuple[str, str]:
    return row.platform, row.account


# With ``in_flight``: a claim first reads ``limit`` candidates (the chain's next post is
# usually the first, and the scan stops there); only when busy accounts' posts were passed
# over does it read this many more.
EXTRA_CANDIDATES = 8


# Live leases an owner holds, per account (built once: see _LEASE).
_BUSY = Statement(
    select(posts.c.platform, posts.c.account, func.count())
    .where(
        posts.c.state == "sending",
        posts.c.lease_owner == bindparam("owner", type_=posts.c.lease_owner.type),
        posts.c.lease_until > bindparam("now", type_=posts.c.lease_until.type),
    )
    .group_by(posts.c.platform, posts.c.account)
)


def _busy(conn: Connection, owner: str, now: datetime) -> dict[tuple[str, str], int]:
    """Live leases ``owner`` holds per account (a crashed worker's ran out: they do not
    hold the account)."""
    return {(p, a): int(n) for p, a, n in _BUSY.rows(conn, {"owner": owner, "now": now})}


def _within(rows: list[Any], busy: Mapping[tuple[str, str], int], in_flight: int) -> list[Any]:
    """``rows`` without those that would put an account over ``in_flight`` posts leased
    to the owner (``busy``: what it holds already)."""
    count = dict(busy)
    out = []
    for row in rows:
        if count.get(_key(row), 0) < in_flight:
            count[_key(row)] = count.get(_key(row), 0) + 1
            out.append(row)
    return out


def _claim_row(
    conn: Connection,
    row: Any,
    draft: PostDraft,
    now: datetime,
    owner: str,
    lease: timedelta,
    prepare: Prepare,
    paced: bool,
) -> Claim:
    key = row.idem_key or new_key()
    if row.prepared is None:
        prepared = prepare(row.platform, draft, key, now)
        raw = dumps(prepared)
    else:
        raw = row.prepared
        prepared = json.loads(raw)
    _LEASE.run(
        conn,
        {
            "b_id": row.id,
            "b_owner": owner,
            "b_until": now + lease,
            "b_key": key,
            "b_prepared": raw,
            "b_now": now,
            "b_last": _last_sent(row),
        },
    )
    outgoing = Outgoing(
        post_id=row.id,
        key=key,
        account=row.account,
        draft=draft,
        prepared=prepared,
        parent=_ref(row.parent_uri, row.parent_cid, row.parent_url),
        root=_ref(row.root_uri, row.root_cid, row.root_url),
        subreddit=row.subreddit,
        flair=row.flair,
        base_dir=_base_dir(row.source),
        first_sent_at=row.first_sent_at,
        last_sent_at=_last_sent(row),
    )
    return Claim(
        post_id=row.id,
        thread_id=row.thread_id,
        article_id=row.article_id,
        platform=row.platform,
        account=row.account,
        outgoing=outgoing,
        attempts=row.attempts,
        reclaimed=row.state == "sending",
        due_at=row.due_at,
        paced=paced,
        ambiguous=row.ambiguous,
        transient=row.transient,
        sent_before=row.claims > 0,
    )


def _last_sent(row: Any) -> datetime | None:
    """When the latest claim that may have sent the post was taken: a claim whose lease ran
    out (its process died) was taken at its ``updated_at``; otherwise ``fail`` recorded it."""
    found: datetime | None = row.updated_at if row.state == "sending" else row.last_sent_at
    return found


def _ref(uri: str | None, cid: str | None, url: str | None) -> Ref | None:
    return Ref(uri, cid or "", url or "") if uri else None


def _base_dir(source: str) -> str | None:
    if not source or "://" in source:
        return None
    return os.path.dirname(source) or "."
