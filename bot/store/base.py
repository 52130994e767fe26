"""The store's transactions, and its account and daemon records (sessions, blocks,
heartbeats, the one-daemon lock on SQLite, the audit log)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import StoreError
from bot.store.engine import READ_ONLY
from bot.store.schema import accounts, daemon_lock, daemons, events, posts


def _reason(exc: SQLAlchemyError) -> str:
    """The database's own message, without the SQL or its parameters (they may hold a
    session token)."""
    orig = getattr(exc, "orig", None)
    return f"{type(orig or exc).__name__}: {str(orig).strip() if orig else 'see the log'}"


class StoreBase:
    """Transactions over one engine, account records and daemon bookkeeping."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    # --- transactions -----------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite)."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store write failed: {_reason(exc)}") from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction (deferred on SQLite: never takes the write lock)."""
        try:
            with self.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store read failed: {_reason(exc)}") from exc

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    # --- accounts ---------------------------------------------------------------
    def _upsert_account(self, conn: Connection, platform: str, account: str, **values: Any) -> None:
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = dialect_insert(accounts).values(platform=platform, account=account, **values)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=["platform", "account"], set_=values)
        )

    def load_session(self, platform: str, account: str) -> str | None:
        """The saved login session of an account."""
        with self.read() as conn:
            return conn.scalar(
                select(accounts.c.session).where(
                    accounts.c.platform == platform, accounts.c.account == account
                )
            )

    def save_session(self, platform: str, account: str, session: str) -> None:
        """Keep an account's login session."""
        with self.write() as conn:
            self._upsert_account(conn, platform, account, session=session)

    def block_account(
        self, platform: str, account: str, until: datetime | None, reason: str
    ) -> None:
        """Skip the account's posts until ``until`` (None: until ``clear_block``)."""
        with self.write() as conn:
            self._upsert_account(
                conn,
                platform,
                account,
                blocked=True,
                blocked_until=until,
                block_reason=reason,
                last_error=reason,
                last_error_at=datetime.now(UTC),
            )

    def clear_block(self, platform: str, account: str) -> None:
        """Lift an account's block (after fixing its credentials)."""
        with self.write() as conn:
            self._upsert_account(
                conn, platform, account, blocked=False, blocked_until=None, block_reason=None
            )

    def account_status(self) -> list[dict[str, Any]]:
        """Per account: last success (its newest published post), last error, block state."""
        with self.read() as conn:
            rows = {(r.platform, r.account): r for r in conn.execute(select(accounts))}
            newest = conn.execute(
                select(posts.c.platform, posts.c.account, func.max(posts.c.published_at))
                .where(posts.c.state == "published")
                .group_by(posts.c.platform, posts.c.account)
            )
            success = {(p, a): at for p, a, at in newest}
        out = []
        for key in sorted(rows.keys() | success.keys()):
            r = rows.get(key)
            times = [t for t in (success.get(key), r and r.last_success_at) if t is not None]
            out.append(
                {
                    "platform": key[0],
                    "account": key[1],
                    "last_success": max(times) if times else None,
                    "last_error": r.last_error if r else None,
                    "last_error_at": r.last_error_at if r else None,
                    "blocked": bool(r.blocked) if r else False,
                    "blocked_until": r.blocked_until if r else None,
                    "block_reason": r.block_reason if r else None,
                }
            )
        return out

    # --- daemon -----------------------------------------------------------------
    def heartbeat(self, owner: str, now: datetime) -> None:
        """Record that ``owner`` is alive (also refreshes its daemon lock)."""
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        with self.write() as conn:
            stmt = dialect_insert(daemons).values(owner=owner, heartbeat_at=now)
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["owner"], set_={"heartbeat_at": now})
            )
            conn.execute(
                update(daemon_lock).where(daemon_lock.c.owner == owner).values(heartbeat_at=now)
            )

    def daemons(self) -> list[dict[str, Any]]:
        """Daemons that reported, newest heartbeat first."""
        with self.read() as conn:
            rows = conn.execute(select(daemons).order_by(daemons.c.heartbeat_at.desc()))
            return [{"owner": r.owner, "heartbeat": r.heartbeat_at} for r in rows]

    def acquire_daemon_lock(self, owner: str, now: datetime, stale_after: timedelta) -> bool:
        """SQLite: True if ``owner`` now holds the one-daemon lock (a holder whose heartbeat is
        older than ``stale_after`` is taken over). PostgreSQL: always True (shared work)."""
        if self.dialect == "postgresql":
            return True
        with self.write() as conn:
            row = conn.execute(select(daemon_lock).where(daemon_lock.c.id == 1)).first()
            if row is None:
                conn.execute(insert(daemon_lock).values(id=1, owner=owner, heartbeat_at=now))
                return True
            if row.owner != owner and row.heartbeat_at > now - stale_after:
                return False
            conn.execute(
                update(daemon_lock)
                .where(daemon_lock.c.id == 1)
                .values(owner=owner, heartbeat_at=now)
            )
            return True

    def release_daemon_lock(self, owner: str) -> None:
        """Give the daemon lock up (if ``owner`` holds it)."""
        with self.write() as conn:
            conn.execute(daemon_lock.delete().where(daemon_lock.c.owner == owner))

    def event(self, kind: str, message: str, *, post_id: int | None = None, now: datetime) -> None:
        """Append to the audit log."""
        with self.write() as conn:
            conn.execute(insert(events).values(at=now, kind=kind, message=message, post_id=post_id))

    def events(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest audit log entries."""
        with self.read() as conn:
            rows = conn.execute(select(events).order_by(events.c.id.desc()).limit(limit))
            return [dict(r._mapping) for r in rows]
