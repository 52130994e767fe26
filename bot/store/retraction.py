"""Retraction: which published posts to delete (last reply first), and recording each deletion.

A reply is only ever published after its parent, so ordering by publication time, newest
first, deletes every reply before the post it answers (across threads too: a Reddit section's
comment chain hangs under the article's submission).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from bot.errors import ConfigError, StoreError
from bot.store.editors import UNSENT, post_view, target_ids
from bot.store.schema import events, posts
from bot.store.views import PostView, parse_ident


def _ids(conn: Connection, ident: str, states: tuple[str, ...], platform: str | None) -> list[int]:
    kind, _ = parse_ident(ident)
    if kind == "post":
        raise ConfigError(f"{ident}: retract takes an article (a12) or a thread (t34)")
    ids = target_ids(conn, ident, states)
    if platform is None or not ids:
        return ids
    query = select(posts.c.id).where(posts.c.id.in_(ids), posts.c.platform == platform)
    return list(conn.scalars(query))


def targets(conn: Connection, ident: str, platform: str | None) -> list[PostView]:
    """The published posts of an article/thread (on ``platform``), last reply first.
    StoreError while one of its posts is being sent: its outcome is not known yet."""
    sending = _ids(conn, ident, ("sending",), platform)
    if sending:
        raise StoreError(f"post {sending[0]} is being sent right now: retract once it is done")
    ids = _ids(conn, ident, ("published",), platform)
    rows = conn.execute(
        select(posts)
        .where(posts.c.id.in_(ids))
        .order_by(posts.c.published_at.desc(), posts.c.id.desc())
    )
    return [post_view(r) for r in rows]


def cancel_unsent(conn: Connection, ident: str, platform: str | None, now: datetime) -> int:
    """Cancel what was not sent yet, so nothing replies to a deleted post later."""
    ids = _ids(conn, ident, UNSENT, platform)
    if ids:
        conn.execute(
            update(posts).where(posts.c.id.in_(ids)).values(state="cancelled", updated_at=now)
        )
    return len(ids)


def mark_retracted(conn: Connection, post_id: int, now: datetime) -> bool:
    """published -> retracted (with the time) and an event; False if it was not published."""
    done = conn.execute(
        update(posts)
        .where(posts.c.id == post_id, posts.c.state == "published")
        .values(state="retracted", retracted_at=now, updated_at=now)
    )
    if not done.rowcount:
        return False
    conn.execute(
        insert(events).values(at=now, kind="retracted", message="deleted", post_id=post_id)
    )
    return True
