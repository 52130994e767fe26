"""Values of the publish path: options, outcomes and the store protocol it needs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from bot.config import Settings
from bot.platforms.base import Platform, Ref
from bot.store.views import Claim
from bot.threads import PostDraft

OutcomeState = Literal["published", "failed", "needs_review", "released", "lost_lease"]
PlatformFactory = Callable[[str, str], Platform]


class ClaimStore(Protocol):
    """The part of bot.store.Store the publisher uses (see docs/store-api.md)."""

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
    ) -> list[Claim]: ...

    def confirm(self, post_id: int, owner: str, ref: Ref, now: datetime) -> None: ...

    def confirm_and_claim(
        self,
        post_id: int,
        owner: str,
        ref: Ref,
        now: datetime,
        *,
        limit: int,
        lease: timedelta,
        prepare: Callable[[str, PostDraft, str, datetime], dict[str, Any]],
        platforms: Collection[str] | None = None,
        article_id: int | None = None,
    ) -> list[Claim]: ...

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
    ) -> None: ...

    def release(self, post_id: int, owner: str, now: datetime) -> None: ...

    def renew_lease(self, post_id: int, owner: str, lease_until: datetime) -> None: ...

    def event(
        self, kind: str, message: str, *, post_id: int | None = None, now: datetime
    ) -> None: ...


@dataclass(frozen=True)
class PublishOptions:
    """Tunables, read from Settings when it has them (defaults otherwise)."""

    owner: str = ""
    concurrency: int = 4
    lease: timedelta = timedelta(seconds=120)
    max_attempts: int = 5
    max_ambiguous: int = 3
    backoff_base: float = 30.0
    backoff_max: float = 3600.0
    stale_after: timedelta | None = None
    stale_policy: str = "review"
    stale_spread: timedelta = timedelta(minutes=10)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> PublishOptions:
        """Options from Settings (already parsed); ``overrides`` win."""
        values: dict[str, Any] = {
            "concurrency": settings.concurrency,
            "lease": settings.lease,
            "max_attempts": settings.max_attempts,
            "max_ambiguous": settings.max_ambiguous,
            "stale_after": settings.stale_after,
            "stale_policy": settings.stale_policy,
        }
        return cls(**(values | overrides))


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed post."""

    post_id: int
    platform: str
    account: str
    state: OutcomeState
    ref: Ref | None = None
    error: str = ""


def default_owner() -> str:
    """A lease owner unique to this process."""
    return f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
