"""`sharebot publish`: publish one article now, through the daemon's claim path.

The article is read, compiled, queued as due now and published by
:class:`bot.publish.Publisher` restricted to its article id, so a daemon running
on the same store can never send one of its posts twice (both go through
leases). ``--dry-run`` prints the exact records (Bluesky) and forms (Reddit)
the adapters' pure ``build_*`` functions make, and sends nothing.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from bot.article import Article
from bot.commands.run import load_settings, open_settings_store
from bot.config import Settings
from bot.errors import ConfigError
from bot.platforms.base import Ref
from bot.publish import Outcome
from bot.threads import ThreadDraft

PENDING = Ref("at://pending/parent", "pending", "")


def compile_for(
    article: Article, settings: Settings, platforms: tuple[str, ...]
) -> list[ThreadDraft]:
    """Every platform's threads, in order (bluesky first, then reddit)."""
    from bot.compile import compile_article

    threads: list[ThreadDraft] = []
    for platform in platforms:
        link_post = any(a.link_post for a in settings.reddit[:1]) if platform == "reddit" else False
        threads += compile_article(
            article, platform, counters=settings.counters, utm=settings.utm, link_post=link_post,
            max_posts=settings.max_posts_per_thread, overflow_mode=settings.overflow,  # type: ignore[arg-type]
        )  # fmt: skip
    return threads


def enqueue_now(store: Any, article: Article, source: str, settings: Settings,
                threads: list[ThreadDraft], now: datetime) -> int:  # fmt: skip
    """Queue ``threads`` due now on each platform's first account; the article id."""
    accounts = {p: names[0] for p, names in _accounts(settings).items()}
    counters: dict[str, int] = {}
    due: dict[tuple[str, int], datetime] = {}
    for i, thread in enumerate(threads):
        due[(thread.platform, i)] = now + timedelta(microseconds=counters.get(thread.platform, 0))
        counters[thread.platform] = counters.get(thread.platform, 0) + 1
    reddit = settings.reddit[0] if settings.reddit else None
    subreddit = article.options.subreddit
    return int(
        store.enqueue(
            article, source=source, threads=threads, due=due, spacing=timedelta(0),
            accounts=accounts,
            subreddit=subreddit or (reddit.subreddits[0] if reddit and reddit.subreddits else None),
            flair=reddit.flair if reddit else None, now=now,
        )
    )  # fmt: skip


def _accounts(settings: Settings) -> dict[str, list[str]]:
    from bot.daemon import accounts_of

    return accounts_of(settings)


def dry_run_records(threads: list[ThreadDraft], subreddit: str | None) -> list[dict[str, Any]]:
    """What each post would send: Bluesky records and Reddit forms (parents pending)."""
    from bot.commands.preview import embed_json

    out: list[dict[str, Any]] = []
    for thread in threads:
        module = importlib.import_module(f"bot.platforms.{thread.platform}")
        for n, draft in enumerate(thread.posts):
            if thread.platform == "bluesky":
                body = module.build_record(
                    draft, created_at="<claim time>", root=PENDING if n else None,
                    parent=PENDING if n else None,
                    facets=[f.to_lexicon() for f in draft.facets], embed=embed_json(draft.embed),
                )  # fmt: skip
            elif draft.kind == "submission":
                body = module.build_submission(
                    draft, subreddit=subreddit or "<subreddit>", flair_id=None, flair_text=None,
                    key="<key>", nsfw=False, spoiler=False,
                )  # fmt: skip
            else:
                body = module.build_comment(draft, parent_fullname="<parent>", key="<key>")
            out.append({"platform": thread.platform, "section": thread.section, "body": body})
    return out


@click.command()
@click.argument("source")
@click.option("--to", "targets", multiple=True, type=click.Choice(["bluesky", "reddit"]),
              help="Only these platforms (repeatable). Default: every configured one.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the outcome as JSON: article, posts, share links.")  # fmt: skip
@click.pass_context
def publish(
    ctx: click.Context,
    source: str,
    targets: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Publish one article now: FILE, URL or the id of a queued ARTICLE.

    Prints every post's web URL and the article's share links; exits 1 if any
    post failed, with the reasons.

    \b
    Example:
      sharebot publish posts/china-russia-partnership.txt --to bluesky --yes
    """
    from bot.readers import read_source

    if dry_run:
        settings = load_settings(ctx)
        article = read_source(source)
        platforms = targets or tuple(_accounts(settings)) or ("bluesky", "reddit")
        threads = compile_for(article, settings, platforms)
        sub = (
            settings.reddit[0].subreddits[0]
            if settings.reddit and settings.reddit[0].subreddits
            else None
        )
        click.echo(json.dumps(dry_run_records(threads, sub), indent=2, ensure_ascii=False))
        return
    settings, store = open_settings_store(ctx)
    try:
        article_id, links = _queue(store, settings, source, targets, yes)
        outcomes = _publish(store, settings, article_id, targets, show_progress=not as_json)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(_as_json(article_id, outcomes, links), indent=2, ensure_ascii=False))
    else:
        _report(outcomes, links)
    if any(o.state != "published" for o in outcomes) or not outcomes:
        ctx.exit(1)


def _queue(
    store: Any, settings: Settings, source: str, targets: tuple[str, ...], yes: bool
) -> tuple[int, dict[str, Any] | None]:
    from bot.links import share_links
    from bot.readers import read_source

    ident = source.lower().removeprefix("a")
    if ident.isdigit():  # 12 or a12, as `sharebot queue` prints it
        view = store.get_article(int(ident))
        _due_now(store, int(ident), targets)
        return int(ident), getattr(view, "share_links", None)
    article = read_source(source)
    platforms = targets or tuple(_accounts(settings))
    if not platforms:
        raise ConfigError("no Bluesky or Reddit account is configured")
    missing = [p for p in platforms if p not in _accounts(settings)]
    if missing:
        raise ConfigError(f"--to {missing[0]}: no {missing[0]} account is configured")
    threads = compile_for(article, settings, platforms)
    posts = sum(len(t.posts) for t in threads)
    if not yes:
        click.confirm(f"Publish {posts} posts of {article.title!r} to {', '.join(platforms)} now?",
                      abort=True, err=True)  # fmt: skip
    now = datetime.now(UTC)
    return enqueue_now(store, article, source, settings, threads, now), share_links(
        article, utm=settings.utm
    )


def _due_now(store: Any, article_id: int, targets: tuple[str, ...]) -> None:
    """Make every queued/failed post of a queued article due now (each keeps its thread order:
    a reply is still claimed only after its parent is published)."""
    now = datetime.now(UTC)
    for post in store.list_posts(article=article_id, limit=100_000):
        if post.state in ("queued", "failed") and (not targets or post.platform in targets):
            store.reschedule(f"p{post.id}", now)


def _publish(
    store: Any,
    settings: Settings,
    article_id: int,
    targets: tuple[str, ...],
    *,
    show_progress: bool = True,
) -> list[Outcome]:
    from bot.daemon import build_publisher

    publisher = build_publisher(store, settings)
    display: AbstractContextManager[Callable[[Outcome], None] | None] = (
        _progress(store, article_id) if show_progress else nullcontext(None)
    )
    try:
        with display as seen:
            return publisher.run_until_idle(
                article_id=article_id, platforms=targets or None, on_outcome=seen
            )
    finally:
        publisher.close()


@contextmanager
def _progress(store: Any, article_id: int) -> Iterator[Callable[[Outcome], None]]:
    """A progress bar over the article's unpublished posts; yields the per-post callback."""
    from rich.progress import Progress

    total = sum(
        1 for p in store.list_posts(article=article_id, limit=100_000) if p.state != "published"
    )
    with Progress(transient=False) as progress:
        task = progress.add_task("publishing", total=total or None)

        def seen(outcome: Outcome) -> None:
            label = outcome.ref.url if outcome.ref else outcome.error
            progress.console.print(
                f"post {outcome.post_id} {outcome.platform}: {outcome.state} {label}",
                soft_wrap=True,
            )
            progress.advance(task)

        yield seen


def _report(outcomes: list[Outcome], links: Any) -> None:
    published = sorted((o for o in outcomes if o.state == "published" and o.ref), key=_order)
    if published:
        click.echo("\npublished:")
    for o in published:
        assert o.ref is not None
        click.echo(f"  {o.platform:8} {o.ref.url}")
    failed = [o for o in outcomes if o.state != "published"]
    for o in failed:
        click.echo(
            f"FAILED post {o.post_id} ({o.platform}/{o.account}): {o.state}: {o.error}", err=True
        )
    if not outcomes:
        click.echo("nothing was due for this article (already published, or waiting)", err=True)
    if isinstance(links, dict) and "article" in links:
        click.echo("\nshare links:")
        for line in share_link_lines(links):
            click.echo(line)
    elif links:
        click.echo(json.dumps({"share_links": links}, indent=2, ensure_ascii=False, default=str))


def _as_json(article_id: int, outcomes: list[Outcome], links: Any) -> dict[str, Any]:
    posts = [
        {
            "post": f"p{o.post_id}",
            "platform": o.platform,
            "account": o.account,
            "state": o.state,
            "url": o.ref.url if o.ref else None,
            "uri": o.ref.uri if o.ref else None,
            "error": o.error or None,
        }
        for o in sorted(outcomes, key=_order)
    ]
    return {"article": article_id, "posts": posts, "share_links": links}


def _order(o: Outcome) -> tuple[str, int]:
    return (o.platform, o.post_id)


def share_link_lines(links: dict[str, Any], limit: int | None = None) -> list[str]:
    """Readable share links: the article's, then each headed section's (at most ``limit``)."""
    sections = [s for s in links["sections"] if s.get("heading")]
    entries = [("article", links["article"])] + [(s["heading"], s) for s in sections[:limit]]
    lines: list[str] = []
    for label, entry in entries:
        lines.append(f"  {label}" + (f"  {entry['url']}" if entry.get("url") else ""))
        lines.append(f"    Bluesky: {entry['bluesky_intent']}")
        lines.append(f"    Reddit:  {entry['reddit_submit']}")
    if limit is not None and len(sections) > limit:
        lines.append(f"  … and {len(sections) - limit} more sections")
    return lines
