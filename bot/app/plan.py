"""Read and plan an article: the one path behind `queue add`, `sync`, `publish`, the sandbox
(and later the desk and feeds). Pure of I/O except reading the article and the store's
taken slots; nothing is written here (see :mod:`bot.app.queueing`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app.langs import Languages
from bot.article import Article, ThreadMode, content_hash
from bot.compile import compile_article
from bot.compile.controls import Controls
from bot.compile.controls import apply as apply_controls
from bot.config import Settings, parse_every, subreddit_name
from bot.errors import ConfigError
from bot.fetch import FetchPolicy
from bot.readers import MAX_BYTES, read_source
from bot.schedule import outside_quiet, plan
from bot.store import Store
from bot.threads import LIMITS, ThreadDraft

PLATFORMS = tuple(LIMITS)
HORIZON = timedelta(days=800)  # how far ahead other articles' slots are looked up
LATEST = datetime(9000, 1, 1, tzinfo=UTC)  # later times overflow once spacing is added


@dataclass(frozen=True)
class Choices:
    """What an editor chose (None = front-matter, then configuration).

    ``immediate``: every thread due at ``at`` (or now) at once, in order — `publish`.
    ``hold``: every post waits in ``awaiting_approval`` until an editor approves it.
    """

    at: datetime | None = None
    every: str | None = None
    platforms: tuple[str, ...] | None = None
    subreddit: str | None = None
    flair: str | None = None
    mode: ThreadMode | None = None
    link_post: bool | None = None
    allow_past: bool = False
    immediate: bool = False
    evergreen: str | None = None  # share again every this long on Bluesky ("30d")
    max_reshares: int | None = None
    controls: Controls = field(default_factory=Controls)  # Bluesky controls, languages
    hold: bool = False


@dataclass(frozen=True)
class Plan:
    """Everything ``Store.enqueue`` needs for one article, and what the editor is told."""

    article: Article
    source: str
    threads: tuple[ThreadDraft, ...]
    due: dict[tuple[str, int], datetime]
    accounts: dict[str, str]
    subreddit: str | None
    flair: str | None
    content_hash: str
    spacing: timedelta = timedelta(0)
    quiet_moved: int = 0  # threads moved out of quiet hours
    notes: tuple[str, ...] = field(default=())
    state: str = "queued"  # every post's first state ("awaiting_approval" when held)

    @property
    def posts(self) -> int:
        """How many posts the plan holds."""
        return sum(len(t.posts) for t in self.threads)

    @property
    def platforms(self) -> tuple[str, ...]:
        """The platforms the plan publishes to, in order."""
        return tuple(dict.fromkeys(t.platform for t in self.threads))

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
            "state": self.state,
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per thread: platform, section, posts, due (for printing the plan)."""
        return [
            {
                "platform": t.platform,
                "thread": i,
                "section": t.section,
                "posts": len(t.posts),
                "due": self.due[(t.platform, i)],
                "first": t.posts[0].title or t.posts[0].text if t.posts else "",
            }
            for i, t in enumerate(self.threads)
        ]


def configured_accounts(settings: Settings) -> dict[str, list[str]]:
    """Configured account names per platform (the first is the platform's default)."""
    found = {
        "bluesky": [a.name for a in settings.bluesky],
        "reddit": [a.name for a in settings.reddit],
    }
    return {name: names for name, names in found.items() if names}


def default_accounts(settings: Settings) -> dict[str, str]:
    """The account each platform's threads go to: the first configured one, else "default"."""
    configured = configured_accounts(settings)
    return {p: configured[p][0] if p in configured else "default" for p in PLATFORMS}


def parse_platforms(text: str) -> tuple[str, ...]:
    """``"bluesky,reddit"`` -> ("bluesky", "reddit"); ConfigError for an unknown one."""
    names = tuple(dict.fromkeys(p.strip().lower() for p in text.split(",") if p.strip()))
    for name in names:
        if name not in PLATFORMS:
            raise ConfigError(f"unknown platform {name!r} (use {', '.join(PLATFORMS)})", key="--to")
    if not names:
        raise ConfigError("no platform given", key="--to")
    return names


def read_article(source: str, settings: Settings) -> Article:
    """Read a file or an http(s) URL with the configured fetch policy."""
    policy = FetchPolicy(
        max_bytes=MAX_BYTES,
        allow_private=settings.allow_private_fetch,
        allowed_networks=settings.fetch_networks,
        deadline=settings.fetch_deadline.total_seconds(),
    )
    return read_source(source, policy=policy)


def choose_platforms(
    settings: Settings, article: Article, choices: Choices, default: Sequence[str] = ()
) -> tuple[str, ...]:
    """Command line > front-matter > ``default`` > every configured platform > both."""
    chosen = choices.platforms or article.options.platforms
    if chosen:
        return parse_platforms(",".join(chosen))
    if default:
        return tuple(default)
    configured = tuple(p for p in PLATFORMS if getattr(settings, p))
    return configured or PLATFORMS


def build_plan(
    store: Store | None,
    settings: Settings,
    article: Article,
    source: str,
    *,
    now: datetime,
    choices: Choices = Choices(),
    ignore: Collection[datetime] = (),
    platforms: Sequence[str] = (),
) -> Plan:
    """Compile ``article`` for each platform and give each thread its due time.

    ``ignore``: due times that do not count as taken (the article's own, on re-plan);
    ``platforms``: the default when neither the command line nor front-matter chose.
    The store (for the slots other articles took) may be None with ``choices.immediate``.
    """
    chosen = choose_platforms(settings, article, choices, platforms)
    accounts = default_accounts(settings)
    subreddit, flair, link_post = _reddit_choices(settings, article, choices, chosen)
    publish_at = _first_time(settings, article, choices, now)
    every = _every(choices.every, settings)
    threads: list[ThreadDraft] = []
    due: dict[tuple[str, int], datetime] = {}
    moved = 0
    for platform in chosen:
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
        langs = Languages(article, choices.controls.lang)
        compiled = apply_controls(compiled, article, settings, choices.controls, langs=langs.of)
        if choices.immediate or store is None:
            times = [publish_at or now] * len(compiled)
        else:
            taken = store.taken_slots(accounts[platform], platform, now, now + HORIZON)
            planned = plan(compiled, now=now, settings=settings, every=every,
                           publish_at=publish_at, taken=set(taken) - set(ignore))  # fmt: skip
            times = outside_quiet(planned, settings.quiet_hours, settings.tz, every)
            moved += sum(a != b for a, b in zip(planned, times, strict=True))
        for thread, when in zip(compiled, times, strict=True):
            due[(platform, len(threads))] = when
            threads.append(thread)
    return Plan(article, source, tuple(threads), due, accounts, subreddit, flair,
                content_hash(article), quiet_moved=moved,
                state="awaiting_approval" if choices.hold else "queued")  # fmt: skip


def _first_time(
    settings: Settings, article: Article, choices: Choices, now: datetime
) -> datetime | None:
    publish_at = choices.at or article.options.publish_at
    if publish_at is None:
        return None
    if publish_at.tzinfo is None:
        publish_at = publish_at.replace(tzinfo=settings.tz)
    if publish_at >= LATEST:
        raise ConfigError(f"{publish_at:%Y-%m-%d %H:%M} is out of range", key="--at")
    if publish_at < now:
        if not choices.allow_past:
            iso = publish_at.astimezone(UTC).isoformat()
            raise ConfigError(f"{iso} is in the past (use --now to queue it anyway)", key="--at")
        return now
    return publish_at


def _every(text: str | None, settings: Settings) -> timedelta | None:
    if text is None:
        return settings.every
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
