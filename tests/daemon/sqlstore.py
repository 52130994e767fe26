"""A small SQLite store implementing the claim contract of /work/store-api.md, shared by
processes: the crash test's stand-in until bot.store lands (then the test switches to it).

Only what the publisher and daemon call: claim_due, confirm, fail, release, renew_lease,
next_due, heartbeat, event and the SessionCache methods. Text drafts only."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.errors import StoreError
from bot.platforms.base import Outgoing, Ref
from bot.threads import PostDraft
from tests.publish.fakes import FakeClaim

SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
  id INTEGER PRIMARY KEY, thread_id INTEGER, article_id INTEGER, platform TEXT, account TEXT,
  draft TEXT, due_at REAL, parent INTEGER, state TEXT DEFAULT 'queued', attempts INTEGER DEFAULT 0,
  lease_owner TEXT, lease_until REAL, next_attempt_at REAL, key TEXT, prepared TEXT,
  uri TEXT, cid TEXT, url TEXT, error TEXT, published_by TEXT);
CREATE TABLE IF NOT EXISTS accounts (platform TEXT, account TEXT, blocked_until REAL,
  session TEXT, PRIMARY KEY (platform, account));
CREATE INDEX IF NOT EXISTS posts_due ON posts (state, due_at);
CREATE INDEX IF NOT EXISTS posts_retry ON posts (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS posts_lease ON posts (state, lease_until);
CREATE TABLE IF NOT EXISTS beats (owner TEXT PRIMARY KEY, at REAL);
"""


def _ts(t: datetime) -> float:
    return t.timestamp()


class SqlStore:
    """The claim contract over one SQLite file (WAL, BEGIN IMMEDIATE for writes)."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()

    def _tx(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self.db)
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            return result

    def add_thread(
        self,
        platform: str,
        account: str,
        drafts: Sequence[PostDraft],
        *,
        due: datetime,
        article: int,
        parent: int | None = None,
    ) -> list[int]:
        def add(db: sqlite3.Connection) -> list[int]:
            thread = (db.execute("SELECT COALESCE(MAX(thread_id), 0) + 1 FROM posts").fetchone())[0]
            ids: list[int] = []
            up = parent
            for d in drafts:
                draft = json.dumps({"text": d.text, "kind": d.kind, "title": d.title})
                cur = db.execute(
                    "INSERT INTO posts (thread_id, article_id, platform, account, draft, due_at,"
                    " parent) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (thread, article, platform, account, draft, _ts(due), up),
                )
                up = cur.lastrowid
                ids.append(int(up))
            return ids

        return list(self._tx(add))

    _DUE = (
        "SELECT p.* FROM posts p LEFT JOIN posts up ON up.id = p.parent"
        " LEFT JOIN accounts a ON a.platform = p.platform AND a.account = p.account"
        " WHERE (p.parent IS NULL OR up.state = 'published')"
        " AND (a.blocked_until IS NULL OR a.blocked_until <= :now)"
        " AND ((p.state = 'queued' AND p.due_at <= :now)"
        "   OR (p.state = 'failed' AND p.next_attempt_at <= :now)"
        "   OR (p.state = 'sending' AND p.lease_until <= :now))"
    )

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
    ) -> list[FakeClaim]:
        def claim(db: sqlite3.Connection) -> list[FakeClaim]:
            db.row_factory = sqlite3.Row
            rows = db.execute(self._DUE + " ORDER BY p.due_at, p.id", {"now": _ts(now)}).fetchall()
            db.row_factory = None
            out: list[FakeClaim] = []
            threads: set[int] = set()
            for row in rows:
                if len(out) >= limit or row["thread_id"] in threads:
                    continue
                if platforms is not None and row["platform"] not in platforms:
                    continue
                if article_id is not None and row["article_id"] != article_id:
                    continue
                threads.add(row["thread_id"])
                out.append(self._claim_row(db, row, now, owner, lease, prepare))
            return out

        return list(self._tx(claim))

    def _claim_row(
        self,
        db: sqlite3.Connection,
        row: sqlite3.Row,
        now: datetime,
        owner: str,
        lease: timedelta,
        prepare: Any,
    ) -> FakeClaim:
        d = json.loads(row["draft"])
        draft = PostDraft(d["text"], kind=d["kind"], title=d["title"])
        key, prepared = row["key"], row["prepared"]
        if key is None:
            key = f"k{row['id']}x{row['thread_id']}"
            prepared = json.dumps(prepare(row["platform"], draft, key, now))
        db.execute(
            "UPDATE posts SET state='sending', lease_owner=?, lease_until=?, attempts=attempts+1,"
            " key=?, prepared=? WHERE id=?",
            (owner, _ts(now + lease), key, prepared, row["id"]),
        )
        parent = root = None
        if row["parent"] is not None:
            parent = self._ref(db, row["parent"])
            top = db.execute(
                "SELECT MIN(id) FROM posts WHERE thread_id=?", (row["thread_id"],)
            ).fetchone()[0]
            root = self._ref(db, top) if top != row["id"] else None
        out = Outgoing(row["id"], key, row["account"], draft, json.loads(prepared), parent, root)
        return FakeClaim(
            row["id"],
            row["thread_id"],
            row["article_id"],
            row["platform"],
            row["account"],
            out,
            row["attempts"],
            row["state"] == "sending",
            datetime.fromtimestamp(row["due_at"], UTC),
        )

    @staticmethod
    def _ref(db: sqlite3.Connection, pid: int) -> Ref | None:
        uri, cid, url = db.execute("SELECT uri, cid, url FROM posts WHERE id=?", (pid,)).fetchone()
        return Ref(uri, cid or "", url or "") if uri else None

    def _owned(self, db: sqlite3.Connection, pid: int, owner: str) -> None:
        row = db.execute("SELECT state, lease_owner FROM posts WHERE id=?", (pid,)).fetchone()
        if row != ("sending", owner):
            raise StoreError(f"post {pid}: lease not owned by {owner}")

    def confirm(self, post_id: int, owner: str, ref: Ref, now: datetime) -> None:
        def do(db: sqlite3.Connection) -> None:
            self._owned(db, post_id, owner)
            db.execute(
                "UPDATE posts SET state='published', uri=?, cid=?, url=?, lease_owner=NULL,"
                " published_by=? WHERE id=?",
                (ref.uri, ref.cid, ref.url, owner, post_id),
            )

        self._tx(do)

    def fail(
        self,
        post_id: int,
        owner: str,
        *,
        error: str,
        retry_at: datetime | None,
        now: datetime,
        review: bool = False,
    ) -> None:
        def do(db: sqlite3.Connection) -> None:
            self._owned(db, post_id, owner)
            state = "needs_review" if review or retry_at is None else "failed"
            at = _ts(retry_at) if retry_at else None
            db.execute(
                "UPDATE posts SET state=?, next_attempt_at=?, error=?, lease_owner=NULL WHERE id=?",
                (state, at, error, post_id),
            )

        self._tx(do)

    def release(self, post_id: int, owner: str, now: datetime) -> None:
        def do(db: sqlite3.Connection) -> None:
            self._owned(db, post_id, owner)
            db.execute(
                "UPDATE posts SET state=CASE WHEN attempts>1 THEN 'failed' ELSE 'queued'"
                " END, next_attempt_at=?, attempts=attempts-1, lease_owner=NULL"
                " WHERE id=?",
                (_ts(now), post_id),
            )

        self._tx(do)

    def renew_lease(self, post_id: int, owner: str, lease_until: datetime) -> None:
        def do(db: sqlite3.Connection) -> None:
            self._owned(db, post_id, owner)
            db.execute("UPDATE posts SET lease_until=? WHERE id=?", (_ts(lease_until), post_id))

        self._tx(do)

    def next_due(self) -> datetime | None:
        with self.lock:
            (t,) = self.db.execute(
                "SELECT MIN(CASE state WHEN 'queued' THEN due_at WHEN 'failed' THEN"
                " next_attempt_at ELSE lease_until END) FROM posts"
                " WHERE state IN ('queued', 'failed', 'sending')"
            ).fetchone()
        return datetime.fromtimestamp(t, UTC) if t is not None else None

    def heartbeat(self, owner: str, now: datetime) -> None:
        self._tx(
            lambda db: db.execute("INSERT OR REPLACE INTO beats VALUES (?, ?)", (owner, _ts(now)))
        )

    def event(self, kind: str, message: str, *, post_id: int | None = None, now: datetime) -> None:
        pass

    def load_session(self, platform: str, account: str) -> str | None:
        with self.lock:
            row = self.db.execute(
                "SELECT session FROM accounts WHERE platform=? AND account=?", (platform, account)
            ).fetchone()
        return row[0] if row else None

    def save_session(self, platform: str, account: str, session: str) -> None:
        self._tx(
            lambda db: db.execute(
                "INSERT INTO accounts (platform, account, session) VALUES (?, ?, ?) ON CONFLICT"
                " DO UPDATE SET session=excluded.session",
                (platform, account, session),
            )
        )

    def block_account(
        self, platform: str, account: str, until: datetime | None, reason: str
    ) -> None:
        at = _ts(until) if until else 1e12
        self._tx(
            lambda db: db.execute(
                "INSERT INTO accounts (platform, account, blocked_until) VALUES (?, ?, ?)"
                " ON CONFLICT"
                " DO UPDATE SET blocked_until=excluded.blocked_until",
                (platform, account, at),
            )
        )

    def rows(self) -> list[dict[str, Any]]:
        with self.lock:
            self.db.row_factory = sqlite3.Row
            out = [dict(r) for r in self.db.execute("SELECT * FROM posts ORDER BY id")]
            self.db.row_factory = None
        return out

    def close(self) -> None:
        self.db.close()
