"""Follow sites: poll RSS/Atom/JSON feeds and queue each new article once.

A poll is a conditional GET through ``bot.fetch`` (its guards: no private addresses, size
cap, deadline; ETag / Last-Modified, so an unchanged feed answers 304 and costs next to
nothing). Each entry is recorded by guid before its article is queued, so one entry gives
one article even across restarts and with several daemons on one store. The article is
read from the entry's link (falling back to the content the feed carries) and goes through
the same plan, guards and enqueue as `queue add`; an entry seen before whose content
changed re-plans only the unsent threads, as `sync` does. The first poll takes ``backfill``
entries (default none: subscribing never floods). A broken feed backs off and is reported;
it never stops the daemon or the other feeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.app.plan import Choices, read_article
from bot.app.queueing import GuardError, add_article, replan
from bot.article import Article, ThreadMode, content_hash
from bot.config import FeedConfig, Settings, feed_config
from bot.errors import BotError
from bot.fetch import FetchPolicy, fetch
from bot.readers import read_text
from bot.readers.feed import FeedEntry, parse_feed
from bot.store import Store
from bot.store.feeds import FeedView, SeenEntry

FEED_MAX_BYTES = 5_000_000
MAX_BACKOFF = timedelta(days=1)
HOLD = timedelta(minutes=10)  # a claimed feed is not polled by another daemon meanwhile


@dataclass
class PollResult:
    """What one poll of one feed did."""

    url: str
    status: str = "ok"  # ok | not modified | failed
    queued: list[int] = field(default_factory=list)  # new articles
    updated: list[int] = field(default_factory=list)  # articles re-planned
    skipped: int = 0  # entries seen before, or taken at the first poll without backfill
    errors: list[str] = field(default_factory=list)  # entries that gave no article
    error: str | None = None  # the feed itself failed
    record: dict[str, Any] = field(default_factory=dict, repr=False)  # for Store.finish_polls

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {k: v for k, v in self.__dict__.items() if k != "record"}


def follow(store: Store, feed: FeedConfig, now: datetime) -> int:
    """Follow a feed (or change its options); its id."""
    return store.upsert_feed(feed.url, feed.options(), now)


def follow_configured(store: Store, settings: Settings, now: datetime) -> None:
    """Follow every ``[[feeds]]`` of the configuration (their options win)."""
    for feed in settings.feeds:
        follow(store, feed, now)


def feed_client(settings: Settings) -> httpx.Client:
    """One HTTP client for a round of polls (connections are reused across feeds)."""
    policy = _policy(settings)
    return httpx.Client(timeout=policy.timeout, headers={"user-agent": policy.user_agent},
                        follow_redirects=False,
                        limits=httpx.Limits(max_connections=64))  # fmt: skip


def _policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        max_bytes=FEED_MAX_BYTES,
        allow_private=settings.allow_private_fetch,
        allowed_networks=settings.fetch_networks,
        deadline=settings.fetch_deadline.total_seconds(),
    )


def poll_due(
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    urls: Sequence[str] = (),
    limit: int = 1000,
    workers: int = 16,
) -> list[PollResult]:
    """Poll the feeds that are due (or, with ``urls``, those feeds now), concurrently."""
    if urls:
        wanted = set(urls)
        feeds = [f for f in store.list_feeds() if f.url in wanted]
    else:
        feeds = store.claim_due_feeds(now, limit=limit, hold=HOLD)
    if not feeds:
        return []
    with feed_client(settings) as client, ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda f: poll_one(store, settings, f, now, client), feeds))
    store.finish_polls([r.record for r in results])  # one commit for the round
    return results


def poll_one(
    store: Store, settings: Settings, feed: FeedView, now: datetime, client: httpx.Client
) -> PollResult:
    """Poll one feed and queue what is new; never raises for a broken feed. The poll's own
    record (next time, ETag, error) is left in ``result.record`` for the caller to store."""
    result = PollResult(feed.url)
    options = feed_config({"url": feed.url, **feed.options}, source="the store", where=feed.url)
    headers = {k: v for k, v in (("if-none-match", feed.etag),
                                 ("if-modified-since", feed.last_modified)) if v}  # fmt: skip
    try:
        got = fetch(feed.url, policy=_policy(settings), client=client, headers=headers)
        if got.not_modified:
            result.status = "not modified"
        else:
            parsed = parse_feed(got.content, source=feed.url, content_type=got.content_type)
            _entries(store, settings, feed, options, parsed.entries, now, result)
    except BotError as exc:
        result.status, result.error = "failed", str(exc)
        failures = feed.failures + 1
        wait = min(options.poll * 2 ** min(failures - 1, 16), MAX_BACKOFF)
        result.record = _record(feed, now, wait, feed.etag, feed.last_modified, str(exc),
                                failures)  # fmt: skip
        return result
    etag = got.headers.get("etag") or feed.etag
    modified = got.headers.get("last-modified") or feed.last_modified
    result.record = _record(feed, now, options.poll, etag, modified, None, 0)
    return result


def _record(feed: FeedView, now: datetime, wait: timedelta, etag: str | None,
            modified: str | None, error: str | None, failures: int) -> dict[str, Any]:  # fmt: skip
    return {"feed_id": feed.id, "now": now, "next_poll_at": now + wait, "etag": etag,
            "last_modified": modified, "error": error, "failures": failures}  # fmt: skip


def _entries(
    store: Store,
    settings: Settings,
    feed: FeedView,
    options: FeedConfig,
    entries: Sequence[FeedEntry],
    now: datetime,
    result: PollResult,
) -> None:
    seen = store.seen_entries(feed.id)
    first = feed.last_poll_at is None and not seen
    take = options.backfill if first else len(entries)
    for i, entry in reversed(list(enumerate(entries))):  # oldest first: queued in order
        if entry.guid in seen:
            _maybe_update(store, settings, feed, options, entry, seen[entry.guid], now, result)
        elif i >= take or (entry.link and store.link_seen(entry.link)):
            store.record_entry(feed.id, entry.guid, link=entry.link, version=entry.version,
                               now=now)  # fmt: skip
            result.skipped += 1
        elif store.record_entry(feed.id, entry.guid, link=entry.link, version=entry.version,
                                now=now):  # fmt: skip
            _queue(store, settings, feed, options, entry, now, result)


def _choices(options: FeedConfig) -> Choices:
    mode: ThreadMode | None = options.thread_mode  # type: ignore[assignment]
    return Choices(every=options.every, platforms=options.platforms, subreddit=options.subreddit,
                   flair=options.flair, mode=mode, allow_past=True, evergreen=options.evergreen,
                   max_reshares=options.max_reshares, hold=options.approval)  # fmt: skip


def _read(settings: Settings, entry: FeedEntry, feed_url: str) -> Article:
    """The entry's article: its page, else the content the feed carries."""
    source = entry.link or f"{feed_url}#{entry.guid}"
    try:
        if entry.link is None:
            raise BotError("the entry has no link")
        return read_article(entry.link, settings)
    except BotError as page_error:
        if not entry.content:
            raise BotError(f"{source}: {page_error} (and the feed carries no content)") from None
        if entry.content_type == "html":
            return read_text(entry.content, source=source, fmt="html", base_url=entry.link)
        return read_text(entry.content, source=source, fmt="text")


def _queue(
    store: Store,
    settings: Settings,
    feed: FeedView,
    options: FeedConfig,
    entry: FeedEntry,
    now: datetime,
    result: PollResult,
) -> None:
    try:
        article = _read(settings, entry, feed.url)
        queued = add_article(store, settings, entry.link or feed.url, now=now,
                             choices=_choices(options), article=article)  # fmt: skip
    except GuardError as exc:
        store.update_entry(feed.id, entry.guid, error=str(exc))
        result.skipped += 1
        return
    except BotError as exc:
        store.update_entry(feed.id, entry.guid, error=str(exc))
        result.errors.append(str(exc))
        return
    store.update_entry(feed.id, entry.guid, article_id=queued.article_id)
    result.queued.append(queued.article_id)


def _maybe_update(
    store: Store,
    settings: Settings,
    feed: FeedView,
    options: FeedConfig,
    entry: FeedEntry,
    seen: SeenEntry,
    now: datetime,
    result: PollResult,
) -> None:
    """An entry seen before: re-plan its article's unsent threads if its content changed."""
    result.skipped += 1
    if seen.version == entry.version or seen.article_id is None:
        return
    try:
        article = _read(settings, entry, feed.url)
        view = store.get_article(seen.article_id)
        if content_hash(article) != view.content_hash:
            replan(store, settings, view, article, view.source, now=now,
                   choices=_choices(options))  # fmt: skip
            result.updated.append(view.id)
        store.update_entry(feed.id, entry.guid, version=entry.version)
    except BotError as exc:
        store.update_entry(feed.id, entry.guid, error=str(exc))
        result.errors.append(str(exc))
