"""The application layer: every use-case once, typed, without click or HTML.

The CLI (bot/commands), the daemon, the sandbox and (later) the desk and feeds call
:class:`App`; none of them plans, guards, publishes or edits on its own. Modules:

- ``plan``: read and plan an article (Choices -> Plan), the account picker;
- ``queueing``: guards (duplicates, floods), add, folder sync;
- ``publishing``: the publisher every face builds, publish now;
- ``editing``: edit, reschedule, cancel, retry (with the reason when nothing changed);
- ``views``: the queue, one article, share links, status;
- ``retract``: delete what was published, last reply first;
- ``stats``: engagement stats rounds (the daemon's stats job) and the report.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.app import editing, retract, stats, views
from bot.app.plan import Choices, Plan, parse_platforms
from bot.app.publishing import (
    SEND_TIMEOUT,
    Published,
    build_publisher,
    platform_factory,
    prepare_publish,
    publish_now,
)
from bot.app.queueing import GuardError, Queued, SyncReport, add_article, sync_folder
from bot.config import Settings, load
from bot.platforms.base import Platform
from bot.publish import Outcome, Publisher
from bot.store import ArticleView, PostView, Store, open_store

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

    @classmethod
    def open(cls, settings: Settings, *, create: bool = True) -> App:
        """Open the configured store (``create=False``: read-only uses, no new file)."""
        return cls(settings, open_store(settings.store_url, create=create))

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- queueing -------------------------------------------------------------------
    def add(
        self, source: str, choices: Choices | None = None, *, again: bool = False,
        force: bool = False,
    ) -> Queued:  # fmt: skip
        """Read, plan, guard and queue one article."""
        return add_article(self.store, self.settings, source, now=self.clock(),
                           choices=choices or Choices(),
                           again=again, force=force)  # fmt: skip

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
        self, *, factory: Callable[[str, str], Platform] | None = None, **limits: int
    ) -> stats.StatsRound:
        """Fetch and store the stats of every published post due now (one round)."""
        build = factory or platform_factory(self.settings, self.store, timeout=SEND_TIMEOUT)
        return stats.collect(self.store, self.settings.stats_intervals, build, self.clock(),
                             **limits)  # fmt: skip

    def stats(self, article_id: int | None = None) -> list[stats.SectionStats]:
        """Latest counts and growth per article, section and platform, best sections first."""
        return stats.report(self.store.newest_snapshots(article_id))

    # --- views ----------------------------------------------------------------------
    def queue(self, **filters: Any) -> views.Listing:
        """Upcoming posts (or the history, or everything), filtered."""
        return views.list_queue(self.store, **filters)

    def show(self, ident: str) -> ArticleView:
        """One article with every post."""
        return views.show(self.store, ident)

    def links(self, article_id: int) -> views.Links:
        """Share links and published post URLs of one article."""
        return views.links(self.store, self.settings, article_id)

    def status(self) -> views.Status:
        """Counts, next due, accounts, daemons."""
        return views.status(self.store)
