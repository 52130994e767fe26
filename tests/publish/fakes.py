"""In-memory fakes for the publisher's unit tests: a store that follows the claim
contract of docs/store-api.md, and a scripted platform."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.errors import StoreError
from bot.platforms.base import Outgoing, Ref
from bot.threads import PostDraft, ThreadDraft

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FakeClaim:
    post_id: int
    thread_id: int
    article_id: int
    platform: str
    account: str
    outgoing: Outgoing
    attempts: int
    reclaimed: bool
    due_at: datetime
    ambiguous: int = 0
    transient: int = 0
    sent_before: bool = False
    paced: bool = False


@dataclass
class Row:
    id: int
    thread_id: int
    article_id: int
    platform: str
    account: str
    draft: PostDraft
    due_at: datetime
    parent: int | None = None
    state: str = "queued"
    attempts: int = 0
    claims: int = 0
    ambiguous: int = 0
    transient: int = 0
    lease_owner: str | None = None
    lease_until: datetime | None = None
    next_attempt_at: datetime | None = None
    key: str | None = None
    prepared: dict[str, Any] | None = None
    ref: Ref | None = None
    error: str = ""
    history: list[str] = field(default_factory=list)


class FakeStore:
    """Claims, confirms and fails posts in memory, with the store contract's rules."""

    def __init__(self) -> None:
        self.rows: dict[int, Row] = {}
        self.blocked: dict[tuple[str, str], datetime] = {}
        self.lock = threading.Lock()
        self.events: list[tuple[str, str]] = []
        self.renewals = 0
        self.beats: list[tuple[str, datetime]] = []
        self.open: set[int] = set()  # ids not yet published or in review: what claims scan

    def add_thread(
        self,
        platform: str,
        account: str,
        texts: Sequence[str | PostDraft],
        *,
        due: datetime = T0,
        article: int = 1,
        parent: int | None = None,
    ) -> list[int]:
        """One thread of posts (texts or drafts); ``parent``: the post its first one replies to."""
        ids: list[int] = []
        thread_id = len({r.thread_id for r in self.rows.values()}) + 1
        for text in texts:
            pid = len(self.rows) + 1
            draft = text if isinstance(text, PostDraft) else PostDraft(text)
            up = ids[-1] if ids else parent
            self.rows[pid] = Row(pid, thread_id, article, platform, account, draft, due, up)
            self.open.add(pid)
            ids.append(pid)
        return ids

    def add_published(self, platform: str, account: str, ref: Ref) -> int:
        """A post published outside the store (e.g. a benchmark's root)."""
        pid = len(self.rows) + 1
        thread_id = len({r.thread_id for r in self.rows.values()}) + 1
        row = Row(pid, thread_id, 0, platform, account, PostDraft(""), T0, None, "published")
        row.ref = ref
        self.rows[pid] = row
        return pid

    def add_threads(
        self, account: str, threads: Sequence[ThreadDraft], *, due: datetime = T0, article: int = 1
    ) -> list[list[int]]:
        """Compiled threads in order; a ``continues`` thread replies to the previous one."""
        out: list[list[int]] = []
        for thread in threads:
            thread_id = len({r.thread_id for r in self.rows.values()}) + 1
            parent = out[-1][-1] if thread.continues and out else None
            ids: list[int] = []
            for draft in thread.posts:
                pid = len(self.rows) + 1
                self.rows[pid] = Row(
                    pid, thread_id, article, thread.platform, account, draft, due, parent
                )
                self.open.add(pid)
                ids.append(pid)
                parent = pid
            out.append(ids)
        return out

    def _claimable(self, row: Row, now: datetime) -> bool:
        if row.parent is not None and self.rows[row.parent].state != "published":
            return False
        if self.blocked.get((row.platform, row.account), now) > now:
            return False
        if row.state == "queued":
            return row.due_at <= now
        if row.state == "failed":
            return row.next_attempt_at is not None and row.next_attempt_at <= now
        if row.state == "sending":
            return row.lease_until is not None and row.lease_until <= now
        return False

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
        with self.lock:
            return self.claim_unlocked(
                now, limit=limit, owner=owner, lease=lease, prepare=prepare,
                platforms=platforms, article_id=article_id,
            )  # fmt: skip

    def claim_unlocked(
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
        rows = sorted((self.rows[i] for i in self.open), key=lambda r: (r.due_at, r.id))
        claims = []
        for row in rows:
            if len(claims) >= limit:
                break
            if platforms is not None and row.platform not in platforms:
                continue
            if article_id is not None and row.article_id != article_id:
                continue
            if not self._claimable(row, now):
                continue
            claims.append(self._claim(row, now, owner, lease, prepare))
        return claims

    def _claim(
        self, row: Row, now: datetime, owner: str, lease: timedelta, prepare: Any
    ) -> FakeClaim:
        reclaimed = row.state == "sending"
        if row.key is None:
            row.key = f"k{row.id}"
            row.prepared = prepare(row.platform, row.draft, row.key, now)
        sent_before = row.claims > 0
        row.state, row.lease_owner, row.lease_until = "sending", owner, now + lease
        row.claims += 1
        parent = self.rows[row.parent].ref if row.parent else None
        top = row
        while top.parent is not None and self.rows[top.parent].thread_id == row.thread_id:
            top = self.rows[top.parent]
        root = top.ref if top is not row else None
        out = Outgoing(row.id, row.key, row.account, row.draft, row.prepared or {}, parent, root)
        return FakeClaim(
            row.id, row.thread_id, row.article_id, row.platform, row.account, out,
            row.attempts, reclaimed, row.due_at, row.ambiguous, row.transient, sent_before,
        )  # fmt: skip

    def _owned(self, post_id: int, owner: str) -> Row:
        row = self.rows[post_id]
        if row.state != "sending" or row.lease_owner != owner:
            raise StoreError(f"post {post_id}: lease not owned by {owner}")
        return row

    def confirm(self, post_id: int, owner: str, ref: Ref, now: datetime) -> None:
        with self.lock:
            self.confirm_unlocked(post_id, owner, ref)

    def confirm_unlocked(self, post_id: int, owner: str, ref: Ref) -> None:
        row = self._owned(post_id, owner)
        row.state, row.ref, row.lease_owner = "published", ref, None
        self.open.discard(post_id)
        row.history.append("published")

    def confirm_and_claim(
        self, post_id: int, owner: str, ref: Ref, now: datetime, **claim: Any
    ) -> list[FakeClaim]:
        with self.lock:  # one transaction: nobody claims between the two
            self.confirm_unlocked(post_id, owner, ref)
            return self.claim_unlocked(now, owner=owner, **claim)

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
        with self.lock:
            row = self._owned(post_id, owner)
            row.attempts += kind != "deferred"
            row.ambiguous += kind == "ambiguous"
            row.transient += kind == "transient"
            row.claims -= kind not in ("ambiguous", "other")  # this claim sent nothing
            row.error, row.lease_owner = error, None
            if review or retry_at is None:
                row.state = "needs_review"
                self.open.discard(post_id)
            else:
                row.state, row.next_attempt_at = "failed", retry_at
            row.history.append(row.state)

    def release(self, post_id: int, owner: str, now: datetime) -> None:
        with self.lock:
            row = self._owned(post_id, owner)
            row.claims -= 1
            row.state, row.lease_owner = ("failed" if row.claims else "queued"), None
            row.history.append("released")

    def renew_lease(self, post_id: int, owner: str, lease_until: datetime) -> None:
        with self.lock:
            self._owned(post_id, owner).lease_until = lease_until
            self.renewals += 1

    def event(self, kind: str, message: str, *, post_id: int | None = None, now: datetime) -> None:
        self.events.append((kind, message))

    def block_account(
        self, platform: str, account: str, until: datetime | None, reason: str
    ) -> None:
        """SessionCache: claims skip the account until ``until`` (None: far future)."""
        with self.lock:
            self.blocked[(platform, account)] = until or datetime.max.replace(tzinfo=UTC)

    def load_session(self, platform: str, account: str) -> str | None:
        return None

    def save_session(self, platform: str, account: str, session: str) -> None:
        pass

    def next_due(self) -> datetime | None:
        with self.lock:
            times = []
            for row in self.rows.values():
                if row.parent is not None and self.rows[row.parent].state != "published":
                    continue
                if row.state == "queued":
                    times.append(row.due_at)
                elif row.state == "failed" and row.next_attempt_at:
                    times.append(row.next_attempt_at)
                elif row.state == "sending" and row.lease_until:
                    times.append(row.lease_until)
            return min(times, default=None)

    def heartbeat(self, owner: str, now: datetime) -> None:
        self.beats.append((owner, now))

    def states(self) -> dict[int, str]:
        return {pid: row.state for pid, row in self.rows.items()}


Action = Callable[[Outgoing], Ref]


class FakePlatform:
    """Publishes into ``self.server`` (key -> text); ``script`` holds per-call actions."""

    limits: Any = None

    def __init__(self, name: str, account: str, server: dict[str, Any] | None = None) -> None:
        self.name = name
        self.account = account
        self.server: dict[str, Any] = server if server is not None else {}
        self.script: list[Callable[[Outgoing], Ref | None]] = []
        self.sends: list[int] = []
        self.reconciles: list[int] = []
        self.parents: dict[int, Ref | None] = {}
        self.closed = False
        self.on_send: Callable[[Outgoing], None] | None = None

    def prepare(self, draft: PostDraft, key: str, now: datetime) -> dict[str, Any]:
        return {"rkey": key, "at": now.isoformat()}

    def publish(self, post: Outgoing) -> Ref:
        """Actually store the post (an action may call this, then raise)."""
        uri = f"{self.name}://{self.account}/{post.key}"
        self.server.setdefault(post.key, []).append(post.draft.text)
        return Ref(uri, "cid", f"https://example.test/{post.key}")

    def send(self, post: Outgoing) -> Ref:
        self.sends.append(post.post_id)
        self.parents[post.post_id] = post.parent
        if self.on_send:
            self.on_send(post)
        if self.script:
            ref = self.script.pop(0)(post)
            if ref is not None:
                return ref
        return self.publish(post)

    def reconcile(self, post: Outgoing) -> Ref | None:
        self.reconciles.append(post.post_id)
        if post.key in self.server:
            return Ref(f"{self.name}://{self.account}/{post.key}", "cid", "https://example.test/")
        return None

    def close(self) -> None:
        self.closed = True
