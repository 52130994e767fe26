"""Writing an article's plan (threads and posts) into the store: enqueue and re-plan."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Insert, and_, delete, func, insert, select, update

from bot.article import Article, content_hash, to_dict
from bot.compile.urls import slugify
from bot.config import subreddit_name
from bot.errors import StoreError
from bot.links import share_links as make_share_links
from bot.store.schema import articles, posts, sections, share_links, threads
from bot.store.views import dumps
from bot.threads import ThreadDraft, draft_to_dict

OPEN_UNSENT = ("awaiting_approval", "queued", "cancelled", "failed", "needs_review")


@dataclass(frozen=True)
class PlanInput:
    """What enqueue needs besides the article (see ``Store.enqueue``)."""

    threads: Sequence[ThreadDraft]
    due: Mapping[tuple[str, int], datetime]
    spacing: timedelta
    accounts: Mapping[str, str]
    subreddit: str | None
    flair: str | None
    now: datetime
    state: str = "queued"  # or "awaiting_approval": a contributor's article


def local_source(source: str) -> str:
    """An absolute path for a local file source (URLs unchanged)."""
    return source if "://" in source or not source else os.path.abspath(source)


def article_row(article: Article, source: str, digest: str | None) -> dict[str, Any]:
    """The ``articles`` columns of ``article``."""
    return {
        "source": local_source(source),
        "content_hash": digest or content_hash(article),
        "title": article.title,
        "url": article.url,
        "slug": slugify(article.title) or "article",
        "data": dumps(to_dict(article)),
    }


def new_id(conn: Connection, stmt: Insert) -> int:
    """Execute an INSERT into a table with an ``id`` key and return the new id."""
    return int(conn.execute(stmt.returning(stmt.table.c.id)).scalar_one())


def insert_article(conn: Connection, row: dict[str, Any], article: Article, now: datetime) -> int:
    """Insert the article, its sections and share links; its id."""
    article_id = int(new_id(conn, insert(articles).values(**row, created_at=now)))
    write_sections(conn, article_id, article)
    return article_id


def write_sections(conn: Connection, article_id: int, article: Article) -> None:
    """(Re)write the sections and share-intent links of an article."""
    conn.execute(delete(sections).where(sections.c.article_id == article_id))
    conn.execute(
        delete(share_links).where(
            and_(share_links.c.article_id == article_id, share_links.c.kind != "post")
        )
    )
    rows = [
        {"article_id": article_id, "idx": i, "heading": s.heading, "anchor": s.anchor}
        for i, s in enumerate(article.sections)
    ]
    if rows:
        conn.execute(insert(sections), rows)
    links = make_share_links(article)
    link_rows = []
    for entry in [links["article"], *links["sections"]]:
        anchor = entry.get("anchor") or ""
        for platform, kind, key in (
            ("web", "page", "url"),
            ("bluesky", "intent", "bluesky_intent"),
            ("reddit", "submit", "reddit_submit"),
        ):
            if entry.get(key):
                link_rows.append(
                    {
                        "article_id": article_id,
                        "anchor": anchor,
                        "platform": platform,
                        "kind": kind,
                        "url": entry[key],
                    }
                )
    if link_rows:
        conn.execute(insert(share_links), link_rows)


def insert_threads(
    conn: Connection, article_id: int, plan: PlanInput, *, skip: frozenset[int] = frozenset()
) -> int:
    """Insert the planned threads (indexes in ``skip`` already exist); number of posts."""
    count = 0
    for i, thread in enumerate(plan.threads):
        if i in skip:
            continue
        count += _insert_thread(conn, article_id, i, thread, plan)
    return count


def insert_thread_at(
    conn: Connection, article_id: int, index: int, thread: ThreadDraft, plan: PlanInput
) -> int:
    """Insert one more thread of an article at thread index ``index``; number of posts."""
    return _insert_thread(conn, article_id, index, thread, plan)


def _insert_thread(
    conn: Connection, article_id: int, index: int, thread: ThreadDraft, plan: PlanInput
) -> int:
    account = plan.accounts.get(thread.platform)
    if account is None:
        raise StoreError(f"no {thread.platform} account given for thread {index}")
    first_due = plan.due.get((thread.platform, index))
    if first_due is None:
        raise StoreError(f"no due time for {thread.platform} thread {index}")
    reddit = thread.platform == "reddit"
    thread_id = new_id(
        conn,
        insert(threads).values(
            article_id=article_id,
            platform=thread.platform,
            account=account,
            idx=index,
            section=thread.section,
            continues=thread.continues,
            subreddit=subreddit_name(plan.subreddit) if plan.subreddit and reddit else None,
            flair=plan.flair if reddit else None,
        ),
    )
    parent = (
        _previous_last(conn, article_id, index, thread.platform, account)
        if thread.continues
        else None
    )
    root = None
    for seq, draft in enumerate(thread.posts):
        post_id = new_id(
            conn,
            insert(posts).values(
                thread_id=thread_id,
                article_id=article_id,
                seq=seq,
                parent_post_id=parent,
                root_post_id=root,
                platform=thread.platform,
                account=account,
                draft=dumps(draft_to_dict(draft)),
                due_at=first_due + seq * plan.spacing,
                state=plan.state,
                attempts=0,
                ambiguous=0,
                claims=0,
                transient=0,
                updated_at=plan.now,
            ),
        )
        parent = post_id
        if seq == 0 and thread.platform == "bluesky":
            root = post_id
    return len(thread.posts)


def _previous_last(
    conn: Connection, article_id: int, index: int, platform: str, account: str
) -> int | None:
    """The last post of the previous thread (same article, platform, account)."""
    prev = conn.scalar(
        select(func.max(threads.c.idx)).where(
            threads.c.article_id == article_id,
            threads.c.platform == platform,
            threads.c.account == account,
            threads.c.idx < index,
        )
    )
    if prev is None:
        return None
    return conn.scalar(
        select(posts.c.id)
        .join(threads, threads.c.id == posts.c.thread_id)
        .where(threads.c.article_id == article_id, threads.c.idx == prev)
        .order_by(posts.c.seq.desc())
        .limit(1)
    )


def replace_unsent_threads(conn: Connection, article_id: int, plan: PlanInput) -> dict[str, int]:
    """Drop threads nothing of which was ever sent and insert the new plan's ones instead;
    threads with a sent (or possibly sent) post stay as they are."""
    rows = conn.execute(
        select(threads.c.id, threads.c.idx).where(threads.c.article_id == article_id)
    ).all()
    touched = set(
        conn.scalars(
            select(posts.c.thread_id).where(
                posts.c.article_id == article_id,
                ~posts.c.state.in_(OPEN_UNSENT) | (posts.c.claims > 0),
            )
        )
    )
    kept = frozenset(idx for tid, idx in rows if tid in touched)
    dropped = [tid for tid, _ in rows if tid not in touched]
    if dropped:
        conn.execute(
            update(posts)
            .where(posts.c.thread_id.in_(dropped))
            .values(parent_post_id=None, root_post_id=None)
        )
        conn.execute(delete(posts).where(posts.c.thread_id.in_(dropped)))
        conn.execute(delete(threads).where(threads.c.id.in_(dropped)))
    added = insert_threads(conn, article_id, plan, skip=kept)
    return {"kept_threads": len(kept), "replaced_threads": len(dropped), "posts_added": added}
