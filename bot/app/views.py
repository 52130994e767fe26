"""Read-only use-cases: the queue (upcoming or history), one article, links, status.

None of these needs a platform secret; they open the store without creating it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.article import from_dict
from bot.config import Settings
from bot.errors import ConfigError, NotFoundError
from bot.links import share_links
from bot.store import ArticleView, PostView, Store
from bot.store.views import parse_ident

UPCOMING = ("awaiting_approval", "queued", "sending", "failed", "needs_review")
HISTORY = ("published", "cancelled", "retracted")
View = Literal["upcoming", "history", "all"]


@dataclass(frozen=True)
class Listing:
    """Posts of one queue view, in the order they are shown."""

    view: View
    posts: tuple[PostView, ...]


def list_queue(
    store: Store,
    *,
    view: View = "upcoming",
    status: str | None = None,
    platform: str | None = None,
    article: int | None = None,
    limit: int = 50,
    offset: int = 0,
    account: str | None = None,
) -> Listing:
    """Upcoming posts by due time (default), the history newest first, or everything.
    ``status`` narrows any view to one state."""
    if article is not None:
        store.get_article(article)  # NotFoundError for an unknown article
    states = {"upcoming": UPCOMING, "history": HISTORY, "all": None}[view]
    if status is not None:
        states = None
    posts = store.list_posts(
        status=status, platform=platform, article=article, limit=limit, offset=offset,
        states=states, newest_first=view == "history", account=account,
    )  # fmt: skip
    return Listing(view, tuple(posts))


def threads_between(store: Store, start: datetime, end: datetime) -> tuple[PostView, ...]:
    """The first post of each thread due in [start, end), cancelled ones left out."""
    found = store.list_posts(states=(*UPCOMING, "published"), limit=2000, due_from=start,
                             due_to=end, first_only=True)  # fmt: skip
    return tuple(found)


def show(store: Store, ident: str) -> ArticleView:
    """The article named by ``a12``/``12``, or the article of post ``p56``."""
    try:
        kind, number = parse_ident(ident, bare="article")
    except NotFoundError as exc:
        raise ConfigError(str(exc), key="ID") from None
    if kind == "thread":
        raise ConfigError(f"{ident!r}: show takes an article (a12) or a post (p56)", key="ID")
    if kind == "post":
        number = store.get_post(number).article_id
    return store.get_article(number)


def article_links(view: ArticleView, settings: Settings) -> dict[str, Any]:
    """Share links of a stored article (article and sections) as ``bot.links`` gives them."""
    return share_links(from_dict(dict(view.data), source=view.source), utm=settings.utm)


@dataclass(frozen=True)
class Links:
    """An article's share links and the web URL of every published post."""

    article_id: int
    title: str
    share_links: Mapping[str, Any]
    posts: tuple[PostView, ...]


def links(store: Store, settings: Settings, article_id: int) -> Links:
    """Share links (article, sections) and published posts of one article."""
    view = store.get_article(article_id)
    published = tuple(p for p in view.posts if p.state == "published")
    return Links(view.id, view.title, article_links(view, settings), published)


@dataclass(frozen=True)
class Status:
    """Counts by state, the next due time, accounts and daemon heartbeats."""

    counts: Mapping[str, int]
    next_due: datetime | None
    accounts: tuple[Mapping[str, Any], ...]
    daemons: tuple[Mapping[str, Any], ...]
    feeds: tuple[Mapping[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (times as ISO 8601 UTC)."""
        return {
            "counts": dict(self.counts),
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "accounts": [_jsonable(a) for a in self.accounts],
            "daemons": [_jsonable(d) for d in self.daemons],
            "feeds": [_jsonable(f) for f in self.feeds],
        }


def status(store: Store) -> Status:
    """What is queued, sent and blocked, and which daemons are alive."""
    return Status(
        store.counts(),
        store.next_due(),
        tuple(store.account_status()),
        tuple(store.daemons()),
        tuple(
            {
                "url": f.url,
                "last_poll": f.last_poll_at,
                "next_poll": f.next_poll_at,
                "last_error": f.last_error,
                "failures": f.failures,
                "articles": f.articles,
            }
            for f in store.list_feeds()
        ),
    )


def _jsonable(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
