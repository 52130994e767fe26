"""The one publish path: claim -> (reconcile) -> send -> confirm, or record the failure.

The daemon and ``sharebot publish`` both go through :class:`Publisher`, so they share
leases and never race each other. Rules (DESIGN.md, "Exactly once"):

- a claim that may have been sent before (``reclaimed``, or any earlier attempt) is
  reconciled first; a post found on the platform is confirmed, never re-sent;
- TransientError: exponential backoff with jitter, ``max_attempts`` then review;
- RateLimitedError: retry at ``until`` (the adapter already blocked the account);
- RejectedError / ContentError: needs_review with the reason;
- AmbiguousError or an unexpected exception: retried later *through reconcile*;
  still ambiguous after ``max_ambiguous`` attempts -> needs_review.

Leases of in-flight posts are renewed by a keeper thread, so a slow send is not
reclaimed by another daemon. Test hook: ``SHAREBOT_TEST_CRASH_AFTER_SEND`` = ``N``
(SIGKILL the process right after the N-th send returns, before confirm) or ``pX``
(after each send with probability X, e.g. ``p0.2``). Unset in production.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.errors import (
    AuthError,
    BotError,
    PlatformError,
    RateLimitedError,
    RejectedError,
    StoreError,
    TransientError,
)
from bot.platforms.base import Outgoing, Platform, Ref
from bot.publish.options import (
    CRASH_ENV,
    ClaimStore,
    CrashHook,
    Outcome,
    OutcomeState,
    PlatformFactory,
    PublishOptions,
    default_owner,
    parse_duration,
)
from bot.threads import PostDraft

__all__ = [
    "CRASH_ENV",
    "ClaimStore",
    "Outcome",
    "PlatformFactory",
    "PublishOptions",
    "Publisher",
    "parse_duration",
]

log = logging.getLogger("sharebot.publish")


class Publisher:
    """Claims due posts and publishes them through one adapter per (platform, account)."""

    def __init__(
        self,
        store: ClaimStore,
        factory: PlatformFactory,
        accounts: Mapping[str, Sequence[str]],
        options: PublishOptions | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
    ) -> None:
        opts = options or PublishOptions()
        self.options = opts if opts.owner else replace(opts, owner=default_owner())
        self.store = store
        self.factory = factory
        self.accounts = {name: list(names) for name, names in accounts.items()}
        self.clock = clock
        self.rng = rng or random.Random()
        self.stopping = threading.Event()
        self._platforms: dict[tuple[str, str], Platform] = {}
        self._account_locks: dict[tuple[str, str], threading.Lock] = {}
        self._lock = threading.Lock()
        self._inflight: dict[int, Future[Outcome]] = {}
        self._pool = ThreadPoolExecutor(self.options.concurrency, thread_name_prefix="publish")
        self._crash = CrashHook(os.environ.get(CRASH_ENV), self.rng)
        self._keeper = _LeaseKeeper(self)

    @property
    def owner(self) -> str:
        """The lease owner name of this process."""
        return self.options.owner

    # --- adapters -------------------------------------------------------------
    def platform(self, platform: str, account: str) -> Platform:
        """The adapter for one account, built once by the factory."""
        key = (platform, account)
        with self._lock:
            if key not in self._platforms:
                self._platforms[key] = self.factory(platform, account)
                self._account_locks[key] = threading.Lock()
            return self._platforms[key]

    def prepare(self, platform: str, draft: PostDraft, key: str, now: datetime) -> dict[str, Any]:
        """The claim-time ``prepare`` callback: pure, so any account's adapter will do."""
        names = self.accounts.get(platform)
        if not names:
            raise StoreError(f"no {platform} account configured")
        return self.platform(platform, names[0]).prepare(draft, key, now)

    # --- dispatch -------------------------------------------------------------
    def free_slots(self) -> int:
        """How many more posts may be in flight now."""
        with self._lock:
            self._inflight = {k: f for k, f in self._inflight.items() if not f.done()}
            return self.options.concurrency - len(self._inflight)

    def dispatch(
        self,
        *,
        article_id: int | None = None,
        platforms: Collection[str] | None = None,
    ) -> list[Future[Outcome]]:
        """Claim as many due posts as there are free workers and start them."""
        slots = self.free_slots()
        if slots <= 0 or self.stopping.is_set():
            return []
        now = self.clock()
        claims = self.store.claim_due(
            now,
            limit=slots,
            owner=self.owner,
            lease=self.options.lease,
            prepare=self.prepare,
            platforms=platforms if platforms is not None else list(self.accounts),
            article_id=article_id,
        )
        futures = []
        for claim in claims:
            future = self._pool.submit(self._process, claim)
            with self._lock:
                self._inflight[claim.post_id] = future
            futures.append(future)
        if claims:
            self._keeper.ensure_running()
        return futures

    def run_until_idle(
        self,
        *,
        article_id: int | None = None,
        platforms: Collection[str] | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> list[Outcome]:
        """Publish everything due now (and replies that become due), then return."""
        outcomes: list[Outcome] = []
        pending: set[Future[Outcome]] = set()
        while True:
            if not self.stopping.is_set():
                pending.update(self.dispatch(article_id=article_id, platforms=platforms))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                outcomes.append(future.result())
                if on_outcome:
                    on_outcome(outcomes[-1])
        return outcomes

    def inflight(self) -> list[Future[Outcome]]:
        """Futures of posts still being processed."""
        with self._lock:
            return list(self._inflight.values())

    def inflight_ids(self) -> list[int]:
        """Ids of posts this publisher holds a lease on right now."""
        with self._lock:
            return [pid for pid, f in self._inflight.items() if not f.done()]

    def stop(self) -> None:
        """Stop claiming; in-flight sends finish, claims not yet sent are released."""
        self.stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=False)
        self._keeper.stop()

    def close(self) -> None:
        """Stop and close every adapter."""
        self.stop()
        for adapter in self._platforms.values():
            try:
                adapter.close()
            except Exception:  # closing is best effort
                log.exception("closing %s failed", adapter.name)

    # --- one post -------------------------------------------------------------
    def _process(self, claim: Any) -> Outcome:
        try:
            return self._attempt(claim)
        except PlatformError as exc:
            return self._record(claim, exc)
        except Exception as exc:  # never let a worker die silently
            log.exception("post %s: unexpected error", claim.post_id)
            return self._record(claim, exc)

    def _attempt(self, claim: Any) -> Outcome:
        if self._stale(claim):
            return self._handle_stale(claim)
        if self.stopping.is_set():
            return self._release(claim)
        adapter = self.platform(claim.platform, claim.account)
        with self._account_locks[(claim.platform, claim.account)]:
            out: Outgoing = claim.outgoing
            ref = None
            if claim.reclaimed or claim.attempts > 0:
                ref = adapter.reconcile(out)
                if ref is not None:
                    log.info("post %s: found on %s by reconcile", claim.post_id, claim.platform)
            if ref is None:
                if self.stopping.is_set():
                    return self._release(claim)
                ref = adapter.send(out)
                self._crash.after_send()
        return self._confirm(claim, ref)

    def _confirm(self, claim: Any, ref: Ref) -> Outcome:
        try:
            self.store.confirm(claim.post_id, self.owner, ref, self.clock())
        except StoreError as exc:
            log.error("post %s: published as %s but lease lost: %s", claim.post_id, ref.url, exc)
            return _outcome(claim, "lost_lease", ref=ref, error=str(exc))
        log.info("post %s published: %s", claim.post_id, ref.url)
        return _outcome(claim, "published", ref=ref)

    def _release(self, claim: Any) -> Outcome:
        self.store.release(claim.post_id, self.owner, self.clock())
        return _outcome(claim, "released")

    def _record(self, claim: Any, exc: BaseException) -> Outcome:
        """Turn a failure into a store state (see the module docstring for the rules)."""
        now = self.clock()
        attempt = claim.attempts + 1
        message = _message(exc)
        review = False
        retry_at: datetime | None
        if isinstance(exc, RateLimitedError):
            retry_at = max(exc.until, now)
            review = attempt >= self.options.max_attempts * 4
        elif isinstance(exc, AuthError):
            retry_at = now + timedelta(seconds=self.options.backoff_max)
        elif isinstance(exc, RejectedError) or (
            isinstance(exc, BotError) and not isinstance(exc, PlatformError | StoreError)
        ):
            retry_at, review = None, True
        elif isinstance(exc, TransientError):
            retry_at = now + self._backoff(attempt, exc.retry_after)
            review = attempt >= self.options.max_attempts
        else:  # AmbiguousError or unknown: the next attempt reconciles first
            retry_at = now + self._backoff(attempt, None)
            review = attempt >= self.options.max_ambiguous
            if review:
                message = f"outcome unknown after {attempt} attempts: {message}"
        try:
            self.store.fail(
                claim.post_id, self.owner, error=message, retry_at=retry_at, now=now, review=review
            )
        except StoreError as err:
            log.error("post %s: could not record failure: %s", claim.post_id, err)
            return _outcome(claim, "lost_lease", error=message)
        state: OutcomeState = "needs_review" if review else "failed"
        log.warning("post %s %s: %s", claim.post_id, state, message)
        return _outcome(claim, state, error=message)

    def _backoff(self, attempt: int, hint: float | None) -> timedelta:
        base = min(self.options.backoff_base * 2 ** (attempt - 1), self.options.backoff_max)
        delay = base / 2 + self.rng.random() * base / 2  # "equal jitter"
        if hint is not None:
            delay = max(delay, hint)
        return timedelta(seconds=delay)

    # --- stale posts ----------------------------------------------------------
    def _stale(self, claim: Any) -> bool:
        limit = self.options.stale_after
        return (
            limit is not None
            and claim.attempts == 0
            and not claim.reclaimed
            and self.clock() - claim.due_at > limit
        )

    def _handle_stale(self, claim: Any) -> Outcome:
        now = self.clock()
        late = now - claim.due_at
        message = f"stale: {int(late.total_seconds())} s late (stale_after exceeded)"
        if self.options.stale_policy == "review":
            self.store.fail(
                claim.post_id, self.owner, error=message, retry_at=None, now=now, review=True
            )
            return _outcome(claim, "needs_review", error=message)
        spread = self.options.stale_spread.total_seconds()
        retry_at = now + timedelta(seconds=self.rng.random() * spread)
        self.store.fail(claim.post_id, self.owner, error=message, retry_at=retry_at, now=now)
        return _outcome(claim, "failed", error=message)


class _LeaseKeeper:
    """Renews the leases of in-flight posts every third of the lease."""

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ensure_running(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        pub = self.publisher
        period = pub.options.lease.total_seconds() / 3
        while not self._stop.wait(period):
            until = pub.clock() + pub.options.lease
            for post_id in pub.inflight_ids():
                try:
                    pub.store.renew_lease(post_id, pub.owner, until)
                except Exception as exc:  # a post confirmed meanwhile, or the lease is gone
                    log.debug("post %s: lease not renewed: %s", post_id, exc)


def _outcome(
    claim: Any, state: OutcomeState, *, ref: Ref | None = None, error: str = ""
) -> Outcome:
    return Outcome(claim.post_id, claim.platform, claim.account, state, ref, error)


def _message(exc: BaseException) -> str:
    if isinstance(exc, BotError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
