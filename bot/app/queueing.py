"""Queue articles: guards against floods and duplicates, then one store transaction.

``queue add``, ``sync``, ``publish`` and the sandbox all come through :func:`add_article`
(or :func:`sync_folder`, which re-plans changed files), so one file is hashed, planned and
guarded the same way whichever face read it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from bot.app import evergreen
from bot.app.plan import Choices, Plan, build_plan, read_article
from bot.article import Article, content_hash
from bot.config import Settings
from bot.errors import BotError, ConfigError
from bot.readers.frontmatter import front_matter_warnings
from bot.store import ArticleView, Store

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


class GuardError(BotError):
    """A plan refused before anything was written (``kind``: "duplicate" or "flood");
    the editor may insist (``--again`` / ``--force``)."""

    exit_code = 2

    def __init__(self, message: str, *, kind: Literal["duplicate", "flood"]) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Existing:
    """An article already in the store that a new one duplicates."""

    article_id: int
    states: dict[str, int]
    reason: str  # "same content" or "same URL"

    def describe(self) -> str:
        """``a12 (published: 30, queued: 4)``."""
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(self.states.items())) or "no posts"
        return f"a{self.article_id} ({counts})"


@dataclass(frozen=True)
class Queued:
    """An article written to the store."""

    article_id: int
    plan: Plan
    warnings: tuple[str, ...] = ()


def find_existing(store: Store, article: Article) -> Existing | None:
    """The article already stored with the same content hash or canonical URL."""
    found = store.find_article_by_hash(content_hash(article))
    reason = "same content"
    if found is None and article.url:
        found, reason = store.find_article_by_url(article.url), "same URL"
    if found is None:
        return None
    return Existing(found, store.post_states(f"a{found}"), reason)


def check_guards(
    store: Store, settings: Settings, plan: Plan, *, again: bool = False, force: bool = False
) -> None:
    """GuardError when the article is already queued/published (unless ``again``) or the
    plan is over ``max_posts_per_article`` (unless ``force``)."""
    if not again:
        existing = find_existing(store, plan.article)
        if existing is not None:
            raise GuardError(
                f"{plan.source}: already queued as {existing.describe()} ({existing.reason}); "
                "use --again to queue it once more",
                kind="duplicate",
            )
    limit = settings.max_posts_per_article
    if plan.posts > limit and not force:
        raise GuardError(
            f"{plan.source}: {plan.posts} posts in {len(plan.threads)} threads is over "
            f"max_posts_per_article = {limit}; nothing was queued (shorten the article, "
            "raise the limit, or use --force)",
            kind="flood",
        )


def warnings_for(source: str) -> tuple[str, ...]:
    """Warnings about a local article file (unknown front-matter keys)."""
    path = Path(source)
    if "://" in source or path.suffix.lower() not in (".md", ".markdown") or not path.is_file():
        return ()
    return tuple(front_matter_warnings(path.read_text(encoding="utf-8", errors="replace"), source))


def add_article(
    store: Store,
    settings: Settings,
    source: str,
    *,
    now: datetime,
    choices: Choices | None = None,
    again: bool = False,
    force: bool = False,
    article: Article | None = None,
    submitted_by: int | None = None,
) -> Queued:
    """Read, plan, guard and enqueue one article (one transaction); ``submitted_by``: the
    desk user who submitted it."""
    article = article or read_article(source, settings)
    choices = choices or Choices()
    plan = build_plan(store, settings, article, source, now=now, choices=choices)
    green = evergreen.choice(choices, article)  # a bad value is refused before any write
    check_guards(store, settings, plan, again=again, force=force)
    return Queued(enqueue_plan(store, plan, now, green, submitted_by), plan, warnings_for(source))


def enqueue_plan(
    store: Store,
    plan: Plan,
    now: datetime,
    green: evergreen.Choice | None = None,
    submitted_by: int | None = None,
) -> int:
    """Write a checked plan (one transaction), and its evergreen re-shares; its id.
    ``submitted_by``: the desk user who submitted it."""
    article_id = store.enqueue(plan.article, **plan.enqueue_args(now), submitted_by=submitted_by)
    if green is not None:
        evergreen.mark(store, article_id, plan, green)
    return article_id


@dataclass
class SyncReport:
    """What :func:`sync_folder` did, file by file."""

    added: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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
            "warnings": self.warnings,
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
    store: Store, settings: Settings, path: str | None = None, *, now: datetime
) -> SyncReport:
    """Import every article file under ``path`` (default ``settings.posts_dir``).

    Unchanged files (same content hash) are left alone; a changed file re-plans its
    unpublished threads and keeps published ones; a file that fails (unreadable, or refused
    by a guard) is reported and the rest still import. A past front-matter ``publish_at``
    means "due now". A missing folder is a ConfigError when ``path`` is given, and an empty
    report otherwise (the daemon's periodic sync).
    """
    report = SyncReport()
    if path is None and not Path(settings.posts_dir).is_dir():
        return report
    for file in article_files(path or settings.posts_dir):
        try:
            _sync_file(store, settings, file, now, report)
        except BotError as exc:
            report.failed.append({"path": file, "reason": str(exc)})
    return report


def _sync_file(store: Store, settings: Settings, file: str, now: datetime, rep: SyncReport) -> None:
    article = read_article(file, settings)
    existing = store.find_article_by_source(os.path.abspath(file))
    choices = Choices(allow_past=True)
    if existing is None:
        queued = add_article(store, settings, file, now=now, choices=choices, article=article)
        rep.added.append(
            {"path": file, "article": queued.article_id, "threads": len(queued.plan.threads)}
        )
        rep.warnings += queued.warnings
        return
    view = store.get_article(existing)
    if view.content_hash == content_hash(article):
        rep.unchanged.append(file)
        return
    result = replan(store, settings, view, article, file, now=now, choices=choices)
    rep.updated.append({"path": file, "article": existing, **result})
    rep.warnings += warnings_for(file)


def replan(
    store: Store,
    settings: Settings,
    view: ArticleView,
    article: Article,
    source: str,
    *,
    now: datetime,
    choices: Choices,
) -> dict[str, int]:
    """A changed article: its unsent threads re-planned (same platforms as before, its own
    slots free again), its sent threads kept; the counts of each."""
    own = [p.due_at for p in view.posts if p.seq == 0]
    platforms = tuple(dict.fromkeys(p.platform for p in view.posts))  # as it was queued
    plan = build_plan(store, settings, article, source, now=now, choices=choices, ignore=own,
                      platforms=platforms)  # fmt: skip
    check_guards(store, settings, plan, again=True)
    return store.replace_unpublished(view.id, article, **plan.enqueue_args(now))
