"""Evergreen articles: shared again on Bluesky every so often as a quote post of one of
their threads' roots, with a fresh lead (the title, then section headings; never a copy of
an earlier post), in the next free slot outside quiet hours, at most ``max_reshares``
times. Re-shares are ordinary posts (exactly once, in the queue, cancellable). Reddit gets
none: communities remove reposts. The section readers engaged with most (engagement stats)
is the one quoted; before any engagement the sections take turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.app.plan import Choices, Plan
from bot.article import Article, from_dict
from bot.config import Settings, parse_duration
from bot.errors import ConfigError
from bot.richtext import cut_graphemes
from bot.schedule import next_slots, outside_quiet
from bot.store import PostView, Store
from bot.store.evergreen import Evergreen
from bot.threads import BLUESKY_LIMITS, PostDraft, QuoteEmbed, ThreadDraft

DEFAULT_MAX_RESHARES = 3
LEADS = ("Worth another read: {}", "From the archive: {}", "In case you missed it: {}")


def parse_evergreen(text: str, where: str = "--evergreen") -> timedelta:
    """``"30d"`` -> timedelta; ConfigError naming the option otherwise."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise ConfigError(str(exc), key=where) from None


@dataclass(frozen=True)
class Choice:
    """How often an article is shared again, and how many times at most."""

    every: timedelta
    max_reshares: int


def choice(choices: Choices, article: Article) -> Choice | None:
    """The evergreen choice of the command line, else front-matter; None when neither."""
    text = choices.evergreen or article.options.evergreen
    if not text:
        return None
    most = choices.max_reshares
    if most is None:
        most = article.options.max_reshares
    return Choice(parse_evergreen(text), DEFAULT_MAX_RESHARES if most is None else most)


def mark(store: Store, article_id: int, plan: Plan, green: Choice) -> None:
    """Make a just-queued article evergreen: the first re-share ``every`` after its first
    Bluesky thread is due."""
    firsts = [due for (platform, _), due in plan.due.items() if platform == "bluesky"]
    if firsts:
        store.set_evergreen(article_id, green.every, green.max_reshares, min(firsts) + green.every)


def _roots(store: Store, article_id: int) -> list[PostView]:
    """The article's published Bluesky thread roots, in thread order (re-shares left out)."""
    posts = store.get_article(article_id).posts
    return sorted(
        (p for p in posts if p.platform == "bluesky" and p.seq == 0 and p.state == "published"
         and p.uri and p.cid and not isinstance(p.draft.embed, QuoteEmbed)),
        key=lambda p: p.thread_id,
    )  # fmt: skip


def reshare_due(store: Store, settings: Settings, now: datetime) -> list[int]:
    """Queue the re-shares that are due; the ids of the articles re-shared."""
    done = []
    for item in store.due_reshares(now):
        roots = _roots(store, item.article_id)
        if roots and _queue_one(store, settings, item, roots, now):
            done.append(item.article_id)
    return done


def best_section(store: Store, article_id: int) -> int | None:
    """The section whose Bluesky posts readers engaged with most (likes + reposts + replies +
    quotes in each post's newest stats snapshot); None before any engagement."""
    totals: dict[int, int] = {}
    for row in store.newest_snapshots(article_id):
        if row.newest == 1 and row.platform == "bluesky":
            counts = row.counts
            found = (counts.likes, counts.reposts, counts.replies, counts.quotes)
            totals[row.section] = totals.get(row.section, 0) + sum(n or 0 for n in found)
    if not totals or max(totals.values()) == 0:
        return None
    return max(sorted(totals), key=lambda section: totals[section])


def _queue_one(
    store: Store, settings: Settings, item: Evergreen, roots: list[PostView], now: datetime
) -> bool:
    sections = store.thread_sections(item.article_id)
    best = best_section(store, item.article_id)
    favourites = [r for r in roots if sections.get(r.thread_id) == best]
    root = favourites[0] if favourites else roots[item.reshares % len(roots)]
    view = store.get_article(item.article_id)
    article = from_dict(dict(view.data))
    section = sections.get(root.thread_id, 0)
    heading = article.sections[section].heading if section < len(article.sections) else None
    subject = article.title if (item.reshares == 0 and not favourites) or not heading else heading
    lead = LEADS[item.reshares % len(LEADS)]
    limit = (BLUESKY_LIMITS.max_graphemes or 300) - len(lead)
    text = lead.format(cut_graphemes(subject, limit))
    langs = (article.lang,) if article.lang else ()
    post = PostDraft(text, embed=QuoteEmbed(root.uri or "", root.cid or ""), langs=langs)
    thread = ThreadDraft("bluesky", section, (post,))
    taken = store.taken_slots(root.account, "bluesky", now, now + timedelta(days=60))
    (slot,) = next_slots(now, 1, tz=settings.tz, slots=settings.slots, taken=taken)
    (due,) = outside_quiet([slot], settings.quiet_hours, settings.tz, None)
    return store.queue_reshare(item, thread, account=root.account, due=due, now=now)
