"""Editors' intents over posts: cancel, reschedule, retry, edit, list, show."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, func, literal, select, union_all, update
from sqlalchemy.sql.util import ClauseAdapter

from bot.errors import NotFoundError, StoreError
from bot.store.schema import articles, posts, sections, share_links, threads
from bot.store.views import ArticleView, PostView, dumps, load_draft, parse_ident
from bot.threads import STATES, PostDraft, draft_to_dict

UNSENT = ("awaiting_approval", "queued", "failed", "needs_review")
_TARGET = {"article": posts.c.article_id, "thread": posts.c.thread_id, "post": posts.c.id}
_TABLES = {"article": articles, "thread": threads, "post": posts}


def target_ids(conn: Connection, ident: str | int, states: tuple[str, ...]) -> list[int]:
    """Ids of the posts named by ``ident`` (a12 / t34 / p56 / 56) that are in ``states``."""
    kind, number = parse_ident(ident)
    table = _TABLES[kind]
    if conn.scalar(select(table.c.id).where(table.c.id == number)) is None:
        raise NotFoundError(f"no {kind} {number}")
    query = select(posts.c.id).where(_TARGET[kind] == number, posts.c.state.in_(states))
    return list(conn.scalars(query.order_by(posts.c.id)))


def cancel(conn: Connection, ident: str | int, now: datetime) -> int:
    """Cancel the unpublished, not in-flight posts of ``ident``."""
    ids = target_ids(conn, ident, UNSENT)
    if ids:
        conn.execute(
            update(posts).where(posts.c.id.in_(ids)).values(state="cancelled", updated_at=now)
        )
    return len(ids)


@dataclass(frozen=True)
class Move:
    """One thread moved by a reschedule: its first moved post's old and new due time."""

    thread_id: int
    platform: str
    posts: int
    old: datetime
    new: datetime


def reschedule(conn: Connection, ident: str | int, at: datetime, now: datetime) -> list[Move]:
    """Move the queued/failed posts of ``ident`` so the earliest is due at ``at``; the
    others keep their spacing relative to it. One Move per thread touched."""
    ids = target_ids(conn, ident, ("queued", "failed"))
    if not ids:
        return []
    first = conn.scalar(select(func.min(posts.c.due_at)).where(posts.c.id.in_(ids)))
    assert first is not None
    shift = at - first
    moves: dict[int, Move] = {}
    rows = conn.execute(
        select(posts.c.id, posts.c.thread_id, posts.c.platform, posts.c.due_at)
        .where(posts.c.id.in_(ids))
        .order_by(posts.c.thread_id, posts.c.seq)
    )
    for pid, thread_id, platform, due in rows:
        new = due + shift
        conn.execute(
            update(posts)
            .where(posts.c.id == pid)
            .values(due_at=new, next_attempt_at=new, state="queued", updated_at=now)
        )
        seen = moves.get(thread_id)
        count = seen.posts + 1 if seen else 1
        moves[thread_id] = Move(thread_id, platform, count, seen.old if seen else due,
                                seen.new if seen else new)  # fmt: skip
    return list(moves.values())


def post_states(conn: Connection, ident: str | int) -> dict[str, int]:
    """How many posts named by ``ident`` are in each state (NotFoundError if unknown)."""
    ids = target_ids(conn, ident, STATES)
    if not ids:
        return {}
    rows = conn.execute(
        select(posts.c.state, func.count()).where(posts.c.id.in_(ids)).group_by(posts.c.state)
    )
    return {state: int(n) for state, n in rows}


def make_due(
    conn: Connection, article_id: int, platforms: Collection[str] | None, now: datetime
) -> int:
    """Make the queued/failed posts of an article due ``now`` (replies still wait for their
    parents); the number of posts."""
    query = update(posts).where(
        posts.c.article_id == article_id, posts.c.state.in_(("queued", "failed"))
    )
    if platforms:
        query = query.where(posts.c.platform.in_(list(platforms)))
    result = conn.execute(query.values(due_at=now, next_attempt_at=now, updated_at=now))
    return int(result.rowcount or 0)


def retry(conn: Connection, ident: str | int, now: datetime) -> int:
    """Queue failed / needs_review posts of ``ident`` again, due now. What reconcile needs
    stays (the idempotency key, the prepared record, the claim count and first/last send
    times), so a post that may have been sent is looked for before anything is sent; its
    unknown outcomes and transient errors are counted afresh."""
    ids = target_ids(conn, ident, ("failed", "needs_review"))
    if ids:
        conn.execute(
            update(posts)
            .where(posts.c.id.in_(ids))
            .values(
                state="queued",
                due_at=now,
                next_attempt_at=None,
                ambiguous=0,
                transient=0,
                updated_at=now,
            )
        )
    return len(ids)


def edit_post(conn: Connection, post_id: int, draft: PostDraft, now: datetime) -> None:
    """Replace an unpublished post's draft (its prepared record too if never sent)."""
    row = conn.execute(select(posts.c.state, posts.c.claims).where(posts.c.id == post_id)).first()
    if row is None:
        raise NotFoundError(f"no post {post_id}")
    if row.state in ("published", "sending"):
        raise StoreError(f"post {post_id} is {row.state}: it can no longer be edited")
    values: dict[str, Any] = {"draft": dumps(draft_to_dict(draft)), "updated_at": now}
    if row.claims == 0:  # never possibly sent: nothing to reconcile against
        values["prepared"] = None
    conn.execute(update(posts).where(posts.c.id == post_id).values(**values))


def post_view(row: Row[Any]) -> PostView:
    """A PostView of a ``posts`` row."""
    return PostView(
        id=row.id,
        article_id=row.article_id,
        thread_id=row.thread_id,
        seq=row.seq,
        platform=row.platform,
        account=row.account,
        state=row.state,
        due_at=row.due_at,
        attempts=row.attempts,
        draft=load_draft(row.draft),
        parent_post_id=row.parent_post_id,
        next_attempt_at=row.next_attempt_at,
        error=row.last_error,
        uri=row.uri,
        url=row.url,
        published_at=row.published_at,
        published_by=row.lease_owner if row.state == "published" else None,
        cid=row.cid,
        retracted_at=row.retracted_at,
    )


def list_posts(
    conn: Connection,
    *,
    status: str | None,
    platform: str | None,
    article: int | None,
    limit: int,
    offset: int,
    states: Collection[str] | None = None,
    newest_first: bool = False,
    account: str | None = None,
    due_from: datetime | None = None,
    due_to: datetime | None = None,
    first_only: bool = False,
) -> list[PostView]:
    """Posts by due time, or the newest first (index-driven: state/article/due indexes).
    ``due_from``/``due_to``: a window [from, to); ``first_only``: each thread's first post."""
    rules = []
    if account is not None:
        rules.append(posts.c.account == account)
    if due_from is not None:
        rules.append(posts.c.due_at >= due_from)
    if due_to is not None:
        rules.append(posts.c.due_at < due_to)
    if first_only:
        rules.append(posts.c.seq == 0)
    if platform is not None:
        rules.append(posts.c.platform == platform)
    if article is not None:
        rules.append(posts.c.article_id == article)
    order = (posts.c.due_at.desc(), posts.c.id.desc()) if newest_first else (
        posts.c.due_at, posts.c.id)  # fmt: skip
    wanted = [status] if status is not None else list(states) if states is not None else None
    query = select(posts).where(*rules)
    if wanted is not None and article is None:
        query = query.where(posts.c.id.in_(_per_state(wanted, rules, newest_first, limit + offset)))
    elif wanted is not None:
        query = query.where(posts.c.state.in_(wanted))
    query = query.order_by(*order).limit(limit).offset(offset)
    return [post_view(r) for r in conn.execute(query)]


def _per_state(states: list[str], rules: list[Any], newest_first: bool, limit: int) -> Any:
    """The first ``limit`` post ids of each state, each read in the order of the (state,
    due_at, id) index: a page of the queue costs the same at 1,000 or 100,000 posts,
    instead of sorting every post of the listed states."""
    branches = []
    for state in states:
        post = posts.alias(f"in_{state}")
        mine = _aliased(rules, post)
        order = (post.c.due_at.desc(), post.c.id.desc()) if newest_first else (
            post.c.due_at, post.c.id)  # fmt: skip
        branch = (
            select(post.c.id).where(post.c.state == state, *mine).order_by(*order).limit(limit)
        ).subquery()
        branches.append(select(branch.c.id))
    return union_all(*branches)


def _aliased(rules: list[Any], alias: Any) -> list[Any]:
    adapter = ClauseAdapter(alias)
    return [adapter.traverse(rule) for rule in rules]


def get_article(conn: Connection, article_id: int) -> ArticleView:
    """The article with all its posts and share links."""
    row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
    if row is None:
        raise NotFoundError(f"no article {article_id}")
    rows = conn.execute(
        select(posts)
        .where(posts.c.article_id == article_id)
        .order_by(posts.c.thread_id, posts.c.seq)
    )
    links = conn.execute(
        select(share_links.c.anchor, share_links.c.platform, share_links.c.kind, share_links.c.url)
        .where(share_links.c.article_id == article_id)
        .order_by(share_links.c.id)
    ).all()
    published = conn.execute(
        select(
            func.coalesce(sections.c.anchor, "").label("anchor"),
            posts.c.platform,
            literal("post").label("kind"),
            func.coalesce(posts.c.url, posts.c.uri).label("url"),
        )
        .join(threads, threads.c.id == posts.c.thread_id)
        .outerjoin(
            sections,
            and_(
                sections.c.article_id == threads.c.article_id, sections.c.idx == threads.c.section
            ),
        )
        .where(posts.c.article_id == article_id, posts.c.state == "published")
        .order_by(posts.c.published_at, posts.c.id)
    ).all()
    return ArticleView(
        id=row.id,
        source=row.source,
        title=row.title,
        url=row.url,
        slug=row.slug,
        content_hash=row.content_hash,
        created_at=row.created_at,
        data=json.loads(row.data),
        posts=tuple(post_view(r) for r in rows),
        share_links=tuple(dict(r._mapping) for r in (*links, *published)),
    )
