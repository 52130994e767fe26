"""Desk users, their sessions, and approval of contributors' articles (intents for the
editors' desk; SQL only here).

A session row keeps the SHA-256 of the cookie's token, never the token, so a copy of the
store lets nobody in. Passwords arrive here already hashed (argon2, in the app layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, literal, select, update

from bot.errors import NotFoundError, StoreError
from bot.store.base import StoreBase
from bot.store.editors import target_ids
from bot.store.schema import articles, desk_sessions, posts, threads, users

AWAITING = "awaiting_approval"


@dataclass(frozen=True)
class User:
    """A desk user (the hash stays inside the app layer's login check)."""

    id: int
    name: str
    role: str
    password_hash: str


@dataclass(frozen=True)
class Session:
    """A live desk session: its user and the CSRF token of its forms."""

    user: User
    csrf: str
    seen_at: datetime


def _user(row: Row[Any]) -> User:
    return User(row.id, row.name, row.role, row.password_hash)


class UserStore(StoreBase):
    """Users, sessions and approvals (mixed into :class:`bot.store.Store`)."""

    def add_user(self, name: str, role: str, password_hash: str, now: datetime) -> User:
        """Create a user, or set an existing user's role and password."""
        with self.write() as conn:
            found = conn.scalar(select(users.c.id).where(users.c.name == name))
            values = {"role": role, "password_hash": password_hash}
            if found is None:
                stmt = insert(users).values(name=name, created_at=now, **values)
                found = conn.execute(stmt.returning(users.c.id)).scalar_one()
            else:
                conn.execute(update(users).where(users.c.id == found).values(**values))
                conn.execute(delete(desk_sessions).where(desk_sessions.c.user_id == found))
            row = conn.execute(select(users).where(users.c.id == found)).one()
        return _user(row)

    def find_user(self, name: str) -> User | None:
        """The user called ``name``."""
        with self.read() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return None if row is None else _user(row)

    def list_users(self) -> list[User]:
        """Every desk user, by name."""
        with self.read() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.name))]

    def start_session(self, token_hash: str, user_id: int, csrf: str, now: datetime) -> None:
        """Record a new session (the caller keeps the token, the store its hash)."""
        with self.write() as conn:
            conn.execute(
                insert(desk_sessions).values(
                    token_hash=token_hash, user_id=user_id, csrf=csrf, created_at=now, seen_at=now
                )
            )

    def find_session(self, token_hash: str, now: datetime, idle: timedelta) -> Session | None:
        """The session if it was seen within ``idle``; an idle one is deleted."""
        with self.read() as conn:
            row = conn.execute(
                select(desk_sessions.c.csrf, desk_sessions.c.seen_at, users)
                .join(users, users.c.id == desk_sessions.c.user_id)
                .where(desk_sessions.c.token_hash == token_hash)
            ).first()
        if row is None:
            return None
        if row.seen_at + idle < now:
            self.end_session(token_hash)
            return None
        return Session(_user(row), row.csrf, row.seen_at)

    def touch_session(self, token_hash: str, now: datetime) -> None:
        """Mark the session as used ``now`` (restarts its idle timeout)."""
        with self.write() as conn:
            conn.execute(
                update(desk_sessions)
                .where(desk_sessions.c.token_hash == token_hash)
                .values(seen_at=now)
            )

    def end_session(self, token_hash: str) -> None:
        """Log a session out."""
        with self.write() as conn:
            conn.execute(delete(desk_sessions).where(desk_sessions.c.token_hash == token_hash))

    def submitted_by(self, article_id: int) -> int | None:
        """The desk user who submitted an article (None: the CLI, sync or a feed)."""
        with self.read() as conn:
            row = conn.execute(
                select(articles.c.submitted_by).where(articles.c.id == article_id)
            ).first()
        if row is None:
            raise NotFoundError(f"no article {article_id}")
        return None if row.submitted_by is None else int(row.submitted_by)

    def set_submitter(self, article_id: int, user_id: int) -> None:
        """Record who submitted an article."""
        with self.write() as conn:
            conn.execute(
                update(articles).where(articles.c.id == article_id).values(submitted_by=user_id)
            )

    def thread_sections(self, article_id: int) -> dict[int, int]:
        """Each thread of an article -> the index of the section it publishes."""
        with self.read() as conn:
            rows = conn.execute(
                select(threads.c.id, threads.c.section).where(threads.c.article_id == article_id)
            )
            return {int(tid): int(section) for tid, section in rows}

    def approve(self, ident: str | int, now: datetime) -> int:
        """awaiting_approval -> queued for the posts of an article/thread/post; how many.
        A post whose due time passed while it waited becomes due now."""
        with self.write() as conn:
            ids = target_ids(conn, ident, (AWAITING,))
            if not ids:
                return 0
            _requeue(conn, ids, now)
            return len(ids)

    def restore(self, ident: str | int, now: datetime) -> int:
        """Undo a cancel: cancelled posts that were never sent go back to queued (a due
        time that passed meanwhile becomes now); how many."""
        with self.write() as conn:
            ids = target_ids(conn, ident, ("cancelled",))
            if not ids:
                return 0
            sent = conn.scalar(
                select(func.count()).where(posts.c.id.in_(ids), posts.c.attempts > 0)
            )
            if sent:
                raise StoreError(f"{ident}: {sent} cancelled posts were tried before: use retry")
            _requeue(conn, ids, now)
            return len(ids)


def _requeue(conn: Connection, ids: list[int], now: datetime) -> None:
    greatest = func.max if conn.dialect.name == "sqlite" else func.greatest
    conn.execute(
        update(posts)
        .where(posts.c.id.in_(ids))
        .values(
            state="queued",
            due_at=greatest(posts.c.due_at, literal(now, type_=posts.c.due_at.type)),
            updated_at=now,
        )
    )
