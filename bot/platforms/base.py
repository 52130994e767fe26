"""The one small interface every platform adapter implements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bot.threads import Limits, PostDraft


@dataclass(frozen=True)
class Ref:
    """Where a published post lives: ``uri`` (at:// URI or Reddit fullname),
    ``cid`` (Bluesky content id; empty for Reddit) and its web ``url``."""

    uri: str
    cid: str
    url: str


@dataclass(frozen=True)
class Outgoing:
    """A claimed post handed to an adapter.

    ``key`` is the fixed idempotency key; ``prepared`` is what ``Platform.prepare``
    returned at claim time (stored, so every retry sends the same bytes).
    ``parent``/``root`` are the published posts this one replies to.
    ``first_sent_at``/``last_sent_at``: when the first and the latest earlier claim that may
    have sent it were taken (None if none): how far back ``reconcile`` looks, and whether a
    platform listing may still lag behind that write.
    """

    post_id: int
    key: str
    account: str
    draft: PostDraft
    prepared: Mapping[str, Any] = field(default_factory=dict)
    parent: Ref | None = None
    root: Ref | None = None
    subreddit: str | None = None
    flair: str | None = None
    base_dir: str | None = None
    first_sent_at: datetime | None = None
    last_sent_at: datetime | None = None


class SessionCache(Protocol):
    """Where adapters keep login sessions and blocks (the store implements it)."""

    def load_session(self, platform: str, account: str) -> str | None: ...

    def save_session(self, platform: str, account: str, session: str) -> None: ...

    def block_account(
        self, platform: str, account: str, until: datetime | None, reason: str
    ) -> None: ...


class Platform(Protocol):
    """Send posts to one account on one platform."""

    name: str
    limits: Limits

    def prepare(self, draft: PostDraft, key: str, now: datetime) -> dict[str, Any]:
        """Pure: what must be fixed at claim time (e.g. Bluesky rkey + createdAt)."""
        ...

    def send(self, post: Outgoing) -> Ref:
        """Publish; raise a PlatformError subclass on failure."""
        ...

    def reconcile(self, post: Outgoing) -> Ref | None:
        """Find the post if an earlier attempt published it; None if it did not."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Retractor(Protocol):
    """An adapter that can delete what it published (``sharebot retract``)."""

    def delete(self, ref: Ref) -> None:
        """Delete the published post ``ref``; a post that is already gone is no error."""
        ...


@dataclass(frozen=True)
class Engagement:
    """A post's counts as the platform shows them now (None: the platform has no such count).
    Bluesky: likes, reposts, replies, quotes. Reddit: score, comments, upvote_ratio."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    score: int | None = None
    comments: int | None = None
    upvote_ratio: float | None = None


@runtime_checkable
class StatsReader(Protocol):
    """An adapter that reads engagement counts, ``stats_batch`` posts per request."""

    stats_batch: int

    def fetch_stats(self, uris: Sequence[str]) -> dict[str, Engagement]:
        """Counts of the posts ``uris`` (at most ``stats_batch``) that still exist."""
        ...
