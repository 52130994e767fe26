"""The store's transactions, and its account and daemon records (sessions, blocks,
heartbeats, the one-daemon lock on SQLite, the audit log)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from bot import budget
from bot.budget import Limit
from bot.errors import StoreError
from bot.secretkey import KeySource, default_key_source
from bot.store import budgets as store_budgets
from bot.store.engine import READ_ONLY, sqlite_file
from bot.store.schema import accounts, daemon_lock, daemons, events, posts
from bot.store.sealed import Sealer


def _reason(exc: SQLAlchemyError) -> str:
    """The database's own message, without the SQL or its parameters (they may hold a
    session token)."""
    orig = getattr(exc, "orig", None)
    return f"{type(orig or exc).__name__}: {str(orig).strip() if orig else 'see the log'}"


def _default_key(engine: Engine) -> KeySource:
    """No key source given: ``secret.key`` beside an SQLite file (its data folder by
    default), else as ``default_key_source`` says. Callers with Settings pass
    ``bot.secretkey.key_source(settings.data_dir, settings.secret_key_file)``."""
    source = default_key_source()
    path = sqlite_file(engine.url.render_as_string(hide_password=False))
    if path is not None and source.path == default_key_source({}).path:
        return KeySource(path.parent / "secret.key", source.env_text)
    return source


class StoreBase:
    """Transactions over one engine, account records and daemon bookkeeping."""

    def __init__(
        self,
        engine: Engine,
        key: KeySource | None = None,
        budgets: Mapping[str, Sequence[Limit]] | None = None,
    ) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.sealer = Sealer(key or _default_key(engine))
        self.budgets: Mapping[str, Sequence[Limit]] = (
            budget.DEFAULTS if budgets is None else budgets
        )
        self.in_flight: int | None = None  # posts per account one owner may hold at once

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
        store_budgets.upsert(conn, platform, account, **values)

    def load_session(self, platform: str, account: str) -> str | None:
        """The saved login session of an account (None if there is none, or if it does not
        open with the key: the adapter then logs in afresh, once)."""
        with self.read() as conn:
            stored = conn.scalar(
                select(accounts.c.session).where(
                    accounts.c.platform == platform, accounts.c.account == account
                )
            )
        return self.sealer.open(stored, platform, account)

    def save_session(self, platform: str, account: str, session: str) -> None:
        """Keep an account's login session, sealed with the store's key (bot.store.sealed)."""
        sealed = self.sealer.seal(session, platform, account)
        with self.write() as conn:
            self._upsert_account(conn, platform, account, session=sealed)

    def reseal_sessions(self, new: Sealer) -> tuple[int, int]:
        """Re-encrypt every stored session from this store's key to ``new``'s, in one
        transaction; sessions that do not open are dropped. (resealed, dropped)."""
        resealed = dropped = 0
        with self.write() as conn:
            rows = conn.execute(
                select(accounts.c.platform, accounts.c.account, accounts.c.session).where(
                    accounts.c.session.is_not(None)
                )
            ).all()
            for platform, account, stored in rows:
                opened = self.sealer.open(stored, platform, account)
                value = None if opened is None else new.seal(opened, platform, account)
                resealed, dropped = resealed + (value is not None), dropped + (value is None)
                conn.execute(
                    update(accounts)
                    .where(accounts.c.platform == platform, accounts.c.account == account)
                    .values(session=value)
                )
        return resealed, dropped

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

    def budget_states(self) -> dict[tuple[str, str], tuple[dict[str, Any], datetime | None]]:
        """Per (platform, account): its budget state (bot.budget) and ``budget_until``."""
        with self.read() as conn:
            rows = conn.execute(
                select(
                    accounts.c.platform,
                    accounts.c.account,
                    accounts.c.budget,
                    accounts.c.budget_until,
                )
            ).all()
        return {
            (r.platform, r.account): (json.loads(r.budget) if r.budget else {}, r.budget_until)
            for r in rows
        }

    def spend_budget(
        self, platform: str, account: str, actions: Mapping[str, int], now: datetime
    ) -> None:
        """Count requests made outside a claim (a login, an account check)."""
        with self.write() as conn:
            store_budgets.spend(
                conn, self.budgets.get(platform, ()), platform, account, actions, now
            )

    def spend_spare_budget(
        self,
        platform: str,
        account: str,
        actions: Mapping[str, int],
        now: datetime,
        reserve: float = budget.STATS_RESERVE,
    ) -> bool:
        """Spend ``actions`` from the account's budget only above ``reserve`` (a share of
        every limit kept for publishing); False, spending nothing, when the spare is used up."""
        with self.write() as conn:
            limits = self.budgets.get(platform, ())
            return store_budgets.spend(
                conn, limits, platform, account, actions, now, reserve=reserve
            )

    def follow_budget(self, platform: str, account: str, now: datetime, **view: Any) -> None:
        """Let the account's budget follow the platform's reported view of one limit
        (``remaining_units``, ``reset``, ``window``, ``capacity``: see bot.budget.follow)."""
        with self.write() as conn:
            store_budgets.follow(
                conn, self.budgets.get(platform, ()), platform, account, now, **view
            )

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
