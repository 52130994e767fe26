"""The editors' queue as a library: plan an article into the store, sync a folder.

``sharebot queue add`` and ``sharebot sync`` are thin over these; the daemon calls
``sync_folder`` on its tick. Each article is written in one store transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.article import Article, ThreadMode, to_dict
from bot.compile import compile_article
from bot.config import Settings, parse_duration, parse_every, subreddit_name, zone
from bot.errors import BotError, ConfigError
from bot.fetch import FetchPolicy
from bot.readers import MAX_BYTES, read_source
from bot.schedule import plan
from bot.threads import LIMITS, ThreadDraft

PLATFORMS = tuple(LIMITS)
ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
HORIZON = timedelta(days=800)


@dataclass(frozen=True)
class Choices:
    """What an editor chose on the command line (None = front-matter, then config)."""

    at: datetime | None = None
    every: str | None = None
    platforms: tuple[str, ...] | None = None
    subreddit: str | None = None
    flair: str | None = None
    mode: ThreadMode | None = None
    link_post: bool | None = None
    allow_past: bool = False


@dataclass(frozen=True)
class Planned:
    """Everything ``Store.enqueue`` needs for one article."""

    article: Article
    source: str
    threads: tuple[ThreadDraft, ...]
    due: dict[tuple[str, int], datetime]
    accounts: dict[str, str]
    subreddit: str | None
    flair: str | None
    content_hash: str
    spacing: timedelta = timedelta(0)

    def enqueue_args(self, now: datetime) -> dict[str, Any]:
        """Keyword arguments for ``Store.enqueue`` / ``Store.replace_unpublished``."""
        return {
            "source": self.source,
            "threads": self.threads,
            "due": self.due,
            "spacing": self.spacing,
            "accounts": self.accounts,
            "subreddit": self.subreddit,
            "flair": self.flair,
            "now": now,
            "content_hash": self.content_hash,
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per thread: platform, section, posts, due (for printing the plan)."""
        return [
            {
                "platform": t.platform,
                "thread": i,
                "section": t.section,
                "posts": len(t.posts),
                "due": self.due[(t.platform, i)].isoformat(),
                "first": t.posts[0].title or t.posts[0].text if t.posts else "",
            }
            for i, t in enumerate(self.threads)
        ]


def content_hash(article: Article) -> str:
    """Hash of the article's content and options: an unchanged file hashes the same."""
    data = to_dict(article)
    data.pop("source", None)
    raw = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def accounts_for(settings: Settings) -> dict[str, str]:
    """The first configured account name per platform, else "default"."""
    bluesky = settings.bluesky[0].name if settings.bluesky else "default"
    reddit = settings.reddit[0].name if settings.reddit else "default"
    return {"bluesky": bluesky, "reddit": reddit}


def parse_platforms(text: str) -> tuple[str, ...]:
    """``"bluesky,reddit"`` -> ("bluesky", "reddit"); ConfigError for an unknown one."""
    names = tuple(dict.fromkeys(p.strip().lower() for p in text.split(",") if p.strip()))
    for name in names:
        if name not in PLATFORMS:
            raise ConfigError(f"unknown platform {name!r} (use {', '.join(PLATFORMS)})", key="--to")
    if not names:
        raise ConfigError("no platform given", key="--to")
    return names


def _platforms(settings: Settings, article: Article, choices: Choices) -> tuple[str, ...]:
    chosen = choices.platforms or article.options.platforms
    if chosen:
        return parse_platforms(",".join(chosen))
    configured = tuple(p for p in PLATFORMS if getattr(settings, p))
    return configured or PLATFORMS


def build_plan(
    store: Any,
    settings: Settings,
    article: Article,
    source: str,
    *,
    now: datetime,
    choices: Choices = Choices(),
    ignore: Collection[datetime] = (),
) -> Planned:
    """Compile ``article`` for each platform and give each thread its due time.

    ``ignore`` are due times that do not count as taken (the article's own, on re-plan).
    """
    platforms = _platforms(settings, article, choices)
    accounts = accounts_for(settings)
    subreddit, flair, link_post = _reddit_choices(settings, article, choices, platforms)
    publish_at = choices.at or article.options.publish_at
    if publish_at is not None and publish_at.tzinfo is None:
        publish_at = publish_at.replace(tzinfo=zone(settings.timezone))
    if publish_at is not None and publish_at < now:
        if not choices.allow_past:
            iso = publish_at.astimezone(UTC).isoformat()
            raise ConfigError(f"{iso} is in the past (use --now to queue it anyway)", key="--at")
        publish_at = now
    every = _every(choices.every or settings.every)
    threads: list[ThreadDraft] = []
    due: dict[tuple[str, int], datetime] = {}
    for platform in platforms:
        compiled = compile_article(
            article,
            platform,
            thread_mode=choices.mode,
            counters=settings.counters,
            utm=settings.utm,
            link_post=link_post,
            max_posts=settings.max_posts_per_thread,
            overflow_mode=settings.overflow,  # type: ignore[arg-type]
        )
        taken = store.taken_slots(accounts[platform], platform, now, now + HORIZON)
        times = plan(
            compiled,
            now=now,
            settings=settings,
            every=every,
            publish_at=publish_at,
            taken=set(taken) - set(ignore),
        )
        for thread, when in zip(compiled, times, strict=True):
            due[(platform, len(threads))] = when
            threads.append(thread)
    return Planned(
        article, source, tuple(threads), due, accounts, subreddit, flair, content_hash(article)
    )


def _every(text: str) -> timedelta | None:
    try:
        return parse_every(text)
    except ValueError as exc:
        raise ConfigError(str(exc), key="--every") from None


def _reddit_choices(
    settings: Settings, article: Article, choices: Choices, platforms: Sequence[str]
) -> tuple[str | None, str | None, bool]:
    account = settings.reddit[0] if settings.reddit else None
    default_sub = account.subreddits[0] if account and account.subreddits else None
    subreddit = choices.subreddit or article.options.subreddit or default_sub
    flair = choices.flair or article.options.flair or (account.flair if account else None)
    link_post = choices.link_post or (account.link_post if account else False)
    if "reddit" in platforms and not subreddit:
        raise ConfigError(
            "reddit needs a subreddit: --subreddit NAME, front-matter 'subreddit', "
            "or subreddits in the [[reddit]] config",
            key="--subreddit",
        )
    return (subreddit_name(subreddit) if subreddit else None), flair, bool(link_post)


def queue_article(
    store: Any, settings: Settings, source: str, *, now: datetime, choices: Choices = Choices()
) -> tuple[int, Planned]:
    """Read, compile, plan and enqueue one article (one transaction); its id and plan."""
    deadline = parse_duration(settings.fetch_deadline).total_seconds()
    policy = FetchPolicy(
        max_bytes=MAX_BYTES, allow_private=settings.allow_private_fetch, deadline=deadline
    )
    article = read_source(source, policy=policy)
    planned = build_plan(store, settings, article, source, now=now, choices=choices)
    article_id = store.enqueue(article, **planned.enqueue_args(now))
    return int(article_id), planned


@dataclass
class SyncReport:
    """What ``sync_folder`` did, file by file."""

    added: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file was read and stored."""
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }


def article_files(folder: str) -> list[str]:
    """Article files under ``folder`` (sorted; hidden files and folders skipped)."""
    root = Path(folder)
    if not root.is_dir():
        raise ConfigError(f"no such folder: {folder}", key="posts_dir")
    found = [
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in ARTICLE_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return [str(p) for p in sorted(found)]


def sync_folder(
    store: Any, settings: Settings, path: str | None = None, *, now: datetime
) -> SyncReport:
    """Import every article file under ``path`` (default ``settings.posts_dir``).

    Unchanged files (same content hash) are left alone; a changed file re-plans its
    unpublished threads and keeps published ones; a file that fails is reported and
    the rest still import. A past front-matter ``publish_at`` means "due now". A missing
    folder is a ConfigError when ``path`` is given, and an empty report otherwise.
    """
    report = SyncReport()
    if path is None and not Path(settings.posts_dir).is_dir():
        return report  # the daemon's periodic sync: no posts folder, nothing to import
    for file in article_files(path or settings.posts_dir):
        try:
            _sync_file(store, settings, file, now, report)
        except BotError as exc:
            report.failed.append({"path": file, "reason": str(exc)})
    return report


def _sync_file(store: Any, settings: Settings, file: str, now: datetime, rep: SyncReport) -> None:
    article = read_source(file)
    digest = content_hash(article)
    existing = store.find_article_by_source(os.path.abspath(file))
    choices = Choices(allow_past=True)
    if existing is None:
        planned = build_plan(store, settings, article, file, now=now, choices=choices)
        article_id = store.enqueue(article, **planned.enqueue_args(now))
        rep.added.append(
            {"path": file, "article": int(article_id), "threads": len(planned.threads)}
        )
        return
    view = store.get_article(existing)
    if view.content_hash == digest:
        rep.unchanged.append(file)
        return
    own = [p.due_at for p in view.posts if p.seq == 0]
    planned = build_plan(store, settings, article, file, now=now, choices=choices, ignore=own)
    result = store.replace_unpublished(existing, article, **planned.enqueue_args(now))
    rep.updated.append({"path": file, "article": existing, **result})
