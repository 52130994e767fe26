"""Values of the publish path: options, outcomes, the store protocol it needs, the crash hook."""

from __future__ import annotations

import os
import random
import signal
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from bot.errors import BotError
from bot.platforms.base import Platform, Ref
from bot.threads import PostDraft

CRASH_ENV = "SHAREBOT_TEST_CRASH_AFTER_SEND"
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
    ) -> list[Any]: ...

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
    ) -> list[Any]: ...

    def fail(
        self,
        post_id: int,
        owner: str,
        *,
        error: str,
        retry_at: datetime | None,
        now: datetime,
        review: bool = False,
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
    def from_settings(cls, settings: Any, **overrides: Any) -> PublishOptions:
        """Options from a Settings object; missing attributes keep their defaults."""
        values: dict[str, Any] = {}
        for name in ("concurrency", "max_attempts", "max_ambiguous", "stale_policy"):
            if hasattr(settings, name):
                values[name] = getattr(settings, name)
        for name in ("lease", "stale_after"):
            raw = getattr(settings, name, None)
            if raw is not None:
                values[name] = raw if isinstance(raw, timedelta) else parse_duration(raw)
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed post."""

    post_id: int
    platform: str
    account: str
    state: OutcomeState
    ref: Ref | None = None
    error: str = ""


def parse_duration(text: str | int | float) -> timedelta:
    """``"90s"``, ``"15m"``, ``"6h"``, ``"2d"`` or a number of seconds -> timedelta."""
    if isinstance(text, int | float):
        return timedelta(seconds=text)
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    raw = text.strip().lower()
    try:
        if raw and raw[-1] in units:
            return timedelta(seconds=float(raw[:-1]) * units[raw[-1]])
        return timedelta(seconds=float(raw))
    except ValueError:
        raise BotError(f"not a duration: {text!r} (use e.g. 90s, 15m, 6h, 2d)") from None


def default_owner() -> str:
    """A lease owner unique to this process."""
    return f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class CrashHook:
    """SIGKILL this process after a send (crash tests only; see the module docstring)."""

    def __init__(self, spec: str | None, rng: random.Random) -> None:
        self.nth = int(spec) if spec and spec.isdigit() else 0
        self.prob = float(spec[1:]) if spec and spec.startswith("p") else 0.0
        self.sends = 0
        self.rng = rng

    def after_send(self) -> None:
        self.sends += 1
        if (self.nth and self.sends >= self.nth) or (self.prob and self.rng.random() < self.prob):
            os.kill(os.getpid(), signal.SIGKILL)
