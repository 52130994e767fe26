"""The one publish path: claim -> (reconcile) -> send -> confirm, or record the failure.

The daemon and ``sharebot publish`` both go through :class:`Publisher`, so they share
leases and never race each other. Rules (DESIGN.md, "Exactly once"):

- a claim that may have been sent before (``reclaimed``, or an earlier claim that may have
  sent it, ``sent_before``: also after an editor's ``retry``) is reconciled first; a post
  found on the platform is confirmed, never re-sent;
- counts are kept apart (store columns): ``attempts`` = failures recorded (a claim whose
  process died is none), ``transient`` and ``ambiguous`` = outcomes of those kinds;
- TransientError: exponential backoff with jitter; the ``max_attempts``-th transient
  error -> review;
- RateLimitedError: retry at ``until`` (the adapter already blocked the account); after
  ``4 * max_attempts`` attempts of any kind -> review;
- RejectedError / ContentError (UnresolvedError: reconcile cannot decide): needs_review
  with the reason;
- PendingError (reconcile cannot decide yet, a listing lags): look again at ``until``,
  counted as nothing;
- AmbiguousError or an unexpected exception: retried later *through reconcile*; the
  ``max_ambiguous``-th unknown outcome -> needs_review.

A worker that has published a post goes on with the next due post: the confirm and the
next claim are one store transaction (``confirm_and_claim``), so a thread's chain of
replies costs one commit per post. Leases of in-flight posts are renewed by a keeper
thread, so a slow send is not reclaimed by another daemon. Fault injection: the
``after_send`` hook is called with each claim right after its send returned and before
its confirm (crash tests kill the process there); production code never sets it.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.errors import (
    AuthError,
    BotError,
    PendingError,
    PlatformError,
    RateLimitedError,
    RejectedError,
    StoreError,
    TransientError,
)
from bot.platforms.base import Outgoing, Platform, Ref
from bot.publish.lease import LeaseKeeper
from bot.publish.options import (
    ClaimStore,
    Outcome,
    OutcomeState,
    PlatformFactory,
    PublishOptions,
    default_owner,
)
from bot.store.views import Claim
from bot.threads import PostDraft

__all__ = ["ClaimStore", "Outcome", "PlatformFactory", "PublishOptions", "Publisher"]

log = logging.getLogger("sharebot.publish")


@dataclass(frozen=True)
class _Scope:
    """Which posts a dispatch (and the workers it starts) may claim."""

    article_id: int | None
    platforms: Collection[str]


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
        after_send: Callable[[Claim], None] | None = None,
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
        self._workers: set[Future[list[Outcome]]] = set()
        self._holding: set[int] = set()  # ids of posts this publisher has claimed
        self._listeners: list[Callable[[Outcome], None]] = []
        self._pool = ThreadPoolExecutor(self.options.concurrency, thread_name_prefix="publish")
        self._after_send = after_send
        self._keeper = LeaseKeeper(self)

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
        """How many more workers may start now."""
        with self._lock:
            self._workers = {f for f in self._workers if not f.done()}
            return self.options.concurrency - len(self._workers)

    def dispatch(
        self,
        *,
        article_id: int | None = None,
        platforms: Collection[str] | None = None,
    ) -> list[Future[list[Outcome]]]:
        """Claim as many due posts as there are free workers and start them. Each future
        gives the outcomes of its worker: the claimed post, then every post the worker
        went on with (see the module docstring)."""
        slots = self.free_slots()
        if slots <= 0 or self.stopping.is_set():
            return []
        scope = _Scope(article_id, list(self.accounts) if platforms is None else platforms)
        claims = self.store.claim_due(
            self.clock(),
            limit=slots,
            owner=self.owner,
            lease=self.options.lease,
            prepare=self.prepare,
            platforms=scope.platforms,
            article_id=scope.article_id,
        )
        futures = []
        for claim in claims:
            with self._lock:
                self._holding.add(claim.post_id)
            future = self._pool.submit(self._work, claim, scope)
            with self._lock:
                self._workers.add(future)
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
        """Publish everything due now (and replies that become due), then return.
        ``on_outcome`` is called (from a worker thread) as each post is done."""
        outcomes: list[Outcome] = []
        pending: set[Future[list[Outcome]]] = set()
        with self.listening(on_outcome):
            while True:
                if not self.stopping.is_set():
                    pending.update(self.dispatch(article_id=article_id, platforms=platforms))
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    outcomes.extend(future.result())
        return outcomes

    @contextmanager
    def listening(self, listener: Callable[[Outcome], None] | None) -> Iterator[None]:
        """Call ``listener`` (from worker threads) with every outcome while inside."""
        if listener is None:
            yield
            return
        with self._lock:
            self._listeners.append(listener)
        try:
            yield
        finally:
            with self._lock:
                self._listeners.remove(listener)

    def inflight_ids(self) -> list[int]:
        """Ids of posts this publisher holds a lease on right now."""
        with self._lock:
            return list(self._holding)

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
    def _work(self, claim: Claim, scope: _Scope) -> list[Outcome]:
        """Process ``claim``, then each post claimed together with its confirm."""
        outcomes = []
        current: Claim | None = claim
        try:
            while current is not None:
                outcome, following = self._process(current, scope)
                with self._lock:
                    self._holding.discard(current.post_id)
                    if following is not None:
                        self._holding.add(following.post_id)
                    listeners = list(self._listeners)
                current = following
                outcomes.append(outcome)
                for listener in listeners:
                    try:
                        listener(outcome)
                    except Exception:  # a progress display must not stop the publishing
                        log.exception("outcome listener failed")
        finally:  # a dying worker (BaseException) stops renewing its lease
            if current is not None:
                with self._lock:
                    self._holding.discard(current.post_id)
        return outcomes

    def _process(self, claim: Claim, scope: _Scope) -> tuple[Outcome, Claim | None]:
        try:
            return self._attempt(claim, scope)
        except PlatformError as exc:
            return self._record(claim, exc), None
        except Exception as exc:  # never let a worker die silently
            log.exception("post %s: unexpected error", claim.post_id)
            return self._record(claim, exc), None

    def _attempt(self, claim: Claim, scope: _Scope) -> tuple[Outcome, Claim | None]:
        if self._stale(claim):
            return self._handle_stale(claim), None
        if self.stopping.is_set():
            return self._release(claim), None
        adapter = self.platform(claim.platform, claim.account)
        with self._account_locks[(claim.platform, claim.account)]:
            out: Outgoing = claim.outgoing
            ref = None
            if claim.reclaimed or claim.sent_before:
                ref = adapter.reconcile(out)
                if ref is not None:
                    log.info("post %s: found on %s by reconcile", claim.post_id, claim.platform)
            if ref is None:
                if self.stopping.is_set():
                    return self._release(claim), None
                ref = adapter.send(out)
                if self._after_send is not None:
                    self._after_send(claim)
        return self._confirm(claim, ref, scope)

    def _confirm(self, claim: Claim, ref: Ref, scope: _Scope) -> tuple[Outcome, Claim | None]:
        """Confirm, and unless stopping claim the next due post in the same transaction."""
        now = self.clock()
        following: list[Claim] = []
        try:
            if self.stopping.is_set():
                self.store.confirm(claim.post_id, self.owner, ref, now)
            else:
                following = self.store.confirm_and_claim(
                    claim.post_id,
                    self.owner,
                    ref,
                    now,
                    limit=1,
                    lease=self.options.lease,
                    prepare=self.prepare,
                    platforms=scope.platforms,
                    article_id=scope.article_id,
                )
        except StoreError as exc:
            log.error("post %s: published as %s but lease lost: %s", claim.post_id, ref.url, exc)
            return _outcome(claim, "lost_lease", ref=ref, error=str(exc)), None
        log.info("post %s published: %s", claim.post_id, ref.url)
        return _outcome(claim, "published", ref=ref), (following[0] if following else None)

    def _release(self, claim: Claim) -> Outcome:
        self.store.release(claim.post_id, self.owner, self.clock())
        return _outcome(claim, "released")

    def _record(self, claim: Claim, exc: BaseException) -> Outcome:
        """Turn a failure into a store state (see the module docstring for the rules)."""
        now = self.clock()
        kind, retry_at, review = self._judge(claim, exc, now)
        message = _message(exc)
        if kind == "ambiguous" and review:
            message = f"outcome unknown after {claim.ambiguous + 1} attempts: {message}"
        try:
            self.store.fail(
                claim.post_id,
                self.owner,
                error=message,
                retry_at=retry_at,
                now=now,
                review=review,
                kind=kind,
            )
        except StoreError as err:
            log.error("post %s: could not record failure: %s", claim.post_id, err)
            return _outcome(claim, "lost_lease", error=message)
        state: OutcomeState = "needs_review" if review else "failed"
        log.warning("post %s %s: %s", claim.post_id, state, message)
        return _outcome(claim, state, error=message)

    def _judge(
        self, claim: Claim, exc: BaseException, now: datetime
    ) -> tuple[str, datetime | None, bool]:
        """(what the store counts, when to retry, whether to review) for a failure."""
        opts = self.options
        if isinstance(exc, PendingError):
            return "deferred", max(exc.until, now), False
        if isinstance(exc, RateLimitedError):
            return "rate_limited", max(exc.until, now), claim.attempts + 1 >= opts.max_attempts * 4
        if isinstance(exc, AuthError):
            return "auth", now + timedelta(seconds=opts.backoff_max), False
        if isinstance(exc, RejectedError) or (
            isinstance(exc, BotError) and not isinstance(exc, PlatformError | StoreError)
        ):
            return "rejected", None, True
        if isinstance(exc, TransientError):
            n = claim.transient + 1
            return "transient", now + self._backoff(n, exc.retry_after), n >= opts.max_attempts
        n = claim.ambiguous + 1  # AmbiguousError or unknown: the next attempt reconciles first
        return "ambiguous", now + self._backoff(n, None), n >= opts.max_ambiguous

    def _backoff(self, attempt: int, hint: float | None) -> timedelta:
        base = min(self.options.backoff_base * 2 ** (attempt - 1), self.options.backoff_max)
        delay = base / 2 + self.rng.random() * base / 2  # "equal jitter"
        if hint is not None:
            delay = max(delay, hint)
        return timedelta(seconds=delay)

    # --- stale posts ----------------------------------------------------------
    def _stale(self, claim: Claim) -> bool:
        limit = self.options.stale_after
        return (
            limit is not None
            and claim.attempts == 0
            and not claim.sent_before
            and not claim.reclaimed
            and not claim.paced  # late because its account's budget made it wait
            and self.clock() - claim.due_at > limit
        )

    def _handle_stale(self, claim: Claim) -> Outcome:
        now = self.clock()
        late = now - claim.due_at
        message = f"stale: {int(late.total_seconds())} s late (stale_after exceeded)"
        if self.options.stale_policy == "review":
            self.store.fail(
                claim.post_id,
                self.owner,
                error=message,
                retry_at=None,
                now=now,
                review=True,
                kind="stale",
            )
            return _outcome(claim, "needs_review", error=message)
        spread = self.options.stale_spread.total_seconds()
        retry_at = now + timedelta(seconds=self.rng.random() * spread)
        self.store.fail(
            claim.post_id, self.owner, error=message, retry_at=retry_at, now=now, kind="stale"
        )
        return _outcome(claim, "failed", error=message)


def _outcome(
    claim: Claim, state: OutcomeState, *, ref: Ref | None = None, error: str = ""
) -> Outcome:
    return Outcome(claim.post_id, claim.platform, claim.account, state, ref, error)


def _message(exc: BaseException) -> str:
    if isinstance(exc, BotError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
