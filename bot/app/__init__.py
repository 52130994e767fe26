"""The application layer: every use-case once, typed, without click or HTML.

The CLI (bot/commands), the daemon, the sandbox and (later) the desk and feeds call
:class:`App`; none of them plans, guards, publishes or edits on its own. Modules:

- ``plan``: read and plan an article (Choices -> Plan), the account picker;
- ``queueing``: guards (duplicates, floods), add, folder sync;
- ``publishing``: the publisher every face builds, publish now;
- ``editing``: edit, reschedule, cancel, retry (with the reason when nothing changed);
- ``views``: the queue, one article, share links, status;
- ``drafts``: articles given as text (the desk's paste and upload);
- ``approval``: approving contributors' articles, undoing a cancel;
- ``users``: desk users, logins, sessions.
- ``retract``: delete what was published, last reply first;
- ``stats``: engagement stats rounds (the daemon's stats job) and the report.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot import budget
from bot.app import (
    accounts,
    approval,
    drafts,
    editing,
    evergreen,
    feeds,
    outline,
    retract,
    stats,
    users,
    views,
)
from bot.app.accounts import AccountReport, CheckResult, Rotation
from bot.app.feeds import PollResult
from bot.app.plan import Choices, Plan, build_plan, parse_platforms, read_article
from bot.app.publishing import (
    SEND_TIMEOUT,
    Published,
    build_publisher,
    platform_factory,
    prepare_publish,
    publish_now,
)
from bot.app.queueing import GuardError, Queued, SyncReport, add_article, sync_folder
from bot.config import FeedConfig, Settings, load
from bot.platforms.base import Platform
from bot.publish import Outcome, Publisher
from bot.secretkey import store_key
from bot.store import ArticleView, PostView, Store, open_store
from bot.store.feeds import FeedView
from bot.store.users import Session, User

__all__ = [
    "App",
    "Choices",
    "GuardError",
    "Plan",
    "Published",
    "Queued",
    "SyncReport",
    "parse_platforms",
]

CONFIG_SECRETS = ("password", "client_secret", "refresh_token")


def load_settings(
    config: str | None, store_url: str | None, *, secrets: bool = True,
    env: Mapping[str, str] | None = None,
) -> Settings:  # fmt: skip
    """Settings (flag > env > file > defaults), secrets registered with the log redactor."""
    from bot.logs import register_secrets

    settings = load(config, store_url=store_url, env=dict(os.environ if env is None else env),
                    secrets=secrets)  # fmt: skip
    accounts = (*settings.bluesky, *settings.reddit)
    register_secrets(_revealed(getattr(a, name, None)) for a in accounts for name in CONFIG_SECRETS)
    return settings


def _revealed(secret: Any) -> str | None:
    try:
        return None if secret is None else str(secret.reveal())
    except Exception:  # a secret that could not be read has nothing to redact
        return None


class App:
    """Settings + store + clock, and every use-case as a method (see the module doc)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.throttle = users.LoginThrottle()
        self._readers: stats.Readers | None = None  # the stats adapters, kept across rounds

    @classmethod
    def open(cls, settings: Settings, *, create: bool = True) -> App:
        """Open the configured store (``create=False``: read-only uses, no new file)."""
        # in_flight=1: the publisher sends one post per account at a time, so a claim is
        # never held seconds past the budget it spent
        store = open_store(settings.store_url, create=create, key=store_key(settings),
                           budgets=budget.from_settings(settings), in_flight=1)  # fmt: skip
        return cls(settings, store)

    def close(self) -> None:
        """Close the stats adapters and the store."""
        if self._readers is not None:
            self._readers.close()
        self.store.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- queueing -------------------------------------------------------------------
    def add(
        self, source: str, choices: Choices | None = None, *, again: bool = False,
        force: bool = False, submitted_by: int | None = None,
    ) -> Queued:  # fmt: skip
        """Read, plan, guard and queue one article."""
        return add_article(self.store, self.settings, source, now=self.clock(),
                           choices=choices or Choices(), again=again, force=force,
                           submitted_by=submitted_by)  # fmt: skip

    def plan_text(self, text: str, name: str, choices: Choices | None = None) -> Plan:
        """The plan of an article given as text (pasted or uploaded); nothing is written."""
        return drafts.plan_text(self.store, self.settings, text, name, choices or Choices(),
                                self.clock())  # fmt: skip

    def add_text(
        self, text: str, name: str, choices: Choices | None = None, *, again: bool = False,
        force: bool = False, submitted_by: int | None = None,
    ) -> Queued:  # fmt: skip
        """Read, plan, guard and queue an article given as text."""
        return drafts.add_text(self.store, self.settings, text, name, choices or Choices(),
                               self.clock(), again=again, force=force,
                               submitted_by=submitted_by)  # fmt: skip

    def plan_source(self, source: str, choices: Choices | None = None) -> Plan:
        """The plan of a file or URL (what ``add`` would queue); nothing is written."""
        article = read_article(source, self.settings)
        return build_plan(self.store, self.settings, article, source, now=self.clock(),
                          choices=choices or Choices())  # fmt: skip

    def sync(self, folder: str | None = None) -> SyncReport:
        """Import a folder of articles (default: the configured posts_dir)."""
        return sync_folder(self.store, self.settings, folder, now=self.clock())

    # --- publishing -----------------------------------------------------------------
    def publisher(self, **options: Any) -> Publisher:
        """The one publish path for this configuration (the caller closes it)."""
        return build_publisher(self.store, self.settings, **options)

    def prepare_publish(
        self, source: str, platforms: tuple[str, ...] | None, *, again: bool = False,
        force: bool = False,
    ) -> tuple[int | None, Plan | None]:  # fmt: skip
        """What ``publish`` would publish: a stored article's id, or the plan of a new one."""
        return prepare_publish(self.store, self.settings, source, platforms=platforms,
                               now=self.clock(), again=again, force=force)  # fmt: skip

    def publish(
        self,
        article_id: int | None,
        plan: Plan | None,
        platforms: tuple[str, ...] | None = None,
        *,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> Published:
        """Publish a prepared article now (see ``prepare_publish``)."""
        publisher = self.publisher()
        try:
            return publish_now(self.store, self.settings, article_id, plan, platforms=platforms,
                               now=self.clock(), publisher=publisher,
                               on_outcome=on_outcome)  # fmt: skip
        finally:
            publisher.close()

    # --- feeds ----------------------------------------------------------------------
    def follow(self, feed: FeedConfig) -> int:
        """Follow a feed (or change its options)."""
        return feeds.follow(self.store, feed, self.clock())

    def unfollow(self, url: str) -> bool:
        """Stop following a feed; False when it was not followed."""
        return self.store.remove_feed(url)

    def list_feeds(self) -> list[FeedView]:
        """Every followed feed with its state and last error."""
        return self.store.list_feeds()

    def poll_feeds(self, urls: Sequence[str] = ()) -> list[PollResult]:
        """Poll the due feeds (the configured ones are followed first), or ``urls`` now."""
        feeds.follow_configured(self.store, self.settings, self.clock())
        return feeds.poll_due(self.store, self.settings, self.clock(), urls=urls)

    def reshare_due(self) -> list[int]:
        """Queue the evergreen re-shares that are due; the articles re-shared."""
        return evergreen.reshare_due(self.store, self.settings, self.clock())

    def periodic_jobs(self) -> list[tuple[str, Callable[[], object]]]:
        """What the daemon runs on every tick besides publishing (each its own job)."""
        return [("feeds", self.poll_feeds), ("evergreen", self.reshare_due)]

    # --- accounts -------------------------------------------------------------------
    def accounts(self) -> list[AccountReport]:
        """Each account: budget left, next refill, blocked until, last error."""
        return accounts.list_accounts(self.settings, self.store, self.clock())

    def check_accounts(self, name: str | None = None) -> list[CheckResult]:
        """Log in as every configured account (or ``name``) and say who it is."""
        factory = platform_factory(self.settings, self.store)
        return accounts.check_accounts(self.settings, self.store, factory, self.clock(), name)

    def rotate_key(self, new_key_env: str | None = None) -> Rotation:
        """Re-seal the stored sessions with a new key."""
        return accounts.rotate_key(self.store, store_key(self.settings), new_key_env)

    # --- editing --------------------------------------------------------------------
    def cancel(self, ident: str) -> editing.Changed:
        """Cancel an article's, thread's or post's unpublished posts."""
        return editing.cancel(self.store, ident, self.clock())

    def retry(self, ident: str) -> editing.Changed:
        """Queue failed / needs_review posts again, due now."""
        return editing.retry(self.store, ident, self.clock())

    def reschedule(self, ident: str, at: datetime, *, allow_past: bool) -> editing.Rescheduled:
        """Move queued posts; each thread's old and new time."""
        return editing.reschedule(self.store, self.settings, ident, at, now=self.clock(),
                                  allow_past=allow_past)  # fmt: skip

    def edit(self, post_id: int, change: editing.Edit) -> PostView:
        """Change an unpublished post's text, images or link card."""
        return editing.edit(self.store, post_id, change)

    def approve(self, ident: str) -> editing.Changed:
        """Let a contributor's article (or thread, or post) be published: queued."""
        return approval.approve(self.store, ident, self.clock())

    def publish_soon(self, ident: str) -> editing.Rescheduled:
        """Make queued/failed posts due now: the daemon publishes them on its next tick."""
        return self.reschedule(ident, self.clock(), allow_past=True)

    def restore(self, ident: str) -> editing.Changed:
        """Undo a cancel (never-sent posts only)."""
        return approval.restore(self.store, ident, self.clock())

    # --- desk users -----------------------------------------------------------------
    def add_user(self, name: str, role: str, password: str) -> User:
        """Create or reset a desk user (argon2 hash of the password)."""
        return users.add_user(self.store, name, role, password, self.clock())

    def login(self, name: str, password: str, address: str) -> users.Login:
        """Check a password (throttled per name and address) and open a session."""
        return users.login(self.store, self.throttle, name, password, address, self.clock())

    def session(self, token: str) -> Session | None:
        """The live session of a cookie token (None: logged out or idle)."""
        return users.session(self.store, token, self.clock())

    def users(self) -> list[User]:
        """Every desk user, by name."""
        return self.store.list_users()

    def logout(self, token: str) -> None:
        """End a session."""
        self.store.end_session(users.token_hash(token))

    # --- retraction -----------------------------------------------------------------
    def retraction(self, ident: str, platform: str | None = None) -> retract.RetractPlan:
        """What ``retract`` would delete, last reply first (NothingToDo if nothing)."""
        return retract.plan_retraction(self.store, ident, platform)

    def retract(
        self,
        ident: str,
        platform: str | None = None,
        *,
        factory: Callable[[str, str], Platform] | None = None,
    ) -> retract.Retracted:
        """Delete the published posts of an article/thread and record each deletion."""
        build = factory or platform_factory(self.settings, self.store, timeout=SEND_TIMEOUT)
        return retract.retract(self.store, ident, platform, factory=build, clock=self.clock)

    # --- engagement stats -----------------------------------------------------------
    def collect_stats(
        self, *, factory: Callable[[str, str], Platform] | None = None, **limits: Any
    ) -> stats.StatsRound:
        """Fetch and store the stats of every published post due now (one round). The
        adapters are kept for the next round (a Bluesky session, Reddit's OAuth token), unless
        ``factory`` is given: then they are closed after this one."""
        if factory is not None:
            once = stats.Readers(factory)
            try:
                return stats.collect(self.store, self.settings.stats_intervals, once,
                                     self.clock(), **limits)  # fmt: skip
            finally:
                once.close()
        if self._readers is None:
            build = platform_factory(self.settings, self.store, timeout=SEND_TIMEOUT)
            self._readers = stats.Readers(build)
        return stats.collect(self.store, self.settings.stats_intervals, self._readers,
                             self.clock(), **limits)  # fmt: skip

    def stats(self, article_id: int | None = None) -> list[stats.SectionStats]:
        """Latest counts and growth per article, section and platform, best sections first."""
        return stats.report(self.store.newest_snapshots(article_id))

    # --- views ----------------------------------------------------------------------
    def queue(
        self,
        *,
        view: views.View = "upcoming",
        status: str | None = None,
        platform: str | None = None,
        article: int | None = None,
        limit: int = 50,
        offset: int = 0,
        account: str | None = None,
    ) -> views.Listing:
        """Upcoming posts (or the history, or everything), filtered."""
        return views.list_queue(self.store, view=view, status=status, platform=platform,
                                article=article, limit=limit, offset=offset,
                                account=account)  # fmt: skip

    def week(self, start: datetime, end: datetime) -> tuple[PostView, ...]:
        """The first post of every live thread due in [start, end) (the calendar)."""
        return views.threads_between(self.store, start, end)

    def show(self, ident: str) -> ArticleView:
        """One article with every post."""
        return views.show(self.store, ident)

    def outline(self, article_id: int) -> outline.Outline:
        """One article's sections -> threads -> posts, and who submitted it."""
        return outline.outline(self.store, article_id)

    def post(self, post_id: int) -> PostView:
        """One post (NotFoundError if unknown)."""
        return self.store.get_post(post_id)

    def submitter(self, article_id: int) -> int | None:
        """The desk user who submitted an article (None: the CLI, sync or a feed)."""
        return self.store.submitted_by(article_id)

    def links(self, article_id: int) -> views.Links:
        """Share links and published post URLs of one article."""
        return views.links(self.store, self.settings, article_id)

    def status(self) -> views.Status:
        """Counts, next due, accounts, daemons."""
        return views.status(self.store)
