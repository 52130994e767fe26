"""Publish now, and the publisher every face builds (daemon, `publish`, sandbox, desk).

``publish_now`` finds or queues the article (through :func:`bot.app.queueing.add_article`:
same hash, same guards as `queue add`), makes its posts due now and runs the one publish
path restricted to that article. An article already published sends nothing and reports
its URLs; posts a daemon holds are reported as held, not as failures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.app import evergreen
from bot.app.plan import Choices, Plan, build_plan, configured_accounts, read_article
from bot.app.queueing import check_guards, enqueue_plan, find_existing
from bot.app.views import article_links
from bot.config import BlueskyAccount, RedditAccount, Settings
from bot.errors import ConfigError, NotFoundError
from bot.platforms.base import Platform, Ref
from bot.publish import Outcome, Publisher, PublishOptions
from bot.store import Store
from bot.store.views import Claim, PostView, parse_ident
from bot.threads import embed_json

SEND_TIMEOUT = 8.0  # seconds per HTTP exchange: a send never outlives a stopping daemon


def platform_factory(
    settings: Settings, sessions: Store, **adapter_options: Any
) -> Callable[[str, str], Platform]:
    """A factory building the real adapter for (platform, account name); SDKs load lazily."""

    def build(platform: str, account: str) -> Platform:
        configured: dict[str, Sequence[BlueskyAccount | RedditAccount]] = {
            "bluesky": settings.bluesky,
            "reddit": settings.reddit,
        }
        for acct in configured.get(platform, ()):
            if acct.name != account:
                continue
            if isinstance(acct, BlueskyAccount):  # the SDKs load only here
                from bot.platforms.bluesky import BlueskyPlatform

                return BlueskyPlatform(acct, sessions, **adapter_options)
            from bot.platforms.reddit import RedditPlatform

            options = {"listing_lag": settings.listing_lag} | adapter_options
            return RedditPlatform(acct, sessions, **options)
        raise ConfigError(f"no {platform} account named {account!r} in the configuration")

    return build


def build_publisher(
    store: Store,
    settings: Settings,
    *,
    factory: Callable[[str, str], Platform] | None = None,
    accounts: Mapping[str, Sequence[str]] | None = None,
    after_send: Callable[[Claim], None] | None = None,
    **options: Any,
) -> Publisher:
    """A Publisher for ``settings`` (tests inject ``factory``/``accounts``/``after_send``)."""
    return Publisher(
        store,
        factory or platform_factory(settings, store, timeout=SEND_TIMEOUT),
        accounts if accounts is not None else configured_accounts(settings),
        PublishOptions.from_settings(settings, **options),
        after_send=after_send,
    )


@dataclass(frozen=True)
class Held:
    """A post of the article that another process (a daemon) is sending right now."""

    post_id: int
    platform: str
    due_at: datetime


@dataclass(frozen=True)
class Published:
    """What ``publish_now`` did."""

    article_id: int
    outcomes: tuple[Outcome, ...]
    posts: tuple[PostView, ...]  # every post of the article afterwards
    share_links: Mapping[str, Any]
    already_published: bool = False
    held: tuple[Held, ...] = field(default=())
    waiting: tuple[PostView, ...] = field(default=())  # not published, not failed, not held

    @property
    def failed(self) -> list[Outcome]:
        """Outcomes that are not a publication."""
        return [o for o in self.outcomes if o.state != "published"]

    @property
    def ok(self) -> bool:
        """Nothing failed and something was published, was already, or a daemon has it."""
        return not self.failed and bool(self.outcomes or self.already_published or self.held)


def article_ident(source: str) -> int | None:
    """``12`` / ``a12`` as an article id; None for a file or URL."""
    try:
        kind, number = parse_ident(source, bare="article")
    except NotFoundError:  # not an id: a file or a URL
        return None
    return number if kind == "article" else None


def prepare_publish(
    store: Store,
    settings: Settings,
    source: str,
    *,
    platforms: tuple[str, ...] | None,
    now: datetime,
    again: bool = False,
    force: bool = False,
) -> tuple[int | None, Plan | None]:
    """The article to publish: (its id, None) when it is stored already, or (None, the plan
    to queue) for a new one — guards checked, nothing written."""
    ident = article_ident(source)
    if ident is not None:
        store.get_article(ident)  # NotFoundError for an unknown one
        return ident, None
    article = read_article(source, settings)
    _check_accounts(settings, platforms or ())
    existing = None if again else find_existing(store, article)
    if existing is not None:
        return existing.article_id, None
    choices = Choices(platforms=platforms, at=now, immediate=True)
    default = tuple(configured_accounts(settings))
    plan = build_plan(store, settings, article, source, now=now, choices=choices,
                      platforms=default)  # fmt: skip
    _check_accounts(settings, plan.platforms)
    check_guards(store, settings, plan, again=True, force=force)
    return None, plan


def _check_accounts(settings: Settings, platforms: Sequence[str]) -> None:
    accounts = configured_accounts(settings)
    if not accounts:
        raise ConfigError("no Bluesky or Reddit account is configured")
    for platform in platforms:
        if platform not in accounts:
            raise ConfigError(f"no {platform} account is configured", key="--to")


def publish_now(
    store: Store,
    settings: Settings,
    article_id: int | None,
    plan: Plan | None,
    *,
    platforms: tuple[str, ...] | None,
    now: datetime,
    publisher: Publisher,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Published:
    """Queue ``plan`` (or take the stored ``article_id``), make it due now and publish it."""
    if plan is not None:  # checked by prepare_publish; written as it was shown
        article_id = enqueue_plan(store, plan, now, evergreen.choice(Choices(), plan.article))
    assert article_id is not None
    before = store.get_article(article_id)
    targeted = [p for p in before.posts if not platforms or p.platform in platforms]
    if targeted and all(p.state == "published" for p in targeted):
        return Published(article_id, (), before.posts, article_links(before, settings), True)
    store.make_due(article_id, now, platforms=platforms)
    outcomes = publisher.run_until_idle(
        article_id=article_id, platforms=platforms, on_outcome=on_outcome
    )
    after = store.get_article(article_id)
    mine = {o.post_id for o in outcomes}
    held = tuple(
        Held(p.id, p.platform, p.due_at)
        for p in after.posts
        if p.state == "sending" and p.id not in mine and (not platforms or p.platform in platforms)
    )
    waiting = tuple(
        p for p in after.posts if p.state == "queued" and (not platforms or p.platform in platforms)
    )
    return Published(article_id, tuple(outcomes), after.posts, article_links(after, settings),
                     held=held, waiting=waiting)  # fmt: skip


PENDING = Ref("at://pending/parent", "pending", "")


def dry_run_plan(settings: Settings, source: str, platforms: tuple[str, ...] | None) -> Plan:
    """The plan ``publish`` would queue, made without a store (for ``--dry-run``)."""
    article = read_article(source, settings)
    default = tuple(configured_accounts(settings))
    # without a Reddit account the forms still show, with a placeholder subreddit
    has_subreddit = settings.reddit or article.options.subreddit
    choices = Choices(platforms=platforms, immediate=True,
                      subreddit=None if has_subreddit else "<subreddit>")  # fmt: skip
    return build_plan(None, settings, article, source, now=datetime.now(UTC), choices=choices,
                      platforms=default)  # fmt: skip


def dry_run(plan: Plan) -> list[dict[str, Any]]:
    """What each post of ``plan`` would send: Bluesky records and Reddit forms, built by the
    adapters' own pure ``build_*`` functions (parents pending); nothing is sent."""
    from bot.platforms.bluesky import build_record, gate_records
    from bot.platforms.reddit import build_comment, build_submission

    out: list[dict[str, Any]] = []
    for thread in plan.threads:
        for n, draft in enumerate(thread.posts):
            body: dict[str, Any]
            if thread.platform == "bluesky":
                body = build_record(
                    draft, created_at="<claim time>", root=PENDING if n else None,
                    parent=PENDING if n else None,
                    facets=[f.to_lexicon() for f in draft.facets], embed=embed_json(draft.embed),
                )  # fmt: skip
            elif draft.kind == "submission":
                body = build_submission(
                    draft, subreddit=plan.subreddit or "<subreddit>", flair_id=None,
                    flair_text=plan.flair, key="<key>", nsfw=False, spoiler=False,
                )  # fmt: skip
            else:
                body = build_comment(draft, parent_fullname="<parent>", key="<key>")
            entry = {"platform": thread.platform, "section": thread.section, "body": body}
            if thread.platform == "bluesky":
                gates = gate_records(draft, "<this post>", "<claim time>", root=n == 0)
                entry |= {"gates": gates} if gates else {}
            out.append(entry)
    return out
